public import LaneCoordinatorCore
public import LaneCore
import LaneMQTT
import LanePostgres
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
///
/// One of a standby pair (a PostgreSQL journal, `configuration.database`), it starts as a
/// standby: it announces itself on its own status topic, keeps the trips dispatched meanwhile,
/// and tries to take the site's lease. Once it holds it, it recovers from the journal as a
/// restarted coordinator does (every truck keeps the authority the journal says it holds),
/// hands the core the kept trips the journal does not know, and runs as the active, renewing the
/// lease. A coordinator whose lease was taken (fenced) stops at once: its writes fail, so it
/// can publish no authority, and `run()` ends with `CoordinatorError.fenced`.
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
    /// The site's lease, for an instance of a standby pair.
    let lease: LeaderLease?
    /// The epoch of the lease this instance holds; nil while it is a standby.
    var epoch: UInt64?
    /// Why this instance stopped being the active (its lease was taken, or could not be renewed).
    var fencedReason: String?
    /// When the lease was last renewed.
    var lastRenewal = ContinuousClock.now
    /// Trips dispatched while this instance was a standby, with when they arrived.
    var keptDispatches: [(at: ContinuousClock.Instant, message: MQTTInboundMessage)] = []
    var instanceHeaderId: UInt64 = 0

    /// A coordinator for `site`; nothing happens until `run()`.
    public init(
        configuration: CoordinatorConfiguration, site: Site, logger: Logger = Logger(label: "lane-coordinator"),
        metrics: CoordinatorMetrics = .none
    ) throws {
        self.metrics = metrics
        if let database = configuration.database {
            let connection = try PostgresConnection(database)
            let lease = try LeaderLease(
                connection: connection, site: configuration.siteId, holder: configuration.instance, duration: configuration.leaseDuration)
            self.lease = lease
            store = try Journal(postgres: connection, lease: lease)
        } else {
            lease = nil
            store = try configuration.journalPath.map { try Journal(path: $0) }
        }
        self.configuration = configuration
        self.site = site
        self.logger = logger
        clock = SiteClock(scale: configuration.timeScale, origin: configuration.clockOrigin)
        let startedAt = clock.now()
        core = CoordinatorCore(settings: configuration.settings, site: site, startedAt: startedAt)
        // The last will is the retained offline status: the site's for a single coordinator, the
        // instance's own for one of a pair (its death must not mark the site offline while
        // another instance is active).
        let offline = CoordinatorStatus(
            headerId: 0, timestamp: WireTimestamp.format(secondsSince1970: startedAt), siteId: configuration.siteId, state: .offline,
            since: WireTimestamp.format(secondsSince1970: startedAt), instance: configuration.isPaired ? configuration.instance : nil)
        var broker = configuration.broker
        broker.will = MQTTWill(
            MQTTOutbound(
                topic: configuration.isPaired ? CoordinatorTopic.instanceStatus(configuration.instance) : CoordinatorTopic.status,
                payload: (try? WireEncoder().encode(offline)) ?? [], qos: .atLeastOnce, retain: true,
                properties: MQTTProperties(contentType: "application/json")))
        client = try MQTTClient(broker)
    }

    // MARK: running

    /// Connects, subscribes, recovers from the journal, announces itself, and handles messages
    /// and ticks until the client is closed by `shutdown()`. One of a standby pair first waits as
    /// a standby until it takes the site's lease; it ends with `CoordinatorError.fenced` if it
    /// loses the lease.
    public func run() async throws {
        try await client.connect()
        let connection = Task { [client] in
            for await event in client.connectionEvents.dropFirst() { self.brokerConnection(event) }
        }
        defer { connection.cancel() }
        var leadership: Task<Void, Never>?
        if let lease {
            publishInstanceStatus(.online, role: .standby)
            try await client.subscribe(CoordinatorTopic.dispatch, qos: .atLeastOnce)
            logger.notice("standby: waiting for the site's lease", metadata: ["instance": "\(configuration.instance)"])
            leadership = Task { [configuration] in
                while !Task.isCancelled {
                    let active = self.leaseStep(lease)
                    try? await Task.sleep(for: .seconds(configuration.leaseDuration / (active ? 3 : 5)))
                }
            }
        } else {
            try await subscribe()
            let recovery = try store?.recover()
            perform(.started(recovery))
        }
        let ticker = Task { [configuration] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(configuration.tickInterval))
                self.tick()
            }
        }
        defer {
            ticker.cancel()
            leadership?.cancel()
        }
        for await message in client.messages { handle(message) }
        if let fencedReason { throw CoordinatorError.fenced(fencedReason) }
    }

    /// The broker connection changed after the first connection: logged; back without the
    /// session (on another node of a clustered broker, or a broker that lost its state), the
    /// retained statuses are published again (the client restores the subscriptions itself).
    func brokerConnection(_ event: MQTTConnectionEvent) {
        switch event {
        case .disconnected(let reason):
            logger.warning("broker connection lost", metadata: ["broker": "\(client.endpoint)", "reason": "\(reason)"])
        case .connected(let sessionPresent):
            logger.notice("broker connection back", metadata: ["broker": "\(client.endpoint)", "sessionPresent": "\(sessionPresent)"])
            guard !sessionPresent, fencedReason == nil else { return }
            if lease != nil { publishInstanceStatus(.online, role: isActive ? .active : .standby) }
            if isActive { perform(.brokerReconnected) }
        case .closed:
            return
        }
    }

    /// Whether this instance runs the site: always for a single coordinator; for one of a pair,
    /// while it holds the lease.
    var isActive: Bool { lease == nil || (epoch != nil && fencedReason == nil) }

    func tick() {
        if isActive { perform(.tick) }
    }

    // MARK: the site's lease

    /// One step of a standby pair's leadership: the active renews its lease, a standby tries
    /// to take it. Returns whether this instance is the active.
    func leaseStep(_ lease: LeaderLease) -> Bool {
        guard fencedReason == nil else { return false }
        if let epoch {
            do {
                if try lease.renew(epoch: epoch) {
                    lastRenewal = .now
                } else {
                    fence("another instance took the site's lease")
                }
            } catch {
                logger.error("lease renewal failed", metadata: ["error": "\(error)"])
                if ContinuousClock.now - lastRenewal > .seconds(configuration.leaseDuration) {
                    fence("the lease could not be renewed before it expired: \(error)")
                }
            }
            return fencedReason == nil
        }
        do {
            guard let taken = try lease.take() else { return false }
            takeOver(epoch: taken)
        } catch {
            logger.error("cannot read the site's lease", metadata: ["error": "\(error)"])
        }
        return epoch != nil
    }

    /// Becomes the active with the lease of `epoch`: recovers from the journal (the trips, the
    /// authorities the trucks hold, the holds), handles the trips kept as a standby that the
    /// journal does not know, and subscribes to the trucks and operators.
    func takeOver(epoch taken: UInt64) {
        lastRenewal = .now
        epoch = taken
        store?.lead(epoch: taken)
        do {
            guard var recovery = try store?.recover() else { return }
            recovery.epoch = taken
            perform(.started(recovery))
        } catch {
            return fence("the journal could not be read at the takeover: \(error)")
        }
        logger.notice("active: took over the site's lease", metadata: ["epoch": "\(taken)", "instance": "\(configuration.instance)"])
        publishInstanceStatus(.online, role: .active)
        let kept = keptDispatches
        keptDispatches = []
        for (_, message) in kept {
            let trip = try? WireDecoder().decode(TripDispatch.self, from: message.payload)
            if let trip, (try? store?.knowsTrip(trip.tripId)) == true { continue }
            handle(message)
        }
        Task { try await self.subscribe() }
    }

    /// Stops being the active: nothing more is written or published for the site; the client
    /// closes, and `run()` ends with `CoordinatorError.fenced`.
    func fence(_ reason: String) {
        guard fencedReason == nil else { return }
        fencedReason = reason
        logger.critical("fenced: this instance no longer runs the site", metadata: ["reason": "\(reason)", "epoch": "\(epoch ?? 0)"])
        publishInstanceStatus(.offline, role: nil)
        Task { await self.client.close() }
    }

    /// Publishes this instance's retained status (a standby pair's instance topic).
    func publishInstanceStatus(_ state: CoordinatorStatus.State, role: CoordinatorStatus.Role?) {
        instanceHeaderId += 1
        let now = WireTimestamp.format(secondsSince1970: clock.now())
        let status = CoordinatorStatus(
            headerId: instanceHeaderId, timestamp: now, siteId: configuration.siteId, state: state, since: now,
            version: CoordinatorVersion.current, instance: configuration.instance, role: role, epoch: role == .active ? epoch : nil)
        publish(
            Publication(
                topic: CoordinatorTopic.instanceStatus(configuration.instance), message: .status(status), delivery: .atLeastOnce,
                retain: true))
    }

    func subscribe() async throws {
        let interface = configuration.interfaceName
        try await client.subscribe(VDA5050Topic.everyTruck(interfaceName: interface, kind: .state), qos: .atMostOnce)
        try await client.subscribe(VDA5050Topic.everyTruck(interfaceName: interface, kind: .connection), qos: .atLeastOnce)
        try await client.subscribe(VDA5050Topic.everyTruck(interfaceName: interface, kind: .factsheet), qos: .atLeastOnce)
        try await client.subscribe(CoordinatorTopic.dispatch, qos: .atLeastOnce)
        try await client.subscribe(CoordinatorTopic.operatorRequests, qos: .atLeastOnce)
        try await client.subscribe(StationTopic.everyState, qos: .atLeastOnce)
        try await client.subscribe(StationTopic.everyResult, qos: .atLeastOnce)
    }

    /// Stops every truck where it can stop, announces "offline" and disconnects (the last will is
    /// not needed: the status says it). One of a standby pair stops nobody: it gives the lease up
    /// so that the standby takes over at once, with every truck keeping its authority.
    public func shutdown() async {
        if let lease {
            if let epoch, fencedReason == nil {
                do { try lease.release(epoch: epoch) } catch { logger.error("lease not released", metadata: ["error": "\(error)"]) }
            }
            publishInstanceStatus(.offline, role: nil)
        } else {
            perform(.shutdown)
        }
        await client.close()
    }

    // MARK: inbound

    func handle(_ message: MQTTInboundMessage) {
        guard isActive else {
            // A standby keeps the trips dispatched while no instance may be active (the last
            // minute's), for the takeover.
            guard fencedReason == nil, message.topic == CoordinatorTopic.dispatch else { return }
            keptDispatches.removeAll { ContinuousClock.now - $0.at > .seconds(60) }
            if keptDispatches.count < 10_000 { keptDispatches.append((.now, message)) }
            return
        }
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
        guard fencedReason == nil else { return }  // a fenced coordinator decides nothing more
        let now = clock.now()
        var steps = EffectSequence(core.handle(input, now: now))
        while let step = steps.next() {
            switch step {
            case .journal(let entries):
                steps.journalWritten(write(entries))
                if fencedReason != nil { return }  // fenced by this write: nothing of the batch goes out
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
        } catch let refusal as LeaderLease.Refusal {
            journalFailures += 1
            fence("\(refusal)")
            return false
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
        if lease != nil && !isActive {
            let state = fencedReason == nil ? "standby" : "fenced"
            return (connected && fencedReason == nil, state, connected, core.trucks.count, 0)
        }
        return (connected && core.state == .online, core.state.rawValue, connected, core.trucks.count, core.scheduler.staleTrucks.count)
    }

    /// What the core knows of a truck now.
    public func snapshot(of truck: TruckID) -> TruckSnapshot? { core.snapshot(of: truck) }
}

/// Why the coordinator service stopped.
public enum CoordinatorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// This instance of a standby pair lost the site's lease: another took it, or it could not
    /// renew it in time. It wrote and published nothing after; start it again as a standby.
    case fenced(String)

    /// A sentence naming the problem.
    public var description: String {
        switch self {
        case .fenced(let reason): "fenced: \(reason)"
        }
    }
}
