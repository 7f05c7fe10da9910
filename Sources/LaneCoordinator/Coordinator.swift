public import LaneCore
import LaneMQTT
import LaneWire
public import Logging

/// The coordinator service: it listens to every truck on the site's broker, runs the scheduler
/// core, and sends each truck its movement authority (VDA 5050 order), its stop and go (instant
/// actions) and the answers to its zone requests; it admits trips from the dispatch topic,
/// publishes trip states, events, the plan and its own status, and answers operators.
///
/// Every message is handled on this actor, one at a time, in arrival order; every publish is
/// queued in order with the MQTT client (`send`), so that the messages to one truck leave in the
/// order the core decided them.
public actor Coordinator {
    /// The configuration.
    public let configuration: CoordinatorConfiguration
    /// The site.
    public let site: Site
    let client: MQTTClient
    let clock: SiteClock
    let logger: Logger
    var core: SchedulerCore
    var sessions: [TruckID: TruckSession] = [:]
    var headerIds: [String: UInt64] = [:]
    var counters = CoordinatorCounters()
    let startedAt: Double
    var state: CoordinatorStatus.State = .online
    var lastPlanAt: Double = -.infinity
    /// The metrics (`/metrics`).
    let metrics: CoordinatorMetrics
    /// The message expiry of the plan snapshot (s): a snapshot older than that is gone from the
    /// broker, so a coordinator that died leaves no plan that looks current.
    static let planExpiry: UInt32 = 10
    /// The journal, if configured.
    let store: Journal?
    /// The number of this run of the coordinator on its journal (1 without one).
    var run = 1
    /// Trucks with an open trip that have not reported since the restart.
    var awaitingResync: Set<TruckID> = []
    var recoveringSince: Double?
    var heldForRecovery = false
    /// Lanes that take no new trip until the trucks on them have finished.
    var drainingLanes: Set<LaneID> = []
    /// Ended trips whose retained state is still on the broker, oldest first, with when they ended.
    var endedTripStates: TripStateRetention
    let decoder = WireDecoder()
    let encoder = WireEncoder()

    /// A coordinator for `site`; nothing happens until `run()`.
    public init(
        configuration: CoordinatorConfiguration, site: Site, logger: Logger = Logger(label: "lane-coordinator"),
        metrics: CoordinatorMetrics = .none
    ) throws {
        self.metrics = metrics
        endedTripStates = TripStateRetention(retention: configuration.tripStateRetention)
        store = try configuration.journalPath.map { try Journal(path: $0) }
        self.configuration = configuration
        self.site = site
        self.logger = logger
        clock = SiteClock(scale: configuration.timeScale, origin: configuration.clockOrigin)
        startedAt = clock.now()
        core = SchedulerCore(site: site, configuration: configuration.core)
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
        for (truck, profile) in configuration.fleet.sorted(by: { $0.key < $1.key }) {
            _ = core.handle(.truckJoined(truck, profile), now: startedAt)
            sessions[truck] = TruckSession()
        }
    }

    // MARK: running

    /// Connects, announces itself, subscribes, and handles messages and ticks until the client is
    /// closed by `shutdown()`.
    public func run() async throws {
        try await client.connect()
        try await subscribe()
        try recover()
        publishStatus()
        logger.info("coordinator online", metadata: ["site": "\(configuration.siteId)", "trucks": "\(configuration.fleet.count)"])
        let ticker = Task { [configuration] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(configuration.tickInterval))
                self.tick()
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
        logger.notice("coordinator shutting down: holding every truck")
        apply(core.handle(.operatorCommand(.holdAll), now: clock.now()))
        state = .offline
        publishStatus()
        await client.close()
    }

    /// Advances the core's clock: expiries, resends, staleness, re-planning; and the plan snapshot.
    func tick() {
        let now = clock.now()
        apply(core.handle(.tick, now: now))
        resendInstantActions(now: now)
        if state == .recovering { progressRecovery(now: now) }
        finishDrains()
        clearEndedTripStates(now: now)
        if clock.now() - lastPlanAt >= configuration.planInterval * configuration.timeScale {
            lastPlanAt = now
            publishPlan(now: now)
        }
    }

    // MARK: inbound

    func handle(_ message: MQTTInboundMessage) {
        let started = ContinuousClock.now
        let published = counters.published
        defer {
            // The latency of an answer: from the message to the last publish it caused.
            if counters.published > published {
                let elapsed = (ContinuousClock.now - started).components
                metrics.grantLatency.recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
            }
        }
        counters.received += 1
        if message.topic == CoordinatorTopic.dispatch { return handleDispatch(message) }
        if message.topic == CoordinatorTopic.operatorRequests { return handleOperator(message) }
        let topic: VDA5050Topic
        do {
            topic = try VDA5050Topic(parsing: message.topic)
        } catch {
            return reject(.unknownTopic, topic: message.topic, detail: error.description)
        }
        guard topic.interfaceName == configuration.interfaceName else {
            return reject(.unknownTopic, topic: message.topic, detail: "interface '\(topic.interfaceName)'")
        }
        guard topic.majorVersion == VDA5050.majorVersion else {
            return reject(.versionMismatch, topic: message.topic, detail: "topic version \(topic.majorVersion)")
        }
        let truck = TruckID(topic.serialNumber)
        guard sessions[truck] != nil else {
            return reject(.unknownVehicle, topic: message.topic, detail: "\(topic.manufacturer)/\(topic.serialNumber) is not in the fleet")
        }
        switch topic.kind {
        case .state: handleState(message, topic: topic, truck: truck)
        case .connection: handleConnection(message, topic: topic, truck: truck)
        case .factsheet: counters.factsheets += 1
        default: reject(.unknownTopic, topic: message.topic, detail: "not a topic trucks publish")
        }
    }

    /// Decodes a truck's message and checks what every VDA 5050 message must satisfy.
    func decodeTruckMessage<M: VDA5050Message>(_ type: M.Type, _ message: MQTTInboundMessage, topic: VDA5050Topic) -> M? {
        let decoded: M
        do {
            decoded = try decoder.decode(M.self, from: message.payload)
        } catch {
            reject(.malformed, topic: message.topic, detail: error.description)
            return nil
        }
        do {
            try topic.check(decoded)
        } catch {
            reject(.topicMismatch, topic: message.topic, detail: error.description)
            return nil
        }
        guard decoded.version.split(separator: ".").first == "3" else {
            reject(.versionMismatch, topic: message.topic, detail: "protocol version \(decoded.version)")
            return nil
        }
        return decoded
    }

    func handleState(_ message: MQTTInboundMessage, topic: VDA5050Topic, truck: TruckID) {
        guard let state = decodeTruckMessage(StateMessage.self, message, topic: topic) else { return }
        let measuredAt: Double
        do {
            measuredAt = try WireTimestamp.parse(state.timestamp)
        } catch {
            return reject(.malformed, topic: message.topic, detail: error.description)
        }
        var session = sessions[truck]!
        session.manufacturer = state.manufacturer
        let front: Meters?
        do {
            front = try session.nodes.map { (nodes) throws(RouteError) in try VehicleTranslation.routePosition(of: state, on: nodes) }
        } catch {
            sessions[truck] = session
            return reject(.offRoute, topic: message.topic, detail: error.description)
        }
        let report = VehicleTranslation.report(
            from: state, measuredAt: measuredAt, front: front, on: session.nodes, orderId: session.trip?.orderId)
        let now = clock.now()
        let commands = core.handle(.stateReport(report), now: now)
        if Self.rejection(in: commands) != nil {
            sessions[truck] = session
            return apply(commands)
        }
        counters.statesAccepted += 1
        metrics.statesAccepted.increment()
        metrics.stateAge.record(now - measuredAt)
        session.lastStateAt = now
        if front != nil { session.front = front }
        var finished: [ZoneID] = []
        for action in state.actionStates
        where action.actionType == LaneActionType.laneStationStop.rawValue && action.actionStatus == .finished {
            if let zone = session.stationActions[action.actionId], !session.finishedStations.contains(action.actionId) {
                session.finishedStations.insert(action.actionId)
                finished.append(zone)
            }
        }
        let requests = state.zoneRequests ?? []
        if let pending = session.pendingInstant, state.instantActionStates.contains(where: { $0.actionId == pending.action.actionId }) {
            session.pendingInstant = nil
        }
        sessions[truck] = session
        apply(commands)
        for zone in finished {
            metrics.stationPassed(zone.rawValue)
            journal(.crossing(crossing(truck, kind: .station, zone: zone, at: now)))
            publishEvent(kind: .stationFinished, truck: truck, zone: zone)
            apply(core.handle(.stationFinished(truck, zone), now: now))
        }
        if awaitingResync.contains(truck), core.snapshot(of: truck)?.front != nil {
            awaitingResync.remove(truck)
            logger.notice("truck resynchronised after the restart", metadata: ["truck": "\(truck)"])
        }
        answerZoneRequests(requests, truck: truck)
    }

    func handleConnection(_ message: MQTTInboundMessage, topic: VDA5050Topic, truck: TruckID) {
        guard let connection = decodeTruckMessage(ConnectionMessage.self, message, topic: topic) else { return }
        var session = sessions[truck]!
        if let last = session.lastConnectionHeaderId, connection.headerId <= last, connection.connectionState != .connectionBroken {
            return reject(.staleOrReordered, topic: message.topic, detail: "connection headerId \(connection.headerId) after \(last)")
        }
        session.lastConnectionHeaderId = connection.headerId
        session.connection = connection.connectionState
        sessions[truck] = session
        let kind: JournalKind =
            switch connection.connectionState {
            case .online: .truckOnline
            case .offline: .truckOffline
            case .hibernating: .truckHibernating
            case .connectionBroken: .truckConnectionBroken
            }
        journal(.truck(at: clock.now(), truck: truck, kind: kind, detail: connection.connectionState.rawValue))
        let level: Logger.Level = connection.connectionState == .connectionBroken ? .warning : .info
        logger.log(level: level, "truck connection \(connection.connectionState.rawValue)", metadata: ["truck": "\(truck)"])
        if connection.connectionState == .connectionBroken || connection.connectionState == .offline {
            // Its space stays blocked: the core declares it stale when its reports stop.
            publishEvent(kind: connection.connectionState == .offline ? .truckOffline : .truckConnectionBroken, truck: truck)
        }
    }

    /// Answers the zone requests of a truck's state (`ZoneRequestBook`: VDA 5050 3.0's lifecycle).
    func answerZoneRequests(_ requests: [StateMessage.ZoneRequest], truck: TruckID) {
        guard var session = sessions[truck], !(requests.isEmpty && session.zoneRequests.isEmpty) else { return }
        let responses = session.zoneRequests.take(
            requests, route: zoneRoute(of: session), authority: core.snapshot(of: truck)?.authority)
        sessions[truck] = session
        publishZoneResponses(responses, truck: truck)
    }

    /// After an authority change: the truck's followed requests granted, renewed or revoked.
    func updateZoneGrants(_ truck: TruckID) {
        guard var session = sessions[truck], !session.zoneRequests.isEmpty else { return }
        let responses = session.zoneRequests.update(route: zoneRoute(of: session), authority: core.snapshot(of: truck)?.authority)
        sessions[truck] = session
        publishZoneResponses(responses, truck: truck)
    }

    func zoneRoute(of session: TruckSession) -> ZoneRequestBook.Route? {
        session.nodes.map { ZoneRequestBook.Route(entries: $0.zoneEntries, front: session.front) }
    }

    func publishZoneResponses(_ responses: [ResponsesMessage.Response], truck: TruckID) {
        guard !responses.isEmpty, let session = sessions[truck] else { return }
        let topic = truckTopic(truck, .responses)
        let response = ResponsesMessage(
            headerId: nextHeaderId(topic), timestamp: timestamp(), manufacturer: session.manufacturer, serialNumber: truck.rawValue,
            responses: responses)
        publish(response, to: topic, qos: .atLeastOnce)
    }

    // MARK: trips

    func handleDispatch(_ message: MQTTInboundMessage) {
        let trip: TripDispatch
        do {
            trip = try decoder.decode(TripDispatch.self, from: message.payload)
        } catch {
            return reject(.malformed, topic: message.topic, detail: error.description)
        }
        guard trip.siteId == configuration.siteId else {
            return reject(.wrongSite, topic: message.topic, detail: "trip \(trip.tripId) is for site \(trip.siteId)")
        }
        admit(trip)
    }

    /// Admits a trip (from the dispatch topic or an operator), or re-routes the truck's current
    /// trip to a new channel; publishes the trip's state. Returns why it was refused, nil if it
    /// was taken.
    @discardableResult
    func admit(_ trip: TripDispatch) -> String? {
        let truck = TruckID(trip.truck)
        let channel = CustomsChannel(trip.channel)
        func refuse(_ reason: String) -> String {
            counters.tripsRejected += 1
            publishTripState(trip.tripId, truck: truck, .rejected, reason: reason)
            return reason
        }
        guard var session = sessions[truck] else { return refuse("unknown truck \(truck)") }
        let now = clock.now()
        if session.trip == nil, drainingLanes.contains(LaneID(trip.lane)) { return refuse("lane \(trip.lane) is being drained") }
        if let current = session.trip {
            guard current.tripId == trip.tripId else { return refuse("truck \(truck) is on trip \(current.tripId)") }
            guard current.channel != channel else { return nil }  // the same trip again: nothing changes
            let commands = core.handle(.channelAssigned(truck, channel), now: now)
            defer { apply(commands) }
            if let rejection = Self.rejection(in: commands) {
                publishTripState(trip.tripId, truck: truck, .running, reason: "channel change refused: \(rejection.reason)")
                return "channel change refused: \(rejection.reason)"
            }
            session.trip?.channel = channel
            sessions[truck] = session
            journal(.channelChanged(at: now, tripId: trip.tripId, channel: channel))
            adoptRoute(of: truck)
            logger.notice("truck re-routed", metadata: ["truck": "\(truck)", "channel": "\(channel.rawValue)"])
            return nil
        }
        session.trip = TripRecord(
            tripId: trip.tripId, containerId: trip.containerId, lane: LaneID(trip.lane), channel: channel, perishable: trip.perishable,
            orderId: run == 1 ? trip.tripId : "\(trip.tripId)~r\(run)")
        session.stationActions = [:]
        session.finishedStations = []
        session.front = nil
        session.startedRunning = false
        sessions[truck] = session
        let commands = core.handle(
            .tripAssigned(TripRequest(truck: truck, lane: LaneID(trip.lane), channel: channel, perishable: trip.perishable)), now: now)
        if let rejection = Self.rejection(in: commands) {
            sessions[truck]?.trip = nil
            logger.warning("trip rejected", metadata: ["truck": "\(truck)", "trip": "\(trip.tripId)", "reason": "\(rejection.reason)"])
            return refuse(rejection.reason.description)
        }
        adoptRoute(of: truck)
        apply(commands)
        return nil
    }

    /// Takes the truck's route from the core (after admission or a channel change): its node
    /// chain, and the ids of its station stop actions. After a restart the ids of the trip's
    /// orders from earlier runs count too: a scan that finished while the coordinator was down
    /// is reported under the order the truck still holds.
    func adoptRoute(of truck: TruckID) {
        guard let route = core.route(of: truck), let trip = sessions[truck]?.trip else { return }
        let nodes = RouteNodes(route: route, site: site)
        sessions[truck]?.nodes = nodes
        var orderIds = [trip.tripId]
        if run > 1 { orderIds += (2...run).map { "\(trip.tripId)~r\($0)" } }
        for node in nodes.nodes where node.station != nil {
            for orderId in orderIds {
                sessions[truck]?.stationActions[VehicleTranslation.stationActionId(orderId: orderId, zone: node.zone)] = node.zone
            }
        }
    }

    // MARK: outbound

    /// Sends what the core decided, in order.
    /// Sends what the core decided, in order, after committing it to the journal. If the journal
    /// cannot be written, no authority is sent (stops still are: stopping is always safe).
    func apply(_ commands: [CoreCommand]) {
        guard !commands.isEmpty else { return }
        let journaled = journal(entries(for: commands))
        for command in commands {
            if case .authority = command, !journaled { continue }
            switch command {
            case .authority(let authority, let change): sendAuthority(authority, change)
            case .stop(let truck, let reason):
                sendInstantAction(truck, type: .stopPause, parameters: [ActionParameter(key: "reason", value: .string(reason.rawValue))])
            case .resume(let truck): sendInstantAction(truck, type: .startPause, parameters: [])
            case .emergencyStop(let truck, let reason):
                counters.emergencyStops += 1
                metrics.emergencyStops.increment()
                logger.critical("emergency stop", metadata: ["truck": "\(truck)", "reason": "\(reason.rawValue)"])
                sendInstantAction(
                    truck, type: .laneEmergencyStop, parameters: [ActionParameter(key: "reason", value: .string(reason.rawValue))])
                publishEvent(kind: .emergencyStop, truck: truck, detail: reason.rawValue)
            case .slotPlan(let plan): sessions[plan.truck]?.plan = plan
            case .rejected(let rejection): rejectedByCore(rejection)
            case .notice(let notice): record(notice)
            }
        }
    }

    /// The journal entries of a batch of core commands.
    func entries(for commands: [CoreCommand]) -> [JournalEntry] {
        let now = clock.now()
        var entries: [JournalEntry] = []
        for command in commands {
            switch command {
            case .authority(let a, let change):
                guard let orderId = sessions[a.truck]?.trip?.orderId else { continue }
                entries.append(
                    .authority(
                        at: now, truck: a.truck, orderId: orderId, sequence: a.sequence, end: a.end, expiry: a.expiry,
                        change: change.rawValue))
            case .stop(let truck, let reason): entries.append(.command(at: now, truck: truck, kind: .stop, reason: reason.rawValue))
            case .resume(let truck): entries.append(.command(at: now, truck: truck, kind: .resume, reason: ""))
            case .emergencyStop(let truck, let reason):
                entries.append(.command(at: now, truck: truck, kind: .emergencyStop, reason: reason.rawValue))
            case .notice(let notice):
                switch notice {
                case .tripAdmitted(let truck, let lane, let channel):
                    if let trip = sessions[truck]?.trip, sessions[truck]?.recovered != true {
                        entries.append(
                            .tripAdmitted(
                                at: now, tripId: trip.tripId, truck: truck, lane: lane, channel: channel, containerId: trip.containerId,
                                perishable: trip.perishable))
                    }
                case .tripCompleted(let truck, _):
                    if let trip = sessions[truck]?.trip { entries.append(.tripEnded(at: now, tripId: trip.tripId, outcome: "finished")) }
                case .tripCancelled(let truck, _):
                    if let trip = sessions[truck]?.trip { entries.append(.tripEnded(at: now, tripId: trip.tripId, outcome: "cancelled")) }
                case .handoverCrossed(let truck, let zone): entries.append(.crossing(crossing(truck, kind: .km0, zone: zone, at: now)))
                case .zoneEntered(let truck, let zone): entries.append(.crossing(crossing(truck, kind: .zone, zone: zone, at: now)))
                case .truckStale(let truck): entries.append(.truck(at: now, truck: truck, kind: .truckStale, detail: ""))
                case .truckFresh(let truck): entries.append(.truck(at: now, truck: truck, kind: .truckFresh, detail: ""))
                case .overrun(let truck, let by): entries.append(.truck(at: now, truck: truck, kind: .truckOverrun, detail: "\(by) m"))
                default: break
                }
            default: break
            }
        }
        return entries
    }

    func crossing(_ truck: TruckID, kind: CrossingKind, zone: ZoneID, at: Double) -> Crossing {
        let trip = sessions[truck]?.trip
        return Crossing(
            at: at, truck: truck, tripId: trip?.tripId, containerId: trip?.containerId, kind: kind, zone: zone, channel: trip?.channel)
    }

    /// Commits entries to the journal; false (logged, counted) if it cannot.
    @discardableResult
    func journal(_ entries: JournalEntry...) -> Bool { journal(entries) }

    @discardableResult
    func journal(_ entries: [JournalEntry]) -> Bool {
        guard let journal = store, !entries.isEmpty else { return true }
        do {
            try journal.append(entries)
            return true
        } catch {
            counters.journalFailures += 1
            logger.critical("journal write failed: authorities are not sent", metadata: ["error": "\(error)"])
            return false
        }
    }

    func sendAuthority(_ authority: MovementAuthority, _ change: AuthorityChange) {
        guard let session = sessions[authority.truck], let trip = session.trip, let nodes = session.nodes else { return }
        if change == .resend {
            counters.resends += 1
            metrics.resends.increment()
        } else {
            counters.authorities += 1
        }
        let topic = truckTopic(authority.truck, .order)
        let order = VehicleTranslation.order(
            for: authority, nodes: nodes, front: session.front, orderId: trip.orderId, channel: trip.channel,
            mapId: "\(site.name)/\(trip.lane.rawValue)",
            header: (nextHeaderId(topic), timestamp(), session.manufacturer), plan: session.plan,
            speedLimit: { [site] s in
                let place = nodes.place(s)
                return site.zone(place.zone)?.speedLimit ?? 0
            })
        publish(order, to: topic, qos: .atLeastOnce)
        if change != .resend { updateZoneGrants(authority.truck) }
    }

    /// Sends a stop, go or emergency stop. It stays the truck's pending instant action (a newer
    /// one replaces it) and is sent again every `resendAfter` until the truck's state lists it
    /// in `instantActionStates`; each copy carries the message expiry, so none is executed late.
    func sendInstantAction(_ truck: TruckID, type: LaneActionType, parameters: [ActionParameter]) {
        guard sessions[truck] != nil else { return }
        let topic = truckTopic(truck, .instantActions)
        // VDA 5050 3.0: an instant action's blocking type is always NONE.
        let action = Action(
            actionType: type.rawValue, actionId: "\(truck)/\(type.rawValue)/\((headerIds[topic] ?? 0) + 1)", blockingType: .none,
            actionParameters: parameters)
        sessions[truck]?.pendingInstant = (action, clock.now())
        publishInstant(action, to: truck)
    }

    func publishInstant(_ action: Action, to truck: TruckID) {
        guard let session = sessions[truck] else { return }
        let topic = truckTopic(truck, .instantActions)
        let message = InstantActionsMessage(
            headerId: nextHeaderId(topic), timestamp: timestamp(), manufacturer: session.manufacturer, serialNumber: truck.rawValue,
            actions: [action])
        publish(message, to: topic, qos: .atLeastOnce, expiry: configuration.instantActionExpiry)
    }

    /// Sends again the instant actions no state has acknowledged within `resendAfter`.
    func resendInstantActions(now: Double) {
        for (truck, session) in sessions {
            guard let pending = session.pendingInstant, now - pending.sentAt >= configuration.core.resendAfter else { continue }
            sessions[truck]?.pendingInstant?.sentAt = now
            counters.instantResends += 1
            publishInstant(pending.action, to: truck)
        }
    }

    func record(_ notice: CoreNotice) {
        switch notice {
        case .tripAdmitted(let truck, let lane, let channel):
            logger.info("trip admitted", metadata: ["truck": "\(truck)", "lane": "\(lane)", "channel": "\(channel.rawValue)"])
            if let trip = sessions[truck]?.trip, sessions[truck]?.recovered != true {
                publishTripState(trip.tripId, truck: truck, .accepted)
            }
            publishEvent(kind: .tripAdmitted, truck: truck, lane: lane, channel: channel)
        case .tripCompleted(let truck, let lane):
            counters.tripsCompleted += 1
            metrics.tripsCompleted.increment()
            logger.info("trip completed", metadata: ["truck": "\(truck)", "lane": "\(lane)"])
            endTrip(of: truck, .finished)
            publishEvent(kind: .tripCompleted, truck: truck, lane: lane)
        case .tripCancelled(let truck, let lane):
            logger.notice("trip cancelled", metadata: ["truck": "\(truck)", "lane": "\(lane)"])
            endTrip(of: truck, .cancelled, reason: "cancelled by an operator")
            // The truck drops the order it may hold (it had no authority onto the lane).
            sendInstantAction(truck, type: .cancelOrder, parameters: [])
            publishEvent(kind: .tripCancelled, truck: truck, lane: lane)
        case .zoneEntered(let truck, let zone):
            if sessions[truck]?.startedRunning == false, let trip = sessions[truck]?.trip {
                sessions[truck]?.startedRunning = true
                publishTripState(trip.tripId, truck: truck, .running)
            }
            publishEvent(kind: .zoneEntered, truck: truck, zone: zone)
        case .handoverCrossed(let truck, let zone):
            logger.info("km 0 crossed", metadata: ["truck": "\(truck)", "zone": "\(zone)"])
            publishEvent(kind: .handoverCrossed, truck: truck, zone: zone)
        case .rerouted(let truck, let channel): publishEvent(kind: .rerouted, truck: truck, channel: channel)
        case .truckStale(let truck):
            counters.staleDeclarations += 1
            logger.warning("truck stale: its space stays blocked", metadata: ["truck": "\(truck)"])
            publishEvent(kind: .truckStale, truck: truck)
        case .truckFresh(let truck):
            logger.notice("truck reporting again", metadata: ["truck": "\(truck)"])
            publishEvent(kind: .truckFresh, truck: truck)
        case .overrun(let truck, let by):
            logger.critical("overrun of the end of authority", metadata: ["truck": "\(truck)", "by": "\(by)"])
            publishEvent(kind: .overrun, truck: truck, detail: "\(by) m")
        case .gridlock(let trucks):
            logger.critical("gridlock", metadata: ["trucks": "\(trucks.map(\.rawValue))"])
            publishEvent(kind: .gridlock, detail: trucks.map(\.rawValue).joined(separator: ","))
        }
    }

    /// Publishes the final state of the truck's trip and forgets the trip.
    func endTrip(of truck: TruckID, _ state: TripStateMessage.State, reason: String? = nil) {
        if let trip = sessions[truck]?.trip { publishTripState(trip.tripId, truck: truck, state, reason: reason) }
        sessions[truck]?.trip = nil
        sessions[truck]?.nodes = nil
        sessions[truck]?.plan = nil
        sessions[truck]?.zoneRequests = ZoneRequestBook()
    }

    // MARK: rejections

    /// Counts, logs and (where the protocol has a way) answers a refused message.
    func reject(_ reason: InboundRejection, topic: String, detail: String) {
        counters.rejections[reason.rawValue, default: 0] += 1
        metrics.rejected(reason.rawValue)
        logger.warning("message rejected", metadata: ["reason": "\(reason.rawValue)", "topic": "\(topic)", "detail": "\(detail)"])
    }

    func rejectedByCore(_ rejection: Rejection) {
        counters.rejections[rejection.reason.code, default: 0] += 1
        metrics.rejected(rejection.reason.code)
        logger.warning(
            "event rejected by the core",
            metadata: [
                "reason": "\(rejection.reason.code)", "truck": "\(rejection.truck?.rawValue ?? "-")", "detail": "\(rejection.reason)",
            ])
    }

    // MARK: publishing helpers

    func truckTopic(_ truck: TruckID, _ kind: VDA5050Topic.Kind) -> String {
        VDA5050Topic(
            interfaceName: configuration.interfaceName, manufacturer: sessions[truck]?.manufacturer ?? "unknown",
            serialNumber: truck.rawValue,
            kind: kind
        ).description
    }

    func nextHeaderId(_ topic: String) -> UInt64 {
        let next = (headerIds[topic] ?? 0) + 1
        headerIds[topic] = next
        return next
    }

    func timestamp() -> String { WireTimestamp.format(secondsSince1970: clock.now()) }

    func publish<M: Encodable>(_ message: M, to topic: String, qos: MQTTQoS, retain: Bool = false, expiry: UInt32? = nil) {
        do throws(MQTTError) {
            let payload: [UInt8]
            do {
                payload = try encoder.encode(message)
            } catch {
                counters.publishFailures += 1
                return logger.error("message not encodable", metadata: ["topic": "\(topic)", "error": "\(error)"])
            }
            try client.send(
                MQTTOutbound(
                    topic: topic, payload: payload, qos: qos, retain: retain,
                    properties: MQTTProperties(messageExpiry: expiry, contentType: "application/json")))
            counters.published += 1
        } catch .notConnected {
            // QoS 0 without a connection (events, plan): dropped; the connection events say why.
            counters.publishFailures += 1
        } catch {
            counters.publishFailures += 1
            logger.error("publish failed", metadata: ["topic": "\(topic)", "error": "\(error)"])
        }
    }

    func publishStatus() {
        let status = CoordinatorStatus(
            headerId: nextHeaderId(CoordinatorTopic.status), timestamp: timestamp(), siteId: configuration.siteId, state: state,
            since: WireTimestamp.format(secondsSince1970: startedAt), version: CoordinatorVersion.current, trucks: sessions.count,
            activeTrips: core.activeTrips, staleTrucks: core.staleTrucks.count,
            closedZones: core.closedZoneReasons.sorted { $0.key < $1.key }.map { .init(zoneId: $0.key.rawValue, reason: $0.value) })
        publish(status, to: CoordinatorTopic.status, qos: .atLeastOnce, retain: true)
    }

    func publishTripState(_ tripId: String, truck: TruckID, _ state: TripStateMessage.State, reason: String? = nil) {
        let topic = CoordinatorTopic.tripState(tripId)
        endedTripStates.published(state, of: tripId, at: clock.now())
        publish(
            TripStateMessage(
                headerId: nextHeaderId(topic), timestamp: timestamp(), siteId: configuration.siteId, tripId: tripId, truck: truck.rawValue,
                state: state, reason: reason), to: topic, qos: .atLeastOnce, retain: true)
    }

    /// Clears the retained state of trips that ended more than `tripStateRetention` ago (an
    /// empty retained message removes it from the broker).
    func clearEndedTripStates(now: Double) {
        for tripId in endedTripStates.due(now: now, underWay: { id in sessions.values.contains { $0.trip?.tripId == id } }) {
            do {
                try client.send(MQTTOutbound(topic: CoordinatorTopic.tripState(tripId), payload: [], qos: .atLeastOnce, retain: true))
            } catch {
                counters.publishFailures += 1
            }
        }
    }

    func publishEvent(
        kind: CoordinatorEventKind, truck: TruckID? = nil, lane: LaneID? = nil, zone: ZoneID? = nil, channel: CustomsChannel? = nil,
        command: OperatorCommandName? = nil, operator: String? = nil, detail: String? = nil
    ) {
        publish(
            CoordinatorEvent(
                headerId: nextHeaderId(CoordinatorTopic.events), timestamp: timestamp(), siteId: configuration.siteId, kind: kind,
                truck: truck?.rawValue, lane: lane?.rawValue, zone: zone?.rawValue, channel: channel.map { WireChannel($0) },
                command: command, operator: `operator`, detail: detail), to: CoordinatorTopic.events, qos: .atLeastOnce)
    }

    func publishPlan(now: Double) {
        var trucks: [PlanSnapshot.Truck] = []
        for (id, session) in sessions.sorted(by: { $0.key < $1.key }) {
            guard let snapshot = core.snapshot(of: id) else { continue }
            trucks.append(
                PlanSnapshot.Truck(
                    truck: id.rawValue, lane: session.trip?.lane.rawValue, channel: session.trip.map { WireChannel($0.channel) },
                    front: snapshot.front, speed: snapshot.speed, authorityEnd: snapshot.authority?.end,
                    authorityExpiry: snapshot.authority.map { WireTimestamp.format(secondsSince1970: $0.expiry) }, stale: snapshot.stale,
                    held: snapshot.held, waitsFor: snapshot.blockedBy?.rawValue,
                    slots: snapshot.windows.map {
                        .init(
                            zone: $0.zone.rawValue, opens: WireTimestamp.format(secondsSince1970: $0.opens),
                            closes: WireTimestamp.format(secondsSince1970: $0.closes))
                    }))
        }
        publish(
            PlanSnapshot(
                headerId: nextHeaderId(CoordinatorTopic.plan), timestamp: timestamp(), siteId: configuration.siteId, trucks: trucks),
            to: CoordinatorTopic.plan, qos: .atMostOnce, retain: true, expiry: Self.planExpiry)
    }

    // MARK: for tests and operators

    /// The counters so far.
    public var statistics: CoordinatorCounters { counters }

    /// Sets the gauges (stale trucks, active authorities) from the core, before a scrape.
    public func refreshGauges() {
        let now = clock.now()
        metrics.staleTrucks.record(core.staleTrucks.count)
        metrics.activeAuthorities.record(sessions.keys.filter { (core.snapshot(of: $0)?.authority?.expiry ?? -.infinity) > now }.count)
    }

    /// What `/health` reports: healthy when connected and online (not recovering).
    public func health() -> (healthy: Bool, state: String, connected: Bool, trucks: Int, stale: Int) {
        let connected = client.isConnected
        return (connected && state == .online, state.rawValue, connected, sessions.count, core.staleTrucks.count)
    }

    /// The core's refusal among `commands`, if it refused the event.
    static func rejection(in commands: [CoreCommand]) -> Rejection? {
        for command in commands { if case .rejected(let rejection) = command { return rejection } }
        return nil
    }

    /// What the core knows of a truck now.
    public func snapshot(of truck: TruckID) -> TruckSnapshot? { core.snapshot(of: truck) }
}

