import Foundation
import LaneAuditor
import LaneBrokerSim
import LaneCoordinator
import LaneCoordinatorCore
import LaneCore
import LaneMQTT
import LanePostgres
import LaneSite
import LaneSiteFile
import LaneTestKit
import LaneTruckAgent
import LaneWire
import Logging
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What a simulator run over a real broker produced.
struct SimulatorOutcome {
    var summary: BrokerSimulation.Summary
    /// The in-process coordinator's counters (nil when it ran as a separate process).
    var statistics: CoordinatorCounters?
    /// The auditor's findings over the trucks' true positions.
    var violations: [AuditViolation]
    var samples: Int
    /// The trucks' true positions (the in-process runs keep them).
    var trace: [TraceSample] = []
}

/// The simulator (`LaneBrokerSim`) against the coordinator on the default site over a real
/// mosquitto, at 8 times real time; the independent auditor checks the trace of every run.
/// Real-time runs: the test command runs them in a phase of their own, in three groups side by
/// side (`Tests/run.sh`), each group serialized; each run has a time limit.
@Suite("the simulator over a real broker, with faults", .serialized, .timeLimit(.minutes(12)))
struct BrokerSimulationTests {
    static var defaultSite: String { Repository.path("simulators/sites/huu-nghi-1119-1120.yaml") }
    /// Road 1088/2-1089: one scanner for both directions and a single-lane bridge with the km 0 strip on it.
    static var tanThanhSite: String { Repository.path("simulators/sites/tan-thanh-po-chai-1088-1089.yaml") }
    static let scale = 8.0
    /// The mix of the fault runs: no red channel, whose inspection takes up to 20 simulated
    /// minutes and would only lengthen the drain.
    static let noInspection = (green: 0.9, yellow: 0.1, red: 0.0)

    static func fleet(_ trucks: Int) -> [String] { (1...trucks).map { String(format: "T%03d", $0) } }

    /// Runs the simulation against an in-process coordinator on the default site, with
    /// `alongside` running meanwhile (broker restarts, operators), and audits the trace.
    static func run(
        trucks: Int, minutes: Double, link: TruckAgent.LinkFaults = .init(), drain: Double = 0,
        channelMix: (green: Double, yellow: Double, red: Double) = (0.85, 0.12, 0.03), faults: [ScheduledFault] = [], seed: UInt64 = 7,
        sitePath: String = defaultSite, site given: Site? = nil, obeyZoneGrants: Bool = false,
        stations: StationBehaviour = StationBehaviour(),
        alongside: @escaping @Sendable (TestBroker, Coordinator, _ now: @escaping @Sendable () -> Double) async throws -> Void = {
            _, _, _ in
        }
    ) async throws -> SimulatorOutcome {
        let broker = try await TestBroker.start(capture: true)
        let site = try given ?? SiteFile.load(path: sitePath)
        let origin = SiteClock.systemNow()
        var logger = Logger(label: "lane-coordinator")
        // LANE_SIM_LOG=1 shows the coordinator's log of a run (trips, stations, stale trucks).
        logger.logLevel = ProcessInfo.processInfo.environment["LANE_SIM_LOG"] != nil ? .info : .critical
        var mqtt = broker.configuration(clientId: "lane-coordinator")
        mqtt.keepalive = 5
        let coordinator = try Coordinator(
            configuration: CoordinatorConfiguration(
                siteId: "huu-nghi", siteFile: sitePath, broker: mqtt,
                fleet: Dictionary(uniqueKeysWithValues: fleet(trucks).map { (TruckID($0), TruckProfile()) }),
                timeScale: scale, clockOrigin: origin, tickInterval: 0.02), site: site, logger: logger)
        let running = Task { try await coordinator.run() }
        try await eventually("the coordinator subscribed") { await coordinator.statistics.published > 0 }
        var config = BrokerSimulation.Configuration(
            site: site, siteId: "huu-nghi", broker: broker.configuration(clientId: "sim"), trucks: trucks, duration: minutes * 60,
            timeScale: scale, clockOrigin: origin, turnaround: 30, seed: seed, tracePath: "\(broker.folder)/trace.jsonl", link: link,
            drain: drain)
        config.faults = faults
        config.channelMix = channelMix
        config.obeyZoneGrants = obeyZoneGrants
        config.stations = stations
        let simulation = BrokerSimulation(config)
        let side = Task { try await alongside(broker, coordinator, simulation.now) }
        let summary = try await simulation.run()
        side.cancel()
        try await side.value
        let statistics = await coordinator.statistics
        await coordinator.shutdown()
        running.cancel()
        // The independent auditor over the trucks' true positions.
        let samples = try TraceAuditor.read("\(broker.folder)/trace.jsonl")
        return SimulatorOutcome(
            summary: summary, statistics: statistics, violations: TraceAuditor(site: site).audit(samples), samples: samples.count,
            trace: samples)
    }

