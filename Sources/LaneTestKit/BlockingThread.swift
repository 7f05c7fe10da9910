import Foundation
import Synchronization

/// Blocking work (a database transaction that waits on a lock, say) on a thread of its own
/// rather than the concurrency pool: a two-core machine's pool has two threads, and a test that
/// blocks one while the other is busy would wait for itself.
public enum BlockingThread {
    /// Starts `body` on a new thread; its result is awaited with `value`.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) -> BlockingOutcome<T> {
        let outcome = BlockingOutcome<T>()
        let thread = Thread {
            let result = Result { try body() }
            outcome.result.withLock { $0 = result }
        }
        thread.start()
        return outcome
    }
}

/// The result of work started with `BlockingThread.run`.
public final class BlockingOutcome<T: Sendable>: Sendable {
    let result = Mutex<Result<T, any Error>?>(nil)

    /// The work's result, or its error, once it is done.
    public var value: T {
        get async throws {
            while true {
                if let result = result.withLock({ $0 }) { return try result.get() }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
    }
}
