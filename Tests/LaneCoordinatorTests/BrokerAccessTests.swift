import Foundation
import LaneCoordinator
import LaneCoordinatorCore
import LaneCore
import LaneMQTT
import LaneSite
import LaneSiteFile
import LaneTestKit
import LaneWire
import Testing

/// The shipped broker template (`protocols/broker/acl`) on a real mosquitto with passwords: only
/// operators reach the operator topic, only the yard the dispatch topic, and a truck writes only
/// its own topics.
@Suite("broker accounts and ACL template", .timeLimit(.minutes(3)))
struct BrokerAccessTests {
    static var acl: String { (try? String(contentsOfFile: Repository.path("protocols/broker/acl"), encoding: .utf8)) ?? "" }

    static let accounts = [
        "coordinator": "c-secret", "operator": "o-secret", "yard": "y-secret", "T001": "t1-secret", "T002": "t2-secret",
        "xray": "x-secret", "inspection-bay": "i-secret",
    ]

    static func client(_ broker: TestBroker, _ user: String, id: String? = nil) async throws -> MQTTClient {
        var configuration = broker.configuration(clientId: id ?? user)
        configuration.credentials = MQTTCredentials(username: user, password: accounts[user]!)
        let client = try MQTTClient(configuration)
        try await client.connect()
        return client
    }

    static func request(_ command: OperatorCommandName, truck: String? = nil, by user: String) throws -> [UInt8] {
        try WireEncoder().encode(
            OperatorRequest(
                headerId: 1, timestamp: WireTimestamp.format(secondsSince1970: SiteClock.systemNow()), siteId: "test-gate", operator: user,
                command: command, truck: truck))
    }

    @Test("only the operator account can command the coordinator; a truck cannot write another truck's state")
    func accessControl() async throws {
        #expect(Self.acl.contains("user coordinator"), "the template is read from protocols/broker/acl")
        let broker = try await TestBroker.start(.passwords(Self.accounts, acl: Self.acl), capture: true)
        var mqtt = broker.configuration(clientId: "lane-coordinator")
        mqtt.credentials = MQTTCredentials(username: "coordinator", password: "c-secret")
        let site = try SiteFile.parse(TestSites.gate, file: "test-gate.yaml")
        let coordinator = try Coordinator(
            configuration: CoordinatorConfiguration(
                siteId: "test-gate", siteFile: "", broker: mqtt, fleet: ["T001": TruckProfile(), "T002": TruckProfile()]), site: site)
        let running = Task { try await coordinator.run() }

        let operatorClient = try await Self.client(broker, "operator", id: "lanectl-1")
        let replies = Collector(messagesOf: operatorClient)
        try await operatorClient.subscribe(CoordinatorTopic.operatorReplies("lanectl-1"))
        try await eventually("the coordinator subscribed") { await coordinator.statistics.published > 0 }
        try await eventually("the operator's reply") {
            try await operatorClient.publish(
                MQTTOutbound(
                    topic: CoordinatorTopic.operatorRequests, payload: try Self.request(.holdTruck, truck: "T001", by: "operator"),
                    properties: MQTTProperties(responseTopic: CoordinatorTopic.operatorReplies("lanectl-1"), correlationData: [7])))
            try await Task.sleep(for: .milliseconds(200))
            return replies.count > 0
        }
        let reply = try WireDecoder().decode(OperatorReply.self, from: replies.elements[0].payload)
        #expect(reply.outcome == .done)
        #expect(replies.elements[0].properties.correlationData == [7])
        let answered = await coordinator.statistics.operatorRequests

        // A truck tries to release everything and to speak for another truck: the broker drops both.
        let truck = try await Self.client(broker, "T001")
        try? await truck.publish(
            MQTTOutbound(topic: CoordinatorTopic.operatorRequests, payload: try Self.request(.releaseAll, by: "T001")))
        let forged = StateMessage(
            headerId: 1, timestamp: WireTimestamp.format(secondsSince1970: SiteClock.systemNow()), manufacturer: "lane-fleet",
            serialNumber: "T002", orderId: "", orderUpdateId: 0, lastNodeId: "", lastNodeSequenceId: 0, driving: false,
            powerSupply: .init(stateOfCharge: 50, charging: false), operatingMode: .automatic,
            safetyState: .init(activeEmergencyStop: .none, fieldViolation: false))
        try? await truck.publish(MQTTOutbound(topic: "lanes/v3/lane-fleet/T002/state", payload: try WireEncoder().encode(forged)))
        // Its own state goes through.
        var own = forged
        own.serialNumber = "T001"
        try await truck.publish(
            MQTTOutbound(topic: "lanes/v3/lane-fleet/T001/state", payload: try WireEncoder().encode(own), qos: .atMostOnce))
        try await eventually("the truck's own state") { await coordinator.statistics.statesAccepted >= 1 }
        try await Task.sleep(for: .milliseconds(300))
        #expect(await coordinator.statistics.operatorRequests == answered, "the truck's operator request never reached the coordinator")
        #expect(await coordinator.statistics.statesAccepted == 1, "the forged state of T002 never reached the coordinator")
        #expect(await coordinator.snapshot(of: "T001")?.held == true, "the operator's hold stands")

        await truck.close()
        await operatorClient.close()
        await coordinator.shutdown()
        running.cancel()
    }

