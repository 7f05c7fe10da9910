import LaneCoordinatorCore
import LaneCore
import LaneSite
import LaneTestKit
import LaneWire
import Testing

/// The coordinator core across its own restart, with a manual clock: a first run writes its
/// journal, a second run starts from what that journal gives back, and the trucks go on with
/// what they hold. No truck is stopped by the restart, nothing is recorded twice, and a truck
/// whose report contradicts the journal is held where it can stop and shown to an operator.
@Suite("the coordinator core across its own restart")
struct RecoveryTests {
    /// A first run: T1 on trip-1, driven to `position` (still on its authority).
    static func firstRun(to position: Meters) -> Desk {
        var desk = Desk()
        desk.startTrip("trip-1", truck: "T1")
        desk.drive("T1", from: -5, to: position, speed: 5)
        return desk
    }

    /// The second run, one second after the first's last input, on the first's journal.
    static func secondRun(after first: Desk, recoveryTimeout: Seconds = 15, holds: [JournalRecovery.Hold] = []) -> Desk {
        var recovery = first.recovery(run: 2)
        recovery.holds += holds
        var desk = Desk(recovery: recovery, recoveryTimeout: recoveryTimeout, at: first.now + 1)
        desk.heldOrders = ["T1": first.orders(to: "T1").last].compactMapValues { $0 }
        return desk
    }

    /// T1's state in `desk`: at `position` at `speed`, on `order` (its last node from that order).
    static func state(_ desk: inout Desk, at position: Meters, speed: MetersPerSecond, order: OrderMessage?) -> StateMessage {
        let node = Desk.lastNode(atOrBefore: position, in: order?.nodes ?? [])
        return desk.state("T1", node: node?.id ?? "", from: node?.at ?? 0, at: position, speed: speed, order: order)
    }

    static func stops(_ actions: [Action]) -> [String] {
        actions.map(\.actionType).filter { $0 == LaneActionType.stopPause.rawValue || $0 == LaneActionType.laneEmergencyStop.rawValue }
    }

    @Test("a truck moving at speed across the restart keeps its order and authority: no stop, no shortening, extended, its trip finishes")
    func movingTruckKeepsGoing() throws {
        let first = Self.firstRun(to: 120)
        let held = try #require(first.orders(to: "T1").last)
        let heldEnd = Desk.end(of: held)
        // While the coordinator was down the truck drove on within its authority, over km 0.
        let position = min(heldEnd - 2, 175)
        try #require(position > 154, "the held authority reaches past km 0: \(heldEnd)")
        var desk = Self.secondRun(after: first)
        #expect(desk.core.state == .recovering)
        #expect(!desk.core.scheduler.isSiteHeld, "a restart holds nothing")
        #expect(desk.journal().isEmpty, "recovery writes nothing that already happened")
        desk.advance(0.5)
        #expect(desk.orders(to: "T1").isEmpty, "no new authority before the truck has reported")
        #expect(Self.stops(desk.instantActions(to: "T1")).isEmpty)
        desk.report(Self.state(&desk, at: position, speed: 5, order: held))
        desk.advance(0.5)
        #expect(desk.core.awaitingResync.isEmpty)
        #expect(desk.core.state == .online)
        #expect(Self.stops(desk.instantActions(to: "T1")).isEmpty, "the restart stopped a moving truck")
        let next = try #require(desk.orders(to: "T1").first, "the truck's authority renewed or extended after its report")
        #expect(next.orderId == held.orderId, "the same order goes on")
        #expect(next.orderUpdateId > held.orderUpdateId)
        #expect(desk.orders(to: "T1").allSatisfy { Desk.end(of: $0) >= heldEnd - 0.01 }, "no authority shorter than the one held")
        desk.drive("T1", from: position, speed: 5)
        #expect(desk.tripStates("trip-1").last?.state == .finished)
        #expect(desk.core.counters.emergencyStops == 0)
        // Each crossing is in the audit log once, over both runs: km 0 in the second (the truck
        // crossed it while the coordinator was down), the road in the first only.
        let crossings = (first.journal() + desk.journal()).compactMap { if case .crossing(let c) = $0 { c } else { nil } }
        for zone in ["exit-gate", "road", "km0", "xray"] {
            #expect(crossings.filter { $0.zone == ZoneID(zone) && $0.kind == .zone }.count == 1, "zone \(zone) entered once")
        }
        #expect(crossings.filter { $0.kind == .km0 }.count == 1, "km 0 crossed once")
        #expect(crossings.filter { $0.kind == .station && $0.zone == "exit-gate" }.count == 1, "the gate check passed once")
        #expect(!desk.events().contains { $0.kind == .zoneEntered && $0.zone == "road" }, "no event for a zone entered before the restart")
        #expect(desk.events().filter { $0.kind == .handoverCrossed }.count == 1)
        #expect(!desk.journal().contains { if case .tripAdmitted = $0 { true } else { false } }, "the trip is not admitted twice")
    }

