/// The kinematics of a truck, which decide how far ahead it needs authority and how soon it can stop.
public struct TruckProfile: Sendable, Equatable {
    /// Overall length, cab to rear of the container.
    public var length: Meters
    /// Top speed.
    public var maxSpeed: MetersPerSecond
    /// Acceleration (m/s²).
    public var acceleration: Double
    /// Service braking the truck is guaranteed to achieve (m/s²); authority is shortened only
    /// where this braking stops the truck in time.
    public var serviceBraking: Double
    /// Emergency braking (m/s²).
    public var emergencyBraking: Double
    /// Delay between a command reaching the truck and its brakes acting.
    public var reactionTime: Seconds

    /// Describes a truck type. The defaults are an 18 m driverless container truck (DOMAIN.md's
    /// lane physics: a = 1 m/s², b = 2 m/s²).
    public init(
        length: Meters = 18, maxSpeed: MetersPerSecond = 25 / 3.6, acceleration: Double = 1,
        serviceBraking: Double = 2, emergencyBraking: Double = 4, reactionTime: Seconds = 0.5
    ) {
        self.length = length
        self.maxSpeed = maxSpeed
        self.acceleration = acceleration
        self.serviceBraking = serviceBraking
        self.emergencyBraking = emergencyBraking
        self.reactionTime = reactionTime
    }

    /// Distance needed to stop from `speed` with service braking, reaction included.
    @inlinable public func stoppingDistance(from speed: MetersPerSecond) -> Meters {
        speed * reactionTime + speed * speed / (2 * serviceBraking)
    }

    /// Whether every figure is positive and finite.
    public var isValid: Bool {
        [length, maxSpeed, acceleration, serviceBraking, emergencyBraking].allSatisfy { $0 > 0 && $0.isFinite }
            && reactionTime >= 0 && reactionTime.isFinite && emergencyBraking >= serviceBraking
    }
}
