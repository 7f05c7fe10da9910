public import LaneSite

/// A position and speed a truck reports about itself (VDA 5050 `state`), in the terms of its route.
public struct TruckStateReport: Sendable, Equatable {
    /// The reporting truck.
    public var truck: TruckID
    /// The report's sequence number (VDA 5050 `headerId`); a report not newer than the last
    /// accepted one is a duplicate or arrived out of order.
    public var sequence: UInt64
    /// When the truck measured its position, on the site clock.
    public var measuredAt: Seconds
    /// The zone the truck's front is in.
    public var zone: ZoneID
    /// Distance of the truck's front from the zone's entry, in the truck's direction of travel.
    public var offset: Meters
    /// Speed along the route.
    public var speed: MetersPerSecond
    /// Position uncertainty (one side) the truck claims for this report.
    public var uncertainty: Meters
    /// The sequence number of the last movement authority the truck has applied (VDA 5050
    /// `orderUpdateId` echoed in `state`); 0 before any.
    public var acknowledgedAuthority: UInt64

    /// Describes a report.
    public init(
        truck: TruckID, sequence: UInt64, measuredAt: Seconds, zone: ZoneID, offset: Meters,
        speed: MetersPerSecond, uncertainty: Meters = 0.5, acknowledgedAuthority: UInt64 = 0
    ) {
        self.truck = truck
        self.sequence = sequence
        self.measuredAt = measuredAt
        self.zone = zone
        self.offset = offset
        self.speed = speed
        self.uncertainty = uncertainty
        self.acknowledgedAuthority = acknowledgedAuthority
    }
}

/// A trip a truck is to drive: one lane from its origin yard to its destination yard.
public struct TripRequest: Sendable, Equatable {
    /// The truck.
    public var truck: TruckID
    /// The lane.
    public var lane: LaneID
    /// The shipment's customs channel, which decides the route.
    public var channel: CustomsChannel
    /// Whether the cargo is perishable (agricultural produce), which earns priority where the
    /// order of trucks may legally change.
    public var perishable: Bool

    /// Describes a trip.
    public init(truck: TruckID, lane: LaneID, channel: CustomsChannel, perishable: Bool = false) {
        self.truck = truck
        self.lane = lane
        self.channel = channel
        self.perishable = perishable
    }
}

/// A trip taken back after a restart of the service that runs the core, with the authority the
/// truck may still hold (its journal has it): the truck keeps it, and no new authority is
/// decided for it before its first report.
public struct ResumedTrip: Sendable, Equatable {
    /// The trip, as it was admitted (with any channel change since).
    public var request: TripRequest
    /// The sequence of the last authority sent on the trip (0: none was sent).
    public var sequence: UInt64
    /// That authority's end (route position).
    public var end: Meters
    /// The furthest end of any authority of the trip the truck may still hold (a shortening it
    /// may not have heard): the space claimed until the truck echoes `sequence`.
    public var reach: Meters
    /// That authority's expiry (site seconds).
    public var expiry: Seconds
    /// The stations of the route that have already released the truck.
    public var clearedStations: Set<ZoneID>
    /// The truck was emergency-stopped and not released: it stays so until an operator releases it.
    public var emergencyStopped: Bool

    /// A trip to resume; `reach` is at least `end`.
    public init(
        request: TripRequest, sequence: UInt64, end: Meters, reach: Meters, expiry: Seconds, clearedStations: Set<ZoneID> = [],
        emergencyStopped: Bool = false
    ) {
        self.request = request
        self.sequence = sequence
        self.end = end
        self.reach = max(reach, end)
        self.expiry = expiry
        self.clearedStations = clearedStations
        self.emergencyStopped = emergencyStopped
    }
}

/// What an operator in the command centre asks of the core.
public enum OperatorCommand: Sendable, Equatable {
    /// Stop one truck where it can stop with service braking, and keep it there.
    case holdTruck(TruckID)
    /// Let a held or emergency-stopped truck go again.
    case releaseTruck(TruckID)
    /// Stop every truck of a lane and admit no new trips to it.
    case holdLane(LaneID)
    /// Lift a lane hold.
    case releaseLane(LaneID)
    /// Stop every truck on the site.
    case holdAll
    /// Lift the site-wide hold.
    case releaseAll
    /// Close a zone (maintenance, an incident): no truck may enter it; a truck that can no
    /// longer stop before it is emergency-stopped.
    case closeZone(ZoneID, reason: String)
    /// Open a closed zone.
    case openZone(ZoneID)
    /// Emergency-stop one truck.
    case emergencyStop(TruckID)
    /// Emergency-stop every truck of a lane.
    case emergencyStopLane(LaneID)
    /// Emergency-stop every truck on the site.
    case emergencyStopAll
    /// Give a truck (or take back) the priority of perishable cargo.
    case setPriority(TruckID, Bool)
    /// Take back a truck's trip before it has any authority onto its lane.
    case cancelTrip(TruckID)
}

/// Everything that can happen to the core. The core is driven only by these, with the
/// current instant passed alongside.
public enum CoreEvent: Sendable, Equatable {
    /// A truck announced itself (VDA 5050 `connection` ONLINE and `factsheet`).
    case truckJoined(TruckID, TruckProfile)
    /// A truck left the fleet. Refused while the truck is on a lane: its space stays blocked.
    case truckLeft(TruckID)
    /// A trip was dispatched to a truck.
    case tripAssigned(TripRequest)
    /// A trip taken back after a restart: the truck keeps the authority it holds, and its claim
    /// covers every place it may be in up to that authority's reach until it reports.
    case tripResumed(ResumedTrip)
    /// Customs assigned (or changed) a truck's channel; the truck is re-routed if it can still
    /// stop before the branch.
    case channelAssigned(TruckID, CustomsChannel)
    /// A truck reported its state.
    case stateReport(TruckStateReport)
    /// A station finished its work on the truck standing at it.
    case stationFinished(TruckID, ZoneID)
    /// A station's own system went offline or faulty (`available` false), or is back: while it
    /// is out, its zone is closed to every truck not already in it.
    case stationAvailability(ZoneID, available: Bool)
    /// An operator command.
    case operatorCommand(OperatorCommand)
    /// Time passed: stale trucks are detected, plans refreshed, gridlock looked for.
    case tick
}
