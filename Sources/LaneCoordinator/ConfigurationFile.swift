import Foundation
import LaneCore
import LaneMQTT
import LaneSite
import LaneWire
import Yams

/// The coordinator's configuration file (YAML). Every key is optional except `site`, `siteId`
/// and `fleet`; `docs/operations.md` lists them with their defaults.
///
/// ```yaml
/// siteId: huu-nghi
/// site: simulators/sites/huu-nghi-1119-1120.yaml
/// fleet: [T001, T002, T003]
/// broker: {host: 10.0.0.5, port: 8883, username: coordinator, password: "…", tls: {ca: ca.crt}}
/// ```
public struct ConfigurationFile: Codable, Sendable {
    /// The broker section.
    public struct Broker: Codable, Sendable {
        /// Host name or address.
        public var host: String?
        /// Port.
        public var port: Int?
        /// Further nodes of a clustered broker (`host` or `host:port`, the port defaulting to
        /// `port`), tried in order after `host` when a node is gone.
        public var alsoAt: [String]?
        /// MQTT client id.
        public var clientId: String?
        /// User name.
        public var username: String?
        /// Password.
        public var password: String?
        /// TLS files.
        public var tls: TLS?
        /// Keepalive (s).
        public var keepalive: Int?
        /// How long the broker keeps the coordinator's session (and queues trips and operator
        /// requests sent to it at QoS 1) while it is away, in seconds; 0: a clean session.
        public var sessionExpiry: UInt32?
    }

    /// TLS files.
    public struct TLS: Codable, Sendable {
        /// CA certificate (PEM).
        public var ca: String
        /// Client certificate (PEM).
        public var certificate: String?
        /// Client key (PEM).
        public var key: String?
    }

    /// The trucks' kinematics (one kind for the fleet).
    public struct Truck: Codable, Sendable {
        /// Length (m).
        public var length: Double?
        /// Top speed (m/s).
        public var maxSpeed: Double?
        /// Acceleration (m/s²).
        public var acceleration: Double?
        /// Service braking (m/s²).
        public var serviceBraking: Double?
        /// Emergency braking (m/s²).
        public var emergencyBraking: Double?
        /// Reaction time (s).
        public var reactionTime: Double?
    }

    /// The core's timing limits.
    public struct Core: Codable, Sendable {
        /// Authority lifetime (s).
        public var authorityLifetime: Double?
        /// Silence after which a truck is stale (s).
        public var staleAfter: Double?
        /// Oldest report accepted (s).
        public var maximumReportAge: Double?
        /// Clock skew tolerated (s).
        public var clockSkewTolerance: Double?
        /// Wait before an unechoed authority is resent (s).
        public var resendAfter: Double?
    }

    /// The site id.
    public var siteId: String
    /// The site file.
    public var site: String
    /// The trucks allowed (serial numbers).
    public var fleet: [String]
    /// The trucks' kinematics.
    public var truck: Truck?
    /// The broker.
    public var broker: Broker?
    /// VDA 5050 interface name.
    public var interfaceName: String?
    /// Core limits.
    public var core: Core?
    /// Site seconds per real second.
    public var timeScale: Double?
    /// Real instant (ISO 8601) at which site time equals real time.
    public var clockOrigin: String?
    /// Core tick (real s).
    public var tickInterval: Double?
    /// Expiry of instant actions (s).
    public var instantActionExpiry: UInt32?
    /// The SQLite journal file.
    public var journal: String?
    /// The PostgreSQL journal and lease (libpq connection string): a standby pair.
    public var database: String?
    /// This instance's name among the site's coordinators.
    public var instance: String?
    /// How long the site's lease runs without renewal (real s).
    public var leaseDuration: Double?
    /// After a restart, how long to wait for every truck to report (site s).
    public var recoveryTimeout: Double?
    /// How long an ended trip's retained state stays on the broker (site s).
    public var tripStateRetention: Double?
    /// Where `/metrics` and `/health` are served.
    public var http: HTTP?

    /// The HTTP endpoints' address.
    public struct HTTP: Codable, Sendable {
        /// Address to listen on.
        public var host: String?
        /// Port (0: any free port).
        public var port: Int
    }

    /// Reads a configuration file; relative paths in it are relative to the file's folder.
    /// `instance`, if given, names this instance instead of the file's `instance`.
    public static func load(path: String, instance: String? = nil) throws -> CoordinatorConfiguration {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var file = try YAMLDecoder().decode(ConfigurationFile.self, from: text)
        if let instance { file.instance = instance }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try file.configuration(relativeTo: folder)
    }

