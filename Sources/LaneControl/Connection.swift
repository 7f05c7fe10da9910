public import ArgumentParser
import Foundation
public import LaneMQTT
public import LaneWire
import Synchronization

/// Why a lanectl command failed, with the exit code scripts can rely on.
public enum LanectlError: Error, CustomStringConvertible, Equatable {
    /// The coordinator carried nothing out: it refused the command (exit 1).
    case refused(String)
    /// The broker cannot be reached (exit 3).
    case brokerUnreachable(String)
    /// The broker or the coordinator refused this account (exit 4).
    case notAuthorized(String)
    /// The coordinator's retained status says it is offline (exit 5).
    case coordinatorOffline(since: String?)
    /// No answer within the timeout (exit 6).
    case timedOut(seconds: Double, detail: String)
    /// A site or scenario file is not valid (exit 7).
    case invalidFile(String)
    /// An emergency stop was not confirmed (exit 8).
    case notConfirmed(String)

    /// The process exit code.
    public var exitCode: Int32 {
        switch self {
        case .refused: 1
        case .brokerUnreachable: 3
        case .notAuthorized: 4
        case .coordinatorOffline: 5
        case .timedOut: 6
        case .invalidFile: 7
        case .notConfirmed: 8
        }
    }

    /// A sentence for the operator.
    public var description: String {
        switch self {
        case .refused(let reason): "refused by the coordinator: \(reason)"
        case .brokerUnreachable(let reason): "cannot reach the broker: \(reason)"
        case .notAuthorized(let reason): "not authorised: \(reason)"
        case .coordinatorOffline(let since):
            "the coordinator is offline\(since.map { " (since \($0))" } ?? ""): nothing was sent; trucks stop at their end of authority"
        case .timedOut(let seconds, let detail): "no answer within \(Self.seconds(seconds)) s: \(detail)"
        case .invalidFile(let reason): reason
        case .notConfirmed(let reason): reason
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}

/// How lanectl reaches the broker and names itself. Every option also has an environment
/// variable, so that credentials need not appear on the command line.
public struct ConnectionOptions: ParsableArguments, Sendable {
    /// Broker host.
    @Option(
        name: .long,
        help: "Broker host, or a clustered broker's nodes: host[:port],... (env LANECTL_HOST; default 127.0.0.1).")
    public var host: String?
    /// Broker port.
    @Option(name: .long, help: "Broker port (env LANECTL_PORT; default 1883, 8883 with TLS).") public var port: Int?
    /// Broker user name.
    @Option(name: .long, help: "Broker user name (env LANECTL_USERNAME).") public var username: String?
    /// File holding the broker password.
    @Option(name: .long, help: "File holding the broker password (env LANECTL_PASSWORD_FILE; or the password in env LANECTL_PASSWORD).")
    public var passwordFile: String?
    /// CA certificate of the broker (TLS).
    @Option(name: .long, help: "CA certificate of the broker: connect with TLS (env LANECTL_TLS_CA).") public var tlsCa: String?
    /// Client certificate (TLS).
    @Option(name: .long, help: "Client certificate for TLS (env LANECTL_TLS_CERT).") public var tlsCert: String?
    /// Client key (TLS).
    @Option(name: .long, help: "Client key for TLS (env LANECTL_TLS_KEY).") public var tlsKey: String?
    /// The coordinator's site id.
    @Option(name: .long, help: "The coordinator's site id (env LANECTL_SITE; default: from the coordinator's status).")
    public var siteId: String?
    /// Seconds to wait for the broker and the coordinator.
    @Option(name: .long, help: "Seconds to wait for the broker and the coordinator.") public var timeout: Double = 5
    /// JSON output.
    @Flag(name: .long, help: "Print the coordinator's answer as JSON (one line) for scripts.") public var json = false

    /// Options as parsed (ArgumentParser).
    public init() {}

    /// Checks the timeout.
    public func validate() throws {
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be above zero") }
    }

    /// The MQTT configuration, with `environment` filling what the command line leaves out.
    public func mqtt(environment: [String: String]? = nil) throws -> MQTTConfiguration {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let ca = tlsCa ?? environment["LANECTL_TLS_CA"]
        let defaultPort = ca == nil ? 1883 : 8883
        let port = port ?? environment["LANECTL_PORT"].map { Int($0) ?? -1 } ?? defaultPort
        guard (1...65535).contains(port) else {
            throw ValidationError("the port (--port or LANECTL_PORT) must be a number from 1 to 65535")
        }
        let user = username ?? environment["LANECTL_USERNAME"]
        var password = environment["LANECTL_PASSWORD"]
        if let file = passwordFile ?? environment["LANECTL_PASSWORD_FILE"] {
            do {
                password = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .newlines)
            } catch {
                throw ValidationError("cannot read the password file \(file): \(error.localizedDescription)")
            }
        }
        let hosts = (host ?? environment["LANECTL_HOST"] ?? "127.0.0.1").split(separator: ",", omittingEmptySubsequences: false)
        let endpoints = try hosts.map { text in
            guard let endpoint = MQTTEndpoint(parsing: String(text), defaultPort: port) else {
                throw ValidationError("the broker '\(text)' (--host or LANECTL_HOST) is not host or host:port (port 1-65535)")
            }
            return endpoint
        }
        var configuration = MQTTConfiguration(
            host: endpoints[0].host, port: endpoints[0].port,
            clientId: "lanectl-\(user ?? "anonymous")-\(getpid())-\(UInt16.random(in: 0...UInt16.max))", keepalive: 30,
            reconnectDelay: (1, 1), connectTimeout: timeout)
        configuration.endpoints = endpoints
        if let user { configuration.credentials = MQTTCredentials(username: user, password: password ?? "") }
        if let ca {
            configuration.tls = MQTTTLS(
                caFile: ca, certificateFile: tlsCert ?? environment["LANECTL_TLS_CERT"], keyFile: tlsKey ?? environment["LANECTL_TLS_KEY"])
        }
        return configuration
    }

    /// The operator's name recorded with each request: the broker account, else the login name.
    func operatorName() -> String {
        let environment = ProcessInfo.processInfo.environment
        return username ?? environment["LANECTL_USERNAME"] ?? environment["USER"] ?? "operator"
    }
}

/// One operator session with the coordinator: connect, learn the site and whether the
/// coordinator is online from its retained status, send a request (MQTT 5 response topic and
/// correlation data) and wait for the answer, all within the timeout.
public final class OperatorSession: Sendable {
    let client: MQTTClient
    let options: ConnectionOptions
    let replyTopic: String
    let inbox: Inbox

