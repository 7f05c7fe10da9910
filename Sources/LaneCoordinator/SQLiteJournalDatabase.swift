import Foundation
import GRDB

/// The journal's tables in one SQLite file (write-ahead logging), for a coordinator on one
/// machine: the embedded default.
struct SQLiteJournalDatabase: JournalDatabase {
    private let queue: DatabaseQueue

    /// Opens (or creates) the file at `path` and brings its tables to the current version.
    init(path: String) throws {
        var configuration = Configuration()
        configuration.journalMode = .wal
        queue = try DatabaseQueue(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE entries (id INTEGER PRIMARY KEY, at REAL NOT NULL, kind TEXT NOT NULL, truck TEXT, trip TEXT, detail TEXT NOT NULL);
                    CREATE INDEX entries_at ON entries(at);
                    CREATE TABLE trips (trip TEXT PRIMARY KEY, truck TEXT NOT NULL, lane TEXT NOT NULL, channel TEXT NOT NULL,
                        container TEXT NOT NULL, perishable INTEGER NOT NULL, admittedAt REAL NOT NULL, endedAt REAL, outcome TEXT);
                    CREATE TABLE authorities (truck TEXT PRIMARY KEY, orderId TEXT NOT NULL, sequence INTEGER NOT NULL,
                        endPosition REAL NOT NULL, expiry REAL NOT NULL, at REAL NOT NULL);
                    CREATE TABLE holds (target TEXT PRIMARY KEY, kind TEXT NOT NULL, reason TEXT NOT NULL, at REAL NOT NULL);
                    CREATE TABLE crossings (id INTEGER PRIMARY KEY, at REAL NOT NULL, truck TEXT NOT NULL, trip TEXT, container TEXT,
                        kind TEXT NOT NULL, zone TEXT NOT NULL, channel TEXT);
                    CREATE INDEX crossings_at ON crossings(at);
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                    """)
        }
        migrator.registerMigration("2") { db in
            // The furthest end of the order's authorities: a shortening the truck may not have heard.
            try db.execute(sql: "ALTER TABLE authorities ADD COLUMN reach REAL")
            try db.execute(sql: "CREATE INDEX crossings_trip ON crossings(trip)")
        }
        try migrator.migrate(queue)
    }

    func write<T>(_ body: (any JournalStatements) throws -> T) throws -> T {
        try queue.write { db in try body(Statements(db: db)) }
    }

    func read<T>(_ body: (any JournalStatements) throws -> T) throws -> T {
        try queue.read { db in try body(Statements(db: db)) }
    }

    private struct Statements: JournalStatements {
        let db: Database

        func execute(_ sql: String, _ arguments: [JournalValue]) throws {
            try db.execute(sql: sql, arguments: Self.arguments(arguments))
        }

        func rows(_ sql: String, _ arguments: [JournalValue]) throws -> [JournalRow] {
            try Row.fetchAll(db, sql: sql, arguments: Self.arguments(arguments)).map { row in
                JournalRow(
                    row.map { column, value -> (String, JournalValue) in
                        switch value.storage {
                        case .null: (column, .null)
                        case .int64(let integer): (column, .integer(integer))
                        case .double(let real): (column, .real(real))
                        case .string(let text): (column, .text(text))
                        case .blob(let data): (column, .text(String(decoding: data, as: UTF8.self)))
                        }
                    })
            }
        }

        private static func arguments(_ values: [JournalValue]) -> StatementArguments {
            StatementArguments(
                values.map { value -> (any DatabaseValueConvertible)? in
                    switch value {
                    case .null: nil
                    case .integer(let integer): integer
                    case .real(let real): real
                    case .text(let text): text
                    }
                })
        }
    }
}