    /// The configuration this file describes.
    public func configuration(relativeTo folder: String) throws -> CoordinatorConfiguration {
        func resolve(_ path: String) -> String { path.hasPrefix("/") ? path : "\(folder)/\(path)" }
        let t = truck
        let defaults = TruckProfile()
        let profile = TruckProfile(
            length: t?.length ?? defaults.length, maxSpeed: t?.maxSpeed ?? defaults.maxSpeed,
            acceleration: t?.acceleration ?? defaults.acceleration, serviceBraking: t?.serviceBraking ?? defaults.serviceBraking,
            emergencyBraking: t?.emergencyBraking ?? defaults.emergencyBraking, reactionTime: t?.reactionTime ?? defaults.reactionTime)
        var mqtt = MQTTConfiguration(
            host: broker?.host ?? "127.0.0.1", port: broker?.port ?? 1883, clientId: broker?.clientId ?? "lane-coordinator-\(siteId)")
        for text in broker?.alsoAt ?? [] {
            guard let endpoint = MQTTEndpoint(parsing: text, defaultPort: mqtt.port) else {
                throw ConfigurationError.invalid("broker.alsoAt '\(text)' is not host or host:port (port 1-65535)")
            }
            mqtt.endpoints.append(endpoint)
        }
        if let keepalive = broker?.keepalive { mqtt.keepalive = keepalive }
        // A persistent session: trips dispatched and operator requests sent while the coordinator
        // restarts wait for it at the broker instead of being lost.
        mqtt.sessionExpiry = broker?.sessionExpiry ?? 3600
        mqtt.cleanStart = mqtt.sessionExpiry == 0
        if let username = broker?.username { mqtt.credentials = MQTTCredentials(username: username, password: broker?.password ?? "") }
        if let tls = broker?.tls {
            mqtt.tls = MQTTTLS(caFile: resolve(tls.ca), certificateFile: tls.certificate.map(resolve), keyFile: tls.key.map(resolve))
        }
        let c = core
        let coreDefaults = CoreConfiguration()
        let limits = CoreConfiguration(
            authorityLifetime: c?.authorityLifetime ?? coreDefaults.authorityLifetime, staleAfter: c?.staleAfter ?? coreDefaults.staleAfter,
            maximumReportAge: c?.maximumReportAge ?? coreDefaults.maximumReportAge,
            clockSkewTolerance: c?.clockSkewTolerance ?? coreDefaults.clockSkewTolerance,
            resendAfter: c?.resendAfter ?? coreDefaults.resendAfter)
        var origin = 0.0
        if let clockOrigin {
            guard let parsed = try? WireTimestamp.parse(clockOrigin) else {
                throw ConfigurationError.invalid("clockOrigin '\(clockOrigin)' is not YYYY-MM-DDTHH:mm:ss.fffZ")
            }
            origin = parsed
        }
        guard !fleet.isEmpty else { throw ConfigurationError.invalid("fleet lists no truck") }
        let instance = instance ?? CoordinatorConfiguration.defaultInstance
        guard instance.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }), !instance.isEmpty else {
            throw ConfigurationError.invalid("instance '\(instance)' must be letters, digits, '-', '_' or '.' (it is part of a topic)")
        }
        if let leaseDuration, !(leaseDuration >= 0.2 && leaseDuration <= 60) {
            throw ConfigurationError.invalid("leaseDuration \(leaseDuration) must be between 0.2 and 60 seconds")
        }
        // Each instance of a pair has its own MQTT session (two clients with one id would throw each other off).
        if database != nil && broker?.clientId == nil { mqtt.clientId = "lane-coordinator-\(siteId)-\(instance)" }
        return CoordinatorConfiguration(
            siteId: siteId, siteFile: resolve(site), broker: mqtt, interfaceName: interfaceName ?? "lanes",
            fleet: Dictionary(uniqueKeysWithValues: fleet.map { (TruckID($0), profile) }), core: limits, timeScale: timeScale ?? 1,
            clockOrigin: origin, tickInterval: tickInterval ?? 0.1, instantActionExpiry: instantActionExpiry ?? 2,
            journalPath: journal.map(resolve), recoveryTimeout: recoveryTimeout ?? 15, tripStateRetention: tripStateRetention ?? 3600,
            httpAddress: http.map { ($0.host ?? "0.0.0.0", $0.port) }, database: database, instance: instance,
            leaseDuration: leaseDuration ?? 2)
    }
}

/// A configuration that cannot be used.
public enum ConfigurationError: Error, CustomStringConvertible {
    /// Says what is wrong.
    case invalid(String)

    /// The problem.
    public var description: String {
        switch self {
        case .invalid(let reason): "invalid configuration: \(reason)"
        }
    }
}
