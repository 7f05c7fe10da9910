import LaneCoordinatorCore
import LaneCore
import LaneSite
import LaneSiteFile
import LaneTestKit
import LaneWire
import Testing

/// A `CoordinatorCore` on the test gate (`TestSites.gate`) with a manual clock: every input is
/// handled at `now`, which only `advance` moves; the effects are kept for the assertions, in the
/// order and with the drops of the service's `EffectSequence`. A journal write fails only when
/// `journalFails` is set.
struct Desk {
    var core: CoordinatorCore
    /// Site seconds since 1970.
    var now: Seconds = 1_800_000_000
    /// The effects of the last input.
    var last: [CoordinatorEffect] = []
    /// Every effect so far.
    var all: [CoordinatorEffect] = []
    var journalFails = false
    var stateHeaders: [String: UInt64] = [:]
    /// The tick interval of `advance`.
    var tickEvery: Seconds = 0.1

    static let site: Site = {
        do { return try SiteFile.parse(TestSites.gate, file: "test-gate.yaml") } catch { fatalError("\(error)") }
    }()
    static let settings = CoordinatorSettings(
        siteId: "test-gate", fleet: [:],
        core: CoreConfiguration(authorityLifetime: 10, staleAfter: 3, maximumReportAge: 2, clockSkewTolerance: 0.5, resendAfter: 1),
        tripStateRetention: 20)

    /// What each truck holds from an earlier run of the coordinator (the order it last applied),
    /// for `drive` before this run has sent it anything.
    var heldOrders: [String: OrderMessage] = [:]

    init(
        fleet: [String] = ["T1", "T2"], recovery: JournalRecovery? = nil, recoveryTimeout: Seconds = 15, at start: Seconds? = nil,
        site: Site = Desk.site
    ) {
        if let start { now = start }
        var settings = Self.settings
        settings.fleet = Dictionary(uniqueKeysWithValues: fleet.map { (TruckID($0), TruckProfile()) })
        settings.recoveryTimeout = recoveryTimeout
        core = CoordinatorCore(settings: settings, site: site, startedAt: now)
        handle(.started(recovery))
    }

    var timestamp: String { WireTimestamp.format(secondsSince1970: now) }

    /// Handles an input at `now` and keeps the effects the service would carry out, in the
    /// service's order (`EffectSequence`, as the `Coordinator` actor follows it).
    @discardableResult
    mutating func handle(_ input: CoordinatorInput) -> [CoordinatorEffect] {
        var steps = EffectSequence(core.handle(input, now: now))
        last = []
        while let step = steps.next() {
            switch step {
            case .journal(let entries):
                last.append(.journal(entries))
                steps.journalWritten(!journalFails)
            case .handle(let followUp): steps.insert(core.handle(followUp, now: now))
            case .perform(let effect): last.append(effect)
            }
        }
        all += last
        return last
    }

    /// Decodes a raw message the way the service does, then handles it.
    @discardableResult
    mutating func receive(_ topic: String, _ payload: [UInt8], replyTo: ReplyAddress? = nil) -> [CoordinatorEffect] {
        handle(core.input(from: InboundMessage(topic: topic, payload: payload, replyTo: replyTo)))
    }

    /// Moves the clock by `seconds`, ticking every `tickEvery`.
    mutating func advance(_ seconds: Seconds) {
        let end = now + seconds
        while now + tickEvery <= end + 1e-9 {
            now += tickEvery
            handle(.tick)
        }
        now = end
    }

    // MARK: what trucks, yard systems and operators send

    mutating func dispatch(
        _ tripId: String, truck: String, channel: WireChannel = .green, siteId: String = "test-gate", lane: String = "import"
    ) {
        handle(
            .dispatch(
                TripDispatch(
                    headerId: 1, timestamp: timestamp, siteId: siteId, tripId: tripId, truck: truck, lane: lane, containerId: "C-\(tripId)",
                    perishable: false, channel: channel), topic: CoordinatorTopic.dispatch))
    }

    /// Dispatches a trip to a truck waiting in its yard, which reports, and lets half a second pass.
    mutating func startTrip(_ tripId: String, truck: String) {
        dispatch(tripId, truck: truck)
        report(state(truck))
        advance(0.5)
    }

