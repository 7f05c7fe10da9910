public import LaneCoordinatorCore
public import LaneCore
import LaneMQTT
public import LaneSite
import LaneWire
public import Logging

/// The coordinator service: the `CoordinatorCore` on the site's broker. It keeps only what the
/// core cannot: the MQTT client, the journal, the clock and the ticker. Every message is decoded
/// into the core's input and handled on this actor, one at a time, in arrival order; the
/// effects the core returns are performed in order: journal entries are committed before the
/// messages after them are published, and an authority whose journal write failed is not
/// published (stops are: stopping is always safe). Every publish is queued in order with the
/// MQTT client, so the messages to one truck leave in the order the core decided them.
public actor Coordinator {
    /// The configuration.
    public let configuration: CoordinatorConfiguration
    /// The site.
    public let site: Site
    let client: MQTTClient
    let clock: SiteClock
    let logger: Logger
    var core: CoordinatorCore
    /// What this actor counts itself: publishes and journal writes (the rest is the core's).
    var published = 0
    var publishFailures = 0
    var journalFailures = 0
    /// The metrics (`/metrics`).
    let metrics: CoordinatorMetrics
    /// The journal, if configured.
    let store: Journal?
    let encoder = WireEncoder()

    /// A coordinator for `site`; nothing happens until `run()`.
    public init(
        configuration: CoordinatorConfiguration, site: Site, logger: Logger = Logger(label: "lane-coordinator"),
        metrics: CoordinatorMetrics = .none
    ) throws {
        self.metrics = metrics
        store = try configuration.journalPath.map { try Journal(path: $0) }
        self.configuration = configuration
        self.site = site
        self.logger = logger
        clock = SiteClock(scale: configuration.timeScale, origin: configuration.clockOrigin)
        let startedAt = clock.now()
        core = CoordinatorCore(settings: configuration.settings, site: site, startedAt: startedAt)
        // The last will is the retained offline status.
        let offline = CoordinatorStatus(
            headerId: 0, timestamp: WireTimestamp.format(secondsSince1970: startedAt), siteId: configuration.siteId, state: .offline,
            since: WireTimestamp.format(secondsSince1970: startedAt))
        var broker = configuration.broker
        broker.will = MQTTWill(
            MQTTOutbound(
                topic: CoordinatorTopic.status, payload: (try? WireEncoder().encode(offline)) ?? [], qos: .atLeastOnce, retain: true,
                properties: MQTTProperties(contentType: "application/json")))
        client = try MQTTClient(broker)
    }

    // MARK: running

    /// Connects, subscribes, recovers from the journal, announces itself, and handles messages
    /// and ticks until the client is closed by `shutdown()`.
    public func run() async throws {
        try await client.connect()
        try await subscribe()
        let recovery = try store?.recover()
        perform(.started(recovery))
        let ticker = Task { [configuration] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(configuration.tickInterval))
                self.perform(.tick)
            }
        }
        defer { ticker.cancel() }
        for await message in client.messages { handle(message) }
    }

    func subscribe() async throws {
        let interface = configuration.interfaceName
        try await client.subscribe(VDA5050Topic.everyTruck(interfaceName: interface, kind: .state), qos: .atMostOnce)
        try await client.subscribe(VDA5050Topic.everyTruck(interfaceName: interface, kind: .connection), qos: .atLeastOnce)
        try await client.subscribe(VDA5050Topic.everyTruck(interfaceName: interface, kind: .factsheet), qos: .atLeastOnce)
        try await client.subscribe(CoordinatorTopic.dispatch, qos: .atLeastOnce)
        try await client.subscribe(CoordinatorTopic.operatorRequests, qos: .atLeastOnce)
    }

    /// Stops every truck where it can stop, announces "offline" and disconnects (the last will is
    /// not needed: the status says it).
    public func shutdown() async {
        perform(.shutdown)
        await client.close()
    }

    // MARK: inbound

    func handle(_ message: MQTTInboundMessage) {
        let started = ContinuousClock.now
        let before = published
        let replyTo = message.properties.responseTopic.map {
            ReplyAddress(topic: $0, correlationData: message.properties.correlationData)
        }
        perform(core.input(from: InboundMessage(topic: message.topic, payload: message.payload, replyTo: replyTo)))
        // The latency of an answer: from the message to the last publish it caused.
        if published > before {
            let elapsed = (ContinuousClock.now - started).components
            metrics.grantLatency.recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
        }
    }

    // MARK: effects

    /// Hands `input` to the core at the site time now and performs what it returns, in the order
    /// `EffectSequence` gives (journal first; a follow-up input at the same instant).
    func perform(_ input: CoordinatorInput) {
        let now = clock.now()
        var steps = EffectSequence(core.handle(input, now: now))
        while let step = steps.next() {
            switch step {
            case .journal(let entries): steps.journalWritten(write(entries))
            case .handle(let followUp): steps.insert(core.handle(followUp, now: now))
            case .perform(.publish(let publication)): publish(publication)
            case .perform(.history(let query)):
                let crossings = (try? store?.crossings(from: query.from, to: query.to)) ?? []
                let entries = (try? store?.entries(from: query.from, to: query.to, excluding: [JournalKind.authority])) ?? []
                if let reply = query.reply(crossings: crossings, entries: entries) { publish(reply) }
            case .perform(.log(let line)):
                logger.log(level: line.level, "\(line.message)", metadata: line.metadata.mapValues { .string($0) })
            case .perform(.metric(let change)): record(change)
            case .perform: break  // journal and ifJournaled are steps of their own
            }
        }
    }

    /// Commits entries to the journal; false (logged, counted) if it cannot.
    func write(_ entries: [JournalEntry]) -> Bool {
        guard let store, !entries.isEmpty else { return true }
        do {
            try store.append(entries)
            return true
        } catch {
            journalFailures += 1
            logger.critical("journal write failed: authorities are not sent", metadata: ["error": "\(error)"])
            return false
        }
    }

    func publish(_ publication: Publication) {
        do throws(MQTTError) {
            let payload: [UInt8]
            do {
                payload = try publication.message.payload(encoder)
            } catch {
                publishFailures += 1
                return logger.error("message not encodable", metadata: ["topic": "\(publication.topic)", "error": "\(error)"])
            }
            let properties =
                publication.message.isCleared
                ? MQTTProperties()
                : MQTTProperties(
                    messageExpiry: publication.expiry, contentType: "application/json", correlationData: publication.correlationData)
            try client.send(
                MQTTOutbound(
                    topic: publication.topic, payload: payload, qos: publication.delivery == .atMostOnce ? .atMostOnce : .atLeastOnce,
                    retain: publication.retain, properties: properties))
            published += 1
        } catch .notConnected {
            // Without a connection: dropped; the connection events say why.
            publishFailures += 1
        } catch {
            publishFailures += 1
            logger.error("publish failed", metadata: ["topic": "\(publication.topic)", "error": "\(error)"])
        }
    }

    func record(_ change: MetricChange) {
        switch change {
        case .stateAccepted(let age):
            metrics.statesAccepted.increment()
            metrics.stateAge.record(age)
        case .authorityResent: metrics.resends.increment()
        case .emergencyStop: metrics.emergencyStops.increment()
        case .tripCompleted: metrics.tripsCompleted.increment()
        case .rejected(let reason): metrics.rejected(reason)
        case .stationPassed(let zone): metrics.stationPassed(zone.rawValue)
        }
    }

    // MARK: for tests and operators

    /// The counters so far: the core's, with this actor's publishes and journal failures.
    public var statistics: CoordinatorCounters {
        var counters = core.counters
        counters.published = published
        counters.publishFailures = publishFailures
        counters.journalFailures = journalFailures
        return counters
    }

    /// Sets the gauges (stale trucks, active authorities) from the core, before a scrape.
    public func refreshGauges() {
        metrics.staleTrucks.record(core.scheduler.staleTrucks.count)
        metrics.activeAuthorities.record(core.activeAuthorities(at: clock.now()))
    }

    /// What `/health` reports: healthy when connected and online (not recovering).
    public func health() -> (healthy: Bool, state: String, connected: Bool, trucks: Int, stale: Int) {
        let connected = client.isConnected
        return (connected && core.state == .online, core.state.rawValue, connected, core.trucks.count, core.scheduler.staleTrucks.count)
    }

    /// What the core knows of a truck now.
    public func snapshot(of truck: TruckID) -> TruckSnapshot? { core.snapshot(of: truck) }
}
