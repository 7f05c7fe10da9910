import LaneCore
import LaneSafetyCheck
import LaneSite
import Testing

/// The checker must be able to fail: each property is broken on purpose and must be reported.
@Suite("Safety checker")
struct SafetyCheckerTests {
    static func site() throws -> Site {
        try Site(
            name: "checker",
            zones: [
                Zone(id: "road", kind: .following, length: 100, speedLimit: 8),
                Zone(id: "portal", kind: .exclusive, length: 20, speedLimit: 5),
                Zone(id: "after", kind: .following, length: 100, speedLimit: 8),
                Zone(id: "other", kind: .following, length: 50, speedLimit: 8),
            ],
            lanes: [
                Lane(
                    id: "import", direction: .import, origin: "a", destination: "b",
                    steps: [LaneStep(zone: "road"), LaneStep(zone: "portal"), LaneStep(zone: "after")]),
                Lane(id: "spare", direction: .import, origin: "c", destination: "d", steps: [LaneStep(zone: "other")]),
            ])
    }

    let profile = TruckProfile()

    func authority(_ truck: TruckID, _ end: Meters, zones: [ZoneID] = ["road"], sequence: UInt64 = 1) -> MovementAuthority {
        MovementAuthority(
            truck: truck, sequence: sequence, end: end, endZone: zones.last!, endOffset: end, zones: zones, expiry: 10,
            advisorySpeed: 0)
    }

    func truth(_ front: Meters, speed: MetersPerSecond = 0, end: Meters) -> TruckTruth {
        TruckTruth(front: front, speed: speed, heldEnd: end, profile: profile)
    }

    func properties(_ checker: SafetyChecker) -> Set<SafetyViolation.Property> { Set(checker.violations.map(\.property)) }

    /// The checker's site with its exclusive zone made a drive-through portal (5 m/s, 20 s headway).
    static func portalSite() throws -> Site {
        var zones = try site().zones
        zones[1] = Zone(
            id: "scanner", kind: .station, length: 20, speedLimit: 5,
            station: Station(driveThrough: DriveThrough(speed: 5, headway: 20, tolerance: 0.5), length: 20))
        return try Site(
            name: "portal", zones: zones,
            lanes: [
                Lane(
                    id: "import", direction: .import, origin: "a", destination: "b",
                    steps: [LaneStep(zone: "road"), LaneStep(zone: "scanner"), LaneStep(zone: "after")])
            ])
    }

    /// A slot in the portal for `truck` (its authority may enter it).
    static func slot(_ truck: TruckID) -> CoreCommand {
        .slotPlan(SlotPlan(truck: truck, windows: [SlotWindow(zone: "scanner", opens: 0, closes: 1000)], advisorySpeed: 0))
    }

    @Test("a truck standing in a drive-through portal is reported; one rolling through it is not")
    func stoppedInPortal() throws {
        var checker = SafetyChecker(site: try Self.portalSite())
        checker.tripStarted("A", lane: "import", channel: .green)
        checker.observe(
            [.authority(authority("A", 160, zones: ["road", "scanner", "after"]), .grant), Self.slot("A")], at: 0, truth: [:])
        checker.check(at: 0, truth: ["A": truth(110, speed: 5, end: 160)])
        #expect(checker.violations.isEmpty)
        checker.check(at: 1, truth: ["A": truth(112, speed: 0, end: 160)])
        #expect(properties(checker) == [.stoppedInPortal])
    }

    @Test("two trucks entering a drive-through portal sooner than its headway are reported")
    func portalHeadway() throws {
        var checker = SafetyChecker(site: try Self.portalSite())
        checker.tripStarted("A", lane: "import", channel: .green)
        checker.tripStarted("B", lane: "import", channel: .green)
        checker.tripStarted("C", lane: "import", channel: .green)
        checker.observe([Self.slot("A"), Self.slot("B"), Self.slot("C")], at: 0, truth: [:])
        checker.check(at: 0, truth: ["A": truth(101, speed: 5, end: 200)])
        checker.check(at: 30, truth: ["A": truth(190, speed: 5, end: 250), "B": truth(101, speed: 5, end: 150)])
        #expect(checker.violations.isEmpty, "30 s apart: \(checker.violations)")
        checker.check(
            at: 45, truth: ["A": truth(250, speed: 5, end: 300), "B": truth(175, speed: 5, end: 200), "C": truth(101, speed: 5, end: 150)])
        #expect(properties(checker) == [.portalHeadway], "15 s after B")
    }

    @Test("a safe pair of trucks raises nothing")
    func safe() throws {
        var checker = SafetyChecker(site: try Self.site())
        checker.tripStarted("A", lane: "import", channel: .green)
        checker.tripStarted("B", lane: "import", channel: .green)
        let world: [TruckID: TruckTruth] = ["A": truth(60, end: 70), "B": truth(20, end: 39)]
        checker.observe([.authority(authority("A", 70), .grant), .authority(authority("B", 39), .grant)], at: 0, truth: world)
        checker.check(at: 0, truth: world)
        #expect(checker.violations.isEmpty)
        #expect(checker.stepsChecked == 1)
    }

    @Test("authorities closer than the standstill gap are reported")
    func overlap() throws {
        var checker = SafetyChecker(site: try Self.site())
        checker.tripStarted("A", lane: "import", channel: .green)
        checker.tripStarted("B", lane: "import", channel: .green)
        let world: [TruckID: TruckTruth] = ["A": truth(60, end: 70), "B": truth(20, end: 41)]  // 1 m short of A's rear at 42
        checker.observe([.authority(authority("A", 70), .grant), .authority(authority("B", 41), .grant)], at: 0, truth: world)
        checker.check(at: 0, truth: world)
        #expect(properties(checker).contains(.authoritiesOverlap))
    }

