import LanePostgres
import Synchronization

/// The journal's tables in PostgreSQL, shared by a site's coordinators (one database, or one
/// schema, per site). Writes run only under the site's lease: each is a `fencedTransaction` of
/// the epoch this coordinator holds, so a coordinator whose lease another has taken writes
/// nothing (`LeaderLease.Refusal.fenced`), and one that holds no lease yet (a standby) only reads.
final class PostgresJournalDatabase: JournalDatabase {
    private let connection: PostgresConnection
    private let lease: LeaderLease?
    private let epoch = Mutex<UInt64?>(nil)

    /// The tables on `connection`, created if missing; writes fenced by `lease` when given (a
    /// standby pair), unfenced without one (a single coordinator on a shared database).
    init(connection: PostgresConnection, lease: LeaderLease?) throws {
        self.connection = connection
        self.lease = lease
        try connection.transaction {
            // Two coordinators starting together must not create the tables twice.
            try connection.execute("SELECT pg_advisory_xact_lock(5050)")
            for statement in Self.schema { try connection.execute(statement) }
        }
    }

    /// The tables: those of the SQLite journal at its latest version, in PostgreSQL's types.
    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS entries (id BIGSERIAL PRIMARY KEY, at DOUBLE PRECISION NOT NULL, kind TEXT NOT NULL, truck TEXT,
            trip TEXT, detail TEXT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS entries_at ON entries(at)",
        """
        CREATE TABLE IF NOT EXISTS trips (trip TEXT PRIMARY KEY, truck TEXT NOT NULL, lane TEXT NOT NULL, channel TEXT NOT NULL,
            container TEXT NOT NULL, perishable INTEGER NOT NULL, admittedAt DOUBLE PRECISION NOT NULL, endedAt DOUBLE PRECISION,
            outcome TEXT)
        """,
        """
        CREATE TABLE IF NOT EXISTS authorities (truck TEXT PRIMARY KEY, orderId TEXT NOT NULL, sequence BIGINT NOT NULL,
            endPosition DOUBLE PRECISION NOT NULL, expiry DOUBLE PRECISION NOT NULL, at DOUBLE PRECISION NOT NULL,
            reach DOUBLE PRECISION)
        """,
        "CREATE TABLE IF NOT EXISTS holds (target TEXT PRIMARY KEY, kind TEXT NOT NULL, reason TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS crossings (id BIGSERIAL PRIMARY KEY, at DOUBLE PRECISION NOT NULL, truck TEXT NOT NULL, trip TEXT,
            container TEXT, kind TEXT NOT NULL, zone TEXT NOT NULL, channel TEXT)
        """,
        "CREATE INDEX IF NOT EXISTS crossings_at ON crossings(at)",
        "CREATE INDEX IF NOT EXISTS crossings_trip ON crossings(trip)",
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL)",
    ]

    /// From now on, writes are fenced by `epoch` (the lease this coordinator took).
    func lead(epoch: UInt64) { self.epoch.withLock { $0 = epoch } }

    func write<T>(_ body: (any JournalStatements) throws -> T) throws -> T {
        guard let lease else { return try connection.transaction { try body(Statements(connection: connection)) } }
        guard let epoch = epoch.withLock({ $0 }) else { throw JournalError.notActive }
        return try lease.fencedTransaction(epoch: epoch) { try body(Statements(connection: connection)) }
    }

    func read<T>(_ body: (any JournalStatements) throws -> T) throws -> T {
        try connection.transaction { try body(Statements(connection: connection)) }
    }

    private struct Statements: JournalStatements {
        let connection: PostgresConnection

        func execute(_ sql: String, _ arguments: [JournalValue]) throws {
            try connection.execute(Self.numbered(sql), arguments.map(Self.value))
        }

        func rows(_ sql: String, _ arguments: [JournalValue]) throws -> [JournalRow] {
            let result = try connection.execute(Self.numbered(sql), arguments.map(Self.value))
            return result.rows.map { row in
                JournalRow(
                    zip(result.columns, row).map { column, value -> (String, JournalValue) in
                        switch value {
                        case .null: (column, .null)
                        case .integer(let integer): (column, .integer(integer))
                        case .real(let real): (column, .real(real))
                        case .text(let text): (column, .text(text))
                        }
                    })
            }
        }

        private static func value(_ value: JournalValue) -> PostgresValue {
            switch value {
            case .null: .null
            case .integer(let integer): .integer(integer)
            case .real(let real): .real(real)
            case .text(let text): .text(text)
            }
        }

        /// The journal's `?` placeholders as PostgreSQL's `$1`, `$2`… (outside quoted text).
        static func numbered(_ sql: String) -> String {
            var result = ""
            var number = 0
            var quoted = false
            for character in sql {
                if character == "'" { quoted.toggle() }
                if character == "?" && !quoted {
                    number += 1
                    result += "$\(number)"
                } else {
                    result.append(character)
                }
            }
            return result
        }
    }
}

/// Why the journal refused a write.
public enum JournalError: Error, Equatable, Sendable, CustomStringConvertible {
    /// This coordinator is a standby: it holds no lease, and a standby only reads.
    case notActive

    /// A sentence naming the problem.
    public var description: String {
        switch self {
        case .notActive: "this coordinator holds no lease on the site: a standby does not write the journal"
        }
    }
}
