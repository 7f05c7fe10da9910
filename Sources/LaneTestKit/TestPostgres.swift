import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A real PostgreSQL server for the tests of one test process, on a free loopback port: a
/// cluster made by `initdb` in a temporary folder (as the `postgres` system user that Debian's
/// package creates when the tests run as root, since PostgreSQL refuses to run as root), with
/// durability off (a test database need not survive a power cut), started on first use and
/// stopped, its folder removed, when the process exits. Each test takes a database of its own.
///
/// ```swift
/// let database = try await TestPostgres.shared().newDatabase()
/// let connection = try PostgresConnection(database)
/// ```
public final class TestPostgres: Sendable {
    /// The server's loopback port.
    public let port: Int
    /// The temporary folder of its cluster and log.
    public let folder: String
    /// The role every test connects as (trusted: no password on loopback).
    public static let user = "lanes"
    private let binaries: String
    private let databases = Atomic<Int>(0)

    private init(port: Int, folder: String, binaries: String) {
        self.port = port
        self.folder = folder
        self.binaries = binaries
    }

    private static let server = Mutex<Task<TestPostgres, any Error>?>(nil)
    private static let running = Mutex<(pid: pid_t, folder: String)?>(nil)
    private static let exitHook: Void = {
        atexit {
            guard let (pid, folder) = TestPostgres.running.withLock({ $0 }) else { return }
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            try? FileManager.default.removeItem(atPath: folder)
        }
    }()

    /// The server of this test process, started on the first call.
    public static func shared() async throws -> TestPostgres {
        let task = server.withLock { task in
            if let task { return task }
            let started = Task { try await start() }
            task = started
            return started
        }
        return try await task.value
    }

    /// A new, empty database: its libpq connection string.
    public func newDatabase() throws -> String {
        let name = "test_\(getpid())_\(databases.add(1, ordering: .relaxed).newValue)"
        try ChildProcess.run(
            "\(binaries)/createdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", Self.user, name], log: "\(folder)/createdb.log")
        return connectionString(database: name)
    }

    /// The connection string of `database` on this server.
    public func connectionString(database: String) -> String {
        "host=127.0.0.1 port=\(port) dbname=\(database) user=\(Self.user) connect_timeout=5"
    }

    /// The server's log so far.
    public var log: String { (try? String(contentsOfFile: "\(folder)/postgres.log", encoding: .utf8)) ?? "" }

    private static func start() async throws -> TestPostgres {
        _ = exitHook
        sweepOrphans()
        let binaries = try locateBinaries()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lane-postgres-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "\(getpid())".write(toFile: "\(folder)/owner", atomically: true, encoding: .utf8)
        // As root, the cluster belongs to the postgres user, and its programs run as that user.
        var asUser: [String] = []
        if geteuid() == 0 {
            guard let account = getpwnam("postgres") else {
                throw TestKitError.missing("the postgres system user (apt-get install postgresql creates it)")
            }
            chown(folder, account.pointee.pw_uid, account.pointee.pw_gid)
            asUser = [try ChildProcess.locate("setpriv"), "--reuid=postgres", "--regid=postgres", "--init-groups"]
        }
        func command(_ program: String, _ arguments: [String]) -> (String, [String]) {
            asUser.isEmpty
                ? ("\(binaries)/\(program)", arguments) : (asUser[0], Array(asUser.dropFirst()) + ["\(binaries)/\(program)"] + arguments)
        }
        let (initdb, initArguments) = command(
            "initdb", ["-D", "\(folder)/data", "-A", "trust", "-U", user, "--no-sync", "--no-instructions", "-E", "UTF8", "--locale=C"])
        try ChildProcess.run(initdb, initArguments, log: "\(folder)/initdb.log")
        var lastLog = ""
        for _ in 0..<5 {
            let port = try TestBroker.freePort()
            let (postgres, arguments) = command(
                "postgres",
                [
                    "-D", "\(folder)/data", "-p", "\(port)", "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
                    "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200",
                ])
            let child = try ChildProcess(postgres, arguments, log: "\(folder)/postgres.log")
            running.withLock { $0 = (child.pid, folder) }
            try "\(child.pid)".write(toFile: "\(folder)/postgres.pid", atomically: true, encoding: .utf8)
            if try await TestBroker.waitUntilListening(port: port, child: child, patience: .seconds(30)) {
                let server = TestPostgres(port: port, folder: folder, binaries: binaries)
                // Listening comes a moment before accepting sessions ("the database system is starting up").
                try await server.waitUntilReady()
                return server
            }
            child.stop(signal: SIGKILL)
            running.withLock { $0 = nil }
            lastLog = (try? String(contentsOfFile: "\(folder)/postgres.log", encoding: .utf8)) ?? ""
        }
        throw TestKitError.databaseDidNotStart(lastLog)
    }

    private func waitUntilReady() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                try ChildProcess.run(
                    "\(binaries)/pg_isready", ["-h", "127.0.0.1", "-p", "\(port)", "-U", Self.user], log: "\(folder)/ready.log")
                return
            } catch {
                if ContinuousClock.now > deadline { throw TestKitError.databaseDidNotStart(log) }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// The folder of PostgreSQL's programs: PATH, or Debian's /usr/lib/postgresql/<version>/bin.
    private static func locateBinaries() throws -> String {
        if let initdb = try? ChildProcess.locate("initdb") {
            let resolved = (try? FileManager.default.destinationOfSymbolicLink(atPath: initdb)) ?? initdb
            let folder = (resolved as NSString).deletingLastPathComponent
            if access("\(folder)/postgres", X_OK) == 0 && access("\(folder)/createdb", X_OK) == 0 { return folder }
        }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let folder = "/usr/lib/postgresql/\(version)/bin"
            if access("\(folder)/initdb", X_OK) == 0 { return folder }
        }
        throw TestKitError.missing("PostgreSQL's initdb")
    }

    /// Kills the servers of test processes that died without cleaning up, and removes their folders.
    private static func sweepOrphans() {
        let temporary = FileManager.default.temporaryDirectory.path
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] where name.hasPrefix("lane-postgres-") {
            let folder = "\(temporary)/\(name)"
            guard let owner = (try? String(contentsOfFile: "\(folder)/owner", encoding: .utf8)).flatMap({ pid_t($0) }),
                kill(owner, 0) != 0 && errno == ESRCH
            else { continue }
            if let server = (try? String(contentsOfFile: "\(folder)/postgres.pid", encoding: .utf8)).flatMap({ pid_t($0) }) {
                kill(server, SIGKILL)
            }
            try? FileManager.default.removeItem(atPath: folder)
        }
    }
}
