import LaneCore
import LaneSite
import Testing

/// Every kind of bad event gets a typed rejection, is counted, and changes nothing else.
@Suite("Bad input")
struct BadInputTests {
    /// A bad event, the rejection expected, and a name for the table.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var event: @Sendable (Seconds) -> CoreEvent
        var expected: RejectionReason
        var testDescription: String { name }
    }

    static func report(
        _ truck: TruckID = "A", sequence: UInt64 = 10, measuredAt: Seconds? = nil, zone: ZoneID = "road-a",
        offset: Meters = 12, speed: MetersPerSecond = 0, uncertainty: Meters = 0.5
    ) -> @Sendable (Seconds) -> CoreEvent {
        { now in
            .stateReport(
                TruckStateReport(
                    truck: truck, sequence: sequence, measuredAt: measuredAt ?? now, zone: zone, offset: offset,
                    speed: speed, uncertainty: uncertainty))
        }
    }

    static let cases: [Case] = [
        Case(name: "report from an unknown truck", event: report("ghost"), expected: .unknownTruck),
        Case(name: "speed that is not a number", event: report(speed: .nan), expected: .invalidMeasurement),
        Case(name: "negative speed", event: report(speed: -1), expected: .invalidMeasurement),
        Case(name: "negative uncertainty", event: report(uncertainty: -0.1), expected: .invalidMeasurement),
        Case(name: "infinite offset", event: report(offset: .infinity), expected: .invalidMeasurement),
        Case(name: "duplicated report", event: report(sequence: 2), expected: .duplicateOrReordered(sequence: 2, last: 2)),
        Case(name: "reordered (older) report", event: report(sequence: 1), expected: .duplicateOrReordered(sequence: 1, last: 2)),
        Case(name: "stale report", event: report(measuredAt: 95), expected: .staleReport(age: 5)),
        Case(name: "report from the future", event: report(measuredAt: 103), expected: .reportFromTheFuture(by: 3)),
        Case(name: "zone the site does not have", event: report(zone: "nowhere"), expected: .positionOffRoute("nowhere")),
        Case(
            name: "offset outside the zone", event: report(zone: "scanner", offset: 60),
            expected: .positionOutsideZone("scanner", offset: 60)),
        Case(name: "position jumped backwards", event: report(offset: 2), expected: .positionJumpedBackwards(by: 8)),
        Case(name: "truck joins twice", event: { _ in .truckJoined("A", TruckProfile()) }, expected: .duplicateTruck),
        Case(name: "truck with a negative length", event: { _ in .truckJoined("N", TruckProfile(length: -18)) }, expected: .invalidProfile),
        Case(name: "truck leaves while on its lane", event: { _ in .truckLeft("A") }, expected: .truckOnLane),
        Case(
            name: "second trip for a busy truck", event: { _ in .tripAssigned(TripRequest(truck: "A", lane: "import", channel: .green)) },
            expected: .alreadyOnTrip),
        Case(
            name: "trip for an unknown truck", event: { _ in .tripAssigned(TripRequest(truck: "ghost", lane: "import", channel: .green)) },
            expected: .unknownTruck),
        Case(
            name: "trip on an unknown lane", event: { _ in .tripAssigned(TripRequest(truck: "B", lane: "moon", channel: .green)) },
            expected: .unknownLane("moon")),
        Case(
            name: "station finished for a truck not at it", event: { _ in .stationFinished("A", "scanner") },
            expected: .notAtStation("scanner")),
        Case(
            name: "station finished at an unknown zone", event: { _ in .stationFinished("A", "nowhere") }, expected: .unknownZone("nowhere")
        ),
        Case(name: "channel change for a truck with no trip", event: { _ in .channelAssigned("B", .red) }, expected: .noTrip),
        Case(name: "operator holds an unknown truck", event: { _ in .operatorCommand(.holdTruck("ghost")) }, expected: .unknownTruck),
        Case(
            name: "operator closes an unknown zone", event: { _ in .operatorCommand(.closeZone("nowhere", reason: "x")) },
            expected: .unknownZone("nowhere")),
        Case(name: "operator opens a zone that is open", event: { _ in .operatorCommand(.openZone("scanner")) }, expected: .noChange),
    ]

    @Test("is rejected with its reason and changes nothing", arguments: cases)
    func rejected(_ bad: Case) throws {
        var h = Harness(site: try TestSites.straight())
        h.start("A")
        h.send(.truckJoined("B", TruckProfile()))
        h.report("A", "road-a", 5)
        h.now = 100
        h.report("A", "road-a", 10)
        let before = h.core.snapshot(of: "A")
        let countsBefore = h.core.statistics.rejections.values.reduce(0, +)
        let commands = h.send(bad.event(h.now))
        #expect(Harness.rejections(commands) == [bad.expected])
        #expect(commands.count == 1, "a refused event causes nothing else: \(commands)")
        #expect(h.core.snapshot(of: "A") == before)
        #expect(h.core.statistics.rejections[bad.expected.code] != nil)
        #expect(h.core.statistics.rejections.values.reduce(0, +) == countsBefore + 1)
        // The core keeps working: A's next report is accepted and answered.
        h.now = 101
        let next = h.send(
            .stateReport(TruckStateReport(truck: "A", sequence: 50, measuredAt: h.now, zone: "road-a", offset: 11, speed: 0)))
        #expect(Harness.rejections(next).isEmpty)
    }

    @Test("duplicated and reordered reports leave the authority exactly as it was")
    func duplicatesChangeNothing() throws {
        var h = Harness(site: try TestSites.straight())
        h.start("A")
        h.start("B")
        h.report("A", "road-a", 60)
        h.report("B", "road-a", 10)
        let report = TruckStateReport(truck: "A", sequence: 1, measuredAt: 0, zone: "road-a", offset: 60, speed: 0)
        let before = (h.core.snapshot(of: "A"), h.core.snapshot(of: "B"))
        for _ in 0..<3 { h.send(.stateReport(report)) }
        #expect(h.core.snapshot(of: "A") == before.0)
        #expect(h.core.snapshot(of: "B") == before.1)
        #expect(h.core.statistics.rejections["duplicate-or-reordered"] == 3)
    }
}
