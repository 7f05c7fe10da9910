import Benchmark
import LaneCoordinator
import LaneCore
import LaneMQTT
import LaneSite
import LaneSiteFile
import LaneTestKit
import LaneWire
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

// The coordinator service over a real mosquitto (started by the test kit): request-to-grant
// latency (a truck's state with a zone request published → the coordinator's answer on the
// truck's `responses` topic received) with 10, 100 and 1,000 trucks reporting once a second, and
// with 1,000 trucks reporting 10,000 states a second in all; the broker's own round trip
// (publish → receive, one client) measured in the same run as the baseline; the resident memory
// of the process with 1,000 trucks.

let siteYAML = """
    site: bench-gate
    zones:
      - { id: gate, kind: station, length: 24, speed-limit-kmh: 10, station: { activity: gate-check, stop-offset: 22, dwell: { fixed: 10 } } }
      - { id: road, kind: following, length: 400, speed-limit-kmh: 30 }
      - { id: xray, kind: station, length: 22, speed-limit-kmh: 20, station: { activity: scan, stop-offset: 20.5, dwell: { fixed: 60 } } }
      - { id: yard-road, kind: following, length: 100, speed-limit-kmh: 20 }
    lanes:
      - { id: import, direction: import, driverless: true, from: north, to: south, route: [gate, road, xray, yard-road] }
    """

/// The broker, a coordinator with a fleet, a load of states, and a probe truck.
final class Fixture: Sendable {
    let broker: TestBroker
    let coordinator: Coordinator
    let running: Task<Void, any Error>
    let load: Mutex<Task<Void, Never>?> = Mutex(nil)
    let generator: MQTTClient
    let probe: MQTTClient
    let trucks: Int
    let probeHeaderId = Atomic<UInt64>(1_000_000)
    /// States the generator has published.
    let offered = Atomic<Int>(0)
    /// When the load started (continuous clock) and how many states the coordinator had accepted then.
    let loadStart: Mutex<(at: ContinuousClock.Instant, accepted: Int)?> = Mutex(nil)

    init(trucks: Int) async throws {
        self.trucks = trucks
        broker = try await TestBroker.start()
        let site = try SiteFile.parse(siteYAML, file: "bench-gate.yaml")
        var fleet: [TruckID: TruckProfile] = [:]
        for index in 0..<trucks { fleet[TruckID(Self.serial(index))] = TruckProfile() }
        var logger = Logger(label: "lane-coordinator")
        logger.logLevel = .error
        coordinator = try Coordinator(
            configuration: CoordinatorConfiguration(
                siteId: "bench", siteFile: "", broker: broker.configuration(clientId: "lane-coordinator"), fleet: fleet), site: site,
            logger: logger)
        let coordinator = self.coordinator
        running = Task { try await coordinator.run() }
        generator = try MQTTClient(broker.configuration(clientId: "load"))
        try await generator.connect()
        probe = try MQTTClient(broker.configuration(clientId: "probe"))
        try await probe.connect()
        try await probe.subscribe("lanes/v3/lane-fleet/\(Self.serial(0))/responses", qos: .atLeastOnce)
        try await probe.subscribe("bench/echo", qos: .atMostOnce)
        try await eventually("the coordinator subscribed") { await coordinator.statistics.published > 0 }
        // The probe truck has a trip: its zone requests are on its route.
        let trip = TripDispatch(
            headerId: 1, timestamp: WireTimestamp.format(secondsSince1970: SiteClock.systemNow()), siteId: "bench", tripId: "probe",
            truck: Self.serial(0), lane: "import", containerId: "C0", perishable: false, channel: .green)
        try await generator.publish(MQTTOutbound(topic: CoordinatorTopic.dispatch, payload: try WireEncoder().encode(trip)))
    }

    static func serial(_ index: Int) -> String { "T\(10000 + index)" }

    static func state(_ serial: String, headerId: UInt64, zoneRequest: String? = nil) -> StateMessage {
        StateMessage(
            headerId: headerId, timestamp: WireTimestamp.format(secondsSince1970: SiteClock.systemNow()), manufacturer: "lane-fleet",
            serialNumber: serial, orderId: "", orderUpdateId: 0, lastNodeId: "", lastNodeSequenceId: 0,
            mobileRobotPosition: .init(x: -2, y: 0, theta: 0, mapId: "yard", localized: true, deviationRange: 0.3),
            velocity: .init(vx: 0), driving: false,
            zoneRequests: zoneRequest.map { [.init(requestId: $0, zoneId: "xray", zoneSetId: "bench-gate", requestStatus: .requested)] },
            powerSupply: .init(stateOfCharge: 80, charging: false), operatingMode: .automatic,
            safetyState: .init(activeEmergencyStop: .none, fieldViolation: false))
    }

