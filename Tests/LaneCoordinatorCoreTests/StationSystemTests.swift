import LaneCoordinatorCore
import LaneCore
import LaneSite
import LaneSiteFile
import LaneTestKit
import LaneWire
import Testing

/// Stations with a system of their own (`released-by: station-system`): the coordinator calls the
/// station for the truck at it, releases the truck on the station's word only, re-routes it on a
/// suspicious or unreadable scan, closes the zone while the station is out, and refuses what a
/// station may not say.
@Suite("station systems")
struct StationSystemTests {
    static let site: Site = {
        do { return try SiteFile.parse(TestSites.gateWithStationSystems, file: "test-gate.yaml") } catch { fatalError("\(error)") }
    }()
    /// The scanner's stop point on the import route (exit gate 24 + road 120 + km 0 10 + queue 80, stop offset 20.5).
    static let xrayStop: Meters = 254.5
    /// The scanner's entry.
    static let xrayEntry: Meters = 234

    static func desk() -> Desk { Desk(site: site) }

    /// A station's state message.
    static func state(_ zone: String, _ state: StationStateMessage.State, header: UInt64, desk: Desk) -> (String, [UInt8]) {
        let message = StationStateMessage(headerId: header, timestamp: desk.timestamp, siteId: "test-gate", zone: zone, state: state)
        return (StationTopic.state(zone), try! WireEncoder().encode(message))
    }

    /// A station's result message.
    static func result(
        _ zone: String, _ outcome: StationResultMessage.Outcome, truck: String = "T1", trip: String = "trip-1", header: UInt64,
        desk: Desk
    ) -> (String, [UInt8]) {
        let message = StationResultMessage(
            headerId: header, timestamp: desk.timestamp, siteId: "test-gate", zone: zone, truck: truck, tripId: trip, result: outcome)
        return (StationTopic.result(zone), try! WireEncoder().encode(message))
    }

    static func calls(_ zone: String, in effects: [CoordinatorEffect]) -> [StationCallMessage] {
        Desk.publications(effects).compactMap {
            if case .stationCall(let call) = $0.message, $0.topic == StationTopic.call(zone) { call } else { nil }
        }
    }

    /// A truck driven to the scanner's stop point, its own station action finished at once.
    static func atScanner(_ desk: inout Desk, channel: WireChannel = .green) {
        desk.dispatch("trip-1", truck: "T1", channel: channel)
        desk.report(desk.state("T1"))
        desk.advance(0.5)
        let at = desk.drive("T1", from: -5, to: xrayStop + 40)
        #expect(abs(at - xrayStop) < 0.01, "the truck stops at the scanner and waits for its word, not its own action: at \(at)")
    }

