/// VDA 5050 3.0 messages exchanged between the coordinator (fleet control) and the driverless
/// trucks (mobile robots), as Codable types. Field names and enum values are those of the
/// official JSON Schemas; optional fields are optional here. See `protocols/README.md` for how
/// lane semantics ride on them.
public enum VDA5050 {
    /// The protocol version the coordinator speaks.
    public static let version = "3.0.0"
    /// The major version, as it appears in topics (`v3`).
    public static let majorVersion = "v3"
}

/// A JSON value of any type: the value of a VDA 5050 action parameter.
public indirect enum WireValue: Codable, Equatable, Sendable {
    /// A string.
    case string(String)
    /// A number.
    case number(Double)
    /// A boolean.
    case bool(Bool)
    /// An array.
    case array([WireValue])
    /// An object.
    case object([String: WireValue])

    /// Reads whichever JSON type is there. A value of the right type but a wrong content (a NUL
    /// in a string, an integer out of range) is refused with its own error and place.
    public init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        /// The value as a `T`, nil if it is of another JSON type.
        func attempt<T: Decodable>(_ type: T.Type) throws -> T? {
            do {
                return try single.decode(type)
            } catch let error as WireError {
                guard case .typeMismatch = error else { throw error }
                return nil
            } catch is DecodingError {
                return nil
            }
        }
        if single.decodeNil() {
            throw WireError.typeMismatch(
                path: WirePath.render(decoder.codingPath), expected: "a string, number, boolean, array or object", found: "null")
        } else if let value = try attempt(Bool.self) {
            self = .bool(value)
        } else if let value = try attempt(String.self) {
            self = .string(value)
        } else if let value = try attempt(Double.self) {
            self = .number(value)
        } else if var array = try? decoder.unkeyedContainer() {
            var values: [WireValue] = []
            while !array.isAtEnd { values.append(try array.decode(WireValue.self)) }
            self = .array(values)
        } else {
            let object = try decoder.container(keyedBy: MemberName.self)
            var values: [String: WireValue] = [:]
            for key in object.allKeys { values[key.stringValue] = try object.decode(WireValue.self, forKey: key) }
            self = .object(values)
        }
    }

    /// The name of an object member, whatever it is.
    private struct MemberName: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Writes the value as its JSON type.
    public func encode(to encoder: any Encoder) throws {
        var single = encoder.singleValueContainer()
        switch self {
        case .string(let v): try single.encode(v)
        case .number(let v):
            // A whole number is written as one (a count is `3`, not `3.0`); others as the shortest double.
            if v == v.rounded(), abs(v) < 9_007_199_254_740_992 { try single.encode(Int64(v)) } else { try single.encode(v) }
        case .bool(let v): try single.encode(v)
        case .array(let v): try single.encode(v)
        case .object(let v): try single.encode(v)
        }
    }
}

/// The header every VDA 5050 message carries.
public protocol VDA5050Message: Codable, Equatable, Sendable {
    /// Counts up by one per message on its topic (per sender).
    var headerId: UInt64 { get }
    /// ISO 8601 UTC with milliseconds, `YYYY-MM-DDTHH:mm:ss.fffZ`.
    var timestamp: String { get }
    /// Protocol version, `[Major].[Minor].[Patch]`.
    var version: String { get }
    /// The truck's manufacturer.
    var manufacturer: String { get }
    /// The truck's serial number (its `TruckID`).
    var serialNumber: String { get }
}

/// `connection`: a truck's connection state, retained; its last will says CONNECTION_BROKEN.
public struct ConnectionMessage: VDA5050Message {
    /// The states of a connection.
    public enum State: String, Codable, Sendable {
        /// Connected to the broker.
        case online = "ONLINE"
        /// Disconnected cleanly.
        case offline = "OFFLINE"
        /// Sleeping, reachable again later.
        case hibernating = "HIBERNATING"
        /// Lost (the last will).
        case connectionBroken = "CONNECTION_BROKEN"
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
    /// The state.
    public var connectionState: State

