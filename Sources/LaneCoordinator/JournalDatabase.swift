/// A value bound to a journal statement or read from its tables.
enum JournalValue: Sendable, Equatable {
    /// SQL NULL.
    case null
    /// An integer (booleans are 0 and 1).
    case integer(Int64)
    /// A double-precision number.
    case real(Double)
    /// Text.
    case text(String)
}

/// One row a journal query returned, by column name (in lower case: PostgreSQL folds unquoted
/// names, SQLite keeps them as written).
struct JournalRow {
    private var values: [String: JournalValue] = [:]

    init(_ columns: some Sequence<(String, JournalValue)>) {
        for (name, value) in columns { values[name.lowercased()] = value }
    }

    /// The value of `column`, NULL if the row has no such column.
    subscript(_ column: String) -> JournalValue { values[column.lowercased()] ?? .null }

    /// Text, or nil for NULL.
    func text(_ column: String) -> String? {
        switch self[column] {
        case .text(let value): value
        case .integer(let value): String(value)
        case .real(let value): String(value)
        case .null: nil
        }
    }

    /// A number, or nil for NULL.
    func real(_ column: String) -> Double? {
        switch self[column] {
        case .real(let value): value
        case .integer(let value): Double(value)
        case .text(let value): Double(value)
        case .null: nil
        }
    }

    /// An integer, or nil for NULL.
    func integer(_ column: String) -> Int64? {
        switch self[column] {
        case .integer(let value): value
        case .real(let value): Int64(exactly: value)
        case .text(let value): Int64(value)
        case .null: nil
        }
    }
}

/// Where the journal keeps its tables: SQLite on the coordinator's machine, or PostgreSQL shared
/// by a standby pair. The journal's statements are written once, in the SQL both understand
/// (`?` placeholders, `INSERT … ON CONFLICT`, `CASE`, no dialect's own functions); a database
/// runs them in its transactions.
protocol JournalDatabase: Sendable {
    /// Runs `body` in one write transaction (for PostgreSQL, fenced by the active's epoch).
    func write<T>(_ body: (any JournalStatements) throws -> T) throws -> T
    /// Runs `body` in one read transaction.
    func read<T>(_ body: (any JournalStatements) throws -> T) throws -> T
}

/// The statements of one transaction.
protocol JournalStatements {
    /// Runs a statement that returns no rows.
    func execute(_ sql: String, _ arguments: [JournalValue]) throws
    /// Runs a query.
    func rows(_ sql: String, _ arguments: [JournalValue]) throws -> [JournalRow]
}

extension JournalStatements {
    /// Runs a statement without arguments.
    func execute(_ sql: String) throws { try execute(sql, []) }

    /// The first column of the first row, as an integer.
    func integer(_ sql: String, _ arguments: [JournalValue] = []) throws -> Int64? {
        guard let row = try rows(sql, arguments).first else { return nil }
        return row.integer(row.firstColumn)
    }
}

extension JournalRow {
    /// The name of a column, for a one-column query.
    fileprivate var firstColumn: String { values.keys.first ?? "" }
}

/// Values bound to statements, from the Swift values the journal writes.
protocol JournalBindable {
    /// The value as bound.
    var journalValue: JournalValue { get }
}

extension String: JournalBindable {
    var journalValue: JournalValue { .text(self) }
}
extension Double: JournalBindable {
    var journalValue: JournalValue { .real(self) }
}
extension Int64: JournalBindable {
    var journalValue: JournalValue { .integer(self) }
}
extension Int: JournalBindable {
    var journalValue: JournalValue { .integer(Int64(self)) }
}
extension Bool: JournalBindable {
    var journalValue: JournalValue { .integer(self ? 1 : 0) }
}
extension Optional: JournalBindable where Wrapped: JournalBindable {
    var journalValue: JournalValue { self?.journalValue ?? .null }
}
