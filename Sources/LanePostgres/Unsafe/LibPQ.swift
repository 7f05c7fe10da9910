import CLibPQ
import Foundation

/// A PostgreSQL connection through libpq: statements with parameters, transactions, and a new
/// connection after a broken one. Calls block (a statement on the site's network takes well
/// under a millisecond), and one caller at a time uses the connection. Every libpq pointer of
/// the project is in this file.
public final class PostgresConnection: @unchecked Sendable {
    /// Where and as whom to connect: a libpq connection string, such as
    /// `host=10.0.0.5 port=5432 dbname=lanes user=coordinator` (several `host=a,b` with
    /// `target_session_attrs=read-write` reach whichever is the primary).
    public let connectionString: String
    // The lock serialises callers; `handle` is only touched under it.
    private let lock = NSRecursiveLock()
    private var handle: OpaquePointer?

    /// Connects.
    public init(_ connectionString: String) throws(PostgresError) {
        self.connectionString = connectionString
        handle = try Self.connect(connectionString)
    }

    deinit { PQfinish(handle) }

    private static func connect(_ connectionString: String) throws(PostgresError) -> OpaquePointer {
        guard let connection = PQconnectdb(connectionString) else { throw .cannotConnect("out of memory") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let reason = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(connection)
            throw .cannotConnect(reason)
        }
        // Notices (such as "relation already exists, skipping") are not the caller's business.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        return connection
    }

    /// Runs one statement with `parameters` (`$1`, `$2`…, sent as text; PostgreSQL infers their
    /// types from the statement) and returns its rows.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [PostgresValue] = []) throws(PostgresError) -> PostgresRows {
        lock.lock()
        defer { lock.unlock() }
        let connection = try connected()
        let texts: [String?] = parameters.map {
            switch $0 {
            case .null: nil
            case .integer(let value): String(value)
            case .real(let value): value.isFinite ? "\(value)" : (value > 0 ? "Infinity" : value < 0 ? "-Infinity" : "NaN")
            case .text(let value): value
            }
        }
        let copies = texts.map { $0.map { strdup($0) } ?? nil }
        defer { for copy in copies { free(copy) } }
        let result: OpaquePointer? = copies.map { UnsafePointer($0) }.withUnsafeBufferPointer {
            PQexecParams(connection, sql, Int32(parameters.count), nil, $0.baseAddress, nil, nil, 0)
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
            if PQstatus(connection) != CONNECTION_OK { throw .connectionLost(message) }
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            throw .statementFailed(sqlState: state, message: message)
        }
        return Self.rows(of: result)
    }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    @discardableResult
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            _ = try? execute("ROLLBACK")
            throw error
        }
    }

    /// The live connection: after a broken one, a new one (libpq's reset).
    private func connected() throws(PostgresError) -> OpaquePointer {
        guard let handle else { throw .connectionLost("closed") }
        if PQstatus(handle) != CONNECTION_OK {
            PQreset(handle)
            guard PQstatus(handle) == CONNECTION_OK else {
                throw .connectionLost(String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        return handle
    }

    private static func rows(of result: OpaquePointer?) -> PostgresRows {
        let columnCount = PQnfields(result)
        let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
        let types = (0..<columnCount).map { PQftype(result, $0) }
        let rows = (0..<PQntuples(result)).map { row in
            (0..<columnCount).map { column -> PostgresValue in
                guard PQgetisnull(result, row, column) == 0 else { return .null }
                let text = String(cString: PQgetvalue(result, row, column))
                switch types[Int(column)] {
                case 16: return .integer(text == "t" ? 1 : 0)  // bool
                case 20, 21, 23: return Int64(text).map(PostgresValue.integer) ?? .text(text)  // int8, int2, int4
                case 700, 701, 1700: return Double(text).map(PostgresValue.real) ?? .text(text)  // float4, float8, numeric
                default: return .text(text)
                }
            }
        }
        return PostgresRows(columns: columns, rows: rows)
    }
}
