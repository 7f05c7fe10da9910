/// The coordinator's own messages, for the yard system, operators and observers. Their JSON
/// Schemas are `protocols/schemas/coordinator-*.schema.json`; the topics are in
/// `protocols/asyncapi.yaml`.
public enum CoordinatorTopic {
    /// Retained status, with the coordinator's last will.
    public static let status = "lanes/coordinator/status"
    /// Retained snapshot of the site plan.
    public static let plan = "lanes/coordinator/plan"
    /// Event and audit stream.
    public static let events = "lanes/coordinator/events"
    /// Trips from the yard system or an operator.
    public static let dispatch = "lanes/coordinator/dispatch"
    /// Operator requests (MQTT 5 response topic and correlation data).
    public static let operatorRequests = "lanes/coordinator/operator/request"
    /// Where the state of trip `tripId` is retained.
    public static func tripState(_ tripId: String) -> String { "lanes/coordinator/trips/\(tripId)" }
    /// The filter of every trip's state.
    public static let everyTripState = "lanes/coordinator/trips/#"
    /// Where replies to client `clientId` go.
    public static func operatorReplies(_ clientId: String) -> String { "lanes/coordinator/operator/reply/\(clientId)" }
    /// The retained status of one coordinator instance of a standby pair (its last will says
    /// offline); `status` stays the site's, published by the active one.
    public static func instanceStatus(_ instance: String) -> String { "lanes/coordinator/instances/\(instance)/status" }
    /// The filter of every instance's status.
    public static let everyInstanceStatus = "lanes/coordinator/instances/+/status"
}

/// The customs channel on the wire.
public enum WireChannel: String, Codable, Sendable {
    /// Pass after the scan.
    case green
    /// Document check.
    case yellow
    /// Physical inspection.
    case red
}

/// `lanes/coordinator/status`.
public struct CoordinatorStatus: Codable, Equatable, Sendable {
    /// The coordinator's states.
    public enum State: String, Codable, Sendable {
        /// Running.
        case online
        /// Restarted; every truck is held until it has reported fresh state.
        case recovering
        /// Stopped (also its last will).
        case offline
    }
    /// What an instance of a standby pair does.
    public enum Role: String, Codable, Sendable {
        /// Holds the site's lease: plans, grants, publishes.
        case active
        /// Waits for the lease, and takes over when the active's expires.
        case standby
    }
    /// A closed zone and why.
    public struct ClosedZone: Codable, Equatable, Sendable {
        /// The zone.
        public var zoneId: String
        /// The operator's reason.
        public var reason: String

        /// Describes a closed zone.
        public init(zoneId: String, reason: String) {
            self.zoneId = zoneId
            self.reason = reason
        }
    }
    /// Counts up per message on the topic.
    public var headerId: UInt64
    /// ISO 8601 UTC, milliseconds.
    public var timestamp: String
    /// The site.
    public var siteId: String
    /// See `State`.
    public var state: State
    /// Since when.
    public var since: String
    /// The coordinator's version.
    public var version: String?
    /// Trucks in the fleet.
    public var trucks: Int?
    /// Trucks on a trip.
    public var activeTrips: Int?
    /// Stale trucks.
    public var staleTrucks: Int?
    /// Closed zones.
    public var closedZones: [ClosedZone]?
    /// The coordinator instance (a standby pair's; absent for a single coordinator).
    public var instance: String?
    /// The instance's role (an instance's own status).
    public var role: Role?
    /// The epoch of the site's lease the active holds: every order it sends carries it.
    public var epoch: UInt64?

    /// Describes a status.
    public init(
        headerId: UInt64, timestamp: String, siteId: String, state: State, since: String, version: String? = nil, trucks: Int? = nil,
        activeTrips: Int? = nil, staleTrucks: Int? = nil, closedZones: [ClosedZone]? = nil, instance: String? = nil, role: Role? = nil,
        epoch: UInt64? = nil
    ) {
        self.instance = instance
        self.role = role
        self.epoch = epoch
        self.headerId = headerId
        self.timestamp = timestamp
        self.siteId = siteId
        self.state = state
        self.since = since
        self.version = version
        self.trucks = trucks
        self.activeTrips = activeTrips
        self.staleTrucks = staleTrucks
        self.closedZones = closedZones
    }
}

/// A trip on `lanes/coordinator/dispatch`.
public struct TripDispatch: Codable, Equatable, Sendable {
    /// Counts up per message on the topic.
    public var headerId: UInt64
    /// ISO 8601 UTC, milliseconds.
    public var timestamp: String
    /// The site.
    public var siteId: String
    /// The trip's id.
    public var tripId: String
    /// The truck's serial number.
    public var truck: String
    /// The lane.
    public var lane: String
    /// The origin yard.
    public var origin: String?
    /// The destination yard.
    public var destination: String?
    /// The container.
    public var containerId: String
    /// Perishable cargo.
    public var perishable: Bool
    /// The customs declaration.
    public var customsDeclaration: String?
    /// The customs channel.
    public var channel: WireChannel