    @Test("a station system writes only its own state and results and reads only its own calls; a truck cannot speak for a station")
    func stationAccounts() async throws {
        let broker = try await TestBroker.start(.passwords(Self.accounts, acl: Self.acl), capture: true)
        let watcher = try await Self.client(broker, "coordinator", id: "watcher")
        let seen = Collector(messagesOf: watcher)
        _ = try await watcher.subscribe("lanes/stations/#")
        let now = WireTimestamp.format(secondsSince1970: SiteClock.systemNow())
        func state(_ zone: String) throws -> [UInt8] {
            try WireEncoder().encode(StationStateMessage(headerId: 1, timestamp: now, siteId: "test-gate", zone: zone, state: .ready))
        }
        func result(_ zone: String) throws -> [UInt8] {
            try WireEncoder().encode(
                StationResultMessage(
                    headerId: 1, timestamp: now, siteId: "test-gate", zone: zone, truck: "T001", tripId: "trip-1", result: .clear))
        }
        let xray = try await Self.client(broker, "xray")
        let calls = Collector(messagesOf: xray)
        _ = try await xray.subscribe("lanes/stations/+/call")
        let truck = try await Self.client(broker, "T001")
        // Forgeries: the scanner for the bay, a truck for the scanner, the scanner as an operator.
        try? await xray.publish(MQTTOutbound(topic: StationTopic.result("inspection-bay"), payload: try result("inspection-bay")))
        try? await xray.publish(MQTTOutbound(topic: StationTopic.state("inspection-bay"), payload: try state("inspection-bay")))
        try? await truck.publish(MQTTOutbound(topic: StationTopic.result("xray"), payload: try result("xray")))
        try? await xray.publish(MQTTOutbound(topic: CoordinatorTopic.operatorRequests, payload: try Self.request(.releaseAll, by: "xray")))
        // Its own topics go through; the coordinator's calls reach only the station called.
        try await xray.publish(MQTTOutbound(topic: StationTopic.state("xray"), payload: try state("xray"), retain: true))
        try await xray.publish(MQTTOutbound(topic: StationTopic.result("xray"), payload: try result("xray")))
        let coordinator = try await Self.client(broker, "coordinator")
        for zone in ["xray", "inspection-bay"] {
            let call = StationCallMessage(
                headerId: 1, timestamp: now, siteId: "test-gate", zone: zone, truck: "T001", tripId: "trip-1", containerId: "C1", attempt: 1
            )
            try await coordinator.publish(MQTTOutbound(topic: StationTopic.call(zone), payload: try WireEncoder().encode(call)))
        }
        try await seen.waitFor(4)
        try await Task.sleep(for: .milliseconds(300))
        let topics = seen.elements.map(\.topic).sorted()
        #expect(
            topics == [
                StationTopic.call("inspection-bay"), StationTopic.call("xray"), StationTopic.result("xray"), StationTopic.state("xray"),
            ],
            "only the scanner's own messages and the coordinator's calls: \(topics)")
        #expect(calls.elements.map(\.topic) == [StationTopic.call("xray")], "the scanner hears only its own calls")
        for client in [watcher, xray, truck, coordinator] { await client.close() }
    }
}