    @Test(
        "the truck at the scanner is called once per trip and attempt (again while unanswered); its own finished action does not release it, the scanner's clear does"
    )
    func releasedOnTheStationsWord() {
        var desk = Self.desk()
        Self.atScanner(&desk)
        let calls = Self.calls("xray", in: desk.all)
        #expect(Set(calls.map { "\($0.tripId)#\($0.attempt)" }).count == 1, "one call per trip and attempt: \(calls)")
        // Unanswered while the truck stood there (the drive waits up to 600 s): made again every 10 s.
        let times = Desk.publications(desk.all).filter { $0.topic == StationTopic.call("xray") }.count
        #expect(times > 1, "an unanswered call is made again")
        #expect(calls.first?.truck == "T1" && calls.first?.tripId == "trip-1" && calls.first?.containerId == "C-trip-1")
        #expect(calls.first?.attempt == 1)
        #expect(Desk.end(of: desk.currentOrder(of: "T1")!) <= Self.xrayStop + 1e-6)
        let (topic, payload) = Self.result("xray", .clear, header: 1, desk: desk)
        desk.receive(topic, payload)
        #expect(Desk.end(of: desk.currentOrder(of: "T1")!) > Self.xrayStop + 10, "released: the authority goes on past the scanner")
        #expect(desk.events(in: desk.last).contains { $0.kind == .stationResult && $0.zone == "xray" && $0.detail == "clear" })
        #expect(
            desk.journal(in: desk.last).contains { if case .crossing(let c) = $0 { c.kind == .station && c.zone == "xray" } else { false } }
        )
        // It drives on to the end of the lane (green: past the bypass, no other station system on its route).
        let end = desk.drive("T1", from: Self.xrayStop)
        #expect(end > 400, "the trip goes on: \(end)")
    }

    @Test("a suspicious scan re-routes the truck to the inspection bay, journaled, and that bay releases it on its own word")
    func suspiciousGoesToInspection() {
        var desk = Self.desk()
        Self.atScanner(&desk)
        let (topic, payload) = Self.result("xray", .suspicious, header: 1, desk: desk)
        desk.receive(topic, payload)
        #expect(desk.core.trip(of: "T1")?.channel == .red)
        #expect(desk.journal(in: desk.last).contains { if case .channelChanged(_, "trip-1", .red) = $0 { true } else { false } })
        #expect(desk.currentOrder(of: "T1")!.nodes.contains { $0.nodeId.hasPrefix("inspection-bay@") }, "the new route passes the bay")
        let bayStop: Meters = 254.5 + 1.5 + 20 + 26
        let at = desk.drive("T1", from: Self.xrayStop, to: bayStop + 30)
        #expect(abs(at - bayStop) < 0.01, "held at the bay until it says done: \(at)")
        #expect(Set(Self.calls("inspection-bay", in: desk.all).map(\.tripId)) == ["trip-1"])
        let (bay, done) = Self.result("inspection-bay", .done, header: 1, desk: desk)
        desk.receive(bay, done)
        #expect(Desk.end(of: desk.currentOrder(of: "T1")!) > bayStop + 10)
    }

    @Test("an unreadable image is scanned again where the truck stands; a second one sends it to inspection")
    func unreadableRescanThenInspection() {
        var desk = Self.desk()
        Self.atScanner(&desk)
        var (topic, payload) = Self.result("xray", .unreadable, header: 1, desk: desk)
        desk.receive(topic, payload)
        let again = Self.calls("xray", in: desk.last)
        #expect(again.map(\.attempt) == [2], "called again for the rescan: \(again)")
        #expect(desk.core.trip(of: "T1")?.channel == .green)
        #expect(Desk.end(of: desk.currentOrder(of: "T1")!) <= Self.xrayStop + 1e-6, "still held for the rescan")
        (topic, payload) = Self.result("xray", .unreadable, header: 2, desk: desk)
        desk.receive(topic, payload)
        #expect(desk.core.trip(of: "T1")?.channel == .red, "the second unreadable image: physical inspection")
        #expect(Desk.end(of: desk.currentOrder(of: "T1")!) > Self.xrayStop + 1)
    }

    @Test("a scanner out closes its zone: an approaching truck is held short of it; back, the zone opens and the truck is called")
    func offlineClosesTheZone() {
        var desk = Self.desk()
        var (topic, payload) = Self.state("xray", .ready, header: 1, desk: desk)
        desk.receive(topic, payload)
        (topic, payload) = Self.state("xray", .offline, header: 0, desk: desk)
        desk.receive(topic, payload)
        #expect(desk.statuses(in: desk.last).last?.closedZones?.contains { $0.zoneId == "xray" && $0.reason == "station offline" } == true)
        #expect(desk.events(in: desk.last).contains { $0.kind == .stationOffline && $0.zone == "xray" })
        desk.dispatch("trip-1", truck: "T1")
        desk.report(desk.state("T1"))
        desk.advance(0.5)
        let at = desk.drive("T1", from: -5, to: Self.xrayStop + 40, within: 120)
        #expect(at < 234 - 2 + 1e-6, "held a gap short of the closed scanner's entry: \(at)")
        #expect(Self.calls("xray", in: desk.all).isEmpty)
        // A restarted station counts its headers from 1 again.
        (topic, payload) = Self.state("xray", .ready, header: 1, desk: desk)
        desk.receive(topic, payload)
        #expect(desk.events(in: desk.last).contains { $0.kind == .stationOnline && $0.zone == "xray" })
        #expect(desk.statuses(in: desk.last).last?.closedZones?.isEmpty ?? true)
        let there = desk.drive("T1", from: at, to: Self.xrayStop + 40, within: 120)
        #expect(abs(there - Self.xrayStop) < 0.01)
        #expect(Set(Self.calls("xray", in: desk.all).map(\.attempt)) == [1])
    }

    @Test("a station out while a truck is at it: called again when it is back, and nothing is lost")
    func outDuringTheScan() {
        var desk = Self.desk()
        Self.atScanner(&desk)
        var (topic, payload) = Self.state("xray", .fault, header: 0, desk: desk)
        desk.receive(topic, payload)
        desk.advance(300)
        #expect(Desk.end(of: desk.currentOrder(of: "T1")!) <= Self.xrayStop + 1e-6, "still at the scanner")
        (topic, payload) = Self.state("xray", .ready, header: 1, desk: desk)
        desk.receive(topic, payload)
        #expect(Self.calls("xray", in: desk.last).map(\.tripId) == ["trip-1"], "the call again, for the same trip")
        (topic, payload) = Self.result("xray", .clear, header: 1, desk: desk)
        desk.receive(topic, payload)
        #expect(desk.drive("T1", from: Self.xrayStop) > 400)
        #expect(desk.tripStates("trip-1").last?.state == .finished)
    }

    @Test("what a station may not say is refused, typed, counted and logged, and changes nothing")
    func badStationInput() {
        var desk = Self.desk()
        Self.atScanner(&desk)
        func refused(_ topic: String, _ payload: [UInt8], _ reason: InboundRejection, _ why: Comment) {
            let before = desk.core.counters.rejections[reason.rawValue] ?? 0
            let effects = desk.receive(topic, payload)
            #expect(desk.core.counters.rejections[reason.rawValue] == before + 1, why)
            #expect(effects.contains { if case .log(let line) = $0 { line.message == "message rejected" } else { false } }, why)
            #expect(Desk.end(of: desk.currentOrder(of: "T1")!) <= Self.xrayStop + 1e-6, why)
        }
        var (topic, payload) = Self.result("xray", .clear, truck: "T2", header: 1, desk: desk)
        refused(topic, payload, .unexpectedStationResult, "a truck the scanner was not called for")
        (topic, payload) = Self.result("xray", .clear, trip: "trip-9", header: 2, desk: desk)
        refused(topic, payload, .unexpectedStationResult, "another trip")
        (topic, payload) = Self.result("xray", .done, header: 3, desk: desk)
        refused(topic, payload, .unexpectedStationResult, "a scanner's done")
        (topic, payload) = Self.result("xray", .clear, header: 3, desk: desk)
        refused(topic, payload, .staleOrReordered, "an old header")
        (topic, payload) = Self.result("exit-gate", .done, header: 1, desk: desk)
        refused(topic, payload, .unknownStation, "a station without a system of its own")
        (topic, payload) = Self.result("road", .done, header: 1, desk: desk)
        refused(topic, payload, .unknownStation, "a zone that is no station")
        (_, payload) = Self.result("xray", .clear, header: 4, desk: desk)
        refused(StationTopic.result("inspection-bay"), payload, .topicMismatch, "another zone's topic")
        refused(StationTopic.result("xray"), Array(#"{"headerId":5,"zone":"xray"}"#.utf8), .malformed, "fields missing")
        refused(StationTopic.call("xray"), payload, .unknownTopic, "a call is the coordinator's")
        // The right answer still works after all that.
        (topic, payload) = Self.result("xray", .clear, header: 9, desk: desk)
        desk.receive(topic, payload)
        #expect(Desk.end(of: desk.currentOrder(of: "T1")!) > Self.xrayStop + 10)
    }

    @Test("a refusal keeps the truck at the station, says why in the trip's state, until the station says done")
    func refusedKeepsTheTruck() {
        var desk = Self.desk()
        Self.atScanner(&desk)
        let message = StationResultMessage(
            headerId: 1, timestamp: desk.timestamp, siteId: "test-gate", zone: "xray", truck: "T1", tripId: "trip-1", result: .refused,
            detail: "seal number unreadable")
        desk.receive(StationTopic.result("xray"), try! WireEncoder().encode(message))
        #expect(desk.tripStates("trip-1", in: desk.last).last?.reason == "refused at xray: seal number unreadable")
        let at = desk.drive("T1", from: Self.xrayStop, to: Self.xrayStop + 40, within: 30)
        #expect(abs(at - Self.xrayStop) < 1e-6, "it stays for 30 s: \(at)")
        let (topic, payload) = Self.result("xray", .clear, header: 2, desk: desk)
        desk.receive(topic, payload)
        #expect(Desk.end(of: desk.currentOrder(of: "T1")!) > Self.xrayStop + 10)
    }

    @Test("a scanner out just as a truck can no longer stop short of it: no emergency stop, its authority stands, it goes through")
    func outageNeverEmergencyStops() {
        var desk = Self.desk()
        desk.dispatch("trip-1", truck: "T1")
        desk.report(desk.state("T1"))
        desk.advance(0.5)
        _ = desk.drive("T1", from: -5, to: 220, speed: 8)
        // Rolling at 8 m/s, 3 m short of the scanner's entry.
        let order = desk.currentOrder(of: "T1")!
        let held = Desk.end(of: order)
        #expect(held > Self.xrayEntry, "its authority reaches into the scanner: \(held)")
        let node = Desk.lastNode(atOrBefore: 231, in: order.nodes)!
        desk.report(desk.state("T1", node: node.id, from: node.at, at: 231, speed: 8, order: order))
        let (topic, payload) = Self.state("xray", .offline, header: 0, desk: desk)
        desk.receive(topic, payload)
        desk.advance(1)
        #expect(desk.instantActions(to: "T1").isEmpty, "no stop of any kind: \(desk.instantActions(to: "T1").map(\.actionType))")
        #expect(Desk.end(of: desk.currentOrder(of: "T1")!) >= held - 1e-6, "the authority stands")
        #expect(desk.core.counters.emergencyStops == 0)
    }
}
