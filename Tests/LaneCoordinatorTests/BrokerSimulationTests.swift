import Foundation
import LaneAuditor
import LaneBrokerSim
import LaneCoordinator
import LaneCore
import LaneMQTT
import LaneSiteFile
import LaneTestKit
import LaneTruckAgent
import Logging
import Testing

@Suite("the real-broker simulation on the default site")
struct BrokerSimulationTests {
    static var defaultSite: String { Repository.path("simulators/sites/huu-nghi-1119-1120.yaml") }

    /// Runs the simulation against an in-process coordinator on the default site and audits the trace.
    static func run(
        trucks: Int, minutes: Double, link: TruckAgent.LinkFaults = .init(), drain: Double = 0
    ) async throws
        -> (BrokerSimulation.Summary, CoordinatorCounters, [AuditViolation], samples: Int)
    {
        let broker = try await TestBroker.start()
        let site = try SiteFile.load(path: Self.defaultSite)
        let scale = 8.0
        let origin = SiteClock.systemNow()
        var logger = Logger(label: "lane-coordinator")
        logger.logLevel = .critical
        var mqtt = broker.configuration(clientId: "lane-coordinator")
        mqtt.keepalive = 5
        let coordinator = try Coordinator(
            configuration: CoordinatorConfiguration(
                siteId: "huu-nghi", siteFile: Self.defaultSite, broker: mqtt,
                fleet: Dictionary(uniqueKeysWithValues: (1...trucks).map { (TruckID(String(format: "T%03d", $0)), TruckProfile()) }),
                timeScale: scale, clockOrigin: origin, tickInterval: 0.02), site: site, logger: logger)
        let running = Task { try await coordinator.run() }
        try await eventually("the coordinator subscribed") { await coordinator.statistics.published > 0 }
        let simulation = BrokerSimulation(
            .init(
                site: site, siteId: "huu-nghi", broker: broker.configuration(clientId: "sim"), trucks: trucks, duration: minutes * 60,
                timeScale: scale, clockOrigin: origin, turnaround: 30, seed: 7, tracePath: "\(broker.folder)/trace.jsonl", link: link,
                drain: drain))
        let summary = try await simulation.run()
        let statistics = await coordinator.statistics
        await coordinator.shutdown()
        running.cancel()
        // The independent auditor over the trucks' true positions.
        let samples = try TraceAuditor.read("\(broker.folder)/trace.jsonl")
        return (summary, statistics, TraceAuditor(site: site).audit(samples), samples.count)
    }

    @Test("six trucks shuttle between the yards through the coordinator: trips finish on both lanes, no emergency stop, no violation")
    func shuttle() async throws {
        let (summary, statistics, violations, samples) = try await Self.run(trucks: 6, minutes: 9)
        #expect(summary.finished(on: "import") >= 2, "import trips finished: \(summary.trips)")
        #expect(summary.finished(on: "export") >= 2, "export trips finished: \(summary.trips)")
        #expect(statistics.emergencyStops == 0)
        #expect(statistics.tripsRejected == 0)
        #expect(statistics.staleDeclarations == 0, "\(statistics)")
        #expect(samples > 6 * 500, "the trace covers the run: \(samples) samples")
        #expect(violations.isEmpty, "\(violations.prefix(10).map(\.description))")
    }

    @Test("ten trucks with 5% of messages lost, duplicated or delayed: every trip finishes, the auditor finds nothing")
    func lossyLinks() async throws {
        let (summary, statistics, violations, _) = try await Self.run(
            trucks: 10, minutes: 6, link: .init(loss: 0.05, duplication: 0.05, delay: 0.05, seed: 11), drain: 600)
        #expect(summary.trips.count >= 10)
        #expect(summary.unfinished.isEmpty, "unfinished: \(summary.unfinished)")
        #expect(summary.rejected == 0)
        #expect(statistics.rejections["duplicate-or-reordered", default: 0] > 0, "the faults happened: \(statistics.rejections)")
        #expect(violations.isEmpty, "\(violations.prefix(10).map(\.description))")
    }
}
