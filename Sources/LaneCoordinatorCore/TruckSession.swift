import LaneCore
public import LaneSite
public import LaneWire

/// What the coordinator keeps per truck beside the core.
struct TruckSession: Sendable {
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
    var pendingInstant: PendingInstantAction?
    /// Its trip was reloaded from the journal after a restart.
    var recovered = false
    /// What its trip crossed before the restart, as the journal has it: not recorded again.
    var passedBeforeRestart: Set<JournalRecovery.Passage> = []
    /// After a restart, until its first report: the journal's last authority of the trip
    /// (nil: none was sent), against which that report is checked.
    var journaledAuthority: JournalRecovery.Authority?
}

/// A stop, go or emergency stop sent and not yet acknowledged by the truck's state.
struct PendingInstantAction: Sendable {
    /// The action.
    var action: Action
    /// When it was last sent (site seconds).
    var sentAt: Double
}

/// A trip the coordinator admitted.
public struct TripRecord: Sendable, Equatable {
    /// The trip id the yard system (or an operator) gave.
    public var tripId: String
    /// The container it carries.
    public var containerId: String
    /// Its lane.
    public var lane: LaneID
    /// Its customs channel (after any change).
    public var channel: CustomsChannel
    /// Perishable cargo.
    public var perishable: Bool
    /// The VDA 5050 order id: the trip id. A trip resumed after a restart keeps the order its
    /// truck holds (the journal's), whose update ids go on from the journal's last; a trip that
    /// had no authority before the restart gets `<trip>~r<run>`.
    public var orderId: String
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
    /// A station topic of a zone that is no station with a system of its own.
    case unknownStation = "unknown-station"
    /// A station's result for a truck it was not called for (or on another trip), or an outcome
    /// its kind of station does not give (a gate's `clear`, a scanner's `done`).
    case unexpectedStationResult = "unexpected-station-result"
}

/// Counts of what the coordinator did, for the metrics and the tests.
public struct CoordinatorCounters: Sendable, Equatable {
    /// No count yet.
    public init() {}

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
    /// The core's channel of a wire channel.
    public init(_ channel: WireChannel) {
        switch channel {
        case .green: self = .green
        case .yellow: self = .yellow
        case .red: self = .red
        }
    }
}

extension WireChannel {
    /// The wire form of a core channel.
    public init(_ channel: CustomsChannel) {
        switch channel {
        case .green: self = .green
        case .yellow: self = .yellow
        case .red: self = .red
        }
    }
}
