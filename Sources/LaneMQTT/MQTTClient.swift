import Dispatch

/// An MQTT 5 client over libmosquitto. Connect once; from then on the client keeps the connection
/// up by itself (reconnecting with a doubling delay, round its list of broker endpoints: the nodes
/// of a clustered broker) and restores its subscriptions when the broker lost the session. Publishing at QoS 1 or 2 completes when the broker has acknowledged
/// the message; while the connection is down such messages wait in the client and are sent on
/// reconnection. Received messages come through `messages`, one consumer; connection changes
/// through `connectionEvents`.
///
/// ```swift
/// let client = try MQTTClient(MQTTConfiguration(port: 1883, clientId: "lane-coordinator"))
/// try await client.connect()
/// try await client.subscribe("uagv/v3/+/+/state", qos: .atMostOnce)
/// for await message in client.messages { … }
/// ```
public final class MQTTClient: Sendable {
    /// The configuration the client was made with.
    public let configuration: MQTTConfiguration
    let core: ClientCore
    private let mosquitto: Mosquitto

    /// A client; nothing is sent until `connect()`.
    public init(_ configuration: MQTTConfiguration) throws(MQTTError) {
        self.configuration = configuration
        core = ClientCore(inboundCapacity: configuration.inboundCapacity, spin: configuration.consumerSpin)
        mosquitto = try Mosquitto(configuration, core: core)
    }

    deinit { core.close() }

    /// Connects and waits for the broker's answer. Throws `.unreachable`, `.tls` or `.refused`
    /// with the reason when the first connection fails; later losses of the connection are
    /// repaired by the client itself and reported in `connectionEvents`.
    public func connect() async throws(MQTTError) {
        let mosquitto = self.mosquitto
        core.state.withLock { $0.connecting = true }
        let started = await Self.offPoolThrowing { () throws(MQTTError) in try mosquitto.connect() }
        try started.get()
        let core = self.core
        DispatchQueue.global().asyncAfter(deadline: .now() + configuration.connectTimeout) { [weak core] in core?.connackTimedOut() }
        let answer = await core.acknowledgement(of: ClientCore.connackId, in: \.connack)
        switch answer {
        case .success(let connack) where connack.code == 0:
            return
        case .success(let connack):
            await Self.offPool { mosquitto.disconnect() }
            throw .refused(reasonCode: Int(connack.code), reason: Mosquitto.reason(connack.code))
        case .failure(let error):
            await Self.offPool { mosquitto.disconnect() }
            throw error
        }
    }

    /// Subscribes and waits for the broker's acknowledgement; the subscription is restored after
    /// a reconnection that lost the session. Returns the QoS the broker granted.
    @discardableResult
    public func subscribe(_ filter: String, qos: MQTTQoS = .atLeastOnce) async throws(MQTTError) -> MQTTQoS {
        let subscription = Subscription(filter: filter, qos: qos)
        let id = try mosquitto.subscribe(subscription)
        let granted = try await core.acknowledgement(of: id, in: \.subscribes).get()
        let code = granted.first ?? 0x80
        guard code < 0x80, let grantedQoS = MQTTQoS(rawValue: Int(code)) else {
            throw .rejected(reasonCode: Int(code), reason: Mosquitto.reason(code))
        }
        core.state.withLock { state in
            state.subscriptions.removeAll { $0.filter == filter }
            state.subscriptions.append(subscription)
        }
        return grantedQoS
    }

    /// Unsubscribes and waits for the broker's acknowledgement.
    public func unsubscribe(_ filter: String) async throws(MQTTError) {
        core.state.withLock { $0.subscriptions.removeAll { $0.filter == filter } }
        let id = try mosquitto.unsubscribe(filter)
        _ = try await core.acknowledgement(of: id, in: \.unsubscribes).get()
    }

    /// Publishes and waits: at QoS 0 until the message is written to the connection, at QoS 1
    /// and 2 until the broker has acknowledged it (across reconnections). Throws `.rejected` if
    /// the broker refuses it (not authorised), `.notConnected` for QoS 0 without a connection.
    public func publish(_ message: MQTTOutbound) async throws(MQTTError) {
        let id = try mosquitto.publish(message)
        let code = try await core.acknowledgement(of: id, in: \.publishes).get()
        if code >= 0x80 { throw .rejected(reasonCode: Int(code), reason: Mosquitto.reason(code)) }
    }

    /// Publishes without waiting for the acknowledgement (libmosquitto still retries QoS 1 and 2).
    public func send(_ message: MQTTOutbound) throws(MQTTError) {
        let id = try mosquitto.publish(message)
        core.state.withLock { $0.publishes.ignore(id) }
    }

    /// The received messages, in arrival order; the sequence ends when the client is closed.
    /// One consumer only: two would share the messages between them.
    public var messages: MQTTInboundMessages { MQTTInboundMessages(buffer: core.inbound) }

    /// Connection changes, in order; ends with `.closed`.
    public var connectionEvents: AsyncStream<MQTTConnectionEvent> { core.events }

    /// The broker endpoint the client is connected to, or is trying to reach.
    public var endpoint: MQTTEndpoint { mosquitto.endpoint }

    /// Whether the client is connected now.
    public var isConnected: Bool { core.state.withLock { $0.connected } }

    /// QoS 0 messages dropped because the consumer was `configuration.inboundCapacity` behind.
    public var droppedMessages: Int { core.inbound.state.withLock { $0.dropped } }

    /// The most messages that have waited for the consumer at once.
    public var peakBacklog: Int { core.inbound.state.withLock { $0.peak } }

    /// Disconnects cleanly (the broker does not publish the last will), stops the network
    /// thread, fails operations still waiting with `.closed` and ends `messages` and
    /// `connectionEvents`. Calling it again does nothing.
    public func close() async {
        let mosquitto = self.mosquitto
        await Self.offPool { mosquitto.disconnect() }
        core.close()
    }

    /// Cuts the connection without a DISCONNECT, as a failing network would: the broker
    /// publishes the last will and the client reconnects. For fault injection in tests and the
    /// simulator.
    public func simulateConnectionLoss() { mosquitto.severConnection() }

    /// Runs blocking libmosquitto work on a Dispatch thread, off Swift's cooperative pool.
    @discardableResult
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
    }

    static func offPoolThrowing(_ work: @escaping @Sendable () throws(MQTTError) -> Void) async -> Result<Void, MQTTError> {
        await offPool { () -> Result<Void, MQTTError> in Result { () throws(MQTTError) in try work() } }
    }
}

/// The messages a client receives, as an asynchronous sequence.
public struct MQTTInboundMessages: AsyncSequence, Sendable {
    /// Each element is one received message.
    public typealias Element = MQTTInboundMessage
    let buffer: InboundBuffer

    /// Iterates over the messages; `next()` returns nil once the client is closed (or the task cancelled).
    public struct AsyncIterator: AsyncIteratorProtocol {
        let buffer: InboundBuffer

        /// The next message.
        public mutating func next() async -> MQTTInboundMessage? { await buffer.next() }

        /// The next message (the sequence never throws).
        public mutating func next(isolation actor: isolated (any Actor)?) async -> MQTTInboundMessage? { await buffer.next() }
    }

    /// An iterator.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: buffer) }
}