    @Test("a truck whose first report after the restart holds another order is held where it can stop and shown to an operator")
    func contradictionHeld() throws {
        let first = Self.firstRun(to: 120)
        let held = try #require(first.orders(to: "T1").last)
        var desk = Self.secondRun(after: first)
        // The truck reports moving with no order at all (it was reset): the journal says it holds one.
        let speed: MetersPerSecond = 5
        desk.report(Self.state(&desk, at: 125, speed: speed, order: nil))
        desk.advance(0.3)
        #expect(desk.events().contains { $0.kind == .truckHeld && $0.truck == "T1" })
        #expect(
            desk.journal().contains { if case .hold(_, .holdTruck, "T1", _, false) = $0 { true } else { false } },
            "the hold is journaled, so that it survives another restart")
        #expect(Self.stops(desk.instantActions(to: "T1")) == [LaneActionType.stopPause.rawValue], "a stop, not an emergency stop")
        let profile = TruckProfile()
        let stoppable = 125 + profile.stoppingDistance(from: speed)
        #expect(
            desk.orders(to: "T1").allSatisfy { Desk.end(of: $0) >= stoppable }, "a hold after a restart ends where the truck can stop")
        #expect(desk.orders(to: "T1").allSatisfy { Desk.end(of: $0) <= Desk.end(of: held) + 0.01 })
        #expect(desk.core.counters.emergencyStops == 0)
        // An operator checks the truck and lets it go; the trip goes on.
        #expect(desk.request(.releaseTruck, truck: "T1")?.outcome == .done)
        desk.drive("T1", from: 125, speed: 5)
        #expect(desk.tripStates("trip-1").last?.state == .finished)
    }

    @Test("a truck silent past the recovery timeout keeps its space blocked, with no lane hold; it goes on when it reports")
    func silentTruck() throws {
        let first = Self.firstRun(to: 60)
        let held = try #require(first.orders(to: "T1").last)
        var desk = Self.secondRun(after: first, recoveryTimeout: 5)
        desk.advance(5.2)
        #expect(desk.core.state == .online)
        #expect(desk.core.scheduler.heldLaneIDs.isEmpty, "no operator action is needed")
        #expect(desk.orders(to: "T1").isEmpty)
        // Its space stays blocked: a truck behind it gets no authority into the lane.
        desk.startTrip("trip-2", truck: "T2")
        desk.advance(2)
        #expect(desk.orders(to: "T2").allSatisfy { Desk.end(of: $0) <= 0 }, "an authority into the space of a silent truck")
        desk.report(Self.state(&desk, at: 60, speed: 0, order: held))
        desk.advance(1)
        let renewed = try #require(desk.orders(to: "T1").last, "renewed once it reported")
        #expect(renewed.orderId == held.orderId && renewed.orderUpdateId > held.orderUpdateId)
        #expect(Desk.end(of: renewed) >= Desk.end(of: held) - 0.01)
        #expect(desk.core.counters.emergencyStops == 0)
    }

    @Test("holds and closures in the journal are in force again after a restart; an operator's site hold stops the truck where it can stop")
    func recoveredHolds() throws {
        let first = Self.firstRun(to: 100)
        let held = try #require(first.orders(to: "T1").last)
        var desk = Self.secondRun(
            after: first, recoveryTimeout: 1,
            holds: [.init(kind: .holdAll, target: "site", reason: "desk"), .init(kind: .closeZone, target: "xray", reason: "broken")])
        desk.report(Self.state(&desk, at: 100, speed: 5, order: held))
        desk.advance(2)
        #expect(desk.core.state == .online)
        #expect(desk.core.scheduler.isSiteHeld, "the operator's site hold stays")
        #expect(desk.core.scheduler.closedZoneReasons["xray"] == "broken")
        // A stop (sent again until the truck lists it), never an emergency stop.
        #expect(Set(Self.stops(desk.instantActions(to: "T1"))) == [LaneActionType.stopPause.rawValue])
        let stoppable = 100 + TruckProfile().stoppingDistance(from: 5)
        #expect(desk.orders(to: "T1").allSatisfy { Desk.end(of: $0) >= min(stoppable, Desk.end(of: held)) })
        #expect(desk.core.counters.emergencyStops == 0)
    }
}
