import Foundation
import LaneWire

/// A plain text table: a header line and left-aligned columns two spaces apart.
struct Table {
    var header: [String]
    var rows: [[String]] = []

    init(_ header: String...) { self.header = header }

    mutating func add(_ row: [String]) { rows.append(row) }

    var text: String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

/// Times as operators read and type them: in the local time zone of the machine (the command
/// centre's; `TZ` overrides it).
enum LocalTime {
    static func formatter(_ pattern: String, _ timeZone: TimeZone = .current) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = pattern
        return formatter
    }

    /// `2026-11-30 02:14:05 +07:00`.
    static func full(_ seconds: Double, _ timeZone: TimeZone = .current) -> String {
        formatter("yyyy-MM-dd HH:mm:ss xxx", timeZone).string(from: Date(timeIntervalSince1970: seconds))
    }

    /// `02:14:05`.
    static func clock(_ seconds: Double) -> String {
        formatter("HH:mm:ss").string(from: Date(timeIntervalSince1970: seconds))
    }

    /// Reads an instant: ISO 8601 (`2026-11-30T02:00:00Z`, `2026-11-30T02:00:00+07:00`), a local
    /// date and time (`2026-11-30 02:00`), or a local time of today (`02:00`, `02:00:30`).
    static func parse(_ text: String, now: Date = Date()) -> Double? {
        let iso = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime]] {
            iso.formatOptions = options
            if let date = iso.date(from: text) { return date.timeIntervalSince1970 }
        }
        for pattern in ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm"] {
            if let date = formatter(pattern).date(from: text) { return date.timeIntervalSince1970 }
        }
        let day = formatter("yyyy-MM-dd").string(from: now)
        for pattern in ["HH:mm:ss", "HH:mm"] {
            if formatter(pattern).date(from: text) != nil, let date = formatter("yyyy-MM-dd \(pattern)").date(from: "\(day) \(text)") {
                return date.timeIntervalSince1970
            }
        }
        return nil
    }
}

/// Numbers in tables: fixed decimals, `-` for none.
func cell(_ value: Double?, _ decimals: Int = 1) -> String {
    guard let value else { return "-" }
    return String(format: "%.\(decimals)f", value)
}

/// Seconds from `now` to an ISO 8601 instant, `-` for none.
func secondsUntil(_ instant: String?, now: Double?) -> Double? {
    guard let instant, let now, let at = try? WireTimestamp.parse(instant) else { return nil }
    return at - now
}