    /// Describes a trip.
    public init(
        headerId: UInt64, timestamp: String, siteId: String, tripId: String, truck: String, lane: String, origin: String? = nil,
        destination: String? = nil, containerId: String, perishable: Bool, customsDeclaration: String? = nil, channel: WireChannel
    ) {
        self.headerId = headerId
        self.timestamp = timestamp
        self.siteId = siteId
        self.tripId = tripId
        self.truck = truck
        self.lane = lane
        self.origin = origin
        self.destination = destination
        self.containerId = containerId
        self.perishable = perishable
        self.customsDeclaration = customsDeclaration
        self.channel = channel
    }
}

/// Where a trip stands, on `lanes/coordinator/trips/{tripId}`.
public struct TripStateMessage: Codable, Equatable, Sendable {
    /// The stages of a trip.
    public enum State: String, Codable, Sendable {
        /// Admitted.
        case accepted
        /// Refused (see the reason).
        case rejected
        /// On its lane.
        case running
        /// Arrived.
        case finished
        /// Ended without arriving (see the reason).
        case failed
        /// Taken back by an operator before the truck entered the lane.
        case cancelled
    }
    /// Counts up per message on the topic.
    public var headerId: UInt64
    /// ISO 8601 UTC, milliseconds.
    public var timestamp: String
    /// The site.
    public var siteId: String
    /// The trip.
    public var tripId: String
    /// The truck.
    public var truck: String
    /// See `State`.
    public var state: State
    /// Why a trip was rejected or failed, or what changed on its way (a re-route, a refusal).
    public var reason: String?
    /// The trip's customs channel now (after a station's suspicious or unreadable scan, red).
    public var channel: WireChannel?

    /// Describes a trip state.
    public init(
        headerId: UInt64, timestamp: String, siteId: String, tripId: String, truck: String, state: State, reason: String? = nil,
        channel: WireChannel? = nil
    ) {
        self.headerId = headerId
        self.timestamp = timestamp
        self.siteId = siteId
        self.tripId = tripId
        self.truck = truck
        self.state = state
        self.reason = reason
        self.channel = channel
    }
}

/// An entry of the event and audit stream, on `lanes/coordinator/events`.
public struct CoordinatorEvent: Codable, Equatable, Sendable {
    /// Counts up per message on the topic.
    public var headerId: UInt64
    /// ISO 8601 UTC, milliseconds.
    public var timestamp: String
    /// The site.
    public var siteId: String
    /// What happened.
    public var kind: CoordinatorEventKind
    /// The truck concerned.
    public var truck: String?
    /// The lane concerned.
    public var lane: String?
    /// The zone concerned.
    public var zone: String?
    /// The truck's customs channel.
    public var channel: WireChannel?
    /// For `operator-command`: the command carried out.
    public var command: OperatorCommandName?
    /// For `operator-command`: the operator who asked.
    public var `operator`: String?
    /// Free text.
    public var detail: String?

    /// Describes an event.
    public init(
        headerId: UInt64, timestamp: String, siteId: String, kind: CoordinatorEventKind, truck: String? = nil, lane: String? = nil,
        zone: String? = nil, channel: WireChannel? = nil, command: OperatorCommandName? = nil, operator: String? = nil,
        detail: String? = nil
    ) {
        self.headerId = headerId
        self.timestamp = timestamp
        self.siteId = siteId
        self.kind = kind
        self.truck = truck
        self.lane = lane
        self.zone = zone
        self.channel = channel
        self.command = command
        self.operator = `operator`
        self.detail = detail
    }
}

/// An operator's request on `lanes/coordinator/operator/request`.
public struct OperatorRequest: Codable, Equatable, Sendable {
    /// Counts up per message on the topic.
    public var headerId: UInt64
    /// ISO 8601 UTC, milliseconds.
    public var timestamp: String
    /// The site.
    public var siteId: String
    /// The operator account.
    public var `operator`: String
    /// The command.
    public var command: OperatorCommandName
    /// The truck concerned.
    public var truck: String?
    /// For `dispatch` (optional: the coordinator makes one) and `cancel-trip`: the trip.
    public var trip: String?
    /// The lane concerned.
    public var lane: String?
    /// The zone concerned.
    public var zone: String?
    /// The operator's reason.
    public var reason: String?
    /// For `set-priority`.
    public var priority: Bool?
    /// For `history`: from.
    public var from: String?
    /// For `history`: to.
    public var to: String?
    /// For `dispatch`: the destination yard (a lane's `to`) or the lane id.
    public var destination: String?
    /// For `dispatch`: the container.
    public var container: String?
    /// For `dispatch`: the customs channel.
    public var channel: WireChannel?
    /// For `dispatch`: perishable cargo.
    public var perishable: Bool?

