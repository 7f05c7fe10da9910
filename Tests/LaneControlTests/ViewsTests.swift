import Foundation
import LaneControl
import LaneWire
import Testing

/// What operators read: the tables and the time-space diagram made from the coordinator's status.
@Suite("lanectl views")
struct ViewsTests {
    /// A status as the coordinator answers it: two trucks on the import lane, one in a yard, a
    /// closed zone.
    static let status = try! WireDecoder().decode(
        WireValue.self,
        from: """
            {"state": "online", "now": "2026-11-30T02:00:00.000Z", "trucks": 3, "activeTrips": 2, "staleTrucks": ["T003"],
             "closedZones": {"inspection-bay": "radiation alarm check"}, "siteHeld": false,
             "lanes": [{"lane": "import", "direction": "import", "driverless": true, "from": "north yard", "to": "south yard",
                        "held": false, "draining": true}],
             "zones": [{"zone": "exit-gate", "kind": "station", "trucks": []}, {"zone": "road", "kind": "following", "trucks": ["T002"]},
                       {"zone": "xray", "kind": "station", "trucks": ["T001"]},
                       {"zone": "inspection-bay", "kind": "station", "trucks": [], "closed": "radiation alarm check"}],
             "fleet": [
               {"truck": "T001", "trip": "trip-1", "lane": "import", "channel": "green", "zone": "xray", "front": 250.5, "speed": 0,
                "authorityEnd": 254.5, "authorityExpiry": "2026-11-30T02:00:08.000Z", "stateAge": 0.25, "stale": false, "held": false,
                "emergencyStopped": false, "slots": [{"zone": "xray", "opens": "2026-11-30T01:59:50.000Z", "closes": "2026-11-30T02:00:20.000Z"}]},
               {"truck": "T002", "trip": "trip-2", "lane": "import", "channel": "red", "zone": "road", "front": 80, "speed": 6.5,
                "authorityEnd": 150, "authorityExpiry": "2026-11-30T02:00:09.000Z", "stateAge": 0.1, "stale": false, "held": false,
                "emergencyStopped": true, "waitsFor": "T001",
                "slots": [{"zone": "inspection-bay", "opens": "2026-11-30T02:05:00.000Z", "closes": "2026-11-30T02:06:00.000Z"},
                          {"zone": "xray", "opens": "2026-11-30T02:00:40.000Z", "closes": "2026-11-30T02:01:10.000Z"},
                          {"zone": "exit-gate", "opens": "2026-11-30T01:58:00.000Z", "closes": "2026-11-30T01:58:30.000Z"}]},
               {"truck": "T003", "speed": 0, "stale": true, "held": false, "emergencyStopped": false, "slots": []}
             ]}
            """)

    static func row(_ table: String, _ key: String) -> [String] {
        let line = table.split(separator: "\n").first { $0.hasPrefix(key + " ") } ?? ""
        return line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    }

    @Test("the trucks table gives each truck's trip, position, authority, its expiry, state age and what it is doing")
    func trucks() {
        let table = Views.trucks(Self.status)
        #expect(
            Self.row(table, "T001") == [
                "T001", "trip-1", "import", "green", "xray", "250.5", "0.0", "254.5", "8.0", "0.25", "standing", "-", "xray", "now",
            ])
        #expect(Self.row(table, "T002")[10] == "E-STOPPED", "an emergency stop outranks everything: \(table)")
        #expect(Self.row(table, "T002")[11] == "T001")
        #expect(Self.row(table, "T002").suffix(4) == ["xray", "in", "40", "s"], "the earliest slot not yet closed: \(table)")
        #expect(Self.row(table, "T003")[1...3] == ["-", "-", "-"] && Self.row(table, "T003").contains("STALE"))
    }

    @Test("reservations are listed zone by zone in site order, then by time; closed ones are left out; the horizon cuts")
    func reservations() {
        let table = Views.reservations(Self.status)
        let order = table.split(separator: "\n").dropFirst().map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
        #expect(order == ["xray T001", "xray T002", "inspection-bay T002"], "\(table)")
        let soon = Views.slots(Self.status, horizon: 60)
        #expect(soon.items.count == 2 && soon.items.allSatisfy { $0["zone"]?.text == "xray" }, "\(soon)")
        #expect(soon.items.last?["opens"]?.text == "2026-11-30T02:00:40.000Z")
    }

    @Test("the status shows the closure's reason, a draining lane and the stale trucks")
    func status() {
        let text = Views.status(Self.status)
        #expect(text.contains("radiation alarm check"))
        #expect(Self.row(Views.lanes(Self.status), "import").last == "draining")
        #expect(Views.headline(Self.status).contains("stale: T003"))
        #expect(Self.row(Views.zones(Self.status), "road") == ["road", "following", "T002", "-"])
    }

    @Test("the time-space diagram draws a bar per reservation in the zone's row and names the trucks")
    func diagram() throws {
        let svg = PlanDiagram.svg(Self.status, minutes: 10)
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.components(separatedBy: ">T002<").count - 1 == 2, "two reservations of T002 in the next 10 minutes")
        #expect(svg.components(separatedBy: ">T001<").count - 1 == 1)
        for zone in ["exit-gate", "road", "xray", "inspection-bay"] { #expect(svg.contains(">\(zone)<")) }
        guard case .object(var fields) = Self.status else { return }
        fields["fleet"] = .array([])
        let empty = PlanDiagram.svg(.object(fields), minutes: 10)
        #expect(empty.contains("no reservation in these minutes"))
    }

    @Test("history shows local times and says when nothing was recorded")
    func history() throws {
        let entries = try WireDecoder().decode(
            WireValue.self,
            from: """
                [{"at": "2026-11-30T02:14:05.000Z", "kind": "km0", "truck": "T001", "zone": "km0", "trip": "trip-1", "container": "MSKU1234565"}]
                """)
        let vietnam = try #require(TimeZone(identifier: "Asia/Ho_Chi_Minh"))
        #expect(
            Views.history(entries, timeZone: vietnam).contains("2026-11-30 09:14:05 +07:00"), "\(Views.history(entries, timeZone: vietnam))"
        )
        #expect(Views.history(.array([])) == "nothing recorded in that range")
    }
}
