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
    @Test("after SIGKILL and a restart: recovering, no authority while the truck is silent, the trip finishes, the audit is kept")
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
        var coordinator = try process.start()
        let now = process.now
        let truck = try process.truck("T001")
        let driving = Task { try await truck.run() }
        do {
            try await eventually("the first run online") { statuses().contains { $0.state == .online } }
            try await observer.publish(try process.trip("r1", truck: "T001", container: "MSKU7654321"))
            try await eventually("the truck past km 0", timeout: .seconds(40)) { await truck.position > 170 }
            coordinator.stop(signal: SIGKILL)
            await truck.silence()
            try await eventually("the last will") { statuses().last?.state == .offline }
            let restartAt = seen.count
            coordinator = try process.start()
            try await eventually("the second run recovering") { statuses().contains { $0.index >= restartAt && $0.state == .recovering } }
            // While the truck is silent, the second run sends it nothing that moves it.
            try await Task.sleep(for: .milliseconds(1500))
            let ordersWhileSilent = seen.elements[restartAt...].filter {
                $0.topic.hasSuffix("/T001/order") && (try? WireDecoder().decode(OrderMessage.self, from: $0.payload).orderId) == "r1~r2"
            }
            #expect(ordersWhileSilent.isEmpty, "no authority before the truck has reported again")
            await truck.resumeReports()
            try await eventually("the trip finished after the restart", timeout: .seconds(60)) {
                seen.elements.contains {
                    $0.topic == CoordinatorTopic.tripState("r1")
                        && (try? WireDecoder().decode(TripStateMessage.self, from: $0.payload).state) == .finished
                }
            }
            // No order of the second run before the truck's first state after the restart.
            let after = Array(seen.elements[restartAt...])
            let firstState = try #require(after.firstIndex { $0.topic.hasSuffix("/T001/state") })
            let firstOrder = try #require(
                after.firstIndex {
                    $0.topic.hasSuffix("/T001/order") && (try? WireDecoder().decode(OrderMessage.self, from: $0.payload).orderId) == "r1~r2"
                })
            #expect(firstState < firstOrder, "an order of the second run came before the truck had reported")
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
            #expect(kinds.contains("km0:km0"), "the crossing before the restart: \(kinds)")
            #expect(kinds.contains("station:xray"), "the scan after the restart: \(kinds)")
            let journal = try Journal(path: "\(folder)/journal.sqlite")
            #expect(try journal.crossings().contains { $0.kind == .km0 && $0.containerId == "MSKU7654321" })
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