    static let operatorReplies = ReplyAddress(topic: "lanes/operators/desk/replies", correlationData: [7])

    @discardableResult
    mutating func request(
        _ command: OperatorCommandName, truck: String? = nil, lane: String? = nil, zone: String? = nil, trip: String? = nil,
        siteId: String = "test-gate", destination: String? = nil, container: String? = nil, channel: WireChannel? = nil
    ) -> OperatorReply? {
        handle(
            .operatorRequest(
                OperatorRequest(
                    headerId: 1, timestamp: timestamp, siteId: siteId, operator: "desk", command: command, truck: truck, lane: lane,
                    zone: zone, trip: trip, destination: destination, container: container, channel: channel),
                replyTo: Self.operatorReplies))
        return replies(in: last).last
    }

    /// A truck's state: at `position` metres along its route (`node` names the node it last
    /// passed and the position is measured from it), or waiting in its yard without a node.
    mutating func state(
        _ truck: String, node: String = "", from nodePosition: Meters = 0, at position: Meters = -5, speed: MetersPerSecond = 0,
        order: OrderMessage? = nil, actionStates: [StateMessage.ActionState] = [], instantActionStates: [StateMessage.ActionState] = [],
        zoneRequests: [StateMessage.ZoneRequest]? = nil, measuredAt: Seconds? = nil
    ) -> StateMessage {
        let topic = "lanes/v3/sim/\(truck)/state"
        let header = (stateHeaders[topic] ?? 0) + 1
        stateHeaders[topic] = header
        return StateMessage(
            headerId: header, timestamp: WireTimestamp.format(secondsSince1970: measuredAt ?? now), manufacturer: "sim",
            serialNumber: truck, orderId: order?.orderId ?? "", orderUpdateId: order?.orderUpdateId ?? 0, lastNodeId: node,
            lastNodeSequenceId: 0,
            mobileRobotPosition: .init(x: position, y: 0, theta: 0, mapId: "test-gate/import", localized: true, deviationRange: 0.5),
            velocity: .init(vx: speed), driving: speed > 0, zoneRequests: zoneRequests,
            distanceSinceLastNode: node.isEmpty ? nil : position - nodePosition, actionStates: actionStates,
            instantActionStates: instantActionStates, powerSupply: .init(stateOfCharge: 80, charging: false), operatingMode: .automatic,
            safetyState: .init(activeEmergencyStop: .none, fieldViolation: false))
    }

    /// Sends a truck's state (`state(...)`) and returns the effects.
    @discardableResult
    mutating func report(_ message: StateMessage) -> [CoordinatorEffect] {
        handle(.truckState(message, topic: "lanes/v3/sim/\(message.serialNumber)/state"))
    }

    // MARK: what the core did

    static func publications(_ effects: [CoordinatorEffect]) -> [Publication] {
        effects.compactMap { if case .publish(let p) = $0 { p } else { nil } }
    }

    func orders(to truck: String, in effects: [CoordinatorEffect]? = nil) -> [OrderMessage] {
        Self.publications(effects ?? all).compactMap { if case .order(let o) = $0.message, o.serialNumber == truck { o } else { nil } }
    }

    func instantActions(to truck: String, in effects: [CoordinatorEffect]? = nil) -> [Action] {
        Self.publications(effects ?? all).flatMap { (p: Publication) -> [Action] in
            if case .instantActions(let m) = p.message, m.serialNumber == truck { m.actions } else { [] }
        }
    }

    func tripStates(_ tripId: String, in effects: [CoordinatorEffect]? = nil) -> [TripStateMessage] {
        Self.publications(effects ?? all).compactMap { if case .tripState(let s) = $0.message, s.tripId == tripId { s } else { nil } }
    }

    func events(in effects: [CoordinatorEffect]? = nil) -> [CoordinatorEvent] {
        Self.publications(effects ?? all).compactMap { if case .event(let e) = $0.message { e } else { nil } }
    }

    func replies(in effects: [CoordinatorEffect]) -> [OperatorReply] {
        Self.publications(effects).compactMap { if case .reply(let r) = $0.message { r } else { nil } }
    }

