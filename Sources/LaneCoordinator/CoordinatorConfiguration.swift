import Foundation
public import LaneCoordinatorCore
public import LaneCore
public import LaneMQTT
public import LaneSite

/// Everything the coordinator service is configured with. Read from a YAML file
/// (`CoordinatorConfiguration.load`), every key optional except `site` and `fleet`; the command
/// line can override the broker and the site (docs/operations.md lists the keys).
public struct CoordinatorConfiguration: Sendable {
    /// The site id, in topics and messages (`lanes/coordinator/...`, `siteId`).
    public var siteId: String
    /// The site file.
    public var siteFile: String
    /// The broker connection.
    public var broker: MQTTConfiguration
    /// The VDA 5050 interface name, the first level of the trucks' topics.
    public var interfaceName: String
    /// The trucks allowed on the lanes (VDA 5050 serial numbers), with their kinematics.
    public var fleet: [TruckID: TruckProfile]
    /// The core's timing limits.
    public var core: CoreConfiguration
    /// Site seconds per real second (10 runs the site at ten times real time; the trucks must
    /// use the same clock).
    public var timeScale: Double
    /// The real instant (seconds since 1970) at which site time equals real time, for a scaled clock.
    public var clockOrigin: Double
    /// How often the core is ticked (real seconds): expiries, resends, staleness, re-planning.
    public var tickInterval: Double
    /// MQTT message expiry of instant actions (stop, go, emergency stop), in seconds: a "go"
    /// that arrives later is discarded by the broker, never executed.
    public var instantActionExpiry: UInt32
    /// How often the plan snapshot is published (real seconds).
    public var planInterval: Double
    /// The SQLite journal (write-ahead log and audit log); nil: none (tests, demos).
    public var journalPath: String?
    /// The PostgreSQL journal, as a libpq connection string: the site runs a standby pair (or
    /// more), each instance with its own `instance` name, leadership a lease in the same
    /// database. When set, `journalPath` is not used.
    public var database: String?
    /// This instance's name among the site's coordinators (unique per process: the lease's
    /// holder, its MQTT client id's suffix, its status topic).
    public var instance: String
    /// How long (real seconds) the site's lease runs without renewal; the active renews it
    /// three times as often, and a standby takes over within about this long after the active
    /// stops renewing.
    public var leaseDuration: Double
    /// After a restart, how long (site seconds) to wait for every truck with an open trip to
    /// report before its lane is held for an operator.
    public var recoveryTimeout: Double
    /// How long (site seconds) the retained state of an ended trip (finished, rejected,
    /// cancelled) stays on `lanes/coordinator/trips/{tripId}` before it is cleared, so that the
    /// broker keeps the trips under way and the recent outcomes, not every trip ever run.
    public var tripStateRetention: Double
    /// Where `/metrics` and `/health` are served (port 0: any free port); nil: not served.
    public var httpAddress: (host: String, port: Int)?

    /// A configuration with the defaults.
    public init(
        siteId: String, siteFile: String, broker: MQTTConfiguration, interfaceName: String = "lanes", fleet: [TruckID: TruckProfile],
        core: CoreConfiguration = CoreConfiguration(), timeScale: Double = 1, clockOrigin: Double = 0, tickInterval: Double = 0.1,
        instantActionExpiry: UInt32 = 2, planInterval: Double = 1, journalPath: String? = nil, recoveryTimeout: Double = 15,
        tripStateRetention: Double = 3600, httpAddress: (host: String, port: Int)? = nil, database: String? = nil,
        instance: String = CoordinatorConfiguration.defaultInstance, leaseDuration: Double = 2
    ) {
        self.database = database
        self.instance = instance
        self.leaseDuration = leaseDuration
        self.siteId = siteId
        self.siteFile = siteFile
        self.broker = broker
        self.interfaceName = interfaceName
        self.fleet = fleet
        self.core = core
        self.timeScale = timeScale
        self.clockOrigin = clockOrigin
        self.tickInterval = tickInterval
        self.instantActionExpiry = instantActionExpiry
        self.planInterval = planInterval
        self.journalPath = journalPath
        self.recoveryTimeout = recoveryTimeout
        self.tripStateRetention = tripStateRetention
        self.httpAddress = httpAddress
    }
}

extension CoordinatorConfiguration {
    /// The instance name when the configuration names none: the host's name and the process id.
    public static var defaultInstance: String {
        "\(ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host")-\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Whether this coordinator is one of a standby pair (a PostgreSQL journal with a lease).
    public var isPaired: Bool { database != nil }

    /// What the coordinator core reads of this configuration (the plan interval in site seconds).
    public var settings: CoordinatorSettings {
        CoordinatorSettings(
            siteId: siteId, interfaceName: interfaceName, fleet: fleet, core: core, instantActionExpiry: instantActionExpiry,
            planEvery: planInterval * timeScale, recoveryTimeout: recoveryTimeout, tripStateRetention: tripStateRetention,
            instance: isPaired ? instance : nil)
    }
}