/// What the coordinator keeps per truck beside the core.
struct TruckSession {
    var manufacturer = "unknown"
    var lastConnectionHeaderId: UInt64?
    var connection: ConnectionMessage.State?
    var trip: TripRecord?
    var nodes: RouteNodes?
    var front: Double?
    var stationActions: [String: ZoneID] = [:]
    var finishedStations: Set<String> = []
    /// Its zone requests that are queued or granted.
    var zoneRequests = ZoneRequestBook()
    var plan: SlotPlan?
    var startedRunning = false
    var lastStateAt: Double?
    /// The last stop, go or emergency stop, until the truck's state acknowledges it.
    var pendingInstant: (action: Action, sentAt: Double)?
    /// Its trip was reloaded from the journal after a restart.
    var recovered = false
}

/// A trip the coordinator admitted.
struct TripRecord: Equatable {
    var tripId: String
    var containerId: String
    var lane: LaneID
    var channel: CustomsChannel
    var perishable: Bool
    /// The VDA 5050 order id: the trip id, with `~r<run>` after a restart of the coordinator (a
    /// new order, so that the truck takes its authorities whatever update id it last applied).
    var orderId: String
}

/// Why an inbound message was refused before it reached the core.
public enum InboundRejection: String, Sendable, CaseIterable {
    /// Not JSON, the wrong types, too large, too deep: the codec's `WireError`.
    case malformed
    /// The payload's manufacturer/serialNumber is not the topic's.
    case topicMismatch = "topic-mismatch"
    /// The truck is not in the configured fleet.
    case unknownVehicle = "unknown-vehicle"
    /// Not VDA 5050 major version 3.
    case versionMismatch = "version-mismatch"
    /// A headerId not newer than the last one.
    case staleOrReordered = "stale-or-reordered"
    /// A topic the coordinator does not serve.
    case unknownTopic = "unknown-topic"
    /// A trip or request for another site.
    case wrongSite = "wrong-site"
    /// The truck's last node is not on its route.
    case offRoute = "off-route"
}

