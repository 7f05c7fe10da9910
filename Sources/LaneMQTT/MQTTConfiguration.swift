/// How an MQTT client connects: broker, identity, session, security, last will and reconnection.
public struct MQTTConfiguration: Sendable {
    /// The brokers to connect to, in order of preference: one broker, or the nodes of a
    /// clustered broker. The client connects to the first that answers and, when the broker it is
    /// on is gone, moves on to the next (round the list).
    public var endpoints: [MQTTEndpoint]
    /// The first broker's host name or address.
    public var host: String {
        get { endpoints[0].host }
        set { endpoints[0].host = newValue }
    }
    /// The first broker's port.
    public var port: Int {
        get { endpoints[0].port }
        set { endpoints[0].port = newValue }
    }
    /// The client identifier; with a persistent session, the broker keeps the session under it.
    public var clientId: String
    /// Whether the broker forgets any earlier session at connect (MQTT 5 clean start).
    public var cleanStart: Bool
    /// How long the broker keeps the session after the connection ends, in seconds (0: it ends
    /// with the connection).
    public var sessionExpiry: UInt32
    /// Seconds between keepalive pings; the broker drops the connection after 1.5 times this.
    public var keepalive: Int
    /// User name and password, if the broker asks for them.
    public var credentials: MQTTCredentials?
    /// TLS, if the listener is encrypted.
    public var tls: MQTTTLS?
    /// The message the broker publishes if this client's connection dies without a clean disconnect.
    public var will: MQTTWill?
    /// Waiting time before the first reconnection attempt, and the longest, in seconds (the wait
    /// doubles after each round of the endpoints that found no broker).
    public var reconnectDelay: (first: UInt32, longest: UInt32)
    /// How long `connect()` waits for the broker's answer, in seconds.
    public var connectTimeout: Double
    /// How many inbound messages wait for the consumer before QoS 0 messages are dropped (QoS 1
    /// and 2 messages, already acknowledged to the broker, are never dropped).
    public var inboundCapacity: Int
    /// How long a consumer that finds no message looks again before it suspends: a message that
    /// comes within this time reaches it without a thread hand-off (lower latency, a little CPU).
    public var consumerSpin: Duration

    /// A configuration with the defaults: a clean session, 10 s keepalive, reconnection after 1 s
    /// doubling up to 30 s, 10 s connect timeout, 10,000 waiting messages, 100 µs of looking again.
    public init(
        host: String = "127.0.0.1", port: Int = 1883, clientId: String, cleanStart: Bool = true, sessionExpiry: UInt32 = 0,
        keepalive: Int = 10, credentials: MQTTCredentials? = nil, tls: MQTTTLS? = nil, will: MQTTWill? = nil,
        reconnectDelay: (first: UInt32, longest: UInt32) = (1, 30), connectTimeout: Double = 10, inboundCapacity: Int = 10_000,
        consumerSpin: Duration = .microseconds(100)
    ) {
        self.endpoints = [MQTTEndpoint(host: host, port: port)]
        self.clientId = clientId
        self.cleanStart = cleanStart
        self.sessionExpiry = sessionExpiry
        self.keepalive = keepalive
        self.credentials = credentials
        self.tls = tls
        self.will = will
        self.reconnectDelay = reconnectDelay
        self.connectTimeout = connectTimeout
        self.inboundCapacity = inboundCapacity
        self.consumerSpin = consumerSpin
    }
}

/// Where a broker listens: a host name or address and a port.
public struct MQTTEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// Host name or address.
    public var host: String
    /// TCP port.
    public var port: Int

    /// An endpoint.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Reads `host`, `host:port` or `[v6 address]:port`; a missing port is `defaultPort`.
    /// Returns nil for an empty host or a port outside 1–65535.
    public init?(parsing text: String, defaultPort: Int) {
        var host = Substring(text).drop(while: \.isWhitespace)
        while host.last?.isWhitespace == true { host = host.dropLast() }
        var port = defaultPort
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let number = Int(rest.dropFirst()) else { return nil }
                port = number
            }
        } else if let colon = host.lastIndex(of: ":"), host.firstIndex(of: ":") == colon {
            guard let number = Int(host[host.index(after: colon)...]) else { return nil }
            port = number
            host = host[..<colon]
        }
        guard !host.isEmpty, (1...65535).contains(port) else { return nil }
        self.init(host: String(host), port: port)
    }

    /// `host:port`.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A user name and password.
public struct MQTTCredentials: Sendable, Equatable {
    /// The user name.
    public var username: String
    /// The password.
    public var password: String

    /// Credentials.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }
}

/// TLS settings: the CA that signed the broker's certificate, and this client's certificate and
/// key when the broker asks for one.
public struct MQTTTLS: Sendable, Equatable {
    /// PEM file of the certificate authority trusted for the broker's certificate.
    public var caFile: String
    /// PEM file of this client's certificate.
    public var certificateFile: String?
    /// PEM file of this client's private key.
    public var keyFile: String?

    /// TLS settings.
    public init(caFile: String, certificateFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}

/// The last will: published by the broker when the connection dies without a clean disconnect.
public struct MQTTWill: Sendable, Equatable {
    /// The will's topic, payload, QoS, retain flag and properties.
    public var message: MQTTOutbound

    /// A last will.
    public init(_ message: MQTTOutbound) { self.message = message }
}

/// Quality of service: at most once, at least once, exactly once.
public enum MQTTQoS: Int, Sendable, Comparable, CaseIterable {
    /// Sent once; may be lost.
    case atMostOnce = 0
    /// Acknowledged; may arrive twice.
    case atLeastOnce = 1
    /// Acknowledged in two steps; arrives once.
    case exactlyOnce = 2

    /// Orders by strength of delivery.
    public static func < (lhs: MQTTQoS, rhs: MQTTQoS) -> Bool { lhs.rawValue < rhs.rawValue }
}
