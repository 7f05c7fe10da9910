/// MQTT 5 properties of a message that LaneMQTT reads and writes.
public struct MQTTProperties: Sendable, Equatable {
    /// Seconds after which the broker discards the message if it is not yet delivered.
    public var messageExpiry: UInt32?
    /// The payload's content type (for the coordinator's messages `application/json`).
    public var contentType: String?
    /// Where the answer to a request goes.
    public var responseTopic: String?
    /// Ties an answer to its request.
    public var correlationData: [UInt8]?
    /// Name-value pairs, in order; a name may repeat.
    public var userProperties: [MQTTUserProperty]

    /// Properties; all absent by default.
    public init(
        messageExpiry: UInt32? = nil, contentType: String? = nil, responseTopic: String? = nil, correlationData: [UInt8]? = nil,
        userProperties: [MQTTUserProperty] = []
    ) {
        self.messageExpiry = messageExpiry
        self.contentType = contentType
        self.responseTopic = responseTopic
        self.correlationData = correlationData
        self.userProperties = userProperties
    }
}

/// An MQTT 5 user property.
public struct MQTTUserProperty: Sendable, Equatable {
    /// Its name.
    public var name: String
    /// Its value.
    public var value: String

    /// A user property.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A message to publish.
public struct MQTTOutbound: Sendable, Equatable {
    /// The topic.
    public var topic: String
    /// The payload bytes.
    public var payload: [UInt8]
    /// The quality of service.
    public var qos: MQTTQoS
    /// Whether the broker keeps it as the topic's last value for later subscribers.
    public var retain: Bool
    /// MQTT 5 properties.
    public var properties: MQTTProperties

    /// A message to publish.
    public init(topic: String, payload: [UInt8], qos: MQTTQoS = .atLeastOnce, retain: Bool = false, properties: MQTTProperties = .init()) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = properties
    }
}

/// A message received on a subscription.
public struct MQTTInboundMessage: Sendable, Equatable {
    /// The topic it was published on.
    public var topic: String
    /// The payload bytes.
    public var payload: [UInt8]
    /// The quality of service it was delivered with.
    public var qos: MQTTQoS
    /// Whether it is a retained message sent at subscription.
    public var retain: Bool
    /// MQTT 5 properties as published (the broker lowers the expiry by the time it waited).
    public var properties: MQTTProperties

    /// A received message.
    public init(topic: String, payload: [UInt8], qos: MQTTQoS, retain: Bool, properties: MQTTProperties) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = properties
    }
}

/// A change of the connection, in the order they happen.
public enum MQTTConnectionEvent: Sendable, Equatable {
    /// Connected (or reconnected); `sessionPresent` when the broker kept the session.
    case connected(sessionPresent: Bool)
    /// The connection ended; `reason` says why. The client reconnects by itself unless it was closed.
    case disconnected(reason: String)
    /// The client was shut down; no more events follow.
    case closed
}
