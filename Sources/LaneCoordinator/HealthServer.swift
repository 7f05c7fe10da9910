public import Hummingbird
public import Logging
public import Prometheus

/// The coordinator's HTTP endpoints: `/metrics` (Prometheus text format, from `registry`) and
/// `/health` (200 when the coordinator is connected and online, 503 while it is recovering or
/// disconnected, with its status as JSON).
public enum HealthServer {
    /// The HTTP application, a service of the coordinator's service group. `onRunning` receives the
    /// bound port (useful with port 0).
    public static func application(
        coordinator: Coordinator, registry: PrometheusCollectorRegistry, host: String = "0.0.0.0", port: Int,
        logger: Logger, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            await coordinator.refreshGauges()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/health") { _, _ -> Response in
            let health = await coordinator.health()
            let body =
                #"{"state":"\#(health.state)","connected":\#(health.connected),"trucks":\#(health.trucks),"staleTrucks":\#(health.stale)}"#
            return Response(
                status: health.healthy ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }
}

extension CoordinatorMetrics {
    /// A Prometheus factory on `registry` with histogram buckets fitted to the coordinator: grant
    /// latencies from 50 µs (the library's default starts at 5 ms, where every grant would fall
    /// into the first bucket) and state ages from 1 ms.
    public static func prometheusFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["lane_grant_latency_seconds"] = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .seconds(1),
        ]
        factory.valueHistogramBuckets["lane_state_age_seconds"] = [
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
        ]
        return factory
    }
}
