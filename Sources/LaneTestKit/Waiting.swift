public import LaneMQTT
import Synchronization

/// Waits until `condition` holds, checking every 10 ms; throws `TestKitError.timedOut` naming
/// `what` after `timeout`.
public func eventually(
    _ what: String, timeout: Duration = .seconds(10), _ condition: @Sendable () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TestKitError.timedOut(what) }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// Collects the elements of an asynchronous sequence from a task of its own (a client's
/// messages or connection events), so that tests can wait for counts and look at what came
/// without holding the iterator.
public final class Collector<Element: Sendable>: Sendable {
    private final class Storage: Sendable {
        let elements = Mutex<[Element]>([])
    }
    private let storage = Storage()
    private let task: Task<Void, Never>

    /// Starts collecting from `sequence` until it ends.
    public init<S: AsyncSequence & Sendable>(_ sequence: S) where S.Element == Element {
        let storage = self.storage
        task = Task {
            do {
                for try await element in sequence { storage.elements.withLock { $0.append(element) } }
            } catch {}
        }
    }

    deinit { task.cancel() }

    /// What came so far, in order.
    public var elements: [Element] { storage.elements.withLock { $0 } }

    /// How many so far.
    public var count: Int { storage.elements.withLock { $0.count } }

    /// Waits until at least `count` elements have come.
    public func waitFor(_ count: Int, timeout: Duration = .seconds(10)) async throws {
        try await eventually("\(count) elements (have \(self.count))", timeout: timeout) { self.count >= count }
    }

    /// Waits until an element satisfies `predicate`; returns it.
    @discardableResult
    public func waitFor(
        _ what: String, timeout: Duration = .seconds(10), where predicate: @escaping @Sendable (Element) -> Bool
    ) async throws -> Element {
        try await eventually(what, timeout: timeout) { self.elements.contains(where: predicate) }
        return elements.first(where: predicate)!
    }

    /// Waits until an element satisfying `predicate` has come after one satisfying `earlier`
    /// (a reconnection after the loss, not the first connection still in the buffer).
    public func waitFor(
        _ what: String, timeout: Duration = .seconds(10), after earlier: @escaping @Sendable (Element) -> Bool,
        where predicate: @escaping @Sendable (Element) -> Bool
    ) async throws {
        try await eventually(what, timeout: timeout) {
            let elements = self.elements
            guard let first = elements.firstIndex(where: earlier) else { return false }
            return elements[first...].dropFirst().contains(where: predicate)
        }
    }
}

extension Collector where Element == MQTTInboundMessage {
    /// Collects the messages `client` receives.
    public convenience init(messagesOf client: MQTTClient) { self.init(client.messages) }
}

extension Collector where Element == MQTTConnectionEvent {
    /// Collects `client`'s connection events.
    public convenience init(eventsOf client: MQTTClient) { self.init(client.connectionEvents) }
}
