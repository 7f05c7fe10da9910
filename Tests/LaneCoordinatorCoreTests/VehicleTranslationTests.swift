import Foundation
import LaneCoordinatorCore
import LaneCore
import LaneSite
import LaneSiteFile
import LaneTestKit
import LaneWire
import Testing

/// The mapping between the core and VDA 5050 messages, without a broker.
@Suite("VDA 5050 translation")
struct VehicleTranslationTests {
    let site = try! SiteFile.parse(TestSites.gate, file: "test-gate.yaml")

    var nodes: RouteNodes { RouteNodes(route: site.route(lane: "import", channel: .green)!, site: site) }

    /// Writes a message for the schema check that follows the tests (`Tests/run.sh`).
    static func emit(_ bytes: [UInt8], as name: String) throws {
        guard let folder = ProcessInfo.processInfo.environment["LANE_WIRE_EMIT_DIR"] else { return }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: "\(folder)/\(name).json"))
    }

    @Test("the node chain: every zone entry, each station's stop point, the route's end")
    func chain() {
        let ids = nodes.nodes.map(\.id)
        #expect(ids.first == "exit-gate@0")
        #expect(ids.contains("exit-gate@22") && ids.contains("xray@20.5"), "station stop points: \(ids)")
        #expect(ids.last == "yard-road@60")
        #expect(!ids.contains { $0.hasPrefix("inspection-bay") }, "a green route does not pass the inspection bay")
        #expect(nodes.position(of: "xray@20.5") == nodes.position(of: "xray@0")! + 20.5)
        #expect(nodes.position(of: "nowhere@3") == nil)
    }

    @Test("an order: released to the end of authority, the rest the horizon, with the authority, station and plan actions")
    func order() throws {
        let authority = MovementAuthority(
            truck: "T001", sequence: 7, end: 160, endZone: "km0", endOffset: 6, zones: ["road", "km0"], expiry: 1_795_000_010,
            advisorySpeed: 4.5)
        let plan = SlotPlan(
            truck: "T001", windows: [SlotWindow(zone: "xray", opens: 1_795_000_030, closes: 1_795_000_050)], advisorySpeed: 4.5)
        let order = VehicleTranslation.order(
            for: authority, nodes: nodes, front: 30, orderId: "trip-7", channel: .green, mapId: "test-gate/import",
            header: (3, "2026-11-30T00:00:00.000Z", "lane-fleet"), plan: plan, speedLimit: { _ in 8.33 })
        #expect(order.orderUpdateId == 7)
        #expect(order.nodes.first?.nodeId == "road@0", "the order starts at the last node behind the truck")
        #expect(order.nodes.filter(\.released).last?.nodeId == "km0@6", "the last released node is the end of authority")
        #expect(order.nodes.contains { !$0.released && $0.nodeId == "yard-road@60" }, "the horizon runs to the route's end")
        #expect(order.edges.count == order.nodes.count - 1)
        let authorityAction = try #require(order.edges.first?.actions.first)
        #expect(authorityAction.actionType == "laneAuthority")
        #expect(authorityAction.actionParameters?.contains(ActionParameter(key: "end", value: .string("km0@6"))) == true)
        #expect(order.nodes.first?.actions.contains { $0.actionType == "laneSlotPlan" } == true)
        #expect(order.nodes.contains { $0.nodeId == "xray@20.5" && $0.actions.contains { $0.actionType == "laneStationStop" } })
        try Self.emit(try WireEncoder().encode(order), as: "order-coordinator")
    }

    @Test("a drive-through portal: no stop node and no station stop action; its edge carries the portal's speed")
    func driveThroughOrder() throws {
        let gate = TestSites.gate.replacingOccurrences(
            of: "station: { activity: scan, stop-offset: 20.5, dwell: { fixed: 4 } }",
            with: "station: { drive-through: { speed-kmh: 10, headway-s: 20 } }")
        let site = try SiteFile.parse(gate, file: "portal-gate.yaml")
        let nodes = RouteNodes(route: try #require(site.route(lane: "import", channel: .green)), site: site)
        #expect(!nodes.nodes.contains { $0.zone == "xray" && $0.station != nil }, "\(nodes.nodes.map(\.id))")
        let authority = MovementAuthority(
            truck: "T001", sequence: 3, end: 400, endZone: "yard-road", endOffset: 10, zones: [], expiry: 1_795_000_030, advisorySpeed: 0)
        let route = try #require(site.route(lane: "import", channel: .green))
        let order = VehicleTranslation.order(
            for: authority, nodes: nodes, front: 30, orderId: "trip-3", channel: .green, mapId: "portal-gate/import",
            header: (1, "2026-12-04T00:00:00.000Z", "lane-fleet"), plan: nil,
            speedLimit: { position in site.zones[route.legs[route.legIndex(at: position) ?? 0].zone].speedLimit })
        #expect(!order.nodes.contains { $0.actions.contains { $0.actionType == "laneStationStop" } })
        let portalEdge = try #require(order.edges.first { $0.edgeId.hasPrefix("xray@0>") })
        #expect(abs((portalEdge.maximumSpeed ?? 0) - 10 / 3.6) < 1e-9, "\(portalEdge)")
        try Self.emit(try WireEncoder().encode(order), as: "order-drive-through")
    }

    @Test("a state is placed on the route: last node plus distance, negative before the first node, x before any order")
    func report() throws {
        var state = StateMessage(
            headerId: 5, timestamp: "2026-11-30T00:00:00.000Z", manufacturer: "lane-fleet", serialNumber: "T001", orderId: "trip-7",
            orderUpdateId: 7, lastNodeId: "road@0", lastNodeSequenceId: 0, driving: true, distanceSinceLastNode: 12.5,
            powerSupply: .init(stateOfCharge: 90, charging: false), operatingMode: .automatic,
            safetyState: .init(activeEmergencyStop: .none, fieldViolation: false))
        let nodes = self.nodes
        func place(_ state: StateMessage, orderId: String) throws(RouteError) -> TruckStateReport {
            let front = try nodes.routePosition(of: state)
            return VehicleTranslation.report(from: state, measuredAt: 100, front: front, on: nodes, orderId: orderId)
        }
        var report = try place(state, orderId: "trip-7")
        #expect(report.zone == "road" && report.offset == 12.5 && report.acknowledgedAuthority == 7)
        state.lastNodeId = "exit-gate@0"
        state.distanceSinceLastNode = -6
        report = try place(state, orderId: "another-trip")
        #expect(report.zone == "exit-gate" && report.offset == -6, "in the origin yard")
        #expect(report.acknowledgedAuthority == 0, "an echo of another order acknowledges nothing")
        state.lastNodeId = "elsewhere@1"
        #expect(throws: RouteError.nodeNotOnRoute("elsewhere@1")) {
            try place(state, orderId: "trip-7")
        }
        try Self.emit(try WireEncoder().encode(state), as: "state-coordinator-test")
    }
}
