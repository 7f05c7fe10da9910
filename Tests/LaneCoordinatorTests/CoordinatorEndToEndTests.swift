import Foundation
import LaneCoordinator
import LaneCore
import LaneMQTT
import LaneSiteFile
import LaneTestKit
import LaneTruckAgent
import LaneWire
import Synchronization
import Testing

/// A small gate for the end-to-end tests: one import lane from a yard gate over km 0 through the
/// X-ray scanner, a green bypass or a red inspection bay, to the other yard.
let testSiteYAML = """
    site: test-gate
    zones:
      - { id: exit-gate, kind: station, length: 24, speed-limit-kmh: 10, station: { activity: gate-check, stop-offset: 22, dwell: { fixed: 2 } } }
      - { id: road, kind: following, length: 120, speed-limit-kmh: 30 }
      - { id: km0, kind: handover, length: 10, speed-limit-kmh: 20 }
      - { id: scan-queue, kind: following, length: 80, speed-limit-kmh: 20 }
      - { id: xray, kind: station, length: 22, speed-limit-kmh: 20, station: { activity: scan, stop-offset: 20.5, dwell: { fixed: 4 } } }
      - { id: scan-exit, kind: following, length: 20, speed-limit-kmh: 15 }
      - { id: inspection-bay, kind: station, length: 30, speed-limit-kmh: 10, station: { activity: inspection, stop-offset: 26, dwell: { fixed: 6 } } }
      - { id: bypass, kind: following, length: 30, speed-limit-kmh: 20 }
      - { id: merge, kind: following, length: 20, speed-limit-kmh: 15, sharing: merge }
      - { id: yard-road, kind: following, length: 60, speed-limit-kmh: 20 }
    lanes:
      - id: import
        direction: import
        driverless: true
        from: north yard
        to: south yard
        route:
          - exit-gate
          - road
          - km0
          - scan-queue
          - xray
          - scan-exit
          - { zone: inspection-bay, channels: [red] }
          - { zone: bypass, channels: [green, yellow] }
          - merge
          - yard-road
    """

/// A coordinator, its broker and scripted trucks, on the test gate, with the site clock running
/// `scale` times real time for both sides.
final class Gate: Sendable {
    static let scale = 5.0
    let broker: TestBroker
    let coordinator: Coordinator
    let site: Site
    let origin: Double
    let running: Task<Void, any Error>
    let trucks: Mutex<[String: (agent: TruckAgent, task: Task<Void, any Error>)]> = Mutex([:])
    let operatorClient: MQTTClient
    let observed: Collector<MQTTInboundMessage>

    var now: Double { origin + (SiteClock.systemNow() - origin) * Gate.scale }

    init(fleet: [String], security: TestBroker.Security = .anonymous) async throws {
        broker = try await TestBroker.start(security)
        site = try SiteFile.parse(testSiteYAML, file: "test-gate.yaml")
        origin = SiteClock.systemNow()
        var broker = self.broker.configuration(clientId: "lane-coordinator")
        broker.keepalive = 5
        let configuration = CoordinatorConfiguration(
            siteId: "test-gate", siteFile: "test-gate.yaml", broker: broker,
            fleet: Dictionary(uniqueKeysWithValues: fleet.map { (TruckID($0), TruckProfile()) }),
            core: CoreConfiguration(authorityLifetime: 10, staleAfter: 3, maximumReportAge: 2, clockSkewTolerance: 0.5, resendAfter: 1),
            timeScale: Gate.scale, clockOrigin: origin, tickInterval: 0.02, instantActionExpiry: 2)
        coordinator = try Coordinator(configuration: configuration, site: site)
        let coordinator = self.coordinator
        running = Task { try await coordinator.run() }
        operatorClient = try MQTTClient(self.broker.configuration(clientId: "observer"))
        try await operatorClient.connect()
        observed = Collector(messagesOf: operatorClient)
        try await operatorClient.subscribe("lanes/coordinator/#")
        try await observed.waitFor("the coordinator online") { $0.topic == CoordinatorTopic.status }
    }

    /// Starts a scripted truck and waits until the coordinator hears it.
    @discardableResult
    func startTruck(_ serial: String, dwell: @escaping @Sendable (String, String) -> Double = { _, _ in 2 }) async throws -> TruckAgent {
        let origin = self.origin
        let agent = try TruckAgent(
            TruckAgent.Configuration(
                serialNumber: serial, stateInterval: 0.25, timeScale: Gate.scale,
                now: { origin + (SiteClock.systemNow() - origin) * Gate.scale }, dwell: dwell),
            broker: broker.configuration(clientId: serial))
        let task = Task { try await agent.run() }
        trucks.withLock { $0[serial] = (agent, task) }
        let coordinator = self.coordinator
        try await eventually("\(serial) heard") { await coordinator.statistics.statesAccepted > 0 }
        return agent
    }

    /// Publishes a trip on the dispatch topic.
    func dispatch(_ tripId: String, truck: String, channel: WireChannel = .green, siteId: String = "test-gate") async throws {
        let trip = TripDispatch(
            headerId: 1, timestamp: WireTimestamp.format(secondsSince1970: now), siteId: siteId, tripId: tripId, truck: truck,
            lane: "import",
            containerId: "MSKU1234565", perishable: false, channel: channel)
        try await operatorClient.publish(MQTTOutbound(topic: CoordinatorTopic.dispatch, payload: try WireEncoder().encode(trip)))
    }

    /// The trip states published for `tripId`, in order.
    func tripStates(_ tripId: String) -> [TripStateMessage.State] {
        observed.elements.filter { $0.topic == CoordinatorTopic.tripState(tripId) }.compactMap {
            try? WireDecoder().decode(TripStateMessage.self, from: $0.payload).state
        }
    }

    func waitForTrip(_ tripId: String, _ state: TripStateMessage.State, timeout: Duration = .seconds(60)) async throws {
        try await eventually("trip \(tripId) \(state) (states so far \(tripStates(tripId)))", timeout: timeout) {
            self.tripStates(tripId).contains(state)
        }
    }

    func stop() async {
        for (_, truck) in trucks.withLock({ $0 }) {
            await truck.agent.stop()
            truck.task.cancel()
        }
        await coordinator.shutdown()
        running.cancel()
        await operatorClient.close()
    }
}

@Suite("the coordinator on a real broker, with scripted trucks", .serialized)
struct CoordinatorEndToEndTests {
    @Test("a dispatched trip is accepted, runs through the gate and the scanner, and finishes")
    func tripCompletes() async throws {
        let gate = try await Gate(fleet: ["T001"])
        let truck = try await gate.startTruck("T001")
        try await gate.dispatch("trip-1", truck: "T001")
        try await gate.waitForTrip("trip-1", .accepted, timeout: .seconds(10))
        try await gate.waitForTrip("trip-1", .finished)
        #expect(gate.tripStates("trip-1") == [.accepted, .running, .finished])
        let stations = await truck.finishedStations
        #expect(stations.contains { $0.hasSuffix("/xray/stop") }, "it stopped at the scanner: \(stations)")
        #expect(!stations.contains { $0.hasSuffix("/inspection-bay/stop") }, "a green truck bypasses the inspection bay")
        let events = gate.observed.elements.filter { $0.topic == CoordinatorTopic.events }.compactMap {
            try? WireDecoder().decode(CoordinatorEvent.self, from: $0.payload)
        }
        #expect(events.contains { $0.kind == "handover-crossed" && $0.truck == "T001" }, "km 0 crossing recorded")
        #expect(await gate.coordinator.statistics.tripsCompleted == 1)
        await gate.stop()
    }
}