    /// Describes a connection message.
    public init(
        headerId: UInt64, timestamp: String, version: String = VDA5050.version, manufacturer: String, serialNumber: String,
        connectionState: State
    ) {
        self.headerId = headerId
        self.timestamp = timestamp
        self.version = version
        self.manufacturer = manufacturer
        self.serialNumber = serialNumber
        self.connectionState = connectionState
    }
}

/// A parameter of an action.
public struct ActionParameter: Codable, Equatable, Sendable {
    /// The parameter's name.
    public var key: String
    /// Its value.
    public var value: WireValue

    /// Describes a parameter.
    public init(key: String, value: WireValue) {
        self.key = key
        self.value = value
    }
}

/// An action a truck is to perform (on a node, an edge, or at once).
public struct Action: Codable, Equatable, Sendable {
    /// Whether an action may run while driving or alongside other actions.
    public enum BlockingType: String, Codable, Sendable {
        /// Driving and other actions allowed (the only type of instant actions).
        case none = "NONE"
        /// Other actions allowed, but not driving.
        case soft = "SOFT"
        /// Driving allowed, but no other actions.
        case single = "SINGLE"
        /// Nothing else at the same time.
        case hard = "HARD"
    }
    /// The action's name (`stopPause`, `startPause`, `cancelOrder`, or the lane extensions of
    /// `protocols/README.md`).
    public var actionType: String
    /// Unique id, echoed in the truck's action states.
    public var actionId: String
    /// Free text.
    public var actionDescriptor: String?
    /// See `BlockingType`.
    public var blockingType: BlockingType
    /// Parameters.
    public var actionParameters: [ActionParameter]?
    /// Whether the truck may retry after a failure (order actions only).
    public var retriable: Bool?

    /// Describes an action.
    public init(
        actionType: String, actionId: String, actionDescriptor: String? = nil, blockingType: BlockingType = .none,
        actionParameters: [ActionParameter]? = nil, retriable: Bool? = nil
    ) {
        self.actionType = actionType
        self.actionId = actionId
        self.actionDescriptor = actionDescriptor
        self.blockingType = blockingType
        self.actionParameters = actionParameters
        self.retriable = retriable
    }
}

/// `instantActions`: actions to perform at once (stop, go, cancel, emergency stop).
public struct InstantActionsMessage: VDA5050Message {
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
    /// The actions.
    public var actions: [Action]

    /// Describes an instant-actions message.
    public init(
        headerId: UInt64, timestamp: String, version: String = VDA5050.version, manufacturer: String, serialNumber: String,
        actions: [Action]
    ) {
        self.headerId = headerId
        self.timestamp = timestamp
        self.version = version
        self.manufacturer = manufacturer
        self.serialNumber = serialNumber
        self.actions = actions
    }
}

/// `responses`: fleet control's answers to a truck's zone requests.
public struct ResponsesMessage: VDA5050Message {
    /// One answer.
    public struct Response: Codable, Equatable, Sendable {
        /// The answers fleet control can give.
        public enum Grant: String, Codable, Sendable {
            /// The truck may use the zone until `leaseExpiry`.
            case granted = "GRANTED"
            /// The request is queued; no permission yet.
            case queued = "QUEUED"
            /// A permission given earlier is withdrawn.
            case revoked = "REVOKED"
            /// The request is refused.
            case rejected = "REJECTED"
        }
        /// The request answered.
        public var requestId: String
        /// The answer.
        public var grantType: Grant
        /// When a granted permission lapses (ISO 8601 UTC, milliseconds).
        public var leaseExpiry: String?