    func journal(in effects: [CoordinatorEffect]? = nil) -> [JournalEntry] {
        (effects ?? all).flatMap { (effect: CoordinatorEffect) -> [JournalEntry] in
            if case .journal(let entries) = effect { entries } else { [] }
        }
    }

    func statuses(in effects: [CoordinatorEffect]? = nil) -> [CoordinatorStatus] {
        Self.publications(effects ?? all).compactMap { if case .status(let s) = $0.message { s } else { nil } }
    }

    /// Drives `truck` along its route to `end` at `speed`, reporting every `every` s and echoing
    /// every order it receives, as a truck that obeys its authority: it stops at the end of
    /// authority, and at each station stop point until `finishStation` says it is done there.
    /// Returns where it is after reaching `end` or after `within` site seconds.
    @discardableResult
    mutating func drive(
        _ truck: String, from start: Meters, to target: Meters? = nil, speed: MetersPerSecond = 4, every: Seconds = 0.5,
        within: Seconds = 600,
        finishStation: (String) -> Bool = { _ in true }
    ) -> Meters {
        var position = start
        var stations: [String: StateMessage.ActionState] = [:]
        let deadline = now + within
        // Without a target: the route's end, the last node of the latest order.
        func end() -> Meters {
            target ?? currentOrder(of: truck)?.nodes.last?.nodePosition?.x ?? .infinity
        }
        while position < end() - 1e-6 && now < deadline {
            let order = currentOrder(of: truck)
            let nodes = order?.nodes ?? []
            let released = nodes.filter(\.released).compactMap(\.nodePosition?.x).max() ?? start
            // The next station stop ahead that is not finished.
            let stop = nodes.compactMap { node -> (Meters, String)? in
                guard let action = node.actions.first(where: { $0.actionType == LaneActionType.laneStationStop.rawValue }),
                    stations[action.actionId]?.actionStatus != .finished, let at = node.nodePosition?.x, at >= position - 1e-6
                else { return nil }
                return (at, action.actionId)
            }.min { $0.0 < $1.0 }
            let limit = min(end(), released, stop?.0 ?? .infinity)
            let step = min(speed * every, max(0, limit - position))
            position += step
            if let stop, abs(position - stop.0) < 1e-6 {
                stations[stop.1] = .init(
                    actionId: stop.1, actionType: LaneActionType.laneStationStop.rawValue,
                    actionStatus: finishStation(stop.1) ? .finished : .running)
            }
            advance(every)
            let last = Self.lastNode(atOrBefore: position, in: nodes)
            report(
                state(
                    truck, node: last?.id ?? "", from: last?.at ?? 0, at: position, speed: step > 0 ? speed : 0, order: order,
                    actionStates: Array(stations.values)))
        }
        // At rest where it stopped.
        advance(every)
        let order = currentOrder(of: truck)
        let last = Self.lastNode(atOrBefore: position, in: order?.nodes ?? [])
        report(state(truck, node: last?.id ?? "", from: last?.at ?? 0, at: position, order: order, actionStates: Array(stations.values)))
        return position
    }

    /// The order a truck drives on: the last this run sent it, or the one it held from before.
    func currentOrder(of truck: String) -> OrderMessage? { orders(to: truck).last ?? heldOrders[truck] }

    /// The furthest released node of an order: its end of authority.
    static func end(of order: OrderMessage) -> Meters {
        order.nodes.filter(\.released).compactMap(\.nodePosition?.x).max() ?? -.infinity
    }

    /// What the journal of this run gives the next one (`JournalReading`, the reading every
    /// journal store is held to).
    func recovery(run: Int) -> JournalRecovery { JournalReading(journal()).recovery(run: run) }

    /// The node of `nodes` last at or behind route position `s`, with its position (an order's
    /// nodes carry their route position as `nodePosition.x`).
    static func lastNode(atOrBefore s: Meters, in nodes: [OrderNode]) -> (id: String, at: Meters)? {
        nodes.compactMap { n in n.nodePosition.map { (n.nodeId, $0.x) } }.filter { $0.1 <= s + 1e-6 }.max { $0.1 < $1.1 }
    }
}
