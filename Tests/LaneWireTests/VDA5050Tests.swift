import Foundation
import LaneTestKit
import LaneWire
import Testing

/// The VDA 5050 messages: the golden examples in `protocols/examples` decode and round-trip, and
/// every message encoded here is written to `LANE_WIRE_EMIT_DIR` (when set) so that
/// `Tests/conformance/validate.py` checks it against the official schemas after the tests.
@Suite("VDA 5050 messages")
struct VDA5050Tests {
    static var examples: String { Repository.path("protocols/examples") }

    static func golden(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: "\(examples)/\(name).json")))
    }

    /// Writes an encoded message for the schema check that follows the tests.
    static func emit(_ bytes: [UInt8], as name: String) throws {
        guard let folder = ProcessInfo.processInfo.environment["LANE_WIRE_EMIT_DIR"] else { return }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/\(name).json"))
    }

    static func roundTrip<M: VDA5050Message>(_ type: M.Type, golden name: String) throws -> M {
        let decoded = try WireDecoder().decode(M.self, from: try golden(name))
        let encoded = try WireEncoder().encode(decoded)
        #expect(try WireDecoder().decode(M.self, from: encoded) == decoded)
        try emit(encoded, as: "\(name)-golden-reencoded")
        return decoded
    }

    @Test("the golden order decodes: released nodes are the base, the rest the horizon")
    func order() throws {
        let order = try Self.roundTrip(OrderMessage.self, golden: "order")
        #expect(order.orderUpdateId == 4)
        #expect(order.nodes.filter(\.released).map(\.nodeId) == ["import-scan-queue@96.5", "import-xray@20.5"])
        #expect(
            order.edges.first?.actions.first?.actionParameters?.first
                == ActionParameter(key: "expiry", value: .string("2026-11-29T08:14:13.250Z")))
        #expect(order.edges.first?.actions.first?.actionParameters?.first { $0.key == "advisorySpeed" }?.value == .number(4.2))
        #expect(LaneAuthorityParameter.epoch(of: order) == 7, "the coordinator's epoch, read as the truck agent reads it")
    }

    @Test("the golden state decodes: position, speed, echoed order update, zone requests")
    func state() throws {
        let state = try Self.roundTrip(StateMessage.self, golden: "state")
        #expect(state.orderUpdateId == 4)
        #expect(state.mobileRobotPosition?.deviationRange == 0.3)
        #expect(state.velocity?.vx == 4.6)
        #expect(state.zoneRequests?.first?.requestStatus == .granted)
        #expect(state.safetyState.activeEmergencyStop == StateMessage.SafetyState.EmergencyStop.none)
        var built = state
        built.headerId += 1
        built.driving = false
        built.errors = [.init(errorType: "laneOverrun", errorDescription: "past end of authority", errorLevel: .critical)]
        try Self.emit(try WireEncoder().encode(built), as: "state-built")
    }

    @Test("the golden instant actions, connection and responses decode and round-trip")
    func others() throws {
        let actions = try Self.roundTrip(InstantActionsMessage.self, golden: "instantActions")
        #expect(actions.actions.map(\.actionType) == ["stopPause", "laneEmergencyStop"])
        let connection = try Self.roundTrip(ConnectionMessage.self, golden: "connection")
        #expect(connection.connectionState == .online)
        let responses = try Self.roundTrip(ResponsesMessage.self, golden: "responses")
        #expect(responses.responses.map(\.grantType) == [.granted, .queued])
    }

    @Test("messages built in code encode to schema-valid JSON")
    func emitted() throws {
        let connection = ConnectionMessage(
            headerId: 9, timestamp: "2026-11-29T08:00:00.000Z", manufacturer: "lane-fleet", serialNumber: "T001",
            connectionState: .connectionBroken)
        try Self.emit(try WireEncoder().encode(connection), as: "connection-built")
        let actions = InstantActionsMessage(
            headerId: 10, timestamp: "2026-11-29T08:00:00.100Z", manufacturer: "lane-fleet", serialNumber: "T001",
            actions: [
                Action(actionType: "startPause", actionId: "T001-go-1"),
                Action(
                    actionType: "cancelOrder", actionId: "T001-cancel-1",
                    actionParameters: [ActionParameter(key: "reason", value: .object(["lane": .string("import"), "drain": .bool(true)]))]),
            ])
        try Self.emit(try WireEncoder().encode(actions), as: "instantActions-built")
        let order = OrderMessage(
            headerId: 11, timestamp: "2026-11-29T08:00:00.200Z", manufacturer: "lane-fleet", serialNumber: "T001", orderId: "trip-1",
            orderUpdateId: 1,
            nodes: [
                OrderNode(nodeId: "a", sequenceId: 0, released: true, nodePosition: NodePosition(x: 0, y: 0, mapId: "m")),
                OrderNode(nodeId: "b", sequenceId: 2, released: false),
            ],
            edges: [OrderEdge(edgeId: "a>b", sequenceId: 1, released: false, maximumSpeed: 8.333, length: 420)])
        let bytes = try WireEncoder().encode(order)
        try Self.emit(bytes, as: "order-built")
        #expect(try WireDecoder().decode(OrderMessage.self, from: bytes) == order)
        let responses = ResponsesMessage(
            headerId: 12, timestamp: "2026-11-29T08:00:00.300Z", manufacturer: "lane-fleet", serialNumber: "T001",
            responses: [.init(requestId: "r1", grantType: .revoked), .init(requestId: "r2", grantType: .rejected)])
        try Self.emit(try WireEncoder().encode(responses), as: "responses-built")
        let zones = ZoneSetMessage(
            headerId: 13, timestamp: "2026-11-29T08:00:00.400Z", manufacturer: "lane-fleet", serialNumber: "T001",
            zoneSet: .init(
                mapId: "m", zoneSetId: "site",
                zones: [
                    .init(
                        zoneId: "scanner", zoneType: .release, vertices: [.init(x: 0, y: 0), .init(x: 22, y: 0), .init(x: 22, y: 5)],
                        releaseLossBehavior: .stop),
                    .init(
                        zoneId: "scan-queue", zoneType: .speedLimit,
                        vertices: [.init(x: -120, y: 0), .init(x: 0, y: 0), .init(x: 0, y: 5)], maximumSpeed: 5.556),
                ]))
        try Self.emit(try WireEncoder().encode(zones), as: "zoneSet-built")
        let visualization = VisualizationMessage(
            headerId: 14, timestamp: "2026-11-29T08:00:00.450Z", manufacturer: "lane-fleet", serialNumber: "T001",
            referenceStateHeaderId: 9,
            mobileRobotPosition: .init(x: 1, y: 2, theta: 0.5, mapId: "m", localized: true), velocity: .init(vx: 3))
        try Self.emit(try WireEncoder().encode(visualization), as: "visualization-built")
    }

    @Test("an unknown connection state and a missing field are refused with their place")
    func badMessages() throws {
        let text = String(decoding: try Self.golden("connection"), as: UTF8.self)
        #expect(throws: WireError.invalidValue(path: "connectionState", reason: "Cannot initialize State from invalid String value MAYBE"))
        {
            try WireDecoder().decode(ConnectionMessage.self, from: text.replacingOccurrences(of: "ONLINE", with: "MAYBE"))
        }
        #expect(throws: WireError.missingKey(path: "", key: "serialNumber")) {
            try WireDecoder().decode(ConnectionMessage.self, from: text.replacingOccurrences(of: "\"serialNumber\"", with: "\"serial\""))
        }
        let order = String(decoding: try Self.golden("order"), as: UTF8.self)
        #expect(throws: WireError.typeMismatch(path: "nodes[1].released", expected: "a boolean", found: "a string")) {
            try WireDecoder().decode(
                OrderMessage.self,
                from: order.replacingOccurrences(
                    of: "\"sequenceId\": 2, \"released\": true", with: "\"sequenceId\": 2, \"released\": \"true\""))
        }
    }
}