    /// Connects and subscribes to the coordinator's status and to this session's replies.
    public static func open(_ options: ConnectionOptions) async throws -> OperatorSession {
        let configuration = try options.mqtt()
        let client: MQTTClient
        do {
            client = try MQTTClient(configuration)
            try await client.connect()
        } catch {
            throw Self.translate(error, configuration: configuration)
        }
        let session = OperatorSession(
            client: client, options: options, replyTopic: CoordinatorTopic.operatorReplies(configuration.clientId))
        do {
            try await client.subscribe(session.replyTopic)
            try await client.subscribe(CoordinatorTopic.status)
        } catch {
            await client.close()
            throw Self.translate(error, configuration: configuration)
        }
        return session
    }

    init(client: MQTTClient, options: ConnectionOptions, replyTopic: String) {
        self.client = client
        self.options = options
        self.replyTopic = replyTopic
        inbox = Inbox(client)
    }

    /// Sends `request` (its header, site and operator filled in here) and returns the
    /// coordinator's result; throws `LanectlError` for a refusal, an offline coordinator, a
    /// denial or the timeout.
    public func send(_ request: OperatorRequest) async throws -> WireValue? {
        let command = request.command
        let timeout = options.timeout
        let deadline = ContinuousClock.now + .seconds(timeout)
        // The site id: given, or from the coordinator's retained status (which also says
        // whether it is online).
        var siteId = options.siteId ?? ProcessInfo.processInfo.environment["LANECTL_SITE"]
        if siteId == nil {
            guard let status = try await inbox.status(until: deadline) else {
                throw LanectlError.timedOut(
                    seconds: timeout,
                    detail: "the broker holds no coordinator status: is a coordinator running on this broker? (--site-id skips this check)")
            }
            siteId = status.siteId
        }
        if let status = inbox.latestStatus, status.state == .offline { throw LanectlError.coordinatorOffline(since: status.since) }
        let correlation = Array(UUID().uuidString.utf8)
        var request = request
        request.headerId = 1
        request.timestamp = WireTimestamp.format(secondsSince1970: Date().timeIntervalSince1970)
        request.siteId = siteId ?? ""
        request.operator = options.operatorName()
        let message = MQTTOutbound(
            topic: CoordinatorTopic.operatorRequests, payload: try WireEncoder().encode(request), qos: .atLeastOnce,
            properties: MQTTProperties(
                messageExpiry: UInt32(max(1, timeout.rounded(.up))), contentType: "application/json", responseTopic: replyTopic,
                correlationData: correlation))
        do {
            try await withDeadline(deadline, seconds: timeout, detail: "the broker did not acknowledge the request") {
                try await self.client.publish(message)
            }
        } catch let error as MQTTError {
            throw Self.translate(error, configuration: client.configuration)
        }
        let outcome = try await inbox.reply(correlation: correlation, until: deadline)
        switch outcome {
        case .reply(let reply):
            switch reply.outcome {
            case .done: return reply.result
            case .rejected: throw LanectlError.refused(reply.reason ?? "no reason given")
            case .denied: throw LanectlError.notAuthorized(reply.reason ?? "the coordinator denied this account")
            }
        case .offline(let since): throw LanectlError.coordinatorOffline(since: since)
        case .none:
            let online = inbox.latestStatus.map { "the coordinator's last status says \($0.state.rawValue) since \($0.since)" }
            throw LanectlError.timedOut(
                seconds: timeout, detail: "the coordinator did not answer '\(command.rawValue)'" + (online.map { "; \($0)" } ?? ""))
        }
    }

