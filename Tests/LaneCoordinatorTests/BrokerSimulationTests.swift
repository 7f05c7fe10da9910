import Foundation
import LaneAuditor
import LaneBrokerSim
import LaneCoordinator
import LaneCore
import LaneMQTT
import LaneSiteFile
import LaneTestKit
import Logging
import Testing

@Suite("the real-broker simulation on the default site")
struct BrokerSimulationTests {
    static var defaultSite: String {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/simulators/sites/huu-nghi-1119-1120.yaml"
    }

    @Test("six trucks shuttle between the yards through the coordinator: trips finish on both lanes, no emergency stop")
    func shuttle() async throws {
        let broker = try await TestBroker.start()
        let site = try SiteFile.load(path: Self.defaultSite)
        let scale = 8.0
        let origin = SiteClock.systemNow()
        let trucks = 6
        var logger = Logger(label: "lane-coordinator")
        logger.logLevel = .error
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
                site: site, siteId: "huu-nghi", broker: broker.configuration(clientId: "sim"), trucks: trucks, duration: 9 * 60,
                timeScale: scale, clockOrigin: origin, turnaround: 30, seed: 7, tracePath: "\(broker.folder)/trace.jsonl"))
        let summary = try await simulation.run()
        let statistics = await coordinator.statistics
        #expect(summary.finished(on: "import") >= 2, "import trips finished: \(summary.trips)")
        #expect(summary.finished(on: "export") >= 2, "export trips finished: \(summary.trips)")
        #expect(statistics.emergencyStops == 0)
        #expect(statistics.tripsRejected == 0)
        #expect(statistics.staleDeclarations == 0, "\(statistics)")
        // The independent auditor over the trucks' true positions.
        let samples = try TraceAuditor.read("\(broker.folder)/trace.jsonl")
        #expect(samples.count > trucks * 500, "the trace covers the run: \(samples.count) samples")
        let violations = TraceAuditor(site: site).audit(samples)
        #expect(violations.isEmpty, "\(violations.prefix(10).map(\.description))")
        await coordinator.shutdown()
        running.cancel()
    }
}