    @Test("two authorities in one exclusive zone, and one without a slot, are reported")
    func exclusive() throws {
        var checker = SafetyChecker(site: try Self.site())
        checker.tripStarted("A", lane: "import", channel: .green)
        checker.tripStarted("B", lane: "import", channel: .green)
        let world: [TruckID: TruckTruth] = ["A": truth(115, end: 118), "B": truth(80, end: 105)]
        checker.observe(
            [
                .slotPlan(SlotPlan(truck: "A", windows: [SlotWindow(zone: "portal", opens: 0, closes: 9)], advisorySpeed: 0)),
                .authority(authority("A", 118, zones: ["portal"]), .grant),
                .authority(authority("B", 105, zones: ["road", "portal"]), .grant),
            ], at: 0, truth: world)
        checker.check(at: 0, truth: world)
        #expect(properties(checker).contains(.exclusiveZoneShared))
        #expect(checker.violations.contains { $0.property == .exclusiveZoneNotReserved && $0.trucks == ["B"] })
        #expect(!checker.violations.contains { $0.property == .exclusiveZoneNotReserved && $0.trucks == ["A"] })
    }

    @Test("an authority off the holder's route is reported")
    func offRoute() throws {
        var checker = SafetyChecker(site: try Self.site())
        checker.tripStarted("A", lane: "import", channel: .green)
        checker.observe([.authority(authority("A", 30, zones: ["other"]), .grant)], at: 0, truth: [TruckID("A"): truth(10, end: 30)])
        #expect(properties(checker) == [.authorityOffRoute])
    }

    @Test("a shortening the truck cannot stop before is reported")
    func unstoppable() throws {
        var checker = SafetyChecker(site: try Self.site())
        checker.tripStarted("A", lane: "import", channel: .green)
        let world: [TruckID: TruckTruth] = ["A": truth(50, speed: 7, end: 90)]
        checker.observe([.authority(authority("A", 55), .shorten)], at: 0, truth: world)
        #expect(properties(checker) == [.unstoppableShortening])
    }

    @Test("a shortening that ends at or past the end the truck holds takes nothing from it and is not reported")
    func shorteningToTheHeldEnd() throws {
        var checker = SafetyChecker(site: try Self.site())
        checker.tripStarted("A", lane: "import", channel: .green)
        // Moving at 7 m/s toward its end at 55: it brakes for 55 whatever it is told again.
        checker.observe([.authority(authority("A", 55), .shorten)], at: 0, truth: ["A": truth(50, speed: 7, end: 55)])
        checker.observe([.authority(authority("A", 60), .shorten)], at: 0.1, truth: ["A": truth(50.5, speed: 6.8, end: 55)])
        #expect(properties(checker).isEmpty)
        // Short of the end it holds and short of where it can stop: reported.
        checker.observe([.authority(authority("A", 52), .shorten)], at: 0.2, truth: ["A": truth(51, speed: 6.6, end: 55)])
        #expect(properties(checker) == [.unstoppableShortening])
    }

    @Test("a truck past the authority it obeys, and bodies too close, are reported")
    func pastAuthorityAndSeparation() throws {
        var checker = SafetyChecker(site: try Self.site())
        checker.tripStarted("A", lane: "import", channel: .green)
        checker.tripStarted("B", lane: "import", channel: .green)
        let world: [TruckID: TruckTruth] = ["A": truth(60, end: 70), "B": truth(41, end: 40)]
        checker.check(at: 0, truth: world)
        #expect(properties(checker).isSuperset(of: [.drovePastAuthority, .separation]))
    }

    @Test("a truck entering a zone before the truck that was ahead of it is reported")
    func overtaking() throws {
        var checker = SafetyChecker(site: try Self.site())
        checker.tripStarted("A", lane: "import", channel: .green)
        checker.tripStarted("B", lane: "import", channel: .green)
        let before: [TruckID: TruckTruth] = ["A": truth(50, end: 200), "B": truth(10, end: 200)]
        let after: [TruckID: TruckTruth] = ["A": truth(90, end: 200), "B": truth(125, end: 200)]
        checker.check(at: 0, truth: before)
        checker.check(at: 1, truth: after)
        #expect(checker.violations.contains { $0.property == .overtaking && $0.trucks == ["B", "A"] })
    }

    @Test("opposite directions inside a single-lane section are reported; waiting before it on the own lane is not")
    func directionLock() throws {
        let site = try Site(
            name: "section",
            zones: [
                Zone(id: "in", kind: .following, length: 100, speedLimit: 8),
                Zone(id: "bridge", kind: .following, length: 50, speedLimit: 5, sharing: .bidirectional),
                Zone(id: "out", kind: .following, length: 100, speedLimit: 8),
            ],
            lanes: [
                Lane(
                    id: "import", direction: .import, origin: "a", destination: "b",
                    steps: [LaneStep(zone: "in"), LaneStep(zone: "bridge")]),
                Lane(
                    id: "export", direction: .export, origin: "b", destination: "a",
                    steps: [LaneStep(zone: "out"), LaneStep(zone: "bridge")]),
            ])
        var checker = SafetyChecker(site: site)
        checker.tripStarted("I", lane: "import", channel: .green)
        checker.tripStarted("E", lane: "export", channel: .green)
        let waiting: [TruckID: TruckTruth] = ["I": truth(130, end: 150), "E": truth(99, end: 99.5)]
        checker.check(at: 0, truth: waiting)
        #expect(checker.violations.isEmpty)
        let inside: [TruckID: TruckTruth] = ["I": truth(130, end: 150), "E": truth(110, end: 112)]
        checker.check(at: 1, truth: inside)
        #expect(properties(checker).contains(.directionLock))
    }
}
