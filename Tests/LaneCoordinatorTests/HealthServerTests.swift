import Foundation
import LaneCoordinator
import LaneCoordinatorCore
import LaneCore
import LaneMQTT
import LaneSite
import LaneSiteFile
import LaneTestKit
import Logging
import Prometheus
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite("metrics and health over HTTP", .timeLimit(.minutes(3)))
struct HealthServerTests {
    static func get(_ port: Int, _ path: String) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    @Test("/metrics shows what the coordinator counted; /health says online, then 503 once the broker is gone")
    func metricsAndHealth() async throws {
        let broker = try await TestBroker.start(capture: true)
        let registry = PrometheusCollectorRegistry()
        var logger = Logger(label: "lane-coordinator")
        logger.logLevel = .error
        let coordinator = try Coordinator(
            configuration: CoordinatorConfiguration(
                siteId: "test-gate", siteFile: "", broker: broker.configuration(clientId: "lane-coordinator"),
                fleet: ["T001": TruckProfile()]), site: try SiteFile.parse(TestSites.gate, file: "test-gate.yaml"), logger: logger,
            metrics: CoordinatorMetrics(factory: CoordinatorMetrics.prometheusFactory(registry: registry)))
        let running = Task { try await coordinator.run() }
        let port = Mutex<Int?>(nil)
        let server = HealthServer.application(
            coordinator: coordinator, registry: registry, host: "127.0.0.1", port: 0, logger: logger,
            onRunning: { bound in port.withLock { $0 = bound } })
        let serving = Task { try await server.runService() }
        try await eventually("the server listening") { port.withLock { $0 } != nil }
        let bound = port.withLock { $0! }
        try await eventually("healthy") { try await Self.get(bound, "/health").status == 200 }

        let intruder = try MQTTClient(broker.configuration(clientId: "intruder"))
        try await intruder.connect()
        try await intruder.publish(
            MQTTOutbound(topic: "lanes/v3/lane-fleet/T001/state", payload: Array("{oops".utf8), properties: .deliberatelyInvalid))
        try await eventually("the refusal counted") { await coordinator.statistics.rejections["malformed"] ?? 0 > 0 }
        let metrics = try await Self.get(bound, "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains(#"lane_rejected_messages_total{reason="malformed"} 1"#), "\(metrics.body)")
        #expect(metrics.body.contains("lane_stale_trucks 0"))
        #expect(metrics.body.contains("lane_grant_latency_seconds"))

        broker.stop()
        try await eventually("unhealthy without the broker") { try await Self.get(bound, "/health").status == 503 }
        #expect(try await Self.get(bound, "/health").body.contains(#""connected":false"#))
        await intruder.close()
        await coordinator.shutdown()
        running.cancel()
        serving.cancel()
    }
}
