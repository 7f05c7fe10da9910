/// Why an MQTT operation failed.
public enum MQTTError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The configuration cannot be used (an empty client id with a persistent session, a TLS file missing…).
    case invalidConfiguration(String)
    /// The broker could not be reached (refused, unreachable, name not found).
    case unreachable(String)
    /// The TLS handshake failed: the broker's certificate is not trusted, or ours was refused.
    case tls(String)
    /// The broker refused the connection (bad user name or password, not authorised…).
    case refused(reasonCode: Int, reason: String)
    /// The broker did not answer the connection in time.
    case timedOut
    /// Not connected: a QoS 0 message cannot wait for a connection.
    case notConnected
    /// The broker refused a publish or subscription (not authorised, quota…).
    case rejected(reasonCode: Int, reason: String)
    /// The client was shut down before the operation completed.
    case closed
    /// libmosquitto refused the call (a malformed topic, a payload too large…).
    case library(code: Int, reason: String)

    /// A sentence naming the problem.
    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): "invalid MQTT configuration: \(reason)"
        case .unreachable(let reason): "broker unreachable: \(reason)"
        case .tls(let reason): "TLS failed: \(reason)"
        case .refused(let code, let reason): "broker refused the connection (\(code)): \(reason)"
        case .timedOut: "broker did not answer the connection in time"
        case .notConnected: "not connected to the broker"
        case .rejected(let code, let reason): "broker rejected the request (\(code)): \(reason)"
        case .closed: "MQTT client closed"
        case .library(let code, let reason): "libmosquitto error \(code): \(reason)"
        }
    }
}
