import LaneCore
import LaneSite
import LaneSiteFile
import LaneTestKit
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Site files: both real roads load; every mistake names the file, the path, the line and the problem.
@Suite("Site files")
struct SiteFileTests {
    static var sitesFolder: String { Repository.path("simulators/sites") }

    @Test("road 1119-1120 (Hữu Nghị) loads with its two driverless lanes")
    func huuNghi() throws {
        let site = try SiteFile.load(path: Self.sitesFolder + "/huu-nghi-1119-1120.yaml")
        #expect(site.name == "huu-nghi-1119-1120")
        #expect(site.lanes.map(\.id) == ["import", "export"])
        #expect(site.lanes.filter { !$0.driverless }.isEmpty)
        #expect(site.zone("km0-import")?.kind == .handover)
        #expect(site.zone("vn-yard-crossing")?.sharing == .exclusive)
        #expect(site.bottleneck(of: "import")?.id == "import-xray")
        let green = try #require(site.route(lane: "import", channel: .green))
        let red = try #require(site.route(lane: "import", channel: .red))
        #expect(red.legs.contains { site.zones[$0.zone].id == "import-inspection-bay" })
        #expect(!green.legs.contains { site.zones[$0.zone].id == "import-inspection-bay" })
        #expect(abs((site.zone("import-xray")?.speedLimit ?? 0) - 20 / 3.6) < 1e-9)
    }

    @Test("road 1088/2-1089 (Tân Thanh – Pò Chài) is a 2.4 km passage with shared zones")
    func tanThanh() throws {
        let site = try SiteFile.load(path: Self.sitesFolder + "/tan-thanh-po-chai-1088-1089.yaml")
        let green = try #require(site.route(lane: "import", channel: .green))
        #expect(abs(green.length - 2400) < 100)
        #expect(site.zone("border-bridge")?.sharing == .bidirectional)
        #expect(site.zone("shared-xray")?.sharing == .exclusive)
        let export = try #require(site.route(lane: "export", channel: .green))
        #expect(export.legs.first { site.zones[$0.zone].id == "border-bridge" }?.reversed == true)
    }

