import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Continuations waiting for the broker's acknowledgement of a packet, by message id. An
/// acknowledgement can arrive before its waiter is registered (the network thread is fast): it is
/// then kept as an early one until the waiter comes. Messages sent without waiting are listed so
/// that their acknowledgements are dropped instead of kept.
struct Acknowledgements<Value: Sendable> {
    typealias Waiter = CheckedContinuation<Result<Value, MQTTError>, Never>
    private var waiting: [Int32: Waiter] = [:]
    private var early: [Int32: Result<Value, MQTTError>] = [:]
    private var unawaited: Set<Int32> = []

    /// Records the outcome for `id`; returns the waiter to resume with it, if there is one.
    mutating func settle(_ id: Int32, _ outcome: Result<Value, MQTTError>) -> Waiter? {
        if let waiter = waiting.removeValue(forKey: id) { return waiter }
        if unawaited.remove(id) == nil { early[id] = outcome }
        return nil
    }

    /// Registers a waiter for `id`; returns the outcome if it has come already.
    mutating func wait(for id: Int32, _ waiter: Waiter) -> Result<Value, MQTTError>? {
        if let outcome = early.removeValue(forKey: id) { return outcome }
        waiting[id] = waiter
        return nil
    }

    /// Nobody will wait for `id`: forget its outcome, now or when it comes.
    mutating func ignore(_ id: Int32) {
        if early.removeValue(forKey: id) == nil { unawaited.insert(id) }
    }

    /// Every waiter, for failing them at shutdown.
    mutating func removeAll() -> [Waiter] {
        defer {
            waiting.removeAll()
            early.removeAll()
            unawaited.removeAll()
        }
        return Array(waiting.values)
    }

    /// How many outcomes are kept for waiters not yet registered (for the tests).
    var earlyCount: Int { early.count + unawaited.count }
}

/// A subscription the client restores after a reconnection that lost the session.
struct Subscription: Sendable, Equatable {
    var filter: String
    var qos: MQTTQoS
}

/// What the client and its network thread share. The network thread's callbacks
/// (`Unsafe/Mosquitto.swift`) call the methods below and never block in them.
final class ClientCore: Sendable {
    struct State {
        var connack = Acknowledgements<Connack>()
        var publishes = Acknowledgements<Int32>()
        var subscribes = Acknowledgements<[Int32]>()
        var unsubscribes = Acknowledgements<Int32>()
        var subscriptions: [Subscription] = []
        var connected = false
        /// Between `connect()` and the first answer: a failure then fails `connect()`.
        var connecting = false
        /// The last error libmosquitto logged (TLS details come this way).
        var lastLoggedError: String?
        var closed = false
    }

    let state = Mutex(State())
    let inbound: InboundBuffer
    let events: AsyncStream<MQTTConnectionEvent>
    private let eventSink: AsyncStream<MQTTConnectionEvent>.Continuation

    /// The broker's answer to CONNECT: a reason code and whether it kept the session.
    typealias Connack = (code: Int32, sessionPresent: Bool)

    /// The id under which the CONNACK waiter is registered.
    static let connackId: Int32 = 0

    init(inboundCapacity: Int, spin: Duration) {
        inbound = InboundBuffer(capacity: inboundCapacity, spin: spin)
        (events, eventSink) = AsyncStream.makeStream(of: MQTTConnectionEvent.self, bufferingPolicy: .bufferingNewest(256))
    }

    // MARK: called on the network thread

    /// The broker answered a CONNECT.
    func connected(code: Int32, sessionPresent: Bool) {
        let waiter = state.withLock { state -> Acknowledgements<Connack>.Waiter? in
            if code == 0 { state.connected = true }
            guard state.connecting else { return nil }
            state.connecting = false
            return state.connack.settle(Self.connackId, .success((code, sessionPresent)))
        }
        waiter?.resume(returning: .success((code, sessionPresent)))
        if code == 0 { eventSink.yield(.connected(sessionPresent: sessionPresent)) }
    }

    /// The subscriptions to restore after a connection without a session.
    var subscriptions: [Subscription] { state.withLock { $0.subscriptions } }

    /// The connection ended (or never came up).
    func disconnected(reason: String) {
        let wasConnected = state.withLock { state in
            defer { state.connected = false }
            return state.connected
        }
        if wasConnected { eventSink.yield(.disconnected(reason: reason)) }
        connectionFailed(.unreachable(reason))
    }

    /// libmosquitto logged an error: while connecting, it is why the connection failed (TLS
    /// errors reach us only this way).
    func logged(error: String) {
        state.withLock { $0.lastLoggedError = error }
        connectionFailed(error.contains("SSL") || error.contains("TLS") ? .tls(error) : .unreachable(error))
    }

    private func connectionFailed(_ error: MQTTError) {
        state.withLock { state -> Acknowledgements<Connack>.Waiter? in
            guard state.connecting else { return nil }
            state.connecting = false
            return state.connack.settle(Self.connackId, .failure(error))
        }?.resume(returning: .failure(error))
    }

