/// How a simulated driverless truck moves: one step of its kinematics toward the point where it
/// must stand (its end of authority, or a station's stop point), under a speed limit, with
/// acceleration and service braking, or braking to a standstill. The fast simulator and the MQTT
/// truck agent both drive with it; each decides the target, the limit and the mode from what it
/// knows (the scheduler core's authority, or the VDA 5050 order), and keeps its own wire and
/// faults. A pure value: time is passed in.
public struct VehicleMotion: Sendable, Equatable {
    /// The truck's physics (m/s² each).
    public struct Physics: Sendable, Equatable {
        /// Acceleration.
        public var acceleration: Double
        /// Service braking, the rate it plans its stops with.
        public var serviceBraking: Double
        /// Emergency braking.
        public var emergencyBraking: Double

        /// Physics of a truck.
        public init(acceleration: Double, serviceBraking: Double, emergencyBraking: Double) {
            self.acceleration = acceleration
            self.serviceBraking = serviceBraking
            self.emergencyBraking = emergencyBraking
        }
    }

    /// What the truck does in a step.
    public enum Mode: Sendable, Equatable {
        /// Drives toward the target as fast as the limit and its service braking curve allow,
        /// and stands exactly at the target.
        case drive
        /// Brakes to a standstill with service braking (paused, authority expired, broken down,
        /// stopped at a station), never past the target.
        case brake
        /// Brakes with emergency braking wherever that takes it.
        case emergency
    }

    /// Route position of the front (m).
    public var front: Double
    /// Speed (m/s).
    public var speed: Double

    /// A truck at `front` moving at `speed`.
    public init(front: Double, speed: Double = 0) {
        self.front = front
        self.speed = speed
    }

    /// Moves the truck by `dt` seconds in `mode` toward `target` under `speedLimit`; returns how
    /// far it went. The speed is integrated with the trapezoid rule.
    @discardableResult
    public mutating func step(_ mode: Mode, target: Double, speedLimit: Double, physics: Physics, dt: Double) -> Double {
        var v: Double
        switch mode {
        case .emergency: v = max(0, speed - physics.emergencyBraking * dt)
        case .brake: v = max(0, speed - physics.serviceBraking * dt)
        case .drive:
            // The braking curve: the speed from which service braking stops the truck at the target.
            let curve = (2 * physics.serviceBraking * max(0, target - front - 0.02)).squareRoot()
            let wanted = min(speedLimit, curve)
            v = wanted > speed ? min(wanted, speed + physics.acceleration * dt) : max(wanted, speed - physics.serviceBraking * dt)
        }
        var advance = (speed + v) / 2 * dt
        if mode != .emergency && front + advance > target {
            // Stop exactly at the target (the braking curve's last centimetres).
            advance = max(0, target - front)
            v = 0
        }
        front += advance
        speed = v
        return advance
    }
}
