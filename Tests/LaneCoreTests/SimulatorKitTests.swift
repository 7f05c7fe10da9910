import LaneSimKit
import Testing

/// The simulated truck's kinematics that the fast simulator and the truck agent share.
@Suite("the simulated truck's motion")
struct VehicleMotionTests {
    static let physics = VehicleMotion.Physics(acceleration: 1, serviceBraking: 2, emergencyBraking: 4)

    @Test("driving toward a target: it accelerates to the limit, never exceeds it, and stands exactly at the target")
    func driveToTarget() {
        var truck = VehicleMotion(front: 0)
        var fastest = 0.0
        for _ in 0..<1200 {
            truck.step(.drive, target: 150, speedLimit: 7, physics: Self.physics, dt: 0.1)
            fastest = max(fastest, truck.speed)
            #expect(truck.front <= 150)
        }
        #expect(truck.front == 150 && truck.speed == 0)
        #expect(fastest <= 7 && fastest > 6.9, "it reached the limit: \(fastest)")
    }

    @Test("a target moved back to where service braking still stops the truck is kept to; braking never goes backwards")
    func shortenedTarget() {
        var truck = VehicleMotion(front: 0, speed: 7)
        // 7 m/s needs 12.25 m at 2 m/s²: a target 15 m ahead is reachable.
        for _ in 0..<200 { truck.step(.drive, target: 15, speedLimit: 7, physics: Self.physics, dt: 0.05) }
        #expect(truck.front == 15 && truck.speed == 0)
        var braking = VehicleMotion(front: 0, speed: 7)
        var last = braking.front
        for _ in 0..<100 {
            braking.step(.brake, target: 100, speedLimit: 7, physics: Self.physics, dt: 0.05)
            #expect(braking.front >= last)
            last = braking.front
        }
        // From 7 m/s at 2 m/s² it stops after 3.5 s: 12.25 m.
        #expect(braking.speed == 0 && abs(braking.front - 12.25) < 0.2, "service braking from 7 m/s: \(braking.front) m")
    }

    @Test("an emergency stop brakes at the emergency rate wherever that takes it, past the target if need be")
    func emergency() {
        var truck = VehicleMotion(front: 0, speed: 8)
        for _ in 0..<100 { truck.step(.emergency, target: 2, speedLimit: 8, physics: Self.physics, dt: 0.05) }
        #expect(truck.speed == 0)
        #expect(abs(truck.front - 8.0) < 0.2, "8 m/s at 4 m/s² stops in 8 m: \(truck.front)")
    }
}

/// The lossy radio link of the simulated trucks.
@Suite("the simulated trucks' lossy link")
struct LossyLinkTests {
    @Test("a message held back arrives after the next one; a lossless link delivers everything once, in order")
    func delayAndOrder() {
        var late = LossyLink(.init(delay: 1))
        #expect(late.send([1]).isEmpty, "held back")
        #expect(late.send([2]) == [[2], [1]], "the held-back message arrives after the next")
        var clean = LossyLink(.init())
        #expect((1...5).flatMap { clean.send([UInt8($0)]) } == (1...5).map { [UInt8($0)] })
        #expect((1...5).allSatisfy { _ in clean.arrives() })
    }

    @Test("losses and duplicates come at about their rates and replay exactly from the seed")
    func ratesAndReplay() {
        func run() -> [[UInt8]] {
            var link = LossyLink(.init(loss: 0.1, duplication: 0.1, seed: 11))
            return (0..<2000).flatMap { link.send([UInt8($0 % 200)]) }
        }
        let sent = run()
        #expect(sent == run(), "the same seed gives the same faults")
        // 2,000 sent: about 200 lost and 180 duplicated of the 1,800 left.
        #expect(sent.count > 1850 && sent.count < 2150, "\(sent.count) arrived")
        var lossy = LossyLink(.init(loss: 1))
        #expect(!lossy.arrives() && lossy.send([1]).isEmpty)
    }
}
