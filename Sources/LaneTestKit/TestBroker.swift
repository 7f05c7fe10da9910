import Foundation
public import LaneMQTT
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A real `mosquitto` broker for one test, on a free loopback port, with a generated
/// configuration in a temporary folder. It can be restarted (same port) and killed; it is
/// stopped and its folder removed when the value goes away.
///
/// ```swift
/// let broker = try await TestBroker.start()
/// let client = try MQTTClient(broker.configuration(clientId: "t1"))
/// ```
public final class TestBroker: Sendable {
    /// How clients must authenticate.
    public enum Security: Sendable {
        /// Anyone may connect.
        case anonymous
        /// User names and passwords (name → password); `acl` is the text of a mosquitto ACL file.
        case passwords([String: String], acl: String?)
        /// TLS with the kit's certificates; clients must present a certificate if asked.
        case tls(requireClientCertificate: Bool)
    }

    /// The broker's address.
    public let host = "127.0.0.1"
    /// The broker's port.
    public let port: Int
    /// The temporary folder of its configuration, log and persistence.
    public let folder: String
    /// The certificates, for `.tls`.
    public let certificates: TestCertificates?
    private let process: Mutex<ChildProcess?>
    /// The recorder of every message on the broker, when the broker captures (`BrokerCapture`).
    private let capture: Mutex<BrokerCapture?>
    private let captureAccount: (name: String, password: String)?

    private init(
        port: Int, folder: String, certificates: TestCertificates?, process: ChildProcess, captureAccount: (String, String)?
    ) {
        self.port = port
        self.folder = folder
        self.certificates = certificates
        self.process = Mutex(process)
        self.capture = Mutex(nil)
        self.captureAccount = captureAccount
    }

