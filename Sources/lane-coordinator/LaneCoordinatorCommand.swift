import ArgumentParser
import LaneCoordinator
import LaneSiteFile
import Logging
import Prometheus
import ServiceLifecycle

/// `lane-coordinator`: the coordinator service on the site's broker.
@main
struct LaneCoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lane-coordinator",
        abstract: "Coordinates the driverless trucks of a border gate's lanes over MQTT (VDA 5050).",
        discussion: """
            Stops cleanly on SIGTERM or SIGINT: every truck is held, the status says offline, the connection is closed. \
            One of a standby pair (the configuration names a PostgreSQL database) holds nobody: it gives the site's lease \
            up so that the standby takes over at once. An instance whose lease another took exits with status 3; \
            start it again, and it waits as the standby.
            """)

    @Option(name: .long, help: "The configuration file (YAML; see docs/operations.md).")
    var config: String

    @Option(name: .long, help: "The broker's host (overrides the file).")
    var host: String?

    @Option(name: .long, help: "The broker's port (overrides the file).")
    var port: Int?

    @Option(name: .long, help: "Site seconds per real second (overrides the file).")
    var timeScale: Double?

    @Option(name: .long, help: "This instance's name among the site's coordinators (overrides the file).")
    var instance: String?

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func run() async throws {
        var configuration = try ConfigurationFile.load(path: config, instance: instance)
        if let host { configuration.broker.host = host }
        if let port { configuration.broker.port = port }
        if let timeScale { configuration.timeScale = timeScale }
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "lane-coordinator")
        let site = try SiteFile.load(path: configuration.siteFile)
        let registry = PrometheusCollectorRegistry()
        let coordinator = try Coordinator(
            configuration: configuration, site: site, logger: logger,
            metrics: CoordinatorMetrics(factory: CoordinatorMetrics.prometheusFactory(registry: registry)))
        var services: [any Service] = [CoordinatorService(coordinator: coordinator)]
        if let http = configuration.httpAddress {
            services.append(
                HealthServer.application(
                    coordinator: coordinator, registry: registry, host: http.host, port: http.port, logger: logger,
                    onRunning: { port in logger.notice("metrics and health served", metadata: ["port": "\(port)"]) }))
        }
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        do {
            try await group.run()
        } catch let error as CoordinatorError {
            logger.critical("\(error)")
            throw ExitCode(3)
        }
    }
}

/// The coordinator as a service of the service group: graceful shutdown holds every truck.
struct CoordinatorService: Service {
    let coordinator: Coordinator

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await coordinator.run()
        } onGracefulShutdown: {
            Task { await coordinator.shutdown() }
        }
    }
}
