public import CoreMetrics
import Foundation

/// The coordinator's metrics, made with an injected swift-metrics factory (the service passes a
/// Prometheus factory whose registry `/metrics` serves; nothing is bootstrapped globally, so
/// tests and benchmarks can run several coordinators in one process). `docs/operations.md`
/// explains each one.
public struct CoordinatorMetrics: Sendable {
    let factory: any MetricsFactory
    /// Seconds from a truck's state (or a trip, or an operator request) arriving to the
    /// coordinator's answer being handed to the MQTT client.
    let grantLatency: CoreMetrics.Timer
    /// Age of each state when it arrives (its timestamp to now).
    let stateAge: Recorder
    /// Trucks declared stale now.
    let staleTrucks: Gauge
    /// Trucks holding an unexpired authority now.
    let activeAuthorities: Gauge
    /// Authorities sent again because the truck had not echoed them.
    let resends: Counter
    /// States the core accepted.
    let statesAccepted: Counter
    /// Trips completed.
    let tripsCompleted: Counter
    /// Emergency stops sent.
    let emergencyStops: Counter

    /// Metrics made with `factory`.
    public init(factory: any MetricsFactory) {
        self.factory = factory
        grantLatency = CoreMetrics.Timer(label: "lane_grant_latency_seconds", dimensions: [], factory: factory)
        stateAge = Recorder(label: "lane_state_age_seconds", dimensions: [], aggregate: true, factory: factory)
        staleTrucks = Gauge(label: "lane_stale_trucks", dimensions: [], factory: factory)
        activeAuthorities = Gauge(label: "lane_active_authorities", dimensions: [], factory: factory)
        resends = Counter(label: "lane_authority_resends_total", dimensions: [], factory: factory)
        statesAccepted = Counter(label: "lane_states_accepted_total", dimensions: [], factory: factory)
        tripsCompleted = Counter(label: "lane_trips_completed_total", dimensions: [], factory: factory)
        emergencyStops = Counter(label: "lane_emergency_stops_total", dimensions: [], factory: factory)
    }

    /// A refused message or event, by reason.
    func rejected(_ reason: String) {
        Counter(label: "lane_rejected_messages_total", dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// A truck finished at a station (scanner, inspection bay, gate): `rate(...[1h]) * 3600` is
    /// the station's trucks per hour.
    func stationPassed(_ zone: String) {
        Counter(label: "lane_station_passages_total", dimensions: [("zone", zone)], factory: factory).increment()
    }

    /// The same metrics with a factory that discards everything (no metrics configured).
    public static let none = CoordinatorMetrics(factory: NOOPMetricsHandler.instance)
}
