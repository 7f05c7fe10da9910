public import LaneSite

/// How far a truck may drive, and until when: its end of authority and the authority's expiry.
/// A truck stops at its end of authority, and stops where it is once the authority expires.
public struct MovementAuthority: Sendable, Equatable {
    /// The truck it is for.
    public var truck: TruckID
    /// Increases with every new authority for the truck; the truck applies only a higher one
    /// and echoes it in its state (so a resend of the same authority is harmless).
    public var sequence: UInt64
    /// End of authority as a route position (metres from the start of the truck's route).
    /// Positions past the route's end lie in the destination yard.
    public var end: Meters
    /// The zone the end lies in.
    public var endZone: ZoneID
    /// The end's distance from that zone's entry, in the direction of travel.
    public var endOffset: Meters
    /// The zones the authority covers, from the truck's current zone to the end zone.
    public var zones: [ZoneID]
    /// When the authority lapses unless renewed.
    public var expiry: Seconds
    /// Advisory cruise speed from the slot plan: the truck arrives as its next slot opens
    /// instead of waiting at the zone's entry. Never a safety input.
    public var advisorySpeed: MetersPerSecond

    /// Describes an authority.
    public init(
        truck: TruckID, sequence: UInt64, end: Meters, endZone: ZoneID, endOffset: Meters, zones: [ZoneID],
        expiry: Seconds, advisorySpeed: MetersPerSecond
    ) {
        self.truck = truck
        self.sequence = sequence
        self.end = end
        self.endZone = endZone
        self.endOffset = endOffset
        self.zones = zones
        self.expiry = expiry
        self.advisorySpeed = advisorySpeed
    }
}

/// Why an authority command was sent.
public enum AuthorityChange: String, Sendable, Equatable {
    /// The first authority of a trip.
    case grant
    /// The end moved forward.
    case extend
    /// The end moved back (the truck can stop before it).
    case shorten
    /// Same end, later expiry.
    case renew
    /// The same authority again, because the truck has not echoed it.
    case resend
}

/// A time window a truck holds on an exclusive zone or station of its route. A prediction used
/// to order trucks and advise speeds; never a safety input.
public struct SlotWindow: Sendable, Equatable {
    /// The zone.
    public var zone: ZoneID
    /// Predicted entry of the truck's front.
    public var opens: Seconds
    /// Predicted exit of the truck's rear.
    public var closes: Seconds

    /// Describes a window.
    public init(zone: ZoneID, opens: Seconds, closes: Seconds) {
        self.zone = zone
        self.opens = opens
        self.closes = closes
    }
}

/// A truck's slot reservations on the rest of its route.
public struct SlotPlan: Sendable, Equatable {
    /// The truck.
    public var truck: TruckID
    /// Its windows, in route order.
    public var windows: [SlotWindow]
    /// The advisory speed towards the next window.
    public var advisorySpeed: MetersPerSecond

    /// Describes a plan.
    public init(truck: TruckID, windows: [SlotWindow], advisorySpeed: MetersPerSecond) {
        self.truck = truck
        self.windows = windows
        self.advisorySpeed = advisorySpeed
    }
}

/// Why a truck was told to stop.
public enum StopReason: String, Sendable, Equatable {
    /// An operator held the truck.
    case operatorHold = "operator-hold"
    /// An operator held the truck's lane.
    case laneHold = "lane-hold"
    /// An operator held the whole site.
    case siteHold = "site-hold"
}

/// Why a truck was emergency-stopped.
public enum EmergencyReason: String, Sendable, Equatable {
    /// An operator asked for it.
    case operatorCommand = "operator"
    /// The truck drove past its end of authority.
    case overrun
    /// Another truck overran its authority into this truck's space.
    case endangeredByOverrun = "endangered-by-overrun"
    /// A zone ahead was closed and the truck could no longer stop before it with service braking.
    case zoneClosedTooLate = "zone-closed-too-late"
    /// The truck did not echo a shortened authority in time and can no longer stop before its end.
    case shorteningNotEchoed = "shortening-not-echoed"
}

/// Why an event was refused. The core keeps running and changes nothing on a refused event.
public enum RejectionReason: Error, Sendable, Equatable, CustomStringConvertible {
    /// The truck is not in the fleet.
    case unknownTruck
    /// A truck with this serial number already joined.
    case duplicateTruck
    /// The truck's kinematics are not positive and finite.
    case invalidProfile
    /// The truck is on a lane; its space may not be released.
    case truckOnLane
    /// The site has no such lane.
    case unknownLane(LaneID)
    /// The lane is not a driverless lane.
    case laneNotDriverless(LaneID)
    /// The lane is held by an operator.
    case laneClosed(LaneID)
    /// The truck already has a trip.
    case alreadyOnTrip
    /// The truck has no trip.
    case noTrip
    /// The report is not newer than the last accepted one (duplicate or reordered).
    case duplicateOrReordered(sequence: UInt64, last: UInt64)
    /// The report was measured too long ago to be used.
    case staleReport(age: Seconds)
    /// The report is timestamped in the future.
    case reportFromTheFuture(by: Seconds)
    /// The reported zone is not on the truck's route.
    case positionOffRoute(ZoneID)
    /// The reported offset lies outside the reported zone.
    case positionOutsideZone(ZoneID, offset: Meters)
    /// The truck moved backwards by more than the position uncertainty allows.
    case positionJumpedBackwards(by: Meters)
    /// A speed or uncertainty that is negative or not a number.
    case invalidMeasurement
    /// The site has no such zone.
    case unknownZone(ZoneID)
    /// The truck is not standing at that station.
    case notAtStation(ZoneID)
    /// The truck can no longer stop before the branch of its new channel.
    case tooLateToReroute
    /// The zone is already closed / already open.
    case noChange
    /// The truck has authority onto its lane: its trip can no longer be cancelled.
    case tripUnderWay