    /// Disconnects.
    public func close() async {
        inbox.stop()
        await client.close()
    }

    static func translate(_ error: MQTTError, configuration: MQTTConfiguration) -> LanectlError {
        let brokers = configuration.endpoints.map(\.description).joined(separator: ", ")
        let account = configuration.credentials.map { "account '\($0.username)'" } ?? "an anonymous client"
        switch error {
        case .refused(let code, let reason) where code == 0x86 || code == 0x87 || code == 4 || code == 5:
            return .notAuthorized("the broker refused \(account): \(reason)")
        case .rejected(let code, let reason) where code == 0x87:
            return .notAuthorized("the broker does not let \(account) send operator commands (\(reason)): use an operator account")
        case .timedOut:
            return .timedOut(seconds: configuration.connectTimeout, detail: "the broker at \(brokers) did not answer")
        case .unreachable(let reason):
            return .brokerUnreachable(configuration.endpoints.count == 1 ? reason : "\(brokers) (the last: \(reason))")
        default:
            return .brokerUnreachable("\(brokers): \(error)")
        }
    }
}

extension OperatorRequest {
    /// A request for `command` with its fields; the header, site and operator are filled in when
    /// it is sent.
    public static func blank(
        _ command: OperatorCommandName, truck: String? = nil, lane: String? = nil, zone: String? = nil, reason: String? = nil,
        priority: Bool? = nil,
        from: String? = nil, to: String? = nil, trip: String? = nil, destination: String? = nil, container: String? = nil,
        channel: WireChannel? = nil, perishable: Bool? = nil
    ) -> OperatorRequest {
        OperatorRequest(
            headerId: 0, timestamp: "", siteId: "", operator: "", command: command, truck: truck, lane: lane, zone: zone, reason: reason,
            priority: priority, from: from, to: to, trip: trip, destination: destination, container: container, channel: channel,
            perishable: perishable)
    }
}

/// A lanectl command that sends the coordinator an operator request.
public protocol OperatorRequestCommand: AsyncParsableCommand {
    /// How to reach the broker.
    var connection: ConnectionOptions { get }
    /// What it sends (the first request, for a command that sends several).
    var request: OperatorRequest { get }
}

/// A command that sends its one request and shows the answer: for scripts (`--json`) as
/// `json` gives it, else as `text` words it.
protocol ShownRequest: OperatorRequestCommand {
    /// The answer for scripts; the coordinator's result as it came by default.
    func json(_ result: WireValue) -> WireValue
    /// The answer for the operator.
    func text(_ result: WireValue) -> String
}

extension ShownRequest {
    func json(_ result: WireValue) -> WireValue { result }

