/// A value bound to a statement or read from a result: what the journal's tables hold.
public enum PostgresValue: Sendable, Equatable {
    /// SQL NULL.
    case null
    /// An integer (`bigint`, `integer`, `smallint`; a boolean reads as 0 or 1).
    case integer(Int64)
    /// A floating-point number (`double precision`, `real`, `numeric`).
    case real(Double)
    /// Text (and every other type, in PostgreSQL's text form).
    case text(String)
}

/// The rows a statement returned, with its column names (as PostgreSQL spells them: unquoted
/// names in lower case).
public struct PostgresRows: Sendable, Equatable {
    /// The column names, in order.
    public var columns: [String]
    /// Each row's values, in column order.
    public var rows: [[PostgresValue]]

    /// Rows of a result.
    public init(columns: [String], rows: [[PostgresValue]]) {
        self.columns = columns
        self.rows = rows
    }

    /// The number of rows.
    public var count: Int { rows.count }
}