    /// Sends operator requests to the coordinator of the default site, one per truck named.
    static func operatorRequest(_ broker: TestBroker, _ command: OperatorCommandName, trucks: [String], now: Double) async throws {
        let client = try MQTTClient(broker.configuration(clientId: "operator"))
        try await client.connect()
        for (number, truck) in trucks.enumerated() {
            let request = OperatorRequest(
                headerId: UInt64(number + 1), timestamp: WireTimestamp.format(secondsSince1970: now), siteId: "huu-nghi",
                operator: "tester", command: command, truck: truck)
            try await client.publish(
                MQTTOutbound(topic: CoordinatorTopic.operatorRequests, payload: try WireEncoder().encode(request), qos: .atLeastOnce))
        }
        await client.close()
    }

    /// Every trip the simulator dispatched finished, none was refused, and the auditor found nothing.
    static func expectAllRecovered(_ outcome: SimulatorOutcome, minimumTrips: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(outcome.summary.trips.count >= minimumTrips, "trips: \(outcome.summary.trips.count)", sourceLocation: sourceLocation)
        let stuck = outcome.summary.unfinished.map { trip in
            let last = outcome.trace.last { $0.truck == trip.truck }
            return
                "\(trip.id) last seen at \(last.map { String(format: "%.1f m, %.2f m/s, authority to %.1f", $0.front, $0.speed, $0.authorityEnd ?? -1) } ?? "-")"
        }
        #expect(outcome.summary.unfinished.isEmpty, "unfinished: \(stuck)", sourceLocation: sourceLocation)
        #expect(outcome.summary.rejected == 0, sourceLocation: sourceLocation)
        #expect(
            outcome.violations.isEmpty, "\(outcome.violations.prefix(10).map(\.description))", sourceLocation: sourceLocation)
        #expect(outcome.samples > 1000, "the trace covers the run: \(outcome.samples) samples", sourceLocation: sourceLocation)
    }

    @Test("six trucks shuttle between the yards through the coordinator: trips finish on both lanes, no emergency stop, no violation")
    func shuttle() async throws {
        let outcome = try await Self.run(trucks: 6, minutes: 9)
        let statistics = try #require(outcome.statistics)
        #expect(outcome.summary.finished(on: "import") >= 2, "import trips finished: \(outcome.summary.trips)")
        #expect(outcome.summary.finished(on: "export") >= 2, "export trips finished: \(outcome.summary.trips)")
        #expect(statistics.emergencyStops == 0)
        #expect(statistics.tripsRejected == 0)
        #expect(statistics.staleDeclarations == 0, "\(statistics)")
        #expect(outcome.samples > 6 * 500, "the trace covers the run: \(outcome.samples) samples")
        #expect(outcome.violations.isEmpty, "\(outcome.violations.prefix(10).map(\.description))")
    }

    @Test(
        "trucks that obey VDA 5050 zone grants strictly cross road 1088/2-1089's shared scanner and single-lane bridge and finish, losing no time to the grants"
    )
    func strictZoneGrants() async throws {
        let outcome = try await Self.run(
            trucks: 4, minutes: 6, drain: 900, channelMix: Self.noInspection, sitePath: Self.tanThanhSite, obeyZoneGrants: true)
        Self.expectAllRecovered(outcome, minimumTrips: 4)
        let grants = outcome.summary.zoneGrants
        #expect(grants.count == 4 && grants.values.allSatisfy { $0.grants >= 5 }, "every truck was granted its zones: \(grants)")
        // A grant comes with the authority that covers its zone, so a truck that waits for it
        // drives as one that does not: slowed at most for a state interval at the start of a trip.
        let held = grants.values.map(\.heldFor).reduce(0, +)
        let trips = outcome.summary.trips.filter { $0.finished != nil }.count
        print("strict zone grants: \(trips) trips, \(grants.values.map(\.grants).reduce(0, +)) grants, slowed \(held) s in all")
        #expect(held <= 0.5 * Double(trips), "slowed \(held) s for want of a grant over \(trips) trips: \(grants)")
    }

    @Test("twenty trucks for 20 simulated minutes with 5% of messages lost, duplicated or delayed: every trip finishes, no violation")
    func lossyLinks() async throws {
        let outcome = try await Self.run(
            trucks: 20, minutes: 20, link: .init(loss: 0.05, duplication: 0.05, delay: 0.05, seed: 11), drain: 1800)
        let statistics = try #require(outcome.statistics)
        Self.expectAllRecovered(outcome, minimumTrips: 25)
        #expect(outcome.summary.finished(on: "import") >= 10 && outcome.summary.finished(on: "export") >= 10, "\(outcome.summary.trips)")
        #expect(statistics.rejections["duplicate-or-reordered", default: 0] > 0, "the faults happened: \(statistics.rejections)")
    }

    @Test("a truck's link is down for 20 s on the lane: it is declared stale, stops within its authority, and everything recovers")
    func staleTruck() async throws {
        let outcome = try await Self.run(
            // The drain lets the last trips, metered at their yards' gates, finish (a yellow trip
            // takes up to ten simulated minutes).
            trucks: 6, minutes: 8, drain: 900, channelMix: Self.noInspection,
            faults: [
                ScheduledFault(truck: "T001", at: 100, kind: .linkDown(20)), ScheduledFault(truck: "T004", at: 160, kind: .linkDown(30)),
            ])
        let statistics = try #require(outcome.statistics)
        #expect(statistics.staleDeclarations >= 2, "both silent trucks were declared stale: \(statistics)")
        Self.expectAllRecovered(outcome, minimumTrips: 6)
    }

    @Test("a truck breaks down on the lane for 90 s: the trucks behind it stop short of it, then every trip finishes")
    func breakdown() async throws {
        let outcome = try await Self.run(
            trucks: 8, minutes: 8, drain: 900, channelMix: Self.noInspection,
            faults: [ScheduledFault(truck: "T002", at: 90, kind: .breakdown(90))])
        let statistics = try #require(outcome.statistics)
        #expect(statistics.emergencyStops == 0, "a breakdown needs no emergency stop: \(statistics)")
        Self.expectAllRecovered(outcome, minimumTrips: 8)
        // The broken-down truck stood still for the breakdown while the others drove on.
        #expect(outcome.summary.trips.contains { $0.truck == "T002" && $0.finished != nil })
    }

    @Test(
        "a rogue truck overruns its authority: the coordinator stops it and the trucks it endangers, an operator releases them one by one, all recover"
    )
    func rogueOverrun() async throws {
        let outcome = try await Self.run(
            trucks: 8, minutes: 8, drain: 900, channelMix: Self.noInspection,
            faults: [ScheduledFault(truck: "T003", at: 120, kind: .overrun(25))]
        ) { broker, coordinator, now in
            try await eventually("the overrun detected", timeout: .seconds(60)) { await coordinator.statistics.emergencyStops > 0 }
            // The operator looks, then releases each stopped truck (an emergency stop is released
            // truck by truck, never by a site-wide release).
            try await Task.sleep(for: .seconds(20 / Self.scale))
            try await Self.operatorRequest(broker, .releaseTruck, trucks: Self.fleet(8), now: now())
        }
        let statistics = try #require(outcome.statistics)
        #expect(statistics.emergencyStops >= 1, "\(statistics)")
        // The auditor sees the rogue drive past its authority, and nothing else: no truck came
        // too close to it.
        #expect(!outcome.violations.isEmpty, "the auditor must see the overrun")
        #expect(outcome.violations.allSatisfy { $0.kind == "past-authority" && $0.trucks == ["T003"] }, "\(outcome.violations.prefix(10))")
        #expect(outcome.summary.unfinished.isEmpty, "unfinished: \(outcome.summary.unfinished)")
        #expect(outcome.summary.rejected == 0)
    }

    @Test("the broker restarts under the simulator: trucks stop within their authority, reconnect, and every trip finishes")
    func brokerRestart() async throws {
        let outcome = try await Self.run(trucks: 8, minutes: 8, drain: 900, channelMix: Self.noInspection) { broker, coordinator, now in
            let start = now()
            while now() - start < 150 { try await Task.sleep(for: .milliseconds(100)) }
            try await broker.restart(after: .seconds(2))
        }
        Self.expectAllRecovered(outcome, minimumTrips: 8)
    }

    @Test(
        "the coordinator process is killed under the simulator and restarted from its journal: no violation, no emergency stop, every trip finishes, each km 0 crossing journaled once"
    )
    func coordinatorKill() async throws {
        let broker = try await TestBroker.start(capture: true)
        let site = try SiteFile.load(path: Self.defaultSite)
        let origin = SiteClock.systemNow()
        let trucks = 8
        try """
        siteId: huu-nghi
        site: \(Self.defaultSite)
        fleet: [\(Self.fleet(trucks).joined(separator: ", "))]
        broker: {host: 127.0.0.1, port: \(broker.port), keepalive: 5}
        timeScale: \(Self.scale)
        clockOrigin: "\(WireTimestamp.format(secondsSince1970: origin))"
        tickInterval: 0.02
        journal: \(broker.folder)/journal.sqlite
        recoveryTimeout: 120
        """.write(toFile: "\(broker.folder)/coordinator.yaml", atomically: true, encoding: .utf8)
        let executable = ChildProcess.product("lane-coordinator")
        let arguments = ["--config", "\(broker.folder)/coordinator.yaml", "--log-level", "notice"]
        var coordinator = try ChildProcess(executable, arguments, log: "\(broker.folder)/coordinator-1.log")
        try await Task.sleep(for: .seconds(1))
        let config = BrokerSimulation.Configuration(
            site: site, siteId: "huu-nghi", broker: broker.configuration(clientId: "sim"), trucks: trucks, duration: 8 * 60,
            timeScale: Self.scale, clockOrigin: origin, channelMix: Self.noInspection, turnaround: 30, seed: 5,
            tracePath: "\(broker.folder)/trace.jsonl", drain: 900)
        let simulation = BrokerSimulation(config)
        let running = Task { try await simulation.run() }
        let now = simulation.now
        let start = now()
        while now() - start < 150 { try await Task.sleep(for: .milliseconds(100)) }
        coordinator.stop(signal: SIGKILL)
        // Down for 40 site seconds: the trucks' authorities expire and they stand.
        try await Task.sleep(for: .seconds(40 / Self.scale))
        coordinator = try ChildProcess(executable, arguments, log: "\(broker.folder)/coordinator-2.log")
        let summary = try await running.value
        coordinator.stop()
        let samples = try TraceAuditor.read("\(broker.folder)/trace.jsonl")
        let outcome = SimulatorOutcome(
            summary: summary, statistics: nil, violations: TraceAuditor(site: site).audit(samples), samples: samples.count)
        let log = (try? String(contentsOfFile: "\(broker.folder)/coordinator-2.log", encoding: .utf8)) ?? ""
        #expect(log.contains("recovering from the journal"), "the second run recovered from the journal")
        Self.expectAllRecovered(outcome, minimumTrips: 8)
        // Nothing stopped by the restart, and each trip's km 0 crossing journaled exactly once.
        let journal = try Journal(path: "\(broker.folder)/journal.sqlite")
        #expect(try journal.count(kind: .emergencyStop) == 0)
        let km0 = Dictionary(grouping: try journal.crossings().filter { $0.kind == .km0 }, by: { $0.tripId ?? "" })
        #expect(km0.values.allSatisfy { $0.count == 1 }, "km 0 crossings per trip: \(km0.mapValues(\.count).filter { $0.value != 1 })")
        #expect(km0.count >= outcome.summary.trips.filter { $0.finished != nil }.count, "a finished trip without its km 0 crossing")
        if !outcome.summary.unfinished.isEmpty { print(log.suffix(4000)) }
    }

    @Test(
        "a standby pair under twenty lossy trucks, the active killed three times and paused past its lease once: no violation, no emergency stop, every trip finishes, each km 0 crossing journaled once, every takeover within 3 s, and the unplanned stops it adds against the same seed without failover"
    )
    func standbyPairFailovers() async throws {
        let calm = try await standbyPairRun(failoversAt: [])
        let failing = try await standbyPairRun(failoversAt: [120, 240, 360, 480])
        let added = failing.unplannedStops - calm.unplannedStops
        print(
            "standby pair, seed 13: unplanned stops \(failing.unplannedStops) in \(failing.trips) trips with 4 failovers, \(calm.unplannedStops) in \(calm.trips) trips without: \(added) added"
        )
        // A takeover well inside the trucks' authority costs few trucks a stop: on a loaded machine
        // some stops come from the lossy links and from instances fenced by a late renewal (in
        // both runs), so the bound is loose: fewer than one stop per truck per failover.
        #expect(added < 20 * 4, "unplanned stops added by 4 failovers: \(added)")
    }

    /// One run of the standby pair under twenty lossy trucks (seed 13), the active killed (or, the
    /// last time, paused past its lease) at each of `failoversAt` (simulated seconds); checks what
    /// every run must hold and returns the unplanned stops counted by the auditor.
    func standbyPairRun(failoversAt: [Double]) async throws -> (unplannedStops: Int, trips: Int) {
        let broker = try await TestBroker.start(capture: true)
        let database = try await TestPostgres.shared().newDatabase()
        let site = try SiteFile.load(path: Self.defaultSite)
        let origin = SiteClock.systemNow()
        let trucks = 20
        // The lease in real seconds; at 8x a site second is an eighth of it: 0.4 s is 3.2 site s.
        let leaseDuration = 0.4
        try """
        siteId: huu-nghi
        site: \(Self.defaultSite)
        fleet: [\(Self.fleet(trucks).joined(separator: ", "))]
        broker: {host: 127.0.0.1, port: \(broker.port), keepalive: 5}
        timeScale: \(Self.scale)
        clockOrigin: "\(WireTimestamp.format(secondsSince1970: origin))"
        tickInterval: 0.02
        database: "\(database)"
        leaseDuration: \(leaseDuration)
        recoveryTimeout: 120
        """.write(toFile: "\(broker.folder)/coordinator.yaml", atomically: true, encoding: .utf8)
        let executable = ChildProcess.product("lane-coordinator")
        var started = 0
        func start(_ instance: String) throws -> ChildProcess {
            started += 1
            return try ChildProcess(
                executable, ["--config", "\(broker.folder)/coordinator.yaml", "--instance", instance, "--log-level", "notice"],
                log: "\(broker.folder)/coordinator-\(instance)-\(started).log")
        }
        // Every order on the broker, with when it arrived and its epoch: the takeover times.
        let observer = try MQTTClient(broker.configuration(clientId: "failover-observer"))
        try await observer.connect()
        let orders = Collector(
            observer.messages.map { message in
                (
                    at: ContinuousClock.now,
                    epoch: (try? WireDecoder().decode(OrderMessage.self, from: message.payload)).map(LaneAuthorityParameter.epoch(of:)) ?? 0
                )
            })
        try await observer.subscribe("lanes/v3/+/+/order", qos: .atMostOnce)
        let lease = try LeaderLease(connection: PostgresConnection(database), site: "huu-nghi", holder: "test", duration: 1)
        var instances = ["a": try start("a")]
        try await eventually("a holds the lease", timeout: .seconds(20)) { (try? lease.current())?.holder == "a" }
        instances["b"] = try start("b")
        let config = BrokerSimulation.Configuration(
            site: site, siteId: "huu-nghi", broker: broker.configuration(clientId: "sim"), trucks: trucks, duration: 10 * 60,
            timeScale: Self.scale, clockOrigin: origin, turnaround: 30, seed: 13, tracePath: "\(broker.folder)/trace.jsonl",
            link: .init(loss: 0.05, duplication: 0.05, delay: 0.05, seed: 17), drain: 1800)
        let simulation = BrokerSimulation(config)
        let finished = Flag()
        let running = Task {
            defer { finished.raise() }
            return try await simulation.run()
        }
        let now = simulation.now
        let start0 = now()
        var takeovers: [Duration] = []
        // As a service manager would: an instance that exited (one fenced because a loaded
        // machine delayed its renewal past the short lease) is started again, as the standby.
        var restartsAfterExit = 0
        func supervise() throws {
            for (name, process) in instances where process.hasExited() {
                instances[name] = try start(name)
                restartsAfterExit += 1
            }
        }
        do {
            for (index, at) in failoversAt.enumerated() {
                while now() - start0 < at {
                    try supervise()
                    try await Task.sleep(for: .milliseconds(100))
                }
                let term = try #require(try lease.current())
                let active = try #require(instances[term.holder])
                let failedAt = orders.elements.count
                let pause = index == 3  // the fourth failover
                if pause {
                    kill(active.pid, SIGSTOP)  // paused past its lease: split brain when it resumes
                } else {
                    active.stop(signal: SIGKILL)
                }
                try await eventually("the standby's first order after failover \(index + 1)", timeout: .seconds(10)) {
                    orders.elements[failedAt...].contains { $0.epoch > term.epoch }
                }
                let lastOld = orders.elements[..<failedAt].last { $0.epoch == term.epoch }?.at ?? .now
                let firstNew = try #require(orders.elements[failedAt...].first { $0.epoch > term.epoch }?.at)
                takeovers.append(firstNew - lastOld)
                print(
                    "failover \(index + 1) (\(pause ? "SIGSTOP" : "kill -9") of \(term.holder), epoch \(term.epoch)): takeover \(firstNew - lastOld)"
                )
                if pause {
                    try await Task.sleep(for: .seconds(leaseDuration * 2))
                    kill(active.pid, SIGCONT)
                    #expect(await active.exitCode(within: .seconds(10)) == 3, "the paused instance, fenced, exits with status 3")
                }
                try await Task.sleep(for: .seconds(1))
                instances[term.holder] = try start(term.holder)  // back as the standby
            }
            while !finished.isRaised {
                try supervise()
                try await Task.sleep(for: .milliseconds(100))
            }
            let summary = try await running.value
            for process in instances.values { process.stop() }
            let samples = try TraceAuditor.read("\(broker.folder)/trace.jsonl")
            let outcome = SimulatorOutcome(
                summary: summary, statistics: nil, violations: TraceAuditor(site: site).audit(samples), samples: samples.count)
            Self.expectAllRecovered(outcome, minimumTrips: 20)
            let journal = try Journal(postgres: PostgresConnection(database), lease: nil)
            #expect(try journal.count(kind: .emergencyStop) == 0)
            let km0 = Dictionary(grouping: try journal.crossings().filter { $0.kind == .km0 }, by: { $0.tripId ?? "" })
            #expect(km0.values.allSatisfy { $0.count == 1 }, "km 0 crossings per trip: \(km0.mapValues(\.count).filter { $0.value != 1 })")
            #expect(km0.count >= outcome.summary.trips.filter { $0.finished != nil }.count, "a finished trip without its km 0 crossing")
            let sorted = takeovers.sorted()
            print(
                "standby pair: \(takeovers.count) failovers, takeover max \(sorted.last ?? .zero) (lease \(leaseDuration) s), \(restartsAfterExit) instances restarted after exiting on their own, \(try journal.count(kind: .stop)) stops journaled, \(summary.trips.count) trips"
            )
            #expect(takeovers.count == failoversAt.count && takeovers.allSatisfy { $0 < .seconds(3) }, "takeovers: \(takeovers)")
            await observer.close()
            let stops = TraceAuditor(site: site).unplannedStops(samples)
            return (stops.stops, stops.trips)
        } catch {
            for process in instances.values {
                kill(process.pid, SIGCONT)
                process.stop(signal: SIGKILL)
            }
            running.cancel()
            throw error
        }
    }
}

/// A flag one task raises and another polls.
final class Flag: Sendable {
    private let raised = Mutex(false)

    /// Raises the flag.
    func raise() { raised.withLock { $0 = true } }

    /// Whether it was raised.
    var isRaised: Bool { raised.withLock { $0 } }
}