    func published(id: Int32, code: Int32) {
        state.withLock { $0.publishes.settle(id, .success(code)) }?.resume(returning: .success(code))
    }

    func subscribed(id: Int32, granted: [Int32]) {
        state.withLock { $0.subscribes.settle(id, .success(granted)) }?.resume(returning: .success(granted))
    }

    func unsubscribed(id: Int32, code: Int32) {
        state.withLock { $0.unsubscribes.settle(id, .success(code)) }?.resume(returning: .success(code))
    }

    func received(_ message: MQTTInboundMessage) { inbound.push(message) }

    // MARK: called by the client

    /// Waits for the acknowledgement of `id` in the table `table` picks.
    func acknowledgement<Value: Sendable>(
        of id: Int32, in table: WritableKeyPath<State, Acknowledgements<Value>>
    ) async -> Result<Value, MQTTError> {
        await withCheckedContinuation { waiter in
            let outcome: Result<Value, MQTTError>? = state.withLock { state in
                if state.closed { return .failure(.closed) }
                return state[keyPath: table].wait(for: id, waiter)
            }
            if let outcome { waiter.resume(returning: outcome) }
        }
    }

    /// Fails the CONNACK waiter (the broker did not answer in time).
    func connackTimedOut() { connectionFailed(.timedOut) }

    /// Shuts down: every waiter fails with `.closed`, the message and event sequences end.
    func close() {
        let waiters = state.withLock { state in
            state.closed = true
            state.connected = false
            return (state.connack.removeAll(), state.publishes.removeAll(), state.subscribes.removeAll(), state.unsubscribes.removeAll())
        }
        for waiter in waiters.0 { waiter.resume(returning: .failure(.closed)) }
        for waiter in waiters.1 { waiter.resume(returning: .failure(.closed)) }
        for waiter in waiters.2 { waiter.resume(returning: .failure(.closed)) }
        for waiter in waiters.3 { waiter.resume(returning: .failure(.closed)) }
        inbound.finish()
        eventSink.yield(.closed)
        eventSink.finish()
    }
}

/// The inbound messages waiting for the consumer. QoS 0 messages beyond the capacity are dropped
/// and counted; QoS 1 and 2 messages are never dropped, because libmosquitto has acknowledged
/// them to the broker before handing them over (see docs/decisions/0007-mqtt-client.md).
final class InboundBuffer: Sendable {
    struct State {
        var queue: [MQTTInboundMessage] = []
        var head = 0
        var waiter: CheckedContinuation<MQTTInboundMessage?, Never>?
        var finished = false
        var dropped = 0
        var peak = 0

        var count: Int { queue.count - head }

        mutating func popFirst() -> MQTTInboundMessage? {
            guard head < queue.count else { return nil }
            let message = queue[head]
            head += 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 4096 && head * 2 >= queue.count {
                queue.removeFirst(head)
                head = 0
            }
            return message
        }
    }

    let capacity: Int
    let spin: Duration
    let state = Mutex(State())

    init(capacity: Int, spin: Duration) {
        self.capacity = max(1, capacity)
        self.spin = spin
    }

    func push(_ message: MQTTInboundMessage) {
        let waiter: CheckedContinuation<MQTTInboundMessage?, Never>? = state.withLock { state in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            if state.count >= capacity && message.qos == .atMostOnce {
                state.dropped += 1
            } else {
                state.queue.append(message)
                state.peak = max(state.peak, state.count)
            }
            return nil
        }
        waiter?.resume(returning: message)
    }

    /// A message, or `.some(nil)` once finished, or nil if the consumer would have to wait.
    private func poll() -> MQTTInboundMessage?? {
        state.withLock { state in
            if let message = state.popFirst() { return .some(message) }
            return state.finished ? .some(nil) : nil
        }
    }

    func next() async -> MQTTInboundMessage? {
        // A waiting message is taken without suspending. A consumer that keeps up usually sees
        // the next message within tens of microseconds: it looks again for up to `spin` before
        // suspending, because being woken from a suspension costs a thread hand-off of about
        // that much (docs/decisions/0007-mqtt-client.md).
        if let ready = poll() { return ready }
        let deadline = ContinuousClock.now + spin
        while ContinuousClock.now < deadline && !Task.isCancelled {
            sched_yield()
            if let ready = poll() { return ready }
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<MQTTInboundMessage?, Never>) in
                let ready: MQTTInboundMessage?? = state.withLock { state in
                    if let message = state.popFirst() { return .some(message) }
                    if state.finished || Task.isCancelled { return .some(nil) }
                    state.waiter = waiter
                    return nil
                }
                if let ready { waiter.resume(returning: ready) }
            }
        } onCancel: {
            state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }?.resume(returning: nil)
        }
    }

    func finish() {
        state.withLock { state in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }?.resume(returning: nil)
    }
}
