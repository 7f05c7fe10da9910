/// The site clock: real time, or real time scaled around an origin. Every message's timestamp
/// and every core instant is site time; the coordinator, the trucks and the simulator run on it.
/// The one `clock_gettime` call of the project.
public struct SiteClock: Sendable {
    /// Site seconds per real second.
    public var scale: Double
    /// The real instant at which site time equals real time.
    public var origin: Double
    private let realNow: @Sendable () -> Double

    /// A clock on the system's real time.
    public init(scale: Double = 1, origin: Double = 0, realNow: @escaping @Sendable () -> Double = SiteClock.systemNow) {
        self.scale = scale
        self.origin = origin
        self.realNow = realNow
    }

    /// Now, in site seconds since 1970.
    public func now() -> Double { origin + (realNow() - origin) * scale }

    /// Real seconds since 1970.
    @Sendable public static func systemNow() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

#if canImport(Glibc)
    import Glibc
#endif