    deinit {
        capture.withLock { $0?.stop() }
        process.withLock { $0?.stop() }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Starts a broker. With `persistence`, sessions and queued messages survive a restart.
    /// With `capture`, every message published on it is recorded for the test command's
    /// conformance check (`BrokerCapture`): brokers that carry the coordinator's or the
    /// simulator's traffic capture; the MQTT client's own tests, with payloads of their own, do not.
    public static func start(
        _ security: Security = .anonymous, persistence: Bool = false, capture: Bool = false
    ) async throws
        -> TestBroker
    {
        sweepOrphans()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lane-broker-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "\(getpid())".write(toFile: "\(folder)/owner", atomically: true, encoding: .utf8)
        let certificates = if case .tls = security { try TestCertificates.shared() } else { TestCertificates?.none }
        let capturing = capture && BrokerCapture.folder != nil
        var captureAccount: (String, String)?
        var lines = [
            "per_listener_settings false",
            "persistence \(persistence)",
            "persistence_location \(folder)/",
            "autosave_interval 1",
            "max_queued_messages 1000000",
            "max_inflight_messages 100",
            "set_tcp_nodelay true",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type subscribe",  // the capture waits for its own subscription in the log
        ]
        if geteuid() == 0 { lines.append("user root") }  // as root, mosquitto would switch to its own user
        switch security {
        case .anonymous:
            lines.append("allow_anonymous true")
        case .passwords(var users, var acl):
            if capturing {
                // The capture's own account reads everything and writes nothing.
                users[BrokerCapture.account] = UUID().uuidString
                acl = acl.map { $0 + "\nuser \(BrokerCapture.account)\ntopic read #\n" }
                captureAccount = (BrokerCapture.account, users[BrokerCapture.account]!)
            }
            let passwords = "\(folder)/passwords"
            let tool = try ChildProcess.locate("mosquitto_passwd")
            for (index, (name, password)) in users.sorted(by: { $0.key < $1.key }).enumerated() {
                try ChildProcess.run(tool, (index == 0 ? ["-c"] : []) + ["-b", passwords, name, password], log: "\(folder)/passwd.log")
            }
            lines += ["allow_anonymous false", "password_file \(passwords)"]
            if let acl {
                try acl.write(toFile: "\(folder)/acl", atomically: true, encoding: .utf8)
                lines.append("acl_file \(folder)/acl")
            }
        case .tls(let requireClientCertificate):
            let c = certificates!
            lines += [
                "allow_anonymous true", "cafile \(c.caFile)", "certfile \(c.serverCertificateFile)", "keyfile \(c.serverKeyFile)",
                "require_certificate \(requireClientCertificate)",
            ]
        }
        let mosquitto = try ChildProcess.locate("mosquitto")
        var lastLog = ""
        for _ in 0..<5 {
            let port = try freePort()
            let configuration = "\(folder)/mosquitto.conf"
            try (["listener \(port) 127.0.0.1"] + lines).joined(separator: "\n").appending("\n")
                .write(toFile: configuration, atomically: true, encoding: .utf8)
            let child = try ChildProcess(mosquitto, ["-c", configuration], log: "\(folder)/mosquitto.log")
            try "\(child.pid)".write(toFile: "\(folder)/broker.pid", atomically: true, encoding: .utf8)
            if try await waitUntilListening(port: port, child: child) {
                let broker = TestBroker(
                    port: port, folder: folder, certificates: certificates, process: child, captureAccount: captureAccount)
                if capturing { try await broker.startCapture() }
                return broker
            }
            child.stop(signal: SIGKILL)
            lastLog = (try? String(contentsOfFile: "\(folder)/mosquitto.log", encoding: .utf8)) ?? ""
        }
        throw TestKitError.brokerDidNotStart(lastLog)
    }

    /// A client configuration for this broker (TLS files filled in for a `.tls` broker).
    public func configuration(clientId: String, cleanStart: Bool = true, sessionExpiry: UInt32 = 0) -> MQTTConfiguration {
        var configuration = MQTTConfiguration(
            host: host, port: port, clientId: clientId, cleanStart: cleanStart, sessionExpiry: sessionExpiry)
        configuration.reconnectDelay = (1, 2)
        if let certificates {
            configuration.tls = MQTTTLS(
                caFile: certificates.caFile, certificateFile: certificates.clientCertificateFile, keyFile: certificates.clientKeyFile)
        }
        return configuration
    }

    /// Stops the broker (SIGTERM; persistence is saved) and starts it again on the same port.
    public func restart(after pause: Duration = .zero) async throws {
        stop()
        try await Task.sleep(for: pause)
        let mosquitto = try ChildProcess.locate("mosquitto")
        for _ in 0..<50 {
            let child = try ChildProcess(mosquitto, ["-c", "\(folder)/mosquitto.conf"], log: "\(folder)/mosquitto.log")
            try "\(child.pid)".write(toFile: "\(folder)/broker.pid", atomically: true, encoding: .utf8)
            if try await Self.waitUntilListening(port: port, child: child) {
                process.withLock { $0 = child }
                if capture.withLock({ $0 != nil }) { try await startCapture() }
                return
            }
            try await Task.sleep(for: .milliseconds(100))  // the port may still be held by the old socket
        }
        throw TestKitError.brokerDidNotStart((try? String(contentsOfFile: "\(folder)/mosquitto.log", encoding: .utf8)) ?? "")
    }

    /// Starts (or starts again, after a restart) the capture of every message, and waits until
    /// its subscription is in place.
    private func startCapture() async throws {
        capture.withLock { $0?.stop() }
        let recorder = try BrokerCapture(
            host: host, port: port, tls: certificates.map { ($0.caFile, $0.clientCertificateFile, $0.clientKeyFile) },
            account: captureAccount, brokerFolder: folder)
        capture.withLock { $0 = recorder }
        try await eventually("the capture subscribed to every topic", timeout: .seconds(5)) {
            self.log.contains(" \(recorder.clientId) 2 #")
        }
    }

    /// Stops the broker cleanly.
    public func stop() {
        process.withLock { process in
            process?.stop()
            process = nil
        }
    }

    /// Kills the broker at once (SIGKILL), as a crash would.
    public func kill() {
        process.withLock { process in
            process?.stop(signal: SIGKILL)
            process = nil
        }
    }

    /// The broker's log so far.
    public var log: String { (try? String(contentsOfFile: "\(folder)/mosquitto.log", encoding: .utf8)) ?? "" }

    /// Kills the brokers of test processes that died without cleaning up (a crash), and removes
    /// their folders.
    static func sweepOrphans() {
        let temporary = FileManager.default.temporaryDirectory.path
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] where name.hasPrefix("lane-broker-") {
            let folder = "\(temporary)/\(name)"
            guard let owner = (try? String(contentsOfFile: "\(folder)/owner", encoding: .utf8)).flatMap({ pid_t($0) }),
                Glibc.kill(owner, 0) != 0 && errno == ESRCH
            else { continue }
            if let broker = (try? String(contentsOfFile: "\(folder)/broker.pid", encoding: .utf8)).flatMap({ pid_t($0) }) {
                Glibc.kill(broker, SIGKILL)
            }
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    /// Whether `child` listens on `port` within `patience` (false if it ended first).
    static func waitUntilListening(port: Int, child: ChildProcess, patience: Duration = .seconds(5)) async throws -> Bool {
        let deadline = ContinuousClock.now + patience
        while ContinuousClock.now < deadline {
            if child.hasExited() { return false }
            if accepts(port: port) { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// Whether something accepts TCP connections on the loopback port.
    static func accepts(port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = loopback(port: 0)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// A loopback port nobody listens on now.
    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw TestKitError.cannotStart("a loopback socket", String(cString: strerror(errno))) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(port.bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