    @Test("every assumption in the real site files is marked")
    func assumptionsMarked() throws {
        for name in ["huu-nghi-1119-1120", "tan-thanh-po-chai-1088-1089"] {
            let text = try String(contentsOfFile: Self.sitesFolder + "/\(name).yaml", encoding: .utf8)
            #expect(text.components(separatedBy: "ASSUMPTION").count > 5, "\(name)")
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var yaml: String
        var path: String
        var line: Int?
        var problem: String
        var testDescription: String { name }
    }

    static let header = "site: test\nzones:\n"
    static let road = "  - { id: a, kind: following, length: 100, speed-limit-kmh: 30 }\n"

    static let cases: [Case] = [
        Case(name: "not YAML at all", yaml: "site: [unclosed\n", path: "", line: 2, problem: "not valid YAML"),
        Case(name: "empty file", yaml: "", path: "", line: nil, problem: "the file is empty"),
        Case(name: "missing zones", yaml: "site: test\nlanes: []\n", path: "", line: 1, problem: "missing key 'zones'"),
        Case(
            name: "unknown zone reference",
            yaml: header + road + "lanes:\n  - id: l\n    direction: import\n    from: x\n    to: y\n    route: [a, b]\n",
            path: "lanes[0]", line: 5, problem: "lane 'l' refers to unknown zone 'b'"),
        Case(
            name: "negative length", yaml: header + "  - id: a\n    kind: following\n    length: -4\n    speed-limit-kmh: 30\nlanes: []\n",
            path: "zones[0]", line: 3, problem: "zone 'a' must have a positive length"),
        Case(
            name: "length that is not a number",
            yaml: header + "  - id: a\n    kind: following\n    length: long\n    speed-limit-kmh: 30\nlanes: []\n",
            path: "zones[0].length", line: 5, problem: "expected a number, found 'long'"),
        Case(
            name: "unknown zone kind", yaml: header + "  - id: a\n    kind: tunnel\n    length: 4\n    speed-limit-kmh: 30\nlanes: []\n",
            path: "zones[0].kind", line: 4, problem: "'tunnel' is not one of following, exclusive, station, handover"),
        Case(
            name: "misspelt key", yaml: header + "  - id: a\n    kind: following\n    lenght: 4\n    speed-limit-kmh: 30\nlanes: []\n",
            path: "zones[0]", line: 5, problem: "unknown key 'lenght'"),
        Case(
            name: "a route with a cycle",
            yaml: header + road + "lanes:\n  - id: l\n    direction: import\n    from: x\n    to: y\n    route: [a, a]\n",
            path: "lanes[0]", line: 5, problem: "lane 'l' passes zone 'a' twice"),
        Case(
            name: "a zone shared without a rule",
            yaml: header + road
                + "  - { id: b, kind: following, length: 10, speed-limit-kmh: 30 }\nlanes:\n  - { id: l1, direction: import, from: x, to: y, route: [a] }\n  - { id: l2, direction: export, from: y, to: x, route: [b, a] }\n",
            path: "zones[0]", line: 3, problem: "zone 'a' is used by lanes l1, l2 but declares no sharing rule"),
        Case(
            name: "an unknown channel",
            yaml: header + road
                + "lanes:\n  - id: l\n    direction: import\n    from: x\n    to: y\n    route: [{ zone: a, channels: [blue] }]\n",
            path: "lanes[0].route[0].channels[0]", line: 9, problem: "'blue' is not one of green, yellow, red"),
        Case(
            name: "a portal faster than its zone",
            yaml: header + Self.portal("speed-kmh: 30, headway-s: 24") + "lanes: []\n",
            path: "zones[0].station.drive-through", line: 3, problem: "the portal's speed-kmh 30.0 is above the zone's speed limit 20.0"),
        Case(
            name: "a portal without a headway", yaml: header + Self.portal("speed-kmh: 10, headway-s: 0") + "lanes: []\n",
            path: "zones[0]", line: 3, problem: "drive-through portal 'p': the portal's headway must be a positive number of seconds"),
        Case(
            name: "a portal that is not a scanner",
            yaml: header
                + "  - { id: p, kind: station, length: 22, speed-limit-kmh: 20, station: { activity: inspection, drive-through: { speed-kmh: 10, headway-s: 24 } } }\n"
                + "lanes: []\n",
            path: "zones[0].station.drive-through", line: 3, problem: "a drive-through portal is a scanner"),
        Case(
            name: "a portal with a stop point",
            yaml: header
                + "  - { id: p, kind: station, length: 22, speed-limit-kmh: 20, station: { stop-offset: 20, drive-through: { speed-kmh: 10, headway-s: 24 } } }\n"
                + "lanes: []\n",
            path: "zones[0].station", line: 3, problem: "unknown key 'stop-offset'"),
    ]

    /// A 22 m drive-through portal zone `p` in a 20 km/h zone, with `settings`.
    static func portal(_ settings: String) -> String {
        "  - { id: p, kind: station, length: 22, speed-limit-kmh: 20, station: { drive-through: { \(settings) } } }\n"
    }

    @Test("a drive-through portal: no stop, no dwell, the zone's speed limit is the portal's speed")
    func driveThrough() throws {
        let site = try SiteFile.parse(
            Self.header + Self.portal("speed-kmh: 10, headway-s: 24, tolerance-kmh: 2")
                + "lanes:\n  - { id: l, direction: import, driverless: true, from: x, to: y, route: [p] }\n", file: "portal.yaml")
        let zone = try #require(site.zone("p"))
        let portal = try #require(zone.station?.driveThrough)
        #expect(abs(portal.speed - 10 / 3.6) < 1e-9 && portal.headway == 24 && abs(portal.tolerance - 2 / 3.6) < 1e-9)
        #expect(abs(zone.speedLimit - 10 / 3.6) < 1e-9)
        #expect(zone.station?.stops == false && zone.station?.activity == .scan)
        // One truck at a time: 22 m of portal, 18 m of truck and the 2 m gap take 15.1 s at 10 km/h;
        // the 24 s headway is longer, so it is the limit: 150 an hour.
        #expect(abs((site.stationCapacity(zone) ?? 0) - 150) < 1e-9)
    }

    @Test("a missing file is reported with its name")
    func missingFile() {
        #expect(throws: SiteFileError.self) { try SiteFile.load(path: "/nonexistent/site.yaml") }
        do {
            _ = try SiteFile.load(path: "/nonexistent/site.yaml")
        } catch {
            #expect(error.file == "/nonexistent/site.yaml")
            #expect(error.problem.contains("cannot open"))
        }
    }

    @Test("a mistake is reported with file, path, line and problem", arguments: cases)
    func mistakes(_ bad: Case) {
        do {
            _ = try SiteFile.parse(bad.yaml, file: "bad.yaml")
            Issue.record("accepted a bad site file")
        } catch {
            #expect(error.file == "bad.yaml")
            #expect(error.path == bad.path)
            #expect(error.line == bad.line)
            #expect(error.problem.contains(bad.problem), "\(error.problem)")
            #expect(error.description.hasPrefix("bad.yaml"))
        }
    }
}
