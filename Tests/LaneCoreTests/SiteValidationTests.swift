import LaneCore
import LaneSite
import Testing

/// A site with a mistake is refused with the mistake named; nothing is silently accepted.
@Suite("Site validation")
struct SiteValidationTests {
    static func road(_ id: ZoneID, _ length: Meters = 100, sharing: ZoneSharing = .none) -> Zone {
        Zone(id: id, kind: .following, length: length, speedLimit: 8, sharing: sharing)
    }

    static func lane(_ id: LaneID, _ zones: [ZoneID], direction: LaneDirection = .import) -> Lane {
        Lane(id: id, direction: direction, origin: "a", destination: "b", steps: zones.map { LaneStep(zone: $0) })
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var zones: [Zone]
        var lanes: [Lane]
        var expected: SiteError
        var testDescription: String { name }
    }

    static let scanner = Zone(
        id: "scan", kind: .station, length: 24, speedLimit: 5,
        station: Station(activity: .scan, dwell: .fixed(60), stopOffset: 20))

    static let cases: [Case] = [
        Case(
            name: "unknown zone reference", zones: [road("a")], lanes: [lane("l", ["a", "b"])], expected: .unknownZone(lane: "l", zone: "b")
        ),
        Case(name: "negative length", zones: [road("a", -5)], lanes: [lane("l", ["a"])], expected: .nonPositiveLength("a")),
        Case(
            name: "zero speed limit", zones: [Zone(id: "a", kind: .following, length: 10, speedLimit: 0)], lanes: [lane("l", ["a"])],
            expected: .nonPositiveSpeed("a")),
        Case(
            name: "a route with a cycle", zones: [road("a"), road("b")], lanes: [lane("l", ["a", "b", "a"])],
            expected: .routeCycle(lane: "l", zone: "a")),
        Case(
            name: "a zone shared by lanes without a rule", zones: [road("a"), road("b"), road("c")],
            lanes: [lane("l1", ["a", "b"]), lane("l2", ["c", "b"])], expected: .sharedWithoutRule(zone: "b", lanes: ["l1", "l2"])),
        Case(
            name: "two zones declared with one name", zones: [road("a"), road("a")], lanes: [lane("l", ["a"])],
            expected: .duplicateZone("a")),
        Case(name: "a lane with no zones", zones: [road("a")], lanes: [lane("l", [])], expected: .emptyLane("l")),
        Case(
            name: "a station without a dwell", zones: [Zone(id: "s", kind: .station, length: 24, speedLimit: 5)], lanes: [lane("l", ["s"])],
            expected: .stationWithoutDwell("s")),
        Case(
            name: "a stop point outside its station",
            zones: [
                Zone(
                    id: "s", kind: .station, length: 24, speedLimit: 5, station: Station(activity: .scan, dwell: .fixed(5), stopOffset: 30))
            ], lanes: [lane("l", ["s"])], expected: .stopOutsideZone("s")),
        Case(
            name: "a dwell with misordered bounds",
            zones: [
                Zone(
                    id: "s", kind: .station, length: 24, speedLimit: 5,
                    station: Station(activity: .scan, dwell: .uniform(min: 9, max: 3), stopOffset: 20))
            ], lanes: [lane("l", ["s"])], expected: .invalidDwell("s")),
        Case(
            name: "perishable priority where the order is fixed",
            zones: [road("a"), Zone(id: "b", kind: .following, length: 10, speedLimit: 5, perishablePriority: true)],
            lanes: [lane("l", ["a", "b"])], expected: .priorityWhereOrderIsFixed(zone: "b")),
        Case(
            name: "a merge against traffic", zones: [road("a"), road("b"), road("m", sharing: .merge)],
            lanes: [lane("l1", ["a", "m"]), lane("l2", ["b", "m"], direction: .export)], expected: .mergeAgainstTraffic(zone: "m")),
        Case(
            name: "two shared crossings passed in opposite orders, back to back",
            zones: [
                road("a"), road("b"), Zone(id: "x", kind: .exclusive, length: 10, speedLimit: 4, sharing: .exclusive),
                Zone(id: "y", kind: .exclusive, length: 10, speedLimit: 4, sharing: .exclusive),
            ],
            lanes: [lane("l1", ["a", "x", "y"]), lane("l2", ["b", "y", "x"], direction: .export)],
            expected: .circularWait(lanes: ["l1", "l2"], zones: ["x", "y"])),
        Case(
            name: "a station stopping trucks too close to a shared zone",
            zones: [
                Zone(
                    id: "s", kind: .station, length: 24, speedLimit: 5,
                    station: Station(activity: .gateCheck, dwell: .fixed(5), stopOffset: 23)),
                Zone(id: "x", kind: .exclusive, length: 10, speedLimit: 4, sharing: .exclusive), road("b"),
            ],
            lanes: [lane("l1", ["s", "x"]), lane("l2", ["b", "x"])],
            expected: .stopTooCloseToSharedZone(station: "s", next: "x")),
    ]

    @Test("is refused with the reason", arguments: cases)
    func refused(_ bad: Case) {
        #expect(throws: bad.expected) { try Site(name: "bad", zones: bad.zones, lanes: bad.lanes) }
    }

    @Test("a lane without a zone for some channel is refused")
    func channelWithoutRoute() {
        let lane = Lane(id: "l", direction: .import, origin: "a", destination: "b", steps: [LaneStep(zone: "a", channels: [.green])])
        #expect(throws: SiteError.noRoute(lane: "l", channel: .yellow)) { try Site(name: "bad", zones: [Self.road("a")], lanes: [lane]) }
    }

    @Test("a valid site builds the route of each channel")
    func routes() throws {
        let site = try TestSites.shared()
        let green = try #require(site.route(lane: "import", channel: .green))
        let red = try #require(site.route(lane: "import", channel: .red))
        #expect(green.legs.map { site.zones[$0.zone].id } == ["in-road", "crossing", "in-mid", "bridge", "in-green", "in-merge", "in-end"])
        #expect(
            red.legs.map { site.zones[$0.zone].id } == ["in-road", "crossing", "in-mid", "bridge", "in-inspection", "in-merge", "in-end"])
        #expect(green.length == 80 + 12 + 60 + 50 + 40 + 30 + 60)
        let export = try #require(site.route(lane: "export", channel: .green))
        #expect(export.legs[1].reversed)
        #expect(!green.legs[3].reversed)
    }

    @Test("station capacity follows 3600 / (D + t_c) with the standing-queue clearance")
    func physics() {
        let profile = TruckProfile(length: 18, acceleration: 1, serviceBraking: 2)
        let clearance = LanePhysics.standingQueueClearance(profile: profile, standstillGap: 2)
        #expect(abs(clearance - 7.746) < 0.001)
        #expect(abs(LanePhysics.stationCapacity(dwell: 65, profile: profile, standstillGap: 2) - 3600 / (65 + clearance)) < 1e-9)
        // DOMAIN.md: ≈ 780 veh/h at 20 km/h, ≈ 1,060 at 30 km/h.
        #expect(abs(LanePhysics.laneCapacity(timeGap: 1, profile: profile, standstillGap: 2, speed: 20 / 3.6) - 782.6) < 0.1)
        #expect(abs(LanePhysics.laneCapacity(timeGap: 1, profile: profile, standstillGap: 2, speed: 30 / 3.6) - 1058.8) < 0.1)
    }
}
