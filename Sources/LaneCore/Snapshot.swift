public import LaneSite

/// What the core currently believes about one truck: for operators, journals and tests.
public struct TruckSnapshot: Sendable, Equatable {
    /// The truck.
    public var id: TruckID
    /// Its trip, if it is on one.
    public var trip: TripRequest?
    /// Route position of its front from the last accepted report.
    public var front: Meters?
    /// Speed from the last accepted report.
    public var speed: MetersPerSecond
    /// Whether it has been silent beyond the stale limit.
    public var stale: Bool
    /// The space it may occupy, as route positions (confirmed rear less uncertainty, to the
    /// furthest end it may still drive to).
    public var claim: ClosedRange<Meters>?
    /// Its current authority.
    public var authority: MovementAuthority?
    /// Whether an operator hold (truck, lane or site) applies.
    public var held: Bool
    /// Whether it is emergency-stopped.
    public var emergencyStopped: Bool
    /// The truck whose space it waits for, if any.
    public var blockedBy: TruckID?
    /// Its slot windows.
    public var windows: [SlotWindow]
    /// Whether an operator gave it the priority of perishable cargo.
    public var priority = false
}

/// Counts the core keeps for metrics.
public struct CoreStatistics: Sendable, Equatable {
    /// Events refused, by `RejectionReason.code`.
    public var rejections: [String: Int] = [:]
    /// Authorities sent again because the truck had not echoed them.
    public var resends = 0
    /// Authorities granted or extended.
    public var extensions = 0
    /// Authorities shortened.
    public var shortenings = 0
    /// Emergency stops commanded.
    public var emergencyStops = 0
    /// Trips completed.
    public var tripsCompleted = 0

    /// Empty statistics.
    public init() {}
}