    /// Describes a request.
    public init(
        headerId: UInt64, timestamp: String, siteId: String, operator: String, command: OperatorCommandName, truck: String? = nil,
        lane: String? = nil,
        zone: String? = nil, reason: String? = nil, priority: Bool? = nil, from: String? = nil, to: String? = nil, trip: String? = nil,
        destination: String? = nil, container: String? = nil, channel: WireChannel? = nil, perishable: Bool? = nil
    ) {
        self.headerId = headerId
        self.timestamp = timestamp
        self.siteId = siteId
        self.operator = `operator`
        self.command = command
        self.truck = truck
        self.lane = lane
        self.zone = zone
        self.reason = reason
        self.priority = priority
        self.from = from
        self.to = to
        self.trip = trip
        self.destination = destination
        self.container = container
        self.channel = channel
        self.perishable = perishable
    }
}

/// The coordinator's answer, on the request's response topic.
public struct OperatorReply: Codable, Equatable, Sendable {
    /// The outcomes.
    public enum Outcome: String, Codable, Sendable {
        /// Carried out.
        case done
        /// Refused (see the reason).
        case rejected
        /// Not allowed for this account.
        case denied
    }
    /// Counts up per message on the topic.
    public var headerId: UInt64
    /// ISO 8601 UTC, milliseconds.
    public var timestamp: String
    /// The site.
    public var siteId: String
    /// See `Outcome`.
    public var outcome: Outcome
    /// Why, if rejected or denied.
    public var reason: String?
    /// The command's result.
    public var result: WireValue?

    /// Describes a reply.
    public init(headerId: UInt64, timestamp: String, siteId: String, outcome: Outcome, reason: String? = nil, result: WireValue? = nil) {
        self.headerId = headerId
        self.timestamp = timestamp
        self.siteId = siteId
        self.outcome = outcome
        self.reason = reason
        self.result = result
    }
}

/// A snapshot of the site plan, on `lanes/coordinator/plan`.
public struct PlanSnapshot: Codable, Equatable, Sendable {
    /// One truck as the coordinator sees it.
    public struct Truck: Codable, Equatable, Sendable {
        /// A slot window.
        public struct Slot: Codable, Equatable, Sendable {
            /// The zone.
            public var zone: String
            /// Predicted entry.
            public var opens: String
            /// Predicted exit.
            public var closes: String

            /// Describes a slot.
            public init(zone: String, opens: String, closes: String) {
                self.zone = zone
                self.opens = opens
                self.closes = closes
            }
        }
        /// The truck.
        public var truck: String
        /// Its lane, on a trip.
        public var lane: String?
        /// Its customs channel.
        public var channel: WireChannel?
        /// Route position of its front (m).
        public var front: Double?
        /// Its speed (m/s).
        public var speed: Double?
        /// Its end of authority (route position, m).
        public var authorityEnd: Double?
        /// When its authority lapses.
        public var authorityExpiry: String?
        /// Silent beyond the stale limit.
        public var stale: Bool
        /// Held by an operator.
        public var held: Bool
        /// The truck it waits for.
        public var waitsFor: String?
        /// Its slot windows.
        public var slots: [Slot]?

        /// Describes a truck of the snapshot.
        public init(
            truck: String, lane: String? = nil, channel: WireChannel? = nil, front: Double? = nil, speed: Double? = nil,
            authorityEnd: Double? = nil, authorityExpiry: String? = nil, stale: Bool, held: Bool, waitsFor: String? = nil,
            slots: [Slot]? = nil
        ) {
            self.truck = truck
            self.lane = lane
            self.channel = channel
            self.front = front
            self.speed = speed
            self.authorityEnd = authorityEnd
            self.authorityExpiry = authorityExpiry
            self.stale = stale
            self.held = held
            self.waitsFor = waitsFor
            self.slots = slots
        }
    }
    /// Counts up per message on the topic.
    public var headerId: UInt64
    /// ISO 8601 UTC, milliseconds.
    public var timestamp: String
    /// The site.
    public var siteId: String
    /// Every truck.
    public var trucks: [Truck]

    /// Describes a snapshot.
    public init(headerId: UInt64, timestamp: String, siteId: String, trucks: [Truck]) {
        self.headerId = headerId
        self.timestamp = timestamp
        self.siteId = siteId
        self.trucks = trucks
    }
}
