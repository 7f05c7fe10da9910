public import LaneCore
public import LaneSite
public import LaneWire
import Logging

/// Every decision of the coordinator service, as a value: the scheduler core, the truck sessions,
/// the trips, drains, recovery after a restart, zone requests and the instant actions waiting
/// for the truck's acknowledgement. One entry point, `handle(_:now:)`, takes a decoded input and
/// the site time and returns what the service is to do, in order: journal entries first, then
/// the publishes they allow, log lines and metric changes. No clock, no IO: the `Coordinator`
/// actor reads the clock, performs the effects and feeds back what arrives.
public struct CoordinatorCore: Sendable {
    /// The settings.
    public let settings: CoordinatorSettings
    /// The site.
    public let site: Site
    /// The scheduler core (slot planner and interlocking).
    public internal(set) var scheduler: SchedulerCore
    /// What is kept per truck beside the scheduler core.
    var sessions: [TruckID: TruckSession] = [:]
    /// The stations with a system of their own, by zone.
    var stations: [ZoneID: StationSession]
    var headerIds: [String: UInt64] = [:]
    /// The counts of what the core decided.
    public internal(set) var counters = CoordinatorCounters()
    /// Online, recovering or offline.
    public internal(set) var state: CoordinatorStatus.State = .online
    /// When the service started (site seconds).
    public let startedAt: Seconds
    var lastPlanAt: Seconds = -.infinity
    /// The number of this run of the coordinator on its journal (1 without one).
    public internal(set) var run = 1
    /// The fencing token every order carries (`laneAuthority`'s `epoch`): the lease's epoch of a
    /// standby pair's active, the run of a single coordinator.
    public internal(set) var epoch: UInt64 = 1
    /// Trucks with an open trip that have not reported since the restart.
    public internal(set) var awaitingResync: Set<TruckID> = []
    var recoveringSince: Seconds?
    /// Lanes that take no new trip until the trucks on them have finished.
    public internal(set) var drainingLanes: Set<LaneID> = []
    /// Ended trips whose retained state is still on the broker.
    var endedTripStates: TripStateRetention
    /// The effects of the input being handled, in order.
    var effects: [CoordinatorEffect] = []
    /// The site time of the input being handled.
    var now: Seconds = 0
    /// The message expiry of the plan snapshot (s): a coordinator that died leaves no plan that looks current.
    public static let planExpiry: UInt32 = 10

    /// A core for `site` whose service started at `startedAt` (site seconds), with every truck of
    /// the fleet known and none on a trip.
    public init(settings: CoordinatorSettings, site: Site, startedAt: Seconds) {
        self.settings = settings
        self.site = site
        self.startedAt = startedAt
        endedTripStates = TripStateRetention(retention: settings.tripStateRetention)
        stations = Self.stationSessions(of: site)
        scheduler = SchedulerCore(site: site, configuration: settings.core)
        for (truck, profile) in settings.fleet.sorted(by: { $0.key < $1.key }) {
            _ = scheduler.handle(.truckJoined(truck, profile), now: startedAt)
            sessions[truck] = TruckSession()
        }
    }

    /// Handles one input at site time `now` and returns what the service is to do, in order.
    public mutating func handle(_ input: CoordinatorInput, now: Seconds) -> [CoordinatorEffect] {
        self.now = now
        effects = []
        switch input {
        case .started(let recovery):
            if let recovery { recover(recovery) }
            publishStatus()
            log(.info, "coordinator online", ["site": settings.siteId, "trucks": "\(settings.fleet.count)"])
        case .truckState(let state, let topic): handleState(state, topic: topic)
        case .truckConnection(let connection, let topic): handleConnection(connection, topic: topic)
        case .factsheet(let factsheet, let topic):
            if known(factsheet.serialNumber, topic: topic) { counters.factsheets += 1 }
        case .dispatch(let trip, let topic): handleDispatch(trip, topic: topic)
        case .stationState(let state, let topic): handleStationState(state, topic: topic)
        case .stationResult(let result, let topic): handleStationResult(result, topic: topic)
        case .operatorRequest(let request, let replyTo): handleOperator(request, replyTo: replyTo)
        case .holdJournaled(let request, let command, let replyTo): carryOut(command, of: request, replyTo: replyTo)
        case .refused(let reason, let topic, let detail, let replyTo):
            reject(reason, topic: topic, detail: detail)
            if topic == CoordinatorTopic.operatorRequests {
                counters.operatorRequests += 1
                reply(to: replyTo, .rejected, reason: "malformed request: \(detail)")
            }
        case .tick: tick()
        case .brokerReconnected:
            log(.notice, "broker connection back without its session: retained status published again")
            publishStatus()
            resendStationCalls(force: true)
        case .shutdown:
            log(.notice, "coordinator shutting down: holding every truck")
            apply(scheduler.handle(.operatorCommand(.holdAll), now: now))
            state = .offline
            publishStatus()
        }
        let out = effects
        effects = []
        return out
    }

