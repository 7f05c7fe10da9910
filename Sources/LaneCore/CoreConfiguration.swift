public import LaneSite

/// Timing limits of the core. Every key has a default that suits the default site.
///
/// Keys:
/// - `authorityLifetime`: how long an authority stays valid without renewal (a truck that hears
///   nothing stops by then at the latest; CBTC rides through 3–5 s of silence).
/// - `staleAfter`: silence after which a truck is stale; its space stays blocked and it gets no
///   new authority until it reports again.
/// - `maximumReportAge`: a report measured longer ago than this when it arrives is refused.
/// - `clockSkewTolerance`: how far in the future a report's timestamp may lie.
/// - `resendAfter`: an authority the truck has not echoed after this long is sent again.
/// - `replanInterval`: how often the slot plan is recomputed on `tick`.
/// - `minimumExtension`: an authority is extended by less than this only when the truck is
///   near its end of authority (fewer messages, no needless braking).
/// - `queueStartGap`: a truck standing behind another is started again only once this much
///   room has opened ahead of it (no stop-and-go creeping in a queue).
/// - `slotBuffer`: time kept free in the plan between one truck leaving an exclusive zone and
///   the next one's window opening.
/// - `timedApproach`: hold a truck short of a busy station by the distance it needs to roll up
///   as the station clears, instead of letting it stand at the entry.
/// - `metering`: a trip leaves its yard (the stop point of the lane's first station, a yard exit
///   gate, or the lane's start) only when its slot plan has it wait at no station of its route
///   longer than the site's queue budget of trucks take there.
public struct CoreConfiguration: Sendable, Equatable {
    /// See the type's documentation.
    public var authorityLifetime: Seconds
    /// See the type's documentation.
    public var staleAfter: Seconds
    /// See the type's documentation.
    public var maximumReportAge: Seconds
    /// See the type's documentation.
    public var clockSkewTolerance: Seconds
    /// See the type's documentation.
    public var resendAfter: Seconds
    /// See the type's documentation.
    public var replanInterval: Seconds
    /// See the type's documentation.
    public var timedApproach: Bool
    /// See the type's documentation.
    public var minimumExtension: Meters
    /// See the type's documentation.
    public var queueStartGap: Meters
    /// See the type's documentation.
    public var slotBuffer: Seconds
    /// See the type's documentation.
    public var metering: Bool

    /// Builds a configuration; every key has a default.
    public init(
        authorityLifetime: Seconds = 10, staleAfter: Seconds = 3, maximumReportAge: Seconds = 2,
        clockSkewTolerance: Seconds = 0.5, resendAfter: Seconds = 1, replanInterval: Seconds = 5,
        timedApproach: Bool = true, minimumExtension: Meters = 3, queueStartGap: Meters = 15, slotBuffer: Seconds = 2,
        metering: Bool = true
    ) {
        self.authorityLifetime = authorityLifetime
        self.staleAfter = staleAfter
        self.maximumReportAge = maximumReportAge
        self.clockSkewTolerance = clockSkewTolerance
        self.resendAfter = resendAfter
        self.replanInterval = replanInterval
        self.timedApproach = timedApproach
        self.minimumExtension = minimumExtension
        self.queueStartGap = queueStartGap
        self.slotBuffer = slotBuffer
        self.metering = metering
    }
}
