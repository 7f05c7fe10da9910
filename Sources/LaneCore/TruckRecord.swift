import LaneSite

/// A truck's trip as the core tracks it.
struct ActiveTrip: Sendable {
    var request: TripRequest
    var route: Route
    /// Station legs whose station has released the truck.
    var cleared: [Bool]
    /// Admission order, the last tie-break between trucks.
    var admission: UInt64
}

/// Everything the core knows about one truck.
struct TruckRecord: Sendable {
    let id: TruckID
    var profile: TruckProfile
    var trip: ActiveTrip?

    // The last accepted report.
    var hasReport = false
    var front: Meters = 0
    var speed: MetersPerSecond = 0
    var uncertainty: Meters = 0
    var measuredAt: Seconds = -.infinity
    var receivedAt: Seconds = -.infinity
    var lastSequence: UInt64 = 0
    var stale = false

    // The space the truck may occupy: from `claimFrom` (its confirmed rear, less uncertainty,
    // never moved back) to `claimTo` (its end of authority, or a longer one it has not yet
    // acknowledged as shortened, or where it actually is if it overran).
    var claimFrom: Meters = -.infinity
    var claimTo: Meters = -.infinity
    var claimLegs: Range<Int> = 0..<0
    /// The zone after the claim that the claim reaches into because it ends within the gap of it.
    var approachLeg: Int?

    // The current authority.
    var authoritySequence: UInt64 = 0
    var tripFirstSequence: UInt64 = 0
    var authorityEnd: Meters = -.infinity
    var authorityExpiry: Seconds = -.infinity
    var authorityIssuedAt: Seconds = -.infinity
    var acknowledged: UInt64 = 0
    var pendingShorten: UInt64?
    /// The end held before a shortening that only a station's outage asked for: given back if
    /// the truck has not heard the shortening and can no longer stop before its end.
    var givesBack: Meters?
    var advisorySpeed: MetersPerSecond = 0

    // Holds.
    var operatorHold = false
    var holdLimit: Meters?
    var emergencyStopped = false
    var priority = false

    // Waiting.
    var blockedBy: Int?
    var waitingZone: Int?
    var waitingSince: Seconds = 0
    var waiters: [Int] = []

    // The plan.
    var plannedOpen: [Int: Seconds] = [:]
    /// Per station zone ahead: how long the plan has the truck wait at it, and how long the
    /// truck takes there (its window), for metering.
    var plannedWait: [Int: (wait: Seconds, takes: Seconds)] = [:]
    /// Still held at its yard by metering (set at admission; cleared once it may leave).
    var metered = false
    var windows: [SlotWindow] = []

    init(id: TruckID, profile: TruckProfile) {
        self.id = id
        self.profile = profile
    }

    var rear: Meters { front - profile.length }
}

/// A truck's claim on part of one zone, in the zone's own orientation.
struct ZoneClaim: Sendable {
    var truck: Int
    var low: Meters
    var high: Meters
    /// +1 when the truck drives the zone in its orientation, -1 against it.
    var direction: Int8
}
