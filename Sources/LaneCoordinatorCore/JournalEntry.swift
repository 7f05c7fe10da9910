import LaneCore
public import LaneSite
public import LaneWire

/// One thing the coordinator decided or observed, as the journal keeps it.
public enum JournalEntry: Sendable, Equatable {
    /// A trip was admitted with its order id.
    case tripAdmitted(
        at: Double, tripId: String, truck: TruckID, lane: LaneID, channel: CustomsChannel, containerId: String, perishable: Bool)
    /// A trip's customs channel changed.
    case channelChanged(at: Double, tripId: String, channel: CustomsChannel)
    /// A trip ended (`finished`, `failed`).
    case tripEnded(at: Double, tripId: String, outcome: String)
    /// An authority about to be sent.
    case authority(at: Double, truck: TruckID, orderId: String, sequence: UInt64, end: Double, expiry: Double, change: String)
    /// A stop, go or emergency stop about to be sent (`kind`: stop, resume, emergency-stop).
    case command(at: Double, truck: TruckID, kind: JournalKind, reason: String)
    /// A hold, closure or their release by an operator (`released` ends it).
    case hold(at: Double, kind: HoldKind, target: String, reason: String, released: Bool)
    /// A truck's lifecycle (`kind`: truck-online, truck-offline, truck-connection-broken,
    /// truck-stale, truck-fresh, truck-overrun), with a detail.
    case truck(at: Double, truck: TruckID, kind: JournalKind, detail: String)
    /// A crossing for the audit log: km 0, a zone entry, a station passed.
    case crossing(Crossing)
}

/// A crossing kept for audit: who passed what, when, on which trip and channel.
public struct Crossing: Sendable, Equatable {
    /// When (site seconds since 1970).
    public var at: Double
    /// The truck.
    public var truck: TruckID
    /// Its trip.
    public var tripId: String?
    /// The container it carried.
    public var containerId: String?
    /// What was crossed.
    public var kind: CrossingKind
    /// The zone.
    public var zone: ZoneID
    /// The customs channel at the time.
    public var channel: CustomsChannel?

    /// Describes a crossing.
    public init(
        at: Double, truck: TruckID, tripId: String?, containerId: String?, kind: CrossingKind, zone: ZoneID, channel: CustomsChannel?
    ) {
        self.at = at
        self.truck = truck
        self.tripId = tripId
        self.containerId = containerId
        self.kind = kind
        self.zone = zone
        self.channel = channel
    }
}

/// What the journal gives back to a restarted coordinator.
public struct JournalRecovery: Sendable, Equatable {
    /// A trip admitted and not ended.
    public struct OpenTrip: Sendable, Equatable {
        /// The trip.
        public var tripId: String
        /// Its truck.
        public var truck: TruckID
        /// Its lane.
        public var lane: LaneID
        /// Its channel (after any change).
        public var channel: CustomsChannel
        /// Its container.
        public var containerId: String
        /// Perishable cargo.
        public var perishable: Bool
        /// What the trip has already crossed (zones entered, km 0, stations passed): recovery
        /// never records these again.
        public var passed: Set<Passage>
        /// Its truck's last stop command on the trip was an emergency stop, not yet released.
        public var emergencyStopped: Bool

        /// An open trip.
        public init(
            tripId: String, truck: TruckID, lane: LaneID, channel: CustomsChannel, containerId: String, perishable: Bool,
            passed: Set<Passage> = [], emergencyStopped: Bool = false
        ) {
            self.tripId = tripId
            self.truck = truck
            self.lane = lane
            self.channel = channel
            self.containerId = containerId
            self.perishable = perishable
            self.passed = passed
            self.emergencyStopped = emergencyStopped
        }
    }

    /// One crossing of a trip, without its time: what was crossed where.
    public struct Passage: Sendable, Hashable {
        /// What was crossed.
        public var kind: CrossingKind
        /// The zone.
        public var zone: ZoneID

        /// A crossing's kind and zone.
        public init(_ kind: CrossingKind, _ zone: ZoneID) {
            self.kind = kind
            self.zone = zone
        }
    }

    /// A truck's last authority.
    public struct Authority: Sendable, Equatable {
        /// The order it was sent in.
        public var orderId: String
        /// Its sequence (`orderUpdateId`).
        public var sequence: UInt64
        /// Its end (route position).
        public var end: Double
        /// Its expiry (site seconds).
        public var expiry: Double
        /// The furthest end of any authority of the same order: what the truck may still hold
        /// if it did not hear a shortening.
        public var reach: Double

        /// A last authority; `reach` defaults to its end.
        public init(orderId: String, sequence: UInt64, end: Double, expiry: Double, reach: Double? = nil) {
            self.orderId = orderId
            self.sequence = sequence
            self.end = end
            self.expiry = expiry
            self.reach = max(reach ?? end, end)
        }
    }

    /// A hold or closure still in force.
    public struct Hold: Sendable, Equatable {
        /// Which hold.
        public var kind: HoldKind
        /// The truck, lane or zone.
        public var target: String
        /// Why.
        public var reason: String

        /// A hold in force.
        public init(kind: HoldKind, target: String, reason: String) {
            self.kind = kind
            self.target = target
            self.reason = reason
        }
    }

    /// The number of the run that starts (1 for a fresh journal).
    public var run: Int
    /// The fencing token the starting coordinator's orders carry: the epoch of the site's lease
    /// it took (a standby pair), or the run (a single coordinator). It only grows.
    public var epoch: UInt64
    /// Trips admitted and not ended.
    public var openTrips: [OpenTrip]
    /// Each truck's last authority.
    public var authorities: [TruckID: Authority]
    /// Holds and closures in force.
    public var holds: [Hold]

    /// What a journal gives back.
    public init(run: Int, openTrips: [OpenTrip], authorities: [TruckID: Authority], holds: [Hold], epoch: UInt64? = nil) {
        self.run = run
        self.epoch = epoch ?? UInt64(max(run, 0))
        self.openTrips = openTrips
        self.authorities = authorities
        self.holds = holds
    }
}

/// One entry of the journal's log, as `history` reads it back.
public struct JournalLogEntry: Sendable, Equatable {
    /// When (site seconds).
    public var at: Double
    /// What.
    public var kind: JournalKind
    /// The truck, if one (a trip's entries name the trip's truck).
    public var truck: String?
    /// The trip (or order), if one.
    public var trip: String?
    /// The rest, as a sentence.
    public var detail: String

    /// A log entry.
    public init(at: Double, kind: JournalKind, truck: String?, trip: String?, detail: String) {
        self.at = at
        self.kind = kind
        self.truck = truck
        self.trip = trip
        self.detail = detail
    }
}