        /// Describes an answer.
        public init(requestId: String, grantType: Grant, leaseExpiry: String? = nil) {
            self.requestId = requestId
            self.grantType = grantType
            self.leaseExpiry = leaseExpiry
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
    /// The answers.
    public var responses: [Response]

    /// Describes a responses message.
    public init(
        headerId: UInt64, timestamp: String, version: String = VDA5050.version, manufacturer: String, serialNumber: String,
        responses: [Response]
    ) {
        self.headerId = headerId
        self.timestamp = timestamp
        self.version = version
        self.manufacturer = manufacturer
        self.serialNumber = serialNumber
        self.responses = responses
    }
}

/// A position on a map.
public struct NodePosition: Codable, Equatable, Sendable {
    /// X on the map (m).
    public var x: Double
    /// Y on the map (m).
    public var y: Double
    /// Orientation (rad), if the truck must assume one.
    public var theta: Double?
    /// The map.
    public var mapId: String

    /// Describes a position.
    public init(x: Double, y: Double, theta: Double? = nil, mapId: String) {
        self.x = x
        self.y = y
        self.theta = theta
        self.mapId = mapId
    }
}

/// A node of an order: a point on the route. Released nodes are the base (movement authority).
public struct OrderNode: Codable, Equatable, Sendable {
    /// The node's id (zone boundary or stop point).
    public var nodeId: String
    /// Even numbers, counting up along the order with the edges' odd ones.
    public var sequenceId: Int
    /// Free text.
    public var nodeDescriptor: String?
    /// Part of the base (true) or of the horizon (false).
    public var released: Bool
    /// Where the node is.
    public var nodePosition: NodePosition?
    /// Actions at the node.
    public var actions: [Action]

    /// Describes a node.
    public init(
        nodeId: String, sequenceId: Int, nodeDescriptor: String? = nil, released: Bool, nodePosition: NodePosition? = nil,
        actions: [Action] = []
    ) {
        self.nodeId = nodeId
        self.sequenceId = sequenceId
        self.nodeDescriptor = nodeDescriptor
        self.released = released
        self.nodePosition = nodePosition
        self.actions = actions
    }
}

/// An edge of an order: the stretch between two nodes.
public struct OrderEdge: Codable, Equatable, Sendable {
    /// The edge's id.
    public var edgeId: String
    /// Odd numbers between the nodes' even ones.
    public var sequenceId: Int
    /// Free text.
    public var edgeDescriptor: String?
    /// Part of the base (true) or of the horizon (false).
    public var released: Bool
    /// Speed limit on the edge (m/s).
    public var maximumSpeed: Double?
    /// Length of the edge (m).
    public var length: Double?
    /// Actions along the edge.
    public var actions: [Action]

    /// Describes an edge.
    public init(
        edgeId: String, sequenceId: Int, edgeDescriptor: String? = nil, released: Bool, maximumSpeed: Double? = nil, length: Double? = nil,
        actions: [Action] = []
    ) {
        self.edgeId = edgeId
        self.sequenceId = sequenceId
        self.edgeDescriptor = edgeDescriptor
        self.released = released
        self.maximumSpeed = maximumSpeed
        self.length = length
        self.actions = actions
    }
}

/// `order`: the route; its released part is the truck's movement authority.
public struct OrderMessage: VDA5050Message {
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
    /// The order (one trip).
    public var orderId: String
    /// Counts up with every update of the order; an equal one is ignored (safe to resend).
    public var orderUpdateId: UInt64
    /// Free text.
    public var orderDescription: String?
    /// The nodes.
    public var nodes: [OrderNode]
    /// The edges.
    public var edges: [OrderEdge]

    /// Describes an order.
    public init(
        headerId: UInt64, timestamp: String, version: String = VDA5050.version, manufacturer: String, serialNumber: String, orderId: String,
        orderUpdateId: UInt64, orderDescription: String? = nil, nodes: [OrderNode], edges: [OrderEdge]
    ) {
        self.headerId = headerId
        self.timestamp = timestamp
        self.version = version
        self.manufacturer = manufacturer
        self.serialNumber = serialNumber
        self.orderId = orderId
        self.orderUpdateId = orderUpdateId
        self.orderDescription = orderDescription
        self.nodes = nodes
        self.edges = edges
    }
}