    /// Advances the scheduler core's clock (expiries, resends, staleness, re-planning), resends
    /// unacknowledged instant actions, progresses recovery and drains, clears old trip states,
    /// and publishes the plan when it is due.
    mutating func tick() {
        apply(scheduler.handle(.tick, now: now))
        resendInstantActions()
        if !stations.isEmpty { resendStationCalls() }
        if state == .recovering { progressRecovery() }
        finishDrains()
        clearEndedTripStates()
        if now - lastPlanAt >= settings.planEvery {
            lastPlanAt = now
            publishPlan()
        }
    }

    // MARK: trucks

    /// Whether the truck named by a message is in the fleet; a message of another is refused.
    mutating func known(_ serialNumber: String, topic: String) -> Bool {
        guard sessions[TruckID(serialNumber)] != nil else {
            reject(.unknownVehicle, topic: topic, detail: "\(serialNumber) is not in the fleet")
            return false
        }
        return true
    }

    mutating func handleState(_ state: StateMessage, topic: String) {
        guard known(state.serialNumber, topic: topic) else { return }
        let truck = TruckID(state.serialNumber)
        let measuredAt: Seconds
        do {
            measuredAt = try WireTimestamp.parse(state.timestamp)
        } catch {
            return reject(.malformed, topic: topic, detail: error.description)
        }
        var session = sessions[truck]!
        session.manufacturer = state.manufacturer
        let front: Meters?
        do {
            front = try session.nodes.map { (nodes) throws(RouteError) in try nodes.routePosition(of: state) }
        } catch {
            sessions[truck] = session
            return reject(.offRoute, topic: topic, detail: error.description)
        }
        let report = VehicleTranslation.report(
            from: state, measuredAt: measuredAt, front: front, on: session.nodes, orderId: session.trip?.orderId)
        if awaitingResync.contains(truck) {
            // Its first report after the restart: checked against the journal before it counts.
            sessions[truck] = session
            if let contradiction = contradiction(in: state, of: truck) { holdForOperator(truck, because: contradiction) }
            sessions[truck]?.journaledAuthority = nil
            session = sessions[truck]!
        }
        let commands = scheduler.handle(.stateReport(report), now: now)
        if Self.rejection(in: commands) != nil {
            sessions[truck] = session
            return apply(commands)
        }
        counters.statesAccepted += 1
        metric(.stateAccepted(age: now - measuredAt))
        session.lastStateAt = now
        if front != nil { session.front = front }
        var finished: [ZoneID] = []
        for action in state.actionStates
        where action.actionType == LaneActionType.laneStationStop.rawValue && action.actionStatus == .finished {
            // At a station with a system of its own, the station's word releases the truck.
            if let zone = session.stationActions[action.actionId], releasedByTruck(zone),
                !session.finishedStations.contains(action.actionId)
            {
                session.finishedStations.insert(action.actionId)
                finished.append(zone)
            }
        }
        if let pending = session.pendingInstant, state.instantActionStates.contains(where: { $0.actionId == pending.action.actionId }) {
            session.pendingInstant = nil
        }
        sessions[truck] = session
        apply(commands)
        for zone in finished { stationFinished(truck, at: zone) }
        if !stations.isEmpty { callStation(for: truck) }
        if awaitingResync.contains(truck), scheduler.snapshot(of: truck)?.front != nil {
            awaitingResync.remove(truck)
            log(.notice, "truck resynchronised after the restart", ["truck": "\(truck)"])
        }
        answerZoneRequests(state.zoneRequests ?? [], truck: truck)
    }

