public import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A program started by the test kit: with an empty signal mask and default signal handling
/// (test threads block signals, and a child inheriting that mask would ignore SIGTERM), output
/// to a log file.
public struct ChildProcess: Sendable {
    /// Its process id.
    public let pid: pid_t

    /// Starts `executable` with `arguments`, its output appended to `log` (its error output too,
    /// unless `errors` names another file), with `environment` added to the test's own.
    public init(_ executable: String, _ arguments: [String], log: String, errors: String? = nil, environment: [String: String] = [:]) throws
    {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let errors {
            posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for variable in envp { free(variable) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard code == 0 else { throw TestKitError.cannotStart(executable, String(cString: strerror(code))) }
        self.pid = pid
        LiveChildren.add(pid)
    }

    /// Whether the process has ended (it is reaped if so).
    public func hasExited() -> Bool {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return false }
        LiveChildren.remove(pid)
        return true
    }

    /// Sends `signal` and waits up to `grace` for the end; then SIGKILL.
    public func stop(signal: Int32 = SIGTERM, grace: Duration = .seconds(2)) {
        defer { LiveChildren.remove(pid) }
        kill(pid, signal)
        let deadline = ContinuousClock.now + grace
        var status: Int32 = 0
        while ContinuousClock.now < deadline {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || result == -1 { return }
            usleep(5_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }

    /// Waits up to `timeout` for the end and returns the exit code (128 + the signal if a signal
    /// ended it), or nil if it is still running.
    public func exitCode(within timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while ContinuousClock.now < deadline {
            if waitpid(pid, &status, WNOHANG) == pid {
                LiveChildren.remove(pid)
                let signal = status & 0x7f
                return signal == 0 ? (status >> 8) & 0xff : 128 + signal
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// Runs a program to its end; throws if it fails.
    public static func run(_ executable: String, _ arguments: [String], log: String) throws {
        let child = try ChildProcess(executable, arguments, log: log)
        var status: Int32 = 0
        waitpid(child.pid, &status, 0)
        guard status == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw TestKitError.failed("\(executable) \(arguments.joined(separator: " "))", output)
        }
    }

    /// The path of an executable product of this package, built beside the test bundle.
    public static func product(_ name: String) -> String {
        var folder = CommandLine.arguments[0].split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        if folder.hasSuffix(".xctest/Contents/MacOS") { folder = folder.split(separator: "/").dropLast(3).joined(separator: "/") }
        return "\(folder)/\(name)"
    }

    /// The full path of a program found in PATH, /usr/sbin or /usr/bin.
    public static func locate(_ name: String) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for folder in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/sbin"] {
            let candidate = "\(folder)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw TestKitError.missing(name)
    }
}

/// The children still running, killed when the test process exits (a test that fails or a
/// broker still referenced at the end must not leave a process behind).
enum LiveChildren {
    private static let pids = Mutex<Set<pid_t>>([])
    private static let exitHook: Void = { atexit { LiveChildren.killAll() } }()

    static func add(_ pid: pid_t) {
        _ = exitHook
        pids.withLock { _ = $0.insert(pid) }
    }

    static func remove(_ pid: pid_t) { pids.withLock { _ = $0.remove(pid) } }

    static func killAll() {
        for pid in pids.withLock({ $0 }) { kill(pid, SIGKILL) }
    }
}

/// Why the test kit could not do what a test asked.
public enum TestKitError: Error, CustomStringConvertible {
    /// A program is not installed.
    case missing(String)
    /// A program could not be started.
    case cannotStart(String, String)
    /// A program ended with an error.
    case failed(String, String)
    /// The broker did not start listening.
    case brokerDidNotStart(String)
    /// The PostgreSQL server did not start, or refused a database; its log.
    case databaseDidNotStart(String)
    /// A condition did not come true in time.
    case timedOut(String)

    /// A sentence naming the problem.
    public var description: String {
        switch self {
        case .missing(let name): "\(name) is not installed (Tests/run.sh installs it with the other packages the tests use)"
        case .cannotStart(let name, let reason): "cannot start \(name): \(reason)"
        case .failed(let command, let output): "\(command) failed: \(output)"
        case .brokerDidNotStart(let log): "mosquitto did not start listening; its log:\n\(log)"
        case .databaseDidNotStart(let log): "PostgreSQL did not start; its log:\n\(log)"
        case .timedOut(let what): "timed out waiting for \(what)"
        }
    }
}