    /// Sends the request and prints the answer (a failure as its message and exit code).
    func sendAndShow() async throws {
        try await operate {
            let result = try await connection.send(request) ?? .object([:])
            connection.present(json(result), text(result))
        }
    }

    func run() async throws { try await sendAndShow() }
}

/// Runs `body` until `deadline`; past it, throws `.timedOut` even if `body` never returns (a
/// command-line tool must not hang).
func withDeadline<T: Sendable>(
    _ deadline: ContinuousClock.Instant, seconds: Double, detail: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let waiter = OneShot<T>()
    return try await withCheckedThrowingContinuation { continuation in
        waiter.set(continuation)
        let work = Task {
            do {
                waiter.resume(with: .success(try await body()))
            } catch {
                waiter.resume(with: .failure(error))
            }
        }
        Task {
            try? await Task.sleep(until: deadline)
            work.cancel()
            waiter.resume(with: .failure(LanectlError.timedOut(seconds: seconds, detail: detail)))
        }
    }
}

/// A continuation resumed once, by whichever comes first.
final class OneShot<T: Sendable>: Sendable {
    let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

    func set(_ continuation: CheckedContinuation<T, any Error>) { self.continuation.withLock { $0 = continuation } }

    func resume(with result: Result<T, any Error>) {
        continuation.withLock { $0.take() }?.resume(with: result)
    }
}

/// The messages of a session, read on their own task: the coordinator's status and the replies.
final class Inbox: Sendable {
    enum Outcome { case reply(OperatorReply), offline(since: String), none }

    struct Received {
        var status: CoordinatorStatus?
        var replies: [(correlation: [UInt8]?, reply: OperatorReply)] = []
    }

    final class Box: Sendable {
        let received = Mutex(Received())
    }

    let box = Box()
    let reading: Task<Void, Never>

    init(_ client: MQTTClient) {
        let box = self.box
        reading = Task {
            let decoder = WireDecoder()
            for await message in client.messages {
                if message.topic == CoordinatorTopic.status {
                    if let status = try? decoder.decode(CoordinatorStatus.self, from: message.payload) {
                        box.received.withLock { $0.status = status }
                    }
                } else if let reply = try? decoder.decode(OperatorReply.self, from: message.payload) {
                    box.received.withLock { $0.replies.append((message.properties.correlationData, reply)) }
                }
            }
        }
    }

    var latestStatus: CoordinatorStatus? { box.received.withLock { $0.status } }

    func stop() { reading.cancel() }

    /// The retained status, waited for until `deadline`.
    func status(until deadline: ContinuousClock.Instant) async throws -> CoordinatorStatus? {
        while ContinuousClock.now < deadline {
            if let status = latestStatus { return status }
            try await Task.sleep(for: .milliseconds(10))
        }
        return latestStatus
    }

    /// The reply with `correlation`, or the coordinator going offline, until `deadline`.
    func reply(correlation: [UInt8], until deadline: ContinuousClock.Instant) async throws -> Outcome {
        while ContinuousClock.now < deadline {
            let (status, reply) = box.received.withLock { s in (s.status, s.replies.first { $0.correlation == correlation }?.reply) }
            if let reply { return .reply(reply) }
            if let status, status.state == .offline { return .offline(since: status.since) }
            try await Task.sleep(for: .milliseconds(10))
        }
        return .none
    }
}