    /// Every truck but the probe reports, `rate` states a second in all, until stopped.
    func startLoad(rate: Double) async {
        let accepted = await coordinator.statistics.statesAccepted
        loadStart.withLock { $0 = (ContinuousClock.now, accepted) }
        let generator = self.generator
        let trucks = self.trucks
        let task = Task { [self] in
            var headerIds = [UInt64](repeating: 0, count: trucks)
            let encoder = WireEncoder()
            let batch = max(1, Int(rate / 100))  // up to 100 batches a second
            let interval = Duration.seconds(Double(batch) / rate)
            var next = 1
            while !Task.isCancelled {
                let started = ContinuousClock.now
                for _ in 0..<batch {
                    if trucks > 1 {
                        next = next % (trucks - 1) + 1
                        headerIds[next] += 1
                        let serial = Fixture.serial(next)
                        if let payload = try? encoder.encode(Fixture.state(serial, headerId: headerIds[next])) {
                            try? generator.send(
                                MQTTOutbound(topic: "lanes/v3/lane-fleet/\(serial)/state", payload: payload, qos: .atMostOnce))
                            self.offered.add(1, ordering: .relaxed)
                        }
                    }
                }
                try? await Task.sleep(until: started + interval, clock: .continuous)
            }
        }
        load.withLock { $0 = task }
    }

    func stopLoad() { load.withLock { $0?.cancel() } }

    /// One request-to-grant round: the probe truck's state with a new zone request, until its answer.
    func requestGrant(_ messages: inout MQTTInboundMessages.AsyncIterator) async throws {
        let headerId = probeHeaderId.add(1, ordering: .relaxed).newValue
        let payload = try WireEncoder().encode(Self.state(Self.serial(0), headerId: headerId, zoneRequest: "r\(headerId)"))
        try probe.send(MQTTOutbound(topic: "lanes/v3/lane-fleet/\(Self.serial(0))/state", payload: payload, qos: .atMostOnce))
        while let message = await messages.next() {
            if message.topic.hasSuffix("/responses") { return }
        }
    }

    /// One raw broker round trip of the same client, for the baseline.
    func echo(_ messages: inout MQTTInboundMessages.AsyncIterator, _ payload: [UInt8]) async throws {
        try probe.send(MQTTOutbound(topic: "bench/echo", payload: payload, qos: .atMostOnce))
        while let message = await messages.next() {
            if message.topic == "bench/echo" { return }
        }
    }

    func close() async {
        stopLoad()
        await coordinator.shutdown()
        running.cancel()
        await generator.close()
        await probe.close()
    }
}

/// Resident memory of this process, in MB.
func residentMegabytes() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let pages = text.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}

let fixtures = Mutex<[String: Fixture]>([:])

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock], timeUnits: .microseconds, warmupIterations: 50, maxDuration: .seconds(5), maxIterations: 3_000)

    for (trucks, rate) in [(10, 10.0), (100, 100.0), (1_000, 1_000.0), (1_000, 12_000.0)] {
        let name = "\(trucks) trucks, \(Int(rate)) states/s"
        // The heavy load runs ten seconds: sustained ingest, not a burst.
        let configuration = Benchmark.Configuration(
            metrics: [.wallClock], timeUnits: .microseconds, warmupIterations: 50, maxDuration: .seconds(rate > 5_000 ? 10 : 4),
            maxIterations: rate > 5_000 ? 30_000 : 3_000)
        Benchmark(
            "request to grant, \(name)",
            configuration: configuration,
            closure: { benchmark async throws in
                let fixture = fixtures.withLock { $0[name]! }
                var messages = fixture.probe.messages.makeAsyncIterator()
                for _ in benchmark.scaledIterations { try await fixture.requestGrant(&messages) }
            },
            setup: {
                let fixture = try await Fixture(trucks: trucks)
                await fixture.startLoad(rate: rate)
                try await Task.sleep(for: .seconds(1))
                fixtures.withLock { $0[name] = fixture }
            },
            teardown: {
                let fixture = fixtures.withLock { $0.removeValue(forKey: name) }
                if let fixture {
                    let statistics = await fixture.coordinator.statistics
                    let start = fixture.loadStart.withLock { $0 }!
                    let seconds = (ContinuousClock.now - start.at) / .seconds(1)
                    let offered = Double(fixture.offered.load(ordering: .relaxed)) / seconds
                    let accepted = Double(statistics.statesAccepted - start.accepted) / seconds
                    print(
                        "\(name): offered \(Int(offered)) states/s, accepted \(Int(accepted)) states/s over \(Int(seconds)) s, "
                            + "refused \(statistics.rejections), resident memory \(Int(residentMegabytes())) MB")
                    await fixture.close()
                }
            })
        Benchmark(
            "raw broker round trip, \(name)",
            closure: { benchmark async throws in
                let fixture = fixtures.withLock { $0["raw " + name]! }
                var messages = fixture.probe.messages.makeAsyncIterator()
                let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 900)
                for _ in benchmark.scaledIterations { try await fixture.echo(&messages, payload) }
            },
            setup: {
                let fixture = try await Fixture(trucks: trucks)
                await fixture.startLoad(rate: rate)
                try await Task.sleep(for: .seconds(1))
                fixtures.withLock { $0["raw " + name] = fixture }
            },
            teardown: {
                let fixture = fixtures.withLock { $0.removeValue(forKey: "raw " + name) }
                await fixture?.close()
            })
    }
}
