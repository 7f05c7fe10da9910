/// `state`: what a truck reports about itself, several times a second. The fields the
/// coordinator uses are typed here; the rest of the schema's optional fields are accepted and
/// ignored when decoding.
public struct StateMessage: VDA5050Message {
    /// A node of the current order, not yet passed.
    public struct NodeState: Codable, Equatable, Sendable {
        /// The node.
        public var nodeId: String
        /// Its sequence number in the order.
        public var sequenceId: Int
        /// Free text.
        public var nodeDescriptor: String?
        /// Base or horizon.
        public var released: Bool
        /// Where it is.
        public var nodePosition: NodePosition?

        /// Describes a node state.
        public init(nodeId: String, sequenceId: Int, nodeDescriptor: String? = nil, released: Bool, nodePosition: NodePosition? = nil) {
            self.nodeId = nodeId
            self.sequenceId = sequenceId
            self.nodeDescriptor = nodeDescriptor
            self.released = released
            self.nodePosition = nodePosition
        }
    }

    /// An edge of the current order, not yet passed.
    public struct EdgeState: Codable, Equatable, Sendable {
        /// The edge.
        public var edgeId: String
        /// Its sequence number in the order.
        public var sequenceId: Int
        /// Free text.
        public var edgeDescriptor: String?
        /// Base or horizon.
        public var released: Bool

        /// Describes an edge state.
        public init(edgeId: String, sequenceId: Int, edgeDescriptor: String? = nil, released: Bool) {
            self.edgeId = edgeId
            self.sequenceId = sequenceId
            self.edgeDescriptor = edgeDescriptor
            self.released = released
        }
    }

    /// Where the truck is on the map.
    public struct Position: Codable, Equatable, Sendable {
        /// X (m).
        public var x: Double
        /// Y (m).
        public var y: Double
        /// Heading (rad).
        public var theta: Double
        /// The map.
        public var mapId: String
        /// Whether the truck is localised.
        public var localized: Bool
        /// Confidence of the localisation, 0 to 1.
        public var localizationScore: Double?
        /// Position uncertainty (m), the coordinator's position uncertainty of the report.
        public var deviationRange: Double?

        /// Describes a position.
        public init(
            x: Double, y: Double, theta: Double, mapId: String, localized: Bool, localizationScore: Double? = nil,
            deviationRange: Double? = nil
        ) {
            self.x = x
            self.y = y
            self.theta = theta
            self.mapId = mapId
            self.localized = localized
            self.localizationScore = localizationScore
            self.deviationRange = deviationRange
        }
    }

    /// The truck's velocity in its own frame.
    public struct Velocity: Codable, Equatable, Sendable {
        /// Forward speed (m/s).
        public var vx: Double?
        /// Sideways speed (m/s).
        public var vy: Double?
        /// Turning rate (rad/s).
        public var omega: Double?

        /// Describes a velocity.
        public init(vx: Double? = nil, vy: Double? = nil, omega: Double? = nil) {
            self.vx = vx
            self.vy = vy
            self.omega = omega
        }
    }

    /// A zone request: the truck asks for an exclusive zone (a slot reservation).
    public struct ZoneRequest: Codable, Equatable, Sendable {
        /// Access now, or a new plan.
        public enum RequestType: String, Codable, Sendable {
            /// Access to the zone.
            case access = "ACCESS"
            /// A new plan around the zone.
            case replanning = "REPLANNING"
        }
        /// Where the request stands, as the truck sees it.
        public enum Status: String, Codable, Sendable {
            /// Asked, not answered.
            case requested = "REQUESTED"
            /// Granted.
            case granted = "GRANTED"
            /// Withdrawn by fleet control.
            case revoked = "REVOKED"
            /// The lease ran out.
            case expired = "EXPIRED"
        }
        /// The request's id, answered on `responses`.
        public var requestId: String
        /// See `RequestType`.
        public var requestType: RequestType
        /// The zone.
        public var zoneId: String
        /// The zone set the zone belongs to.
        public var zoneSetId: String
        /// See `Status`.
        public var requestStatus: Status

        /// Describes a zone request.
        public init(requestId: String, requestType: RequestType = .access, zoneId: String, zoneSetId: String, requestStatus: Status) {
            self.requestId = requestId
            self.requestType = requestType
            self.zoneId = zoneId
            self.zoneSetId = zoneSetId
            self.requestStatus = requestStatus
        }
    }

    /// Where an action stands.
    public struct ActionState: Codable, Equatable, Sendable {
        /// The stages of an action.
        public enum Status: String, Codable, Sendable {
            /// Received, not started.
            case waiting = "WAITING"
            /// Starting.
            case initializing = "INITIALIZING"
            /// Running.
            case running = "RUNNING"
            /// Paused.
            case paused = "PAUSED"
            /// Failed, may be retried.
            case retriable = "RETRIABLE"
            /// Done.
            case finished = "FINISHED"
            /// Failed.
            case failed = "FAILED"
        }
        /// The action.
        public var actionId: String
        /// Its type.
        public var actionType: String?
        /// Free text.
        public var actionDescriptor: String?
        /// See `Status`.
        public var actionStatus: Status
        /// The result, if any.
        public var actionResult: String?

        /// Describes an action state.
        public init(
            actionId: String, actionType: String? = nil, actionDescriptor: String? = nil, actionStatus: Status, actionResult: String? = nil
        ) {
            self.actionId = actionId
            self.actionType = actionType
            self.actionDescriptor = actionDescriptor
            self.actionStatus = actionStatus
            self.actionResult = actionResult
        }
    }