/// Counts of what the coordinator did, for the metrics and the tests.
public struct CoordinatorCounters: Sendable, Equatable {
    /// Messages received.
    public var received = 0
    /// State reports the core accepted.
    public var statesAccepted = 0
    /// Factsheets received.
    public var factsheets = 0
    /// Refused messages and events, by reason (`InboundRejection` and the core's reasons).
    public var rejections: [String: Int] = [:]
    /// Authorities sent (grants, extensions, shortenings, renewals).
    public var authorities = 0
    /// Authorities sent again because the truck had not echoed them.
    public var resends = 0
    /// Emergency stops sent.
    public var emergencyStops = 0
    /// Trips completed.
    public var tripsCompleted = 0
    /// Trips refused.
    public var tripsRejected = 0
    /// Trucks declared stale.
    public var staleDeclarations = 0
    /// Messages published.
    public var published = 0
    /// Messages that could not be published.
    public var publishFailures = 0
    /// Operator requests answered.
    public var operatorRequests = 0
    /// Journal writes that failed.
    public var journalFailures = 0
    /// Instant actions sent again because no state acknowledged them.
    public var instantResends = 0
}

extension CustomsChannel {
    init(_ channel: WireChannel) {
        switch channel {
        case .green: self = .green
        case .yellow: self = .yellow
        case .red: self = .red
        }
    }
}

extension WireChannel {
    init(_ channel: CustomsChannel) {
        switch channel {
        case .green: self = .green
        case .yellow: self = .yellow
        case .red: self = .red
        }
    }
}
