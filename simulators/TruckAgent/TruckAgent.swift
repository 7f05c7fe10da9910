public import LaneMQTT
public import LaneSimKit
import LaneWire

/// A driverless truck that speaks VDA 5050 over MQTT, as the coordinator expects one to: it
/// applies orders with a higher `orderUpdateId`, drives along its order's nodes (their
/// `nodePosition.x` is the position along the lane) no further than the last released node (its
/// end of authority) and never after the authority's expiry, stops at each station stop for the
/// station's dwell, obeys `stopPause`/`startPause` and the emergency stop, and reports its state
/// at a fixed interval. Its connection topic carries ONLINE (retained) and, as last will,
/// CONNECTION_BROKEN.
///
/// With `obeysZoneGrants` it follows VDA 5050 3.0's zone requests strictly: it asks for access to
/// every zone of its order ahead of it (`state.zoneRequests`) and never passes a zone's entry
/// without a GRANTED answer on its `responses` topic whose lease has not run out.
///
/// Faults for tests and the simulator: `silence()` stops its reports while it keeps driving,
/// `dropConnection()` cuts its connection without a DISCONNECT (its will fires).
public actor TruckAgent {
    /// How the truck is built and how it reports.
    public struct Configuration: Sendable {
        /// VDA 5050 serial number.
        public var serialNumber: String
        /// VDA 5050 manufacturer.
        public var manufacturer: String
        /// VDA 5050 interface name.
        public var interfaceName: String
        /// Length (m).
        public var length: Double
        /// Top speed (m/s).
        public var maxSpeed: Double
        /// Acceleration (m/s²).
        public var acceleration: Double
        /// Service braking (m/s²).
        public var braking: Double
        /// Emergency braking (m/s²).
        public var emergencyBraking: Double
        /// Seconds (site time) between two state reports.
        public var stateInterval: Double
        /// Site seconds per real second.
        public var timeScale: Double
        /// Now on the site clock (seconds since 1970).
        public var now: @Sendable () -> Double
        /// How long the truck stands at a station (`activity`, `zoneId`), in site seconds.
        public var dwell: @Sendable (_ activity: String, _ zone: String) -> Double
        /// Position uncertainty reported (m).
        public var uncertainty: Double
        /// Where the truck stands at the start, along the lane (m; negative: in the origin yard,
        /// behind the first zone).
        public var initialPosition: Double
        /// Faults of the truck's radio link.
        public var link: LinkFaults
        /// Real seconds between two steps of the kinematics (shorter at a faster time scale).
        public var stepInterval: Double = 0.02
        /// Asks for every zone ahead and enters none without a granted, unexpired lease.
        public var obeysZoneGrants = false

        /// A truck of the site's default kind.
        public init(
            serialNumber: String, manufacturer: String = "lane-fleet", interfaceName: String = "lanes", length: Double = 18,
            maxSpeed: Double = 25 / 3.6, acceleration: Double = 1, braking: Double = 2, emergencyBraking: Double = 4,
            stateInterval: Double = 0.2, timeScale: Double = 1, now: @escaping @Sendable () -> Double,
            dwell: @escaping @Sendable (String, String) -> Double = { _, _ in 2 }, uncertainty: Double = 0.3,
            initialPosition: Double = 0, link: LinkFaults = LinkFaults()
        ) {
            self.serialNumber = serialNumber
            self.manufacturer = manufacturer
            self.interfaceName = interfaceName
            self.length = length
            self.maxSpeed = maxSpeed
            self.acceleration = acceleration
            self.braking = braking
            self.emergencyBraking = emergencyBraking
            self.stateInterval = stateInterval
            self.timeScale = timeScale
            self.now = now
            self.dwell = dwell
            self.uncertainty = uncertainty
            self.initialPosition = initialPosition
            self.link = link
        }
    }

    /// Faults of a truck's radio link, each a probability per message, drawn from a seed.
    public typealias LinkFaults = LossyLink.Faults

    /// A node of the current order.
    struct Node {
        var id: String
        var sequenceId: Int
        var position: Double
        var released: Bool
        var stationAction: Action?
    }

    /// A zone request of the truck's (one per zone ahead, with `obeysZoneGrants`).
    struct ZoneRequest {
        var id: String
        var zone: String
        /// Where the zone begins (m along the lane).
        var entry: Double
        var status: StateMessage.ZoneRequest.Status
        var lease: Double?
    }

    /// The configuration.
    public nonisolated let configuration: Configuration
    let client: MQTTClient
    var order: OrderMessage?
    var nodes: [Node] = []
    /// The end of authority the truck drives to (the last released node of its order).
    var authorityEnd: Double = -.infinity
    var authorityExpiry: Double = -.infinity
    var speedLimits: [(from: Double, to: Double, limit: Double)] = []
    /// Position along the lane (m).
    public private(set) var position: Double
    /// Speed (m/s).
    public private(set) var speed: Double = 0
    /// Whether the truck holds its position on a `stopPause`.
    public private(set) var paused = false
    var emergency = false
    var stationStates: [String: StateMessage.ActionState.Status] = [:]
    var dwellUntil: [String: Double] = [:]
    var instantStates: [StateMessage.ActionState] = []
    var reporting = true
    var linkDownUntil = -Double.infinity
    var brokenUntil = -Double.infinity
    /// Its radio link, with the configured faults.
    var link: LossyLink
    var instantActionsToDrop = 0
    var stopped = false
    var stateHeaderId: UInt64 = 0
    var lastReportAt = -Double.infinity
    var lastStepAt: Double?
    /// The highest `orderUpdateId` applied, per order.
    public private(set) var appliedOrderUpdate: UInt64 = 0
    /// Orders received that were not newer than the one applied (ignored, as VDA 5050 says).
    public private(set) var ignoredOrders = 0
    /// The highest coordinator epoch of the orders applied.
    public private(set) var highestEpoch: UInt64 = 0
    /// Orders ignored because their epoch was lower than one seen before: authorities of a
    /// coordinator that has been fenced.
    public private(set) var fencedOrders = 0
    /// Its zone requests, by zone.
    var zoneRequests: [String: ZoneRequest] = [:]
    var zoneRequestCount = 0
    /// Site seconds during which the truck drove slower than its authority allowed, or stood,
    /// only because a zone ahead was not granted yet (`obeysZoneGrants`): what strict grants cost it.
    public private(set) var heldByGrants = 0.0
    /// Zone requests answered GRANTED, and answered at all.
    public private(set) var grantsReceived = 0
    /// The zones it holds a granted, unexpired lease for now.
    public var grantedZones: Set<String> {
        let now = configuration.now()
        return Set(zoneRequests.values.filter { $0.status == .granted && now < ($0.lease ?? -.infinity) }.map(\.zone))
    }
    /// Answers on `responses` of each kind, by its wire name.
    public private(set) var responsesReceived: [String: Int] = [:]

    /// The truck's topic of `kind` (`LaneWire`'s VDA 5050 topic scheme).
    func topic(_ kind: VDA5050Topic.Kind) -> String {
        VDA5050Topic(
            interfaceName: configuration.interfaceName, manufacturer: configuration.manufacturer, serialNumber: configuration.serialNumber,
            kind: kind
        ).description
    }

    /// A truck that connects with `broker` (its client id and last will are set here).
    public init(_ configuration: Configuration, broker: MQTTConfiguration) throws(MQTTError) {
        self.configuration = configuration
        position = configuration.initialPosition
        link = LossyLink(configuration.link)
        var broker = broker
        broker.clientId = "truck-\(configuration.serialNumber)"
        let will = ConnectionMessage(
            headerId: 0, timestamp: WireTimestamp.format(secondsSince1970: configuration.now()), manufacturer: configuration.manufacturer,
            serialNumber: configuration.serialNumber, connectionState: .connectionBroken)
        broker.will = MQTTWill(
            MQTTOutbound(
                topic: VDA5050Topic(
                    interfaceName: configuration.interfaceName, manufacturer: configuration.manufacturer,
                    serialNumber: configuration.serialNumber, kind: .connection
                ).description,
                payload: (try? WireEncoder().encode(will)) ?? [], qos: .atLeastOnce, retain: true))
        client = try MQTTClient(broker)
    }

    /// Connects, announces ONLINE, subscribes to its order and instant actions, and drives and
    /// reports until `stop()`.
    public func run() async throws {
        try await client.connect()
        try await client.subscribe(topic(.order), qos: .atLeastOnce)
        try await client.subscribe(topic(.instantActions), qos: .atLeastOnce)
        if configuration.obeysZoneGrants { try await client.subscribe(topic(.responses), qos: .atLeastOnce) }
        let online = ConnectionMessage(
            headerId: 1, timestamp: WireTimestamp.format(secondsSince1970: configuration.now()), manufacturer: configuration.manufacturer,
            serialNumber: configuration.serialNumber, connectionState: .online)
        try client.send(MQTTOutbound(topic: topic(.connection), payload: try WireEncoder().encode(online), retain: true))
        let client = self.client
        let inbound = Task {
            for await message in client.messages { self.receive(message) }
        }
        defer { inbound.cancel() }
        while !Task.isCancelled && !stopped {
            step()
            try? await Task.sleep(for: .seconds(configuration.stepInterval))
        }
    }

    /// Disconnects cleanly (OFFLINE first).
    public func stop() async {
        stopped = true
        let offline = ConnectionMessage(
            headerId: 2, timestamp: WireTimestamp.format(secondsSince1970: configuration.now()), manufacturer: configuration.manufacturer,
            serialNumber: configuration.serialNumber, connectionState: .offline)
        if let payload = try? WireEncoder().encode(offline) {
            try? await client.publish(MQTTOutbound(topic: topic(.connection), payload: payload, retain: true))
        }
        await client.close()
    }

    /// The station stops the truck has finished (their action ids).
    public var finishedStations: [String] { stationStates.filter { $0.value == .finished }.map(\.key).sorted() }

    /// Stops reporting its state (a failed modem, say); it keeps driving within its authority.
    public func silence() { reporting = false }

    /// Reports again.
    public func resumeReports() { reporting = true }

    /// Puts the truck on a spot of a yard, `position` metres along the next lane (negative: short
    /// of its first zone), with no order: the yard system does this between two trips.
    public func enterYard(at position: Double) {
        order = nil
        nodes = []
        speedLimits = []
        authorityEnd = -.infinity
        authorityExpiry = -.infinity
        self.position = position
        speed = 0
        paused = false
        emergency = false
        stationStates = [:]
        dwellUntil = [:]
        overrunBy = 0
        zoneRequests = [:]
    }

    /// Loses the next `count` instant-action messages (a radio fault): the coordinator must send
    /// them again.
    public func dropInstantActions(_ count: Int) { instantActionsToDrop = count }

    /// Cuts the connection without a DISCONNECT: the broker publishes its last will.
    public func dropConnection() { client.simulateConnectionLoss() }

    /// Loses its radio link until site time `until`: it neither reports nor hears anything, and
    /// drives on within the authority it holds (which expires).
    public func loseLink(until: Double) { linkDownUntil = until }

    /// Breaks down: brakes to a standstill and stays there until site time `until`, reporting
    /// as usual.
    public func breakDown(until: Double) { brokenUntil = until }

    /// Goes rogue: it takes its end of authority to lie `metres` further than granted (a fault
    /// of its own software) and drives there, until an emergency stop ends it. It still stops
    /// at stations.
    public func overrun(by metres: Double) { overrunBy = metres }

    /// How far the truck drives past the authority it was granted (zero: it does not).
    public private(set) var overrunBy = 0.0

    // MARK: inbound

    func receive(_ message: MQTTInboundMessage) {
        if configuration.now() < linkDownUntil { return }  // the link is down
        if !link.arrives() { return }  // lost on the way in
        switch (try? VDA5050Topic(parsing: message.topic))?.kind {
        case .order:
            guard let order = try? WireDecoder().decode(OrderMessage.self, from: message.payload) else { return }
            apply(order)
        case .instantActions:
            if instantActionsToDrop > 0 {
                instantActionsToDrop -= 1
                return
            }
            guard let actions = try? WireDecoder().decode(InstantActionsMessage.self, from: message.payload) else { return }
            for action in actions.actions { apply(action) }
        case .responses:
            guard let responses = try? WireDecoder().decode(ResponsesMessage.self, from: message.payload) else { return }
            for response in responses.responses { apply(response) }
        default: break
        }
    }

    func apply(_ update: OrderMessage) {
        let epoch = LaneAuthorityParameter.epoch(of: update)
        guard epoch >= highestEpoch else {
            fencedOrders += 1
            return
        }
        if let current = order, current.orderId == update.orderId, update.orderUpdateId <= current.orderUpdateId {
            ignoredOrders += 1
            return
        }
        highestEpoch = epoch
        let sameOrder = order?.orderId == update.orderId
        if !sameOrder { stationStates = [:] }
        order = update
        appliedOrderUpdate = update.orderUpdateId
        nodes = update.nodes.map { node in
            Node(
                id: node.nodeId, sequenceId: node.sequenceId, position: node.nodePosition?.x ?? 0, released: node.released,
                stationAction: node.actions.first { $0.actionType == LaneActionType.laneStationStop.rawValue })
        }
        for node in nodes {
            if let action = node.stationAction, stationStates[action.actionId] == nil { stationStates[action.actionId] = .waiting }
        }
        authorityEnd = nodes.last(where: \.released)?.position ?? position
        let authority = (update.edges.first?.actions ?? []) + (update.nodes.first?.actions ?? [])
        if let expiry = authority.first(where: { $0.actionType == LaneActionType.laneAuthority.rawValue })?.actionParameters?.first(
            where: { $0.key == LaneAuthorityParameter.expiry }),
            case .string(let text) = expiry.value, let instant = try? WireTimestamp.parse(text)
        {
            authorityExpiry = instant
        }
        // An update starts at the last node passed: the edges behind it that the truck's body
        // still covers keep their limit (it holds a portal's speed until its rear is out).
        let firstNode = nodes.first?.position ?? position
        speedLimits = sameOrder ? speedLimits.filter { $0.to > position - configuration.length && $0.to <= firstNode + 1e-6 } : []
        for (index, edge) in update.edges.enumerated() where index + 1 < nodes.count {
            speedLimits.append((nodes[index].position, nodes[index + 1].position, edge.maximumSpeed ?? configuration.maxSpeed))
        }
        if configuration.obeysZoneGrants { requestZonesAhead() }
    }

    /// Asks for each zone of the order whose entry lies ahead and that it has not asked for yet
    /// (again after a REVOKED, REJECTED or expired answer).
    func requestZonesAhead() {
        for node in nodes where node.position >= position - 0.005 {
            guard let (zone, offset) = LaneNodeName.parse(node.id), offset == 0, zoneRequests[zone] == nil else { continue }
            zoneRequestCount += 1
            zoneRequests[zone] = ZoneRequest(
                id: "\(configuration.serialNumber)/\(zone)/\(zoneRequestCount)", zone: zone, entry: node.position, status: .requested)
        }
    }

    func apply(_ response: ResponsesMessage.Response) {
        responsesReceived[response.grantType.rawValue, default: 0] += 1
        guard let zone = zoneRequests.first(where: { $0.value.id == response.requestId })?.key else { return }
        switch response.grantType {
        case .granted:
            grantsReceived += 1
            zoneRequests[zone]?.status = .granted
            zoneRequests[zone]?.lease = response.leaseExpiry.flatMap { try? WireTimestamp.parse($0) }
        case .queued: break
        case .revoked, .rejected:
            // Over: it asks again with the next order (a rejected zone is not entered meanwhile).
            zoneRequests[zone] = nil
        }
    }

    /// The entry of the first zone ahead that the truck may not enter yet (no grant, or its lease
    /// has run out), with `obeysZoneGrants`.
    func firstUngrantedEntry(now: Double) -> Double? {
        guard configuration.obeysZoneGrants, order != nil else { return nil }
        var first: Double?
        for request in zoneRequests.values where request.entry >= position - 0.005 {
            let granted = request.status == .granted && now < (request.lease ?? -.infinity)
            if !granted, request.entry < (first ?? .infinity) { first = request.entry }
        }
        // A zone of the order never asked for (the order came before this truck could ask) counts too.
        for node in nodes where node.position >= position - 0.005 && node.position < (first ?? .infinity) {
            if let (zone, offset) = LaneNodeName.parse(node.id), offset == 0, zoneRequests[zone] == nil { first = node.position }
        }
        return first
    }

    /// Forgets requests for zones the truck has left (its front past the next zone's entry) and
    /// marks expired leases.
    func updateZoneRequests(now: Double) {
        guard configuration.obeysZoneGrants else { return }
        let entries = zoneRequests.values.map(\.entry).sorted()
        for (zone, request) in zoneRequests {
            if let next = entries.first(where: { $0 > request.entry }), position > next + 0.005 { zoneRequests[zone] = nil }
            if request.status == .granted, let lease = request.lease, now >= lease { zoneRequests[zone]?.status = .expired }
        }
    }

    func apply(_ action: Action) {
        switch action.actionType {
        case LaneActionType.stopPause.rawValue: paused = true
        case LaneActionType.startPause.rawValue:
            // Go: also ends a remote emergency stop (the operator released the truck).
            paused = false
            emergency = false
        case LaneActionType.laneEmergencyStop.rawValue:
            emergency = true
            overrunBy = 0  // stopped: the rogue drive ends here
        case LaneActionType.cancelOrder.rawValue:
            authorityEnd = position
        default: break
        }
        instantStates.append(.init(actionId: action.actionId, actionType: action.actionType, actionStatus: .finished))
        if instantStates.count > 10 { instantStates.removeFirst(instantStates.count - 10) }
    }

    // MARK: driving

    /// Where the truck must be standing next: its end of authority or an unfinished station stop.
    func target(now: Double, grants: Bool = true) -> Double {
        var target = authorityEnd + overrunBy
        if grants, let entry = firstUngrantedEntry(now: now) { target = min(target, entry) }
        for node in nodes where node.position >= position - 0.05 && node.released {
            if let action = node.stationAction, stationStates[action.actionId] != .finished {
                target = min(target, node.position)
                break
            }
        }
        return target
    }

    /// The speed the truck may drive now: the edges' `maximumSpeed` over its whole body (a lower
    /// limit holds until its rear has left the edge), and the speed from which service braking
    /// brings it down to a lower limit ahead at that edge's start (it enters a drive-through
    /// portal at the portal's speed, not braking inside it).
    func speedLimit() -> Double {
        let c = configuration
        var limit = c.maxSpeed
        for edge in speedLimits {
            if edge.from <= position && edge.to > position - c.length {
                limit = min(limit, edge.limit)
            } else if edge.from > position {
                limit = min(limit, (edge.limit * edge.limit + 2 * c.braking * max(0, edge.from - position - 0.3)).squareRoot())
            }
        }
        return limit
    }

    func step() {
        let now = configuration.now()
        let dt = min(max(0, now - (lastStepAt ?? now)), 1)
        lastStepAt = now
        let c = configuration
        let limit = speedLimit()
        updateZoneRequests(now: now)
        let target = self.target(now: now)
        let physics = VehicleMotion.Physics(acceleration: c.acceleration, serviceBraking: c.braking, emergencyBraking: c.emergencyBraking)
        let mode: VehicleMotion.Mode =
            if emergency {
                .emergency
            } else if paused || (now > authorityExpiry && overrunBy == 0) || order == nil || now < brokenUntil {
                .brake
            } else {
                .drive
            }
        if mode == .drive && c.obeysZoneGrants {
            // What the truck could do on its authority alone: the grants cost it the difference.
            var free = VehicleMotion(front: position, speed: speed)
            var granted = free
            granted.step(.drive, target: target, speedLimit: min(limit, c.maxSpeed), physics: physics, dt: dt)
            free.step(.drive, target: self.target(now: now, grants: false), speedLimit: min(limit, c.maxSpeed), physics: physics, dt: dt)
            if granted.speed < free.speed - 0.01 { heldByGrants += dt }
        }
        var motion = VehicleMotion(front: position, speed: speed)
        motion.step(mode, target: max(position, target), speedLimit: min(limit, c.maxSpeed), physics: physics, dt: dt)
        position = motion.front
        speed = motion.speed
        for node in nodes where abs(node.position - position) < 0.05 && speed < 0.01 {
            if let action = node.stationAction, stationStates[action.actionId] == .waiting {
                stationStates[action.actionId] = .running
                let activity = action.actionParameters?.first { $0.key == "activity" }.flatMap {
                    if case .string(let a) = $0.value { a } else { nil }
                }
                let zone = action.actionParameters?.first { $0.key == "zoneId" }.flatMap {
                    if case .string(let z) = $0.value { z } else { nil }
                }
                dwellUntil[action.actionId] = now + c.dwell(activity ?? "", zone ?? "")
            }
        }
        for (id, until) in dwellUntil where now >= until {
            stationStates[id] = .finished
            dwellUntil[id] = nil
        }
        if reporting && now >= linkDownUntil && now - lastReportAt >= c.stateInterval {
            lastReportAt = now
            report(now: now)
        }
    }

    func report(now: Double) {
        stateHeaderId += 1
        // Before its first node the truck names that node with a negative distance.
        let last = nodes.last { $0.position <= position + 0.005 } ?? nodes.first
        let state = StateMessage(
            headerId: stateHeaderId, timestamp: WireTimestamp.format(secondsSince1970: now), manufacturer: configuration.manufacturer,
            serialNumber: configuration.serialNumber, orderId: order?.orderId ?? "", orderUpdateId: order?.orderUpdateId ?? 0,
            lastNodeId: last?.id ?? "", lastNodeSequenceId: last?.sequenceId ?? 0,
            nodeStates: nodes.filter { $0.position > position + 0.005 }.map {
                .init(nodeId: $0.id, sequenceId: $0.sequenceId, released: $0.released)
            },
            edgeStates: [],
            mobileRobotPosition: .init(
                x: position, y: 0, theta: 0, mapId: order?.nodes.first?.nodePosition?.mapId ?? "yard", localized: true,
                localizationScore: 1,
                deviationRange: configuration.uncertainty),
            velocity: .init(vx: speed, vy: 0, omega: 0), driving: speed > 0.01, paused: paused,
            zoneRequests: configuration.obeysZoneGrants
                ? zoneRequests.values.sorted { $0.entry < $1.entry }.map {
                    .init(
                        requestId: $0.id, zoneId: $0.zone, zoneSetId: order?.nodes.first?.nodePosition?.mapId ?? "yard",
                        requestStatus: $0.status)
                } : nil,
            distanceSinceLastNode: last.map { position - $0.position },
            actionStates: stationStates.sorted { $0.key < $1.key }.map {
                .init(actionId: $0.key, actionType: LaneActionType.laneStationStop.rawValue, actionStatus: $0.value)
            },
            instantActionStates: instantStates, powerSupply: .init(stateOfCharge: 80, charging: false), operatingMode: .automatic,
            safetyState: .init(activeEmergencyStop: emergency ? .remote : .none, fieldViolation: false))
        if let payload = try? WireEncoder().encode(state) {
            for copy in link.send(payload) { send(copy) }
        }
    }
}

extension TruckAgent {
    func send(_ payload: [UInt8]) {
        try? client.send(MQTTOutbound(topic: topic(.state), payload: payload, qos: .atMostOnce))
    }
}
