/// `zoneSet`: the zones fleet control tells a truck about; the site's exclusive zones are sent as
/// RELEASE zones (entry needs a granted zone request: a slot reservation).
public struct ZoneSetMessage: VDA5050Message {
    /// A corner of a zone's outline on the map.
    public struct Vertex: Codable, Equatable, Sendable {
        /// X (m).
        public var x: Double
        /// Y (m).
        public var y: Double

        /// Describes a vertex.
        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    /// One zone.
    public struct Zone: Codable, Equatable, Sendable {
        /// Zone categories of VDA 5050.
        public enum ZoneType: String, Codable, Sendable {
            /// No entry.
            case blocked = "BLOCKED"
            /// Follow the line.
            case lineGuided = "LINE_GUIDED"
            /// Entry only with a granted zone request (the lanes' exclusive zones).
            case release = "RELEASE"
            /// Re-planning is coordinated with fleet control.
            case coordinatedReplanning = "COORDINATED_REPLANNING"
            /// A speed limit applies.
            case speedLimit = "SPEED_LIMIT"
            /// Actions on entry or exit.
            case action = "ACTION"
            /// Preferred area.
            case priority = "PRIORITY"
            /// Avoided area.
            case penalty = "PENALTY"
            /// One-way.
            case directed = "DIRECTED"
            /// Both ways (a single-lane section).
            case bidirected = "BIDIRECTED"
        }
        /// The zone's id (the site file's zone id).
        public var zoneId: String
        /// See `ZoneType`.
        public var zoneType: ZoneType
        /// Free text.
        public var zoneDescriptor: String?
        /// The outline.
        public var vertices: [Vertex]
        /// What a truck does in a RELEASE zone when it loses its release (required there).
        public var releaseLossBehavior: ReleaseLossBehavior?
        /// The speed limit of a SPEED_LIMIT zone (m/s, required there).
        public var maximumSpeed: Double?

        /// What a truck does when it loses the release of a RELEASE zone.
        public enum ReleaseLossBehavior: String, Codable, Sendable {
            /// Stop where it is (the lanes' choice: never drive on without a release).
            case stop = "STOP"
            /// Drive on.
            case `continue` = "CONTINUE"
            /// Leave the zone.
            case evacuate = "EVACUATE"
        }

        /// Describes a zone. The coordinator builds RELEASE and SPEED_LIMIT zones only.
        public init(
            zoneId: String, zoneType: ZoneType, zoneDescriptor: String? = nil, vertices: [Vertex],
            releaseLossBehavior: ReleaseLossBehavior? = nil, maximumSpeed: Double? = nil
        ) {
            self.zoneId = zoneId
            self.zoneType = zoneType
            self.zoneDescriptor = zoneDescriptor
            self.vertices = vertices
            self.releaseLossBehavior = releaseLossBehavior
            self.maximumSpeed = maximumSpeed
        }
    }

    /// The set of zones of one map.
    public struct ZoneSet: Codable, Equatable, Sendable {
        /// The map.
        public var mapId: String
        /// The set's id (the site).
        public var zoneSetId: String
        /// Free text.
        public var zoneSetDescriptor: String?
        /// The zones.
        public var zones: [Zone]

        /// Describes a zone set.
        public init(mapId: String, zoneSetId: String, zoneSetDescriptor: String? = nil, zones: [Zone]) {
            self.mapId = mapId
            self.zoneSetId = zoneSetId
            self.zoneSetDescriptor = zoneSetDescriptor
            self.zones = zones
        }
    }

    /// See `VDA5050Message`.
    public var headerId: UInt64
    /// See `VDA5050Message`.
    public var timestamp: String
    /// See `VDA5050Message`.
    public var version: String
    /// See `VDA5050Message`.
    public var manufacturer: String
    /// See `VDA5050Message`.
    public var serialNumber: String
    /// The zones.
    public var zoneSet: ZoneSet

    /// Describes a zone-set message.
    public init(
        headerId: UInt64, timestamp: String, version: String = VDA5050.version, manufacturer: String, serialNumber: String, zoneSet: ZoneSet
    ) {
        self.headerId = headerId
        self.timestamp = timestamp
        self.version = version
        self.manufacturer = manufacturer
        self.serialNumber = serialNumber
        self.zoneSet = zoneSet
    }
}

/// `visualization`: a truck's position at a higher rate, for observers (optional in VDA 5050).
public struct VisualizationMessage: VDA5050Message {
    /// See `VDA5050Message`.
    public var headerId: UInt64
    /// See `VDA5050Message`.
    public var timestamp: String
    /// See `VDA5050Message`.
    public var version: String
    /// See `VDA5050Message`.
    public var manufacturer: String
    /// See `VDA5050Message`.
    public var serialNumber: String
    /// The `state` message this one follows.
    public var referenceStateHeaderId: UInt64
    /// Where the truck is.
    public var mobileRobotPosition: StateMessage.Position?
    /// How fast it goes.
    public var velocity: StateMessage.Velocity?

    /// Describes a visualization message.
    public init(
        headerId: UInt64, timestamp: String, version: String = VDA5050.version, manufacturer: String, serialNumber: String,
        referenceStateHeaderId: UInt64, mobileRobotPosition: StateMessage.Position? = nil, velocity: StateMessage.Velocity? = nil
    ) {
        self.headerId = headerId
        self.timestamp = timestamp
        self.version = version
        self.manufacturer = manufacturer
        self.serialNumber = serialNumber
        self.referenceStateHeaderId = referenceStateHeaderId
        self.mobileRobotPosition = mobileRobotPosition
        self.velocity = velocity
    }
}