    /// A short stable name of the reason, for metrics and logs.
    public var code: String {
        switch self {
        case .unknownTruck: "unknown-truck"
        case .duplicateTruck: "duplicate-truck"
        case .invalidProfile: "invalid-profile"
        case .truckOnLane: "truck-on-lane"
        case .unknownLane: "unknown-lane"
        case .laneNotDriverless: "lane-not-driverless"
        case .laneClosed: "lane-closed"
        case .alreadyOnTrip: "already-on-trip"
        case .noTrip: "no-trip"
        case .duplicateOrReordered: "duplicate-or-reordered"
        case .staleReport: "stale-report"
        case .reportFromTheFuture: "report-from-the-future"
        case .positionOffRoute: "position-off-route"
        case .positionOutsideZone: "position-outside-zone"
        case .positionJumpedBackwards: "position-jumped-backwards"
        case .invalidMeasurement: "invalid-measurement"
        case .unknownZone: "unknown-zone"
        case .notAtStation: "not-at-station"
        case .tooLateToReroute: "too-late-to-reroute"
        case .noChange: "no-change"
        case .tripUnderWay: "trip-under-way"
        }
    }

    /// A sentence naming the reason.
    public var description: String {
        switch self {
        case .unknownTruck: "unknown truck"
        case .duplicateTruck: "truck already joined"
        case .invalidProfile: "truck kinematics must be positive and finite"
        case .truckOnLane: "truck is on a lane; its space stays blocked"
        case .unknownLane(let l): "unknown lane '\(l)'"
        case .laneNotDriverless(let l): "lane '\(l)' is not a driverless lane"
        case .laneClosed(let l): "lane '\(l)' is held"
        case .alreadyOnTrip: "truck already has a trip"
        case .noTrip: "truck has no trip"
        case .duplicateOrReordered(let s, let last): "report \(s) is not newer than \(last)"
        case .staleReport(let age): "report is \(age) s old"
        case .reportFromTheFuture(let by): "report is timestamped \(by) s in the future"
        case .positionOffRoute(let z): "reported zone '\(z)' is not on the truck's route"
        case .positionOutsideZone(let z, let o): "reported offset \(o) m lies outside zone '\(z)'"
        case .positionJumpedBackwards(let by): "position jumped \(by) m backwards"
        case .invalidMeasurement: "speed or uncertainty is negative or not a number"
        case .unknownZone(let z): "unknown zone '\(z)'"
        case .notAtStation(let z): "truck is not standing at station '\(z)'"
        case .tooLateToReroute: "truck can no longer stop before its new branch"
        case .noChange: "nothing to change"
        case .tripUnderWay: "the truck has authority onto its lane: hold it and let the trip finish, or drain the lane"
        }
    }
}

/// A refused event and its reason.
public struct Rejection: Sendable, Equatable {
    /// The truck concerned, if any.
    public var truck: TruckID?
    /// Why.
    public var reason: RejectionReason

    /// Describes a rejection.
    public init(truck: TruckID?, reason: RejectionReason) {
        self.truck = truck
        self.reason = reason
    }
}

/// Things the core observed that the operators, the journal and the audit log record.
public enum CoreNotice: Sendable, Equatable {
    /// A trip was admitted to its lane.
    case tripAdmitted(TruckID, LaneID, CustomsChannel)
    /// A truck's rear left its route: the trip is complete and its space released.
    case tripCompleted(TruckID, LaneID)
    /// An operator took back a trip before the truck had authority onto its lane.
    case tripCancelled(TruckID, LaneID)
    /// A truck's front entered a zone.
    case zoneEntered(TruckID, ZoneID)
    /// A truck crossed the handover line (km 0).
    case handoverCrossed(TruckID, ZoneID)
    /// A truck's route changed with its customs channel.
    case rerouted(TruckID, CustomsChannel)
    /// A truck fell silent beyond the stale limit; its space stays blocked.
    case truckStale(TruckID)
    /// A stale truck reported again.
    case truckFresh(TruckID)
    /// A truck drove past its end of authority by the given distance.
    case overrun(TruckID, by: Meters)
    /// Trucks that wait for each other in a circle.
    case gridlock([TruckID])
}

/// What the core asks the transport to do, or tells it.
public enum CoreCommand: Sendable, Equatable {
    /// Send a movement authority (VDA 5050 order update: base = authority).
    case authority(MovementAuthority, AuthorityChange)
    /// Stop the truck where it can stop (VDA 5050 `stopPause`).
    case stop(TruckID, StopReason)
    /// Let the truck go again (VDA 5050 `startPause`).
    case resume(TruckID)
    /// Stop now, with emergency braking.
    case emergencyStop(TruckID, EmergencyReason)
    /// The truck's slot reservations.
    case slotPlan(SlotPlan)
    /// An event was refused.
    case rejected(Rejection)
    /// Something to record.
    case notice(CoreNotice)
}
