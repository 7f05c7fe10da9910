import LaneWire
import Testing

/// The coordinator's own messages: the golden examples decode and round-trip, and messages built
/// in code are emitted for the schema check (`protocols/schemas`).
@Suite("Coordinator messages")
struct CoordinatorMessageTests {
    static func roundTrip<M: Codable & Equatable>(_ type: M.Type, golden name: String) throws -> M {
        let decoded = try WireDecoder().decode(M.self, from: try VDA5050Tests.golden(name))
        let encoded = try WireEncoder().encode(decoded)
        #expect(try WireDecoder().decode(M.self, from: encoded) == decoded)
        try VDA5050Tests.emit(encoded, as: "\(name)-reencoded")
        return decoded
    }

    @Test("every golden example of the coordinator's topics decodes and round-trips")
    func goldens() throws {
        #expect(try Self.roundTrip(CoordinatorStatus.self, golden: "coordinator-status").state == .online)
        #expect(try Self.roundTrip(CoordinatorStatus.self, golden: "coordinator-status-offline").state == .offline)
        #expect(try Self.roundTrip(TripDispatch.self, golden: "coordinator-trip").channel == .green)
        #expect(try Self.roundTrip(TripStateMessage.self, golden: "coordinator-trip-state").state == .finished)
        #expect(try Self.roundTrip(CoordinatorEvent.self, golden: "coordinator-event").zone == "km0-import")
        #expect(try Self.roundTrip(OperatorRequest.self, golden: "coordinator-operator-request").command == .closeZone)
        #expect(try Self.roundTrip(OperatorReply.self, golden: "coordinator-operator-reply").outcome == .done)
        let plan = try Self.roundTrip(PlanSnapshot.self, golden: "coordinator-plan")
        #expect(plan.trucks.map(\.truck) == ["T007", "T011"])
        #expect(plan.trucks[1].waitsFor == "T007")
    }

    @Test("messages built in code match the schemas")
    func built() throws {
        let status = CoordinatorStatus(
            headerId: 4, timestamp: WireTimestamp.format(secondsSince1970: 1_796_000_000), siteId: "tan-thanh-po-chai-1088-1089",
            state: .recovering, since: WireTimestamp.format(secondsSince1970: 1_795_999_990), trucks: 6, activeTrips: 2, staleTrucks: 1)
        try VDA5050Tests.emit(try WireEncoder().encode(status), as: "coordinator-status-built")
        let rejected = TripStateMessage(
            headerId: 5, timestamp: WireTimestamp.format(secondsSince1970: 1_796_000_001), siteId: "s", tripId: "t-1", truck: "T001",
            state: .rejected, reason: "lane-closed")
        try VDA5050Tests.emit(try WireEncoder().encode(rejected), as: "coordinator-trip-state-built")
        let request = OperatorRequest(
            headerId: 6, timestamp: WireTimestamp.format(secondsSince1970: 1_796_000_002), siteId: "s", operator: "op", command: .history,
            from: WireTimestamp.format(secondsSince1970: 1_795_996_400), to: WireTimestamp.format(secondsSince1970: 1_796_000_000))
        try VDA5050Tests.emit(try WireEncoder().encode(request), as: "coordinator-operator-request-built")
        #expect(CoordinatorTopic.tripState("t-1") == "lanes/coordinator/trips/t-1")
    }
}