    /// Battery or other power supply.
    public struct PowerSupply: Codable, Equatable, Sendable {
        /// State of charge (%).
        public var stateOfCharge: Double
        /// Whether charging.
        public var charging: Bool
        /// Range left (m).
        public var range: Double?

        /// Describes a power supply.
        public init(stateOfCharge: Double, charging: Bool, range: Double? = nil) {
            self.stateOfCharge = stateOfCharge
            self.charging = charging
            self.range = range
        }
    }

    /// An error the truck reports.
    public struct ReportedError: Codable, Equatable, Sendable {
        /// How bad.
        public enum Level: String, Codable, Sendable {
            /// Keeps running.
            case warning = "WARNING"
            /// Needs attention soon.
            case urgent = "URGENT"
            /// Cannot go on without help.
            case critical = "CRITICAL"
            /// Out of service.
            case fatal = "FATAL"
        }
        /// The error's type.
        public var errorType: String
        /// Free text.
        public var errorDescription: String?
        /// See `Level`.
        public var errorLevel: Level

        /// Describes an error.
        public init(errorType: String, errorDescription: String? = nil, errorLevel: Level) {
            self.errorType = errorType
            self.errorDescription = errorDescription
            self.errorLevel = errorLevel
        }
    }

    /// Emergency stops and protective fields.
    public struct SafetyState: Codable, Equatable, Sendable {
        /// Who triggered an emergency stop.
        public enum EmergencyStop: String, Codable, Sendable {
            /// Pressed on the truck.
            case manual = "MANUAL"
            /// Triggered remotely.
            case remote = "REMOTE"
            /// None active.
            case none = "NONE"
        }
        /// See `EmergencyStop`.
        public var activeEmergencyStop: EmergencyStop
        /// Whether a protective field is violated.
        public var fieldViolation: Bool

        /// Describes a safety state.
        public init(activeEmergencyStop: EmergencyStop, fieldViolation: Bool) {
            self.activeEmergencyStop = activeEmergencyStop
            self.fieldViolation = fieldViolation
        }
    }

    /// How the truck is driven.
    public enum OperatingMode: String, Codable, Sendable {
        /// Starting up.
        case startup = "STARTUP"
        /// Fully under fleet control.
        case automatic = "AUTOMATIC"
        /// Fleet control with a person adjusting speed.
        case semiautomatic = "SEMIAUTOMATIC"
        /// A person has intervened.
        case intervened = "INTERVENED"
        /// Driven by a person.
        case manual = "MANUAL"
        /// In service.
        case service = "SERVICE"
        /// Being taught.
        case teachIn = "TEACH_IN"
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
    /// The order the truck is executing ("" when none).
    public var orderId: String
    /// The last order update the truck accepted: the echo the coordinator waits for.
    public var orderUpdateId: UInt64
    /// The last node passed.
    public var lastNodeId: String
    /// Its sequence number.
    public var lastNodeSequenceId: Int
    /// Nodes still to pass.
    public var nodeStates: [NodeState]
    /// Edges still to pass.
    public var edgeStates: [EdgeState]
    /// Where the truck is.
    public var mobileRobotPosition: Position?
    /// How fast it goes.
    public var velocity: Velocity?
    /// Whether it is moving.
    public var driving: Bool
    /// Whether it is paused (stopPause).
    public var paused: Bool?
    /// Whether it asks for more base.
    public var newBaseRequest: Bool?
    /// Its zone requests.
    public var zoneRequests: [ZoneRequest]?
    /// Distance since the last node (m).
    public var distanceSinceLastNode: Double?
    /// Order actions.
    public var actionStates: [ActionState]
    /// Instant actions.
    public var instantActionStates: [ActionState]
    /// Power.
    public var powerSupply: PowerSupply
    /// See `OperatingMode`.
    public var operatingMode: OperatingMode
    /// Errors.
    public var errors: [ReportedError]
    /// Emergency stops.
    public var safetyState: SafetyState

    /// Describes a state message.
    public init(
        headerId: UInt64, timestamp: String, version: String = VDA5050.version, manufacturer: String, serialNumber: String, orderId: String,
        orderUpdateId: UInt64, lastNodeId: String, lastNodeSequenceId: Int, nodeStates: [NodeState] = [], edgeStates: [EdgeState] = [],
        mobileRobotPosition: Position? = nil, velocity: Velocity? = nil, driving: Bool, paused: Bool? = nil, newBaseRequest: Bool? = nil,
        zoneRequests: [ZoneRequest]? = nil, distanceSinceLastNode: Double? = nil, actionStates: [ActionState] = [],
        instantActionStates: [ActionState] = [], powerSupply: PowerSupply, operatingMode: OperatingMode, errors: [ReportedError] = [],
        safetyState: SafetyState
    ) {
        self.headerId = headerId
        self.timestamp = timestamp
        self.version = version
        self.manufacturer = manufacturer
        self.serialNumber = serialNumber
        self.orderId = orderId
        self.orderUpdateId = orderUpdateId
        self.lastNodeId = lastNodeId
        self.lastNodeSequenceId = lastNodeSequenceId
        self.nodeStates = nodeStates
        self.edgeStates = edgeStates
        self.mobileRobotPosition = mobileRobotPosition
        self.velocity = velocity
        self.driving = driving
        self.paused = paused
        self.newBaseRequest = newBaseRequest
        self.zoneRequests = zoneRequests
        self.distanceSinceLastNode = distanceSinceLastNode
        self.actionStates = actionStates
        self.instantActionStates = instantActionStates
        self.powerSupply = powerSupply
        self.operatingMode = operatingMode
        self.errors = errors
        self.safetyState = safetyState
    }
}
