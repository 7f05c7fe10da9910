/// Why a PostgreSQL operation failed.
public enum PostgresError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The server could not be reached, or refused the connection (the connection string names
    /// where and as whom).
    case cannotConnect(String)
    /// The server rejected a statement: its SQLSTATE (`23505` a unique violation, `40001` a
    /// serialization failure…) and message.
    case statementFailed(sqlState: String, message: String)
    /// The connection broke during a statement; the next statement connects again.
    case connectionLost(String)

    /// A sentence naming the problem.
    public var description: String {
        switch self {
        case .cannotConnect(let reason): "cannot connect to PostgreSQL: \(reason)"
        case .statementFailed(let state, let message): "PostgreSQL rejected a statement (\(state)): \(message)"
        case .connectionLost(let reason): "PostgreSQL connection lost: \(reason)"
        }
    }
}
