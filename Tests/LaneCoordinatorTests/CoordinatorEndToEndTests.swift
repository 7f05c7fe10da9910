import Foundation
import LaneCoordinator
import LaneCoordinatorCore
import LaneCore
import LaneMQTT
import LaneSite
import LaneSiteFile
import LaneTestKit
import LaneTruckAgent
import LaneWire
import Logging
import Synchronization
import Testing

/// A coordinator, its broker and scripted trucks, on the test gate, with the site clock running
/// `scale` times real time for both sides.
final class Gate: Sendable {
    static let scale = 5.0
    /// How long an ended trip's retained state stays (site s).
    static let tripStateRetention = 20.0
    let broker: TestBroker
    let coordinator: Coordinator
    let site: Site
    let origin: Double
    let running: Task<Void, any Error>
    let trucks: Mutex<[String: (agent: TruckAgent, task: Task<Void, any Error>)]> = Mutex([:])
    let operatorClient: MQTTClient
    let observed: Collector<MQTTInboundMessage>

    /// The site clock shared with the coordinator and the trucks.
    var clock: SiteClock { SiteClock(scale: Gate.scale, origin: origin) }
    var now: Double { clock.now() }

    init(fleet: [String], security: TestBroker.Security = .anonymous, journal: Bool = false) async throws {
        broker = try await TestBroker.start(security, capture: true)
        site = try SiteFile.parse(TestSites.gate, file: "test-gate.yaml")
        origin = SiteClock.systemNow()
        var broker = self.broker.configuration(clientId: "lane-coordinator")
        broker.keepalive = 5
        let configuration = CoordinatorConfiguration(
            siteId: "test-gate", siteFile: "test-gate.yaml", broker: broker,
            fleet: Dictionary(uniqueKeysWithValues: fleet.map { (TruckID($0), TruckProfile()) }),
            core: CoreConfiguration(authorityLifetime: 10, staleAfter: 3, maximumReportAge: 2, clockSkewTolerance: 0.5, resendAfter: 1),
            timeScale: Gate.scale, clockOrigin: origin, tickInterval: 0.02, instantActionExpiry: 2,
            journalPath: journal ? "\(self.broker.folder)/journal.sqlite" : nil, tripStateRetention: Gate.tripStateRetention)
        var logger = Logger(label: "lane-coordinator")
        logger.logLevel = .error  // the refusals the tests provoke are expected
        coordinator = try Coordinator(configuration: configuration, site: site, logger: logger)
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
    func startTruck(
        _ serial: String, at position: Double = 0, obeysZoneGrants: Bool = false,
        dwell: @escaping @Sendable (String, String) -> Double = { _, _ in 2 }
    ) async throws -> TruckAgent {
        let clock = self.clock
        var truck = TruckAgent.Configuration(
            serialNumber: serial, stateInterval: 0.25, timeScale: Gate.scale, now: { clock.now() }, dwell: dwell,
            initialPosition: position)
        truck.obeysZoneGrants = obeysZoneGrants
        let agent = try TruckAgent(truck, broker: broker.configuration(clientId: serial))
        let task = Task { try await agent.run() }
        trucks.withLock { $0[serial] = (agent, task) }
        let coordinator = self.coordinator
        try await eventually("\(serial) heard") { await coordinator.statistics.statesAccepted > 0 }
        return agent
    }

    /// Samples the trucks' true positions every 10 ms until `until` is done and checks that no
    /// truck comes closer to the rear of the truck ahead than `gap` (an independent check of the
    /// separation, from the trucks' side).
    /// Only trucks on the route count: in the yards (before the first zone, past the last) the
    /// trucks stand on separate spots that the yard system runs, not on the lane.
    static func watchSeparation(_ agents: [TruckAgent], gap: Double, length: Double = 18, routeEnd: Double = 386) -> Task<Double, Never> {
        Task {
            var closest = Double.infinity
            while !Task.isCancelled {
                var fronts: [Double] = []
                for agent in agents {
                    let front = await agent.position
                    if front > 0 && front - length < routeEnd { fronts.append(front) }
                }
                fronts.sort()
                for (follower, leader) in zip(fronts, fronts.dropFirst()) {
                    closest = min(closest, leader - length - follower)
                }
                try? await Task.sleep(for: .milliseconds(10))
            }
            return closest
        }
    }

    /// A client that connects now (as a yard system that comes late) and subscribes to `filter`.
    func lateSubscriber(_ filter: String) async throws -> (MQTTClient, Collector<MQTTInboundMessage>) {
        let late = try MQTTClient(broker.configuration(clientId: "yard-late"))
        try await late.connect()
        let seen = Collector(messagesOf: late)
        try await late.subscribe(filter)
        return (late, seen)
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

    /// Runs `body` with a gate, and stops it whether the body passes or throws.
    static func with(fleet: [String], journal: Bool = false, _ body: (Gate) async throws -> Void) async throws {
        let gate = try await Gate(fleet: fleet, journal: journal)
        do {
            try await body(gate)
        } catch {
            await gate.stop()
            throw error
        }
        await gate.stop()
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

/// The `lane-coordinator` executable on a test broker, with the test gate, a configuration file
/// and the site clock running `Gate.scale` times real time: for the tests that kill it.
struct CoordinatorProcess: Sendable {
    let broker: TestBroker
    let origin = SiteClock.systemNow()
    var folder: String { broker.folder }
    var now: @Sendable () -> Double {
        let clock = SiteClock(scale: Gate.scale, origin: origin)
        return { clock.now() }
    }

    /// A broker, the site file and a configuration (`extra` lines appended, `brokerExtra` keys
    /// added to the broker section).
    init(extra: String = "", brokerExtra: String = "") async throws {
        broker = try await TestBroker.start(capture: true)
        try TestSites.gate.write(toFile: "\(broker.folder)/site.yaml", atomically: true, encoding: .utf8)
        try """
        siteId: test-gate
        site: site.yaml
        fleet: [T001]
        broker: {host: 127.0.0.1, port: \(broker.port), keepalive: 5\(brokerExtra)}
        timeScale: \(Gate.scale)
        clockOrigin: "\(WireTimestamp.format(secondsSince1970: origin))"
        tickInterval: 0.02
        \(extra)
        """.write(toFile: "\(broker.folder)/coordinator.yaml", atomically: true, encoding: .utf8)
    }

    /// Starts the executable.
    func start() throws -> ChildProcess {
        let executable = ChildProcess.product("lane-coordinator")
        #expect(FileManager.default.isExecutableFile(atPath: executable), "\(executable)")
        return try ChildProcess(executable, ["--config", "\(folder)/coordinator.yaml"], log: "\(folder)/coordinator.log")
    }

    /// Starts the executable as instance `instance` of a standby pair, with its own log.
    func start(instance: String) throws -> ChildProcess {
        try ChildProcess(
            ChildProcess.product("lane-coordinator"), ["--config", "\(folder)/coordinator.yaml", "--instance", instance],
            log: "\(folder)/coordinator-\(instance).log")
    }

    /// The log of instance `instance` so far.
    func log(instance: String) -> String {
        (try? String(contentsOfFile: "\(folder)/coordinator-\(instance).log", encoding: .utf8)) ?? ""
    }

    /// A scripted truck on the same clock.
    func truck(_ serial: String) throws -> TruckAgent {
        try TruckAgent(
            TruckAgent.Configuration(serialNumber: serial, stateInterval: 0.25, timeScale: Gate.scale, now: now),
            broker: broker.configuration(clientId: serial))
    }

    /// A trip on the import lane, as the yard system publishes it.
    func trip(_ tripId: String, truck: String, container: String = "C1") throws -> MQTTOutbound {
        let trip = TripDispatch(
            headerId: 1, timestamp: WireTimestamp.format(secondsSince1970: now()), siteId: "test-gate", tripId: tripId, truck: truck,
            lane: "import", containerId: container, perishable: false, channel: .green)
        return MQTTOutbound(topic: CoordinatorTopic.dispatch, payload: try WireEncoder().encode(trip))
    }

    /// The coordinator's log so far.
    var log: String { (try? String(contentsOfFile: "\(folder)/coordinator.log", encoding: .utf8)) ?? "" }
}

@Suite("the coordinator on a real broker, with scripted trucks", .serialized, .timeLimit(.minutes(3)))
struct CoordinatorEndToEndTests {
    @Test("a dispatched trip is accepted, runs through the gate and the scanner, and finishes")
    func tripCompletes() async throws {
        try await Gate.with(fleet: ["T001"]) { gate in
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
            #expect(events.contains { $0.kind == .handoverCrossed && $0.truck == "T001" }, "km 0 crossing recorded")
            #expect(await gate.coordinator.statistics.tripsCompleted == 1)
            // Once the retention has passed, the finished trip's retained state is cleared.
            try await Task.sleep(for: .seconds(Gate.tripStateRetention / Gate.scale + 0.5))
            let (late, seen) = try await gate.lateSubscriber("lanes/coordinator/trips/#")
            try await Task.sleep(for: .milliseconds(500))
            #expect(seen.elements.isEmpty, "no retained state of an ended trip after the retention: \(seen.elements.map(\.topic))")
            await late.close()
        }
    }

    @Test("a yard system that connects late receives the retained state of every trip under way at once")
    func retainedTripStates() async throws {
        try await Gate.with(fleet: ["T001", "T002"]) { gate in
            try await gate.startTruck("T001", at: -2)
            try await gate.startTruck("T002", at: -30)
            try await gate.dispatch("first", truck: "T001")
            try await gate.dispatch("second", truck: "T002")
            try await gate.waitForTrip("first", .running, timeout: .seconds(20))
            try await gate.waitForTrip("second", .accepted, timeout: .seconds(20))
            let (late, seen) = try await gate.lateSubscriber("lanes/coordinator/trips/#")
            try await seen.waitFor(2)
            let states = Dictionary(
                seen.elements.map { message in
                    (message.topic, (message.retain, try? WireDecoder().decode(TripStateMessage.self, from: message.payload).state))
                }, uniquingKeysWith: { first, _ in first })
            #expect(states[CoordinatorTopic.tripState("first")]?.0 == true, "retained: \(states)")
            #expect(states[CoordinatorTopic.tripState("second")]?.0 == true, "retained: \(states)")
            #expect(states[CoordinatorTopic.tripState("first")]?.1 == .running, "\(states)")
            #expect([.accepted, .running].contains(states[CoordinatorTopic.tripState("second")]?.1), "\(states)")
            await late.close()
        }
    }

    @Test("a zone closed ahead of a truck that obeys zone grants: its grant is revoked, it stops short, and is granted again on opening")
    func zoneGrantRevoked() async throws {
        try await Gate.with(fleet: ["T001"]) { gate in
            let truck = try await gate.startTruck("T001", at: -2, obeysZoneGrants: true)
            try await gate.dispatch("strict", truck: "T001")
            try await eventually("the scanner granted", timeout: .seconds(40)) { await truck.grantedZones.contains("xray") }
            #expect(await truck.position < 200, "granted well before the scanner")
            try await CoordinatorFaultTests.operatorRequest(gate, .closeZone, zone: "xray")
            try await eventually("the grant of the closed zone revoked", timeout: .seconds(20)) {
                await truck.responsesReceived["REVOKED", default: 0] > 0
            }
            try await eventually("the truck standing short of the closed zone", timeout: .seconds(40)) {
                let position = await truck.position
                try await Task.sleep(for: .milliseconds(400))
                return await truck.position == position && position <= 234
            }
            #expect(!(await truck.grantedZones.contains("xray")))
            try await CoordinatorFaultTests.operatorRequest(gate, .openZone, zone: "xray")
            try await gate.waitForTrip("strict", .finished, timeout: .seconds(90))
            let answers = await truck.responsesReceived
            #expect(answers["GRANTED", default: 0] > 5, "\(answers)")
        }
    }

    @Test("a green-to-red channel change during the trip re-routes the truck to the inspection bay")
    func channelChange() async throws {
        try await Gate.with(fleet: ["T001"]) { gate in
            let truck = try await gate.startTruck("T001")
            try await gate.dispatch("trip-2", truck: "T001", channel: .green)
            try await gate.waitForTrip("trip-2", .running, timeout: .seconds(20))
            try await eventually("the truck past km 0", timeout: .seconds(30)) { await truck.position > 160 }
            try await gate.dispatch("trip-2", truck: "T001", channel: .red)
            try await gate.waitForTrip("trip-2", .finished, timeout: .seconds(90))
            let stations = await truck.finishedStations
            #expect(stations.contains { $0.hasSuffix("/inspection-bay/stop") }, "it was inspected: \(stations)")
            let events = gate.observed.elements.compactMap { try? WireDecoder().decode(CoordinatorEvent.self, from: $0.payload) }
            #expect(events.contains { $0.kind == .rerouted && $0.channel == .red })
        }
    }

    @Test("a convoy of three trucks keeps its separation through the scanner and all finish")
    func convoy() async throws {
        try await Gate.with(fleet: ["T001", "T002", "T003"]) { gate in
            var agents: [TruckAgent] = []
            // Three yard spots at the gate, 2 m short of the lane.
            for serial in ["T001", "T002", "T003"] { agents.append(try await gate.startTruck(serial, at: -2)) }
            let watch = Gate.watchSeparation(agents, gap: 2)
            for (index, serial) in ["T001", "T002", "T003"].enumerated() { try await gate.dispatch("convoy-\(index)", truck: serial) }
            for index in 0..<3 { try await gate.waitForTrip("convoy-\(index)", .finished, timeout: .seconds(120)) }
            watch.cancel()
            let closest = await watch.value
            #expect(closest >= 1.5, "closest approach to the truck ahead: \(closest) m (standstill gap 2 m less position error)")
        }
    }

    @Test("a truck that falls silent is declared stale and its follower stops short of it")
    func staleTruckStopsFollower() async throws {
        try await Gate.with(fleet: ["T001", "T002"]) { gate in
            let leader = try await gate.startTruck("T001", dwell: { _, zone in zone == "xray" ? 600 : 2 })
            let follower = try await gate.startTruck("T002")
            let watch = Gate.watchSeparation([leader, follower], gap: 2)
            try await gate.dispatch("lead", truck: "T001")
            try await eventually("the leader on the road", timeout: .seconds(30)) { await leader.position > 40 }
            try await gate.dispatch("follow", truck: "T002")
            try await eventually("the leader past km 0", timeout: .seconds(40)) { await leader.position > 150 }
            await leader.silence()
            try await eventually("the leader declared stale", timeout: .seconds(20)) {
                await gate.coordinator.statistics.staleDeclarations > 0
            }
            try await eventually("the follower standing", timeout: .seconds(40)) {
                let position = await follower.position
                try await Task.sleep(for: .milliseconds(400))
                return await follower.position == position
            }
            watch.cancel()
            let closest = await watch.value
            #expect(closest >= 1.5, "closest approach to the silent truck: \(closest) m")
            #expect(await gate.coordinator.snapshot(of: "T001")?.stale == true)
            #expect(!gate.tripStates("follow").contains(.finished), "the follower cannot pass the stale truck")
        }
    }
}
