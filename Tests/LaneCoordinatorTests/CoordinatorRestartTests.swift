import Foundation
import LaneCoordinator
import LaneCoordinatorCore
import LaneMQTT
import LaneTestKit
import LaneTruckAgent
import LaneWire
import Testing

@Suite("the coordinator restarts from its journal", .timeLimit(.minutes(3)))
struct CoordinatorRestartTests {
    @Test(
        "given two broker nodes, the coordinator moves to the second when the first is gone and is online there; lanectl, its first node down, reaches it"
    )
    func brokerNodes() async throws {
        let second = try await TestBroker.start()
        let process = try await CoordinatorProcess(brokerExtra: ", alsoAt: [\"127.0.0.1:\(second.port)\"]")
        let first = process.broker
        let coordinator = try process.start()
        defer { coordinator.stop() }
        let before = try await lanectl(["status", "--json"], broker: first)
        #expect(before.code == 0, "online on the first node: \(before)")
        let observer = try MQTTClient(second.configuration(clientId: "observer"))
        try await observer.connect()
        let seen = Collector(messagesOf: observer)
        try await observer.subscribe(CoordinatorTopic.status)
        first.kill()
        try await eventually("the coordinator's status online on the second node", timeout: .seconds(15)) {
            seen.elements.contains { (try? WireDecoder().decode(CoordinatorStatus.self, from: $0.payload))?.state == .online }
        }
        let after = try await lanectl(["status", "--json", "--host", "127.0.0.1:\(first.port),127.0.0.1:\(second.port)"])
        #expect(after.code == 0, "lanectl through the second node: \(after)")
        #expect(after.json?["state"]?.text == "online", "\(after)")
        #expect(process.log.contains("broker connection back"), "the coordinator logs where it went")
        await observer.close()
    }

    @Test(
        "SIGKILL and a restart under a truck moving at speed: it keeps going on the same order, is never stopped, each crossing is journaled once"
    )
    func restartFromJournal() async throws {
        let process = try await CoordinatorProcess(extra: "journal: journal.sqlite")
        let broker = process.broker
        let folder = process.folder
        let observer = try MQTTClient(broker.configuration(clientId: "observer"))
        try await observer.connect()
        let seen = Collector(messagesOf: observer)
        try await observer.subscribe(CoordinatorTopic.status)
        try await observer.subscribe("lanes/v3/lane-fleet/T001/#", qos: .atMostOnce)
        try await observer.subscribe(CoordinatorTopic.tripState("r1"))
        try await observer.subscribe(CoordinatorTopic.operatorReplies("observer"))
        @Sendable func statuses() -> [(index: Int, state: CoordinatorStatus.State)] {
            seen.elements.enumerated().compactMap { index, message in
                guard message.topic == CoordinatorTopic.status,
                    let status = try? WireDecoder().decode(CoordinatorStatus.self, from: message.payload)
                else { return nil }
                return (index, status.state)
            }
        }
        @Sendable func orders(from start: Int = 0) -> [OrderMessage] {
            seen.elements[start...].filter { $0.topic.hasSuffix("/T001/order") }.compactMap {
                try? WireDecoder().decode(OrderMessage.self, from: $0.payload)
            }
        }
        var coordinator = try process.start()
        let now = process.now
        let truck = try process.truck("T001")
        let driving = Task { try await truck.run() }
        do {
            try await eventually("the first run online") { statuses().contains { $0.state == .online } }
            try await observer.publish(try process.trip("r1", truck: "T001", container: "MSKU7654321"))
            try await eventually("the truck on the road at speed", timeout: .seconds(40)) {
                let (position, speed) = (await truck.position, await truck.speed)
                return position > 60 && speed > 3
            }
            coordinator.stop(signal: SIGKILL)
            let lastBefore = try #require(orders().last, "an order before the kill")
            let restartAt = seen.count
            coordinator = try process.start()
            // From the kill until it is past km 0 the truck keeps moving: the restart stops nothing.
            var slowest = Double.infinity
            while await truck.position < 160 {
                slowest = min(slowest, await truck.speed)
                try await Task.sleep(for: .milliseconds(20))
                if seen.count > restartAt + 5000 { break }
            }
            #expect(slowest > 2, "the truck slowed to \(slowest) m/s across the restart")
            try await eventually("the trip finished after the restart", timeout: .seconds(60)) {
                seen.elements.contains {
                    $0.topic == CoordinatorTopic.tripState("r1")
                        && (try? WireDecoder().decode(TripStateMessage.self, from: $0.payload).state) == .finished
                }
            }
            #expect(statuses().contains { $0.index >= restartAt && $0.state == .recovering }, "the second run recovered")
            // The second run goes on with the order the truck holds, from the journal's update id.
            let after = orders(from: restartAt)
            #expect(!after.isEmpty && after.allSatisfy { $0.orderId == lastBefore.orderId && $0.orderUpdateId > lastBefore.orderUpdateId })
            let stops = seen.elements.filter { $0.topic.hasSuffix("/T001/instantActions") }.flatMap {
                (try? WireDecoder().decode(InstantActionsMessage.self, from: $0.payload).actions.map(\.actionType)) ?? []
            }
            #expect(
                !stops.contains(LaneActionType.stopPause.rawValue) && !stops.contains(LaneActionType.laneEmergencyStop.rawValue),
                "stops sent to a truck that nothing stood in the way of: \(stops)")
            #expect(statuses().last?.state == .online)
            // The km 0 crossing of the first run is in the audit log, and an operator can query it.
            let request = OperatorRequest(
                headerId: 1, timestamp: WireTimestamp.format(secondsSince1970: now()), siteId: "test-gate", operator: "auditor",
                command: .history, truck: "T001")
            try await observer.publish(
                MQTTOutbound(
                    topic: CoordinatorTopic.operatorRequests, payload: try WireEncoder().encode(request),
                    properties: MQTTProperties(responseTopic: CoordinatorTopic.operatorReplies("observer"), correlationData: [1])))
            let answer = try await seen.waitFor("the history") { $0.topic == CoordinatorTopic.operatorReplies("observer") }
            let reply = try WireDecoder().decode(OperatorReply.self, from: answer.payload)
            guard case .array(let crossings)? = reply.result else {
                Issue.record("no crossings in \(reply)")
                throw TestKitError.timedOut("history")
            }
            let kinds = crossings.compactMap { item -> String? in
                if case .object(let fields) = item, case .string(let kind)? = fields["kind"], case .string(let zone)? = fields["zone"] {
                    return "\(kind):\(zone)"
                }
                return nil
            }
            #expect(kinds.filter { $0 == "km0:km0" }.count == 1, "km 0 crossed once: \(kinds)")
            #expect(kinds.filter { $0 == "station:xray" }.count == 1, "the scan once: \(kinds)")
            #expect(kinds.filter { $0 == "zone:road" }.count == 1, "the road entered once: \(kinds)")
            let journal = try Journal(path: "\(folder)/journal.sqlite")
            #expect(try journal.crossings().filter { $0.kind == .km0 && $0.containerId == "MSKU7654321" }.count == 1)
            coordinator.stop(signal: SIGTERM)
        } catch {
            coordinator.stop(signal: SIGKILL)
            print(process.log)
            throw error
        }
        await truck.stop()
        driving.cancel()
        await observer.close()
    }
}
