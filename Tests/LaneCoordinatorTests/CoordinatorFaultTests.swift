import Foundation
import LaneCoordinator
import LaneCoordinatorCore
import LaneMQTT
import LaneTestKit
import LaneTruckAgent
import LaneWire
import Testing

@Suite("the coordinator under bad input and faults", .serialized, .timeLimit(.minutes(3)))
struct CoordinatorFaultTests {
    /// A valid state of `serial`, to be spoiled.
    static func state(_ serial: String, headerId: UInt64, at now: Double, version: String = "3.0.0") -> StateMessage {
        StateMessage(
            headerId: headerId, timestamp: WireTimestamp.format(secondsSince1970: now), version: version, manufacturer: "lane-fleet",
            serialNumber: serial, orderId: "", orderUpdateId: 0, lastNodeId: "", lastNodeSequenceId: 0,
            mobileRobotPosition: .init(x: -2, y: 0, theta: 0, mapId: "yard", localized: true), velocity: .init(vx: 0), driving: false,
            powerSupply: .init(stateOfCharge: 80, charging: false), operatingMode: .automatic,
            safetyState: .init(activeEmergencyStop: .none, fieldViolation: false))
    }

    @Test("every kind of bad input is refused, counted by reason, and a truck on its trip keeps going")
    func badInput() async throws {
        try await Gate.with(fleet: ["T001", "T002"]) { gate in
            let truck = try await gate.startTruck("T001")
            try await gate.dispatch("steady", truck: "T001")
            try await eventually("the truck on the road", timeout: .seconds(30)) { await truck.position > 30 }
            let intruder = try MQTTClient(gate.broker.configuration(clientId: "intruder"))
            try await intruder.connect()
            let encoder = WireEncoder()
            func send(_ topic: String, _ payload: [UInt8]) async throws {
                try await intruder.publish(MQTTOutbound(topic: topic, payload: payload, properties: .deliberatelyInvalid))
            }
            let t1 = "lanes/v3/lane-fleet/T001/state"
            let cases: [(String, String, [UInt8])] = [
                ("malformed", t1, Array("{not json".utf8)),
                ("malformed", t1, Array(#"{"headerId":"7"}"#.utf8)),
                ("malformed", t1, Array(repeating: UInt8(ascii: "["), count: 200) + Array(repeating: UInt8(ascii: "]"), count: 200)),
                ("malformed", t1, [UInt8](repeating: UInt8(ascii: " "), count: 10 * 1024 * 1024 + 1)),
                ("unknown-vehicle", "lanes/v3/lane-fleet/T999/state", try encoder.encode(Self.state("T999", headerId: 1, at: gate.now))),
                ("topic-mismatch", t1, try encoder.encode(Self.state("T002", headerId: 1, at: gate.now))),
                ("version-mismatch", t1, try encoder.encode(Self.state("T001", headerId: 1_000_000, at: gate.now, version: "2.0.0"))),
                ("duplicate-or-reordered", t1, try encoder.encode(Self.state("T001", headerId: 1, at: gate.now))),
                ("stale-report", "lanes/v3/lane-fleet/T002/state", try encoder.encode(Self.state("T002", headerId: 5, at: gate.now - 60))),
            ]
            for (reason, topic, payload) in cases {
                let before = await gate.coordinator.statistics.rejections[reason] ?? 0
                try await send(topic, payload)
                try await eventually("a '\(reason)' rejection for \(payload.count) bytes on \(topic)") {
                    await gate.coordinator.statistics.rejections[reason] ?? 0 > before
                }
            }
            // A trip for another site, and one for a truck outside the fleet.
            let foreign = TripDispatch(
                headerId: 1, timestamp: WireTimestamp.format(secondsSince1970: gate.now), siteId: "elsewhere", tripId: "x1", truck: "T002",
                lane: "import", containerId: "C1", perishable: false, channel: .green)
            try await send(CoordinatorTopic.dispatch, try encoder.encode(foreign))
            try await eventually("a 'wrong-site' rejection") { await gate.coordinator.statistics.rejections["wrong-site"] ?? 0 > 0 }
            try await gate.dispatch("ghost", truck: "T999")
            try await gate.waitForTrip("ghost", .rejected, timeout: .seconds(10))
            try await gate.dispatch("lost", truck: "T002", channel: .green)
            // T002 never reported: it is admitted or refused by the core, never crashes anything.
            try await gate.waitForTrip("steady", .finished, timeout: .seconds(60))
            await intruder.close()
        }
    }

    @Test("a state sent twice, and states out of order, change nothing")
    func duplicatesAndReordering() async throws {
        try await Gate.with(fleet: ["T001"]) { gate in
            try await gate.startTruck("T001", at: -2)
            let client = try MQTTClient(gate.broker.configuration(clientId: "replayer"))
            try await client.connect()
            let fresh = await gate.coordinator.statistics.statesAccepted
            let state = Self.state("T001", headerId: 9_000_000, at: gate.now)
            let payload = try WireEncoder().encode(state)
            let topic = "lanes/v3/lane-fleet/T001/state"
            try await client.publish(MQTTOutbound(topic: topic, payload: payload, qos: .atMostOnce))
            try await eventually("the new state taken") { await gate.coordinator.statistics.statesAccepted > fresh }
            let taken = await gate.coordinator.snapshot(of: "T001")
            try await client.publish(MQTTOutbound(topic: topic, payload: payload, qos: .atMostOnce))
            let older = try WireEncoder().encode(Self.state("T001", headerId: 8_999_999, at: gate.now))
            try await client.publish(MQTTOutbound(topic: topic, payload: older, qos: .atMostOnce))
            try await eventually("two refusals") { await gate.coordinator.statistics.rejections["duplicate-or-reordered"] ?? 0 >= 2 }
            #expect(await gate.coordinator.snapshot(of: "T001") == taken, "the duplicate and the older state changed nothing")
            await client.close()
        }
    }

    @Test("SIGKILL of the coordinator process: its last will says offline and the truck stops within its authority")
    func killedCoordinator() async throws {
        let process = try await CoordinatorProcess()
        let observer = try MQTTClient(process.broker.configuration(clientId: "observer"))
        try await observer.connect()
        let statuses = Collector(messagesOf: observer)
        try await observer.subscribe(CoordinatorTopic.status)
        try await observer.subscribe("lanes/v3/lane-fleet/T001/order")
        let coordinator = try process.start()
        @Sendable func states() -> [CoordinatorStatus.State] {
            statuses.elements.filter { $0.topic == CoordinatorTopic.status }.compactMap {
                try? WireDecoder().decode(CoordinatorStatus.self, from: $0.payload).state
            }
        }
        do {
            try await eventually("the coordinator online") { states().contains(.online) }
            let truck = try process.truck("T001")
            let driving = Task { try await truck.run() }
            try await observer.publish(try process.trip("k1", truck: "T001"))
            try await eventually("the truck on the road", timeout: .seconds(30)) { await truck.position > 60 }
            coordinator.stop(signal: SIGKILL)
            try await eventually("the last will: offline") { states().last == .offline }
            try await eventually("the truck standing", timeout: .seconds(30)) {
                let position = await truck.position
                try await Task.sleep(for: .milliseconds(300))
                let speed = await truck.speed
                let later = await truck.position
                return speed == 0 && later == position
            }
            // The authority the coordinator sent, as seen on the broker (not the truck's own view).
            let orders = statuses.elements.filter { $0.topic.hasSuffix("/order") }.compactMap {
                try? WireDecoder().decode(OrderMessage.self, from: $0.payload)
            }
            let lastOrder = try #require(orders.max { $0.orderUpdateId < $1.orderUpdateId })
            let authorityEnd = try #require(lastOrder.nodes.last(where: \.released)?.nodePosition?.x)
            let stoppedAt = await truck.position
            #expect(stoppedAt <= authorityEnd + 0.01, "stopped at \(stoppedAt), within its authority to \(authorityEnd)")
            await truck.stop()
            driving.cancel()
        } catch {
            coordinator.stop(signal: SIGKILL)
            print(process.log)
            throw error
        }
        await observer.close()
    }

    static func operatorRequest(
        _ gate: Gate, _ command: OperatorCommandName, truck: String? = nil, lane: String? = nil, zone: String? = nil
    ) async throws {
        let request = OperatorRequest(
            headerId: 1, timestamp: WireTimestamp.format(secondsSince1970: gate.now), siteId: "test-gate", operator: "tester",
            command: command, truck: truck, lane: lane, zone: zone)
        try await gate.operatorClient.publish(
            MQTTOutbound(topic: CoordinatorTopic.operatorRequests, payload: try WireEncoder().encode(request)))
    }

    @Test("a lost stop is sent again until the truck's state acknowledges it")
    func lostStopIsResent() async throws {
        try await Gate.with(fleet: ["T001"]) { gate in
            let truck = try await gate.startTruck("T001")
            try await gate.dispatch("held", truck: "T001")
            try await eventually("the truck on the road", timeout: .seconds(30)) { await truck.position > 40 }
            await truck.dropInstantActions(1)
            try await Self.operatorRequest(gate, .holdTruck, truck: "T001")
            try await eventually("the truck paused", timeout: .seconds(10)) { await truck.paused }
            #expect(await gate.coordinator.statistics.instantResends >= 1)
            try await Self.operatorRequest(gate, .releaseTruck, truck: "T001")
            try await gate.waitForTrip("held", .finished)
        }
    }

    @Test("a drained lane takes no new trip, lets its trucks finish, then is held")
    func drainLane() async throws {
        try await Gate.with(fleet: ["T001", "T002"]) { gate in
            let truck = try await gate.startTruck("T001")
            try await gate.startTruck("T002", at: -2)
            try await gate.dispatch("last", truck: "T001")
            try await eventually("the truck on the road", timeout: .seconds(30)) { await truck.position > 40 }
            try await Self.operatorRequest(gate, .drainLane, lane: "import")
            try await eventually("the drain started") {
                gate.observed.elements.contains {
                    (try? WireDecoder().decode(CoordinatorEvent.self, from: $0.payload).kind) == .laneDraining
                }
            }
            try await gate.dispatch("refused", truck: "T002")
            try await gate.waitForTrip("refused", .rejected, timeout: .seconds(10))
            try await gate.waitForTrip("last", .finished)
            try await eventually("the lane drained") {
                gate.observed.elements.contains {
                    (try? WireDecoder().decode(CoordinatorEvent.self, from: $0.payload).kind) == .laneDrained
                }
            }
        }
    }
}