    mutating func handleConnection(_ connection: ConnectionMessage, topic: String) {
        guard known(connection.serialNumber, topic: topic) else { return }
        let truck = TruckID(connection.serialNumber)
        var session = sessions[truck]!
        if let last = session.lastConnectionHeaderId, connection.headerId <= last, connection.connectionState != .connectionBroken {
            return reject(.staleOrReordered, topic: topic, detail: "connection headerId \(connection.headerId) after \(last)")
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
        journal(.truck(at: now, truck: truck, kind: kind, detail: connection.connectionState.rawValue))
        log(
            connection.connectionState == .connectionBroken ? .warning : .info, "truck connection \(connection.connectionState.rawValue)",
            ["truck": "\(truck)"])
        if connection.connectionState == .connectionBroken || connection.connectionState == .offline {
            // Its space stays blocked: the scheduler core declares it stale when its reports stop.
            publishEvent(kind: connection.connectionState == .offline ? .truckOffline : .truckConnectionBroken, truck: truck)
        }
    }

    /// Answers the zone requests of a truck's state (`ZoneRequestBook`: VDA 5050 3.0's lifecycle).
    mutating func answerZoneRequests(_ requests: [StateMessage.ZoneRequest], truck: TruckID) {
        guard var session = sessions[truck], !(requests.isEmpty && session.zoneRequests.isEmpty) else { return }
        let responses = session.zoneRequests.take(
            requests, route: zoneRoute(of: session), authority: scheduler.snapshot(of: truck)?.authority)
        sessions[truck] = session
        publishZoneResponses(responses, truck: truck)
    }

    /// After an authority change: the truck's followed requests granted, renewed or revoked.
    mutating func updateZoneGrants(_ truck: TruckID) {
        guard var session = sessions[truck], !session.zoneRequests.isEmpty else { return }
        let responses = session.zoneRequests.update(route: zoneRoute(of: session), authority: scheduler.snapshot(of: truck)?.authority)
        sessions[truck] = session
        publishZoneResponses(responses, truck: truck)
    }

    func zoneRoute(of session: TruckSession) -> ZoneRequestBook.Route? {
        session.nodes.map { ZoneRequestBook.Route(entries: $0.zoneEntries, front: session.front) }
    }

    mutating func publishZoneResponses(_ responses: [ResponsesMessage.Response], truck: TruckID) {
        guard !responses.isEmpty, let session = sessions[truck] else { return }
        let topic = truckTopic(truck, .responses)
        let response = ResponsesMessage(
            headerId: nextHeaderId(topic), timestamp: timestamp(), manufacturer: session.manufacturer, serialNumber: truck.rawValue,
            responses: responses)
        publish(.responses(response), to: topic, .atLeastOnce)
    }

    // MARK: rejections

    /// Counts, logs and (where the protocol has a way) answers a refused message.
    mutating func reject(_ reason: InboundRejection, topic: String, detail: String) {
        counters.rejections[reason.rawValue, default: 0] += 1
        metric(.rejected(reason.rawValue))
        log(.warning, "message rejected", ["reason": reason.rawValue, "topic": topic, "detail": detail])
    }

    mutating func rejectedByCore(_ rejection: Rejection) {
        counters.rejections[rejection.reason.code, default: 0] += 1
        metric(.rejected(rejection.reason.code))
        log(
            .warning, "event rejected by the core",
            ["reason": rejection.reason.code, "truck": rejection.truck?.rawValue ?? "-", "detail": "\(rejection.reason)"])
    }

    /// The scheduler core's refusal among `commands`, if it refused the event.
    static func rejection(in commands: [CoreCommand]) -> Rejection? {
        for command in commands { if case .rejected(let rejection) = command { return rejection } }
        return nil
    }

    // MARK: what the service and the tests read

    /// What the scheduler core knows of a truck now.
    public func snapshot(of truck: TruckID) -> TruckSnapshot? { scheduler.snapshot(of: truck) }

    /// The trucks of the fleet.
    public var trucks: [TruckID] { sessions.keys.sorted() }

    /// The trip a truck is on, if any.
    public func trip(of truck: TruckID) -> TripRecord? { sessions[truck]?.trip }

    /// The trucks holding an unexpired authority at `now`.
    public func activeAuthorities(at now: Seconds) -> Int {
        sessions.keys.filter { (scheduler.snapshot(of: $0)?.authority?.expiry ?? -.infinity) > now }.count
    }
}
