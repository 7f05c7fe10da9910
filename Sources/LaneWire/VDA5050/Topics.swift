/// A VDA 5050 topic: `interfaceName/majorVersion/manufacturer/serialNumber/topic`.
public struct VDA5050Topic: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The message kinds, by their topic name.
    public enum Kind: String, CaseIterable, Sendable {
        /// Fleet control → truck: the route and its base.
        case order
        /// Fleet control → truck: actions at once.
        case instantActions
        /// Truck → fleet control: its state.
        case state
        /// Truck → observers: position at a higher rate.
        case visualization
        /// Truck ↔ broker: connection state (retained, last will).
        case connection
        /// Truck → fleet control: capabilities.
        case factsheet
        /// Fleet control → truck: zones.
        case zoneSet
        /// Fleet control → truck: answers to zone requests.
        case responses
    }

    /// Configurable first level (the site's interface name).
    public var interfaceName: String
    /// `v3`.
    public var majorVersion: String
    /// The truck's manufacturer.
    public var manufacturer: String
    /// The truck's serial number.
    public var serialNumber: String
    /// The kind of message.
    public var kind: Kind

    /// A topic from its parts.
    public init(interfaceName: String, majorVersion: String = VDA5050.majorVersion, manufacturer: String, serialNumber: String, kind: Kind)
    {
        self.interfaceName = interfaceName
        self.majorVersion = majorVersion
        self.manufacturer = manufacturer
        self.serialNumber = serialNumber
        self.kind = kind
    }

    /// Reads a topic received from the broker; refuses wrong shapes, wildcards and unknown kinds.
    public init(parsing topic: String) throws(WireError) {
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard levels.count == 5 else {
            throw .invalidValue(
                path: "topic", reason: "'\(topic)' does not have the five levels interface/version/manufacturer/serial/topic")
        }
        for level in levels where level.isEmpty || level.contains("+") || level.contains("#") {
            throw .invalidValue(path: "topic", reason: "'\(topic)' has an empty or wildcard level")
        }
        guard let kind = Kind(rawValue: levels[4]) else {
            throw .invalidValue(path: "topic", reason: "'\(levels[4])' is not a VDA 5050 topic")
        }
        self.init(interfaceName: levels[0], majorVersion: levels[1], manufacturer: levels[2], serialNumber: levels[3], kind: kind)
    }

    /// The topic string.
    public var description: String { "\(interfaceName)/\(majorVersion)/\(manufacturer)/\(serialNumber)/\(kind.rawValue)" }

    /// The subscription that matches `kind` from every truck of every manufacturer.
    public static func everyTruck(interfaceName: String, kind: Kind) -> String {
        "\(interfaceName)/\(VDA5050.majorVersion)/+/+/\(kind.rawValue)"
    }

    /// Checks that a message's header names the truck its topic names (a truck may publish only
    /// as itself).
    public func check(_ message: some VDA5050Message) throws(WireError) {
        guard message.manufacturer == manufacturer, message.serialNumber == serialNumber else {
            throw .invalidValue(
                path: "serialNumber",
                reason: "message from \(message.manufacturer)/\(message.serialNumber) on the topic of \(manufacturer)/\(serialNumber)")
        }
    }
}

/// VDA 5050 timestamps: ISO 8601, UTC, milliseconds, `YYYY-MM-DDTHH:mm:ss.fffZ`.
public enum WireTimestamp {
    /// The timestamp of `seconds` since 1970-01-01T00:00:00Z.
    public static func format(secondsSince1970 seconds: Double) -> String {
        let milliseconds = Int64((seconds * 1000).rounded(.down))
        var days = milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000
        let inDay = milliseconds - days * 86_400_000
        // Civil date from days (Howard Hinnant's algorithm).
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let hours = inDay / 3_600_000
        let minutes = inDay / 60_000 % 60
        let secs = inDay / 1000 % 60
        let millis = inDay % 1000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hours, 2)):\(pad(minutes, 2)):\(pad(secs, 2)).\(pad(millis, 3))Z"
    }

    /// Seconds since 1970 of a timestamp in the VDA 5050 form; refuses any other form.
    public static func parse(_ text: String) throws(WireError) -> Double {
        let bytes = Array(text.utf8)
        func fail() -> WireError { .invalidValue(path: "timestamp", reason: "'\(text)' is not YYYY-MM-DDTHH:mm:ss.fffZ") }
        guard bytes.count == 24, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "."), bytes[23] == UInt8(ascii: "Z")
        else { throw fail() }
        func number(_ range: Range<Int>) throws(WireError) -> Int64 {
            var value: Int64 = 0
            for i in range {
                guard bytes[i] >= 48 && bytes[i] <= 57 else { throw fail() }
                value = value * 10 + Int64(bytes[i] - 48)
            }
            return value
        }
        let year = try number(0..<4)
        let month = try number(5..<7)
        let day = try number(8..<10)
        let hours = try number(11..<13)
        let minutes = try number(14..<16)
        let secs = try number(17..<19)
        let millis = try number(20..<23)
        guard (1...12).contains(month), (1...31).contains(day), hours < 24, minutes < 60, secs < 60 else { throw fail() }
        // Days from civil (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let total = ((days * 24 + hours) * 60 + minutes) * 60 + secs
        return Double(total) + Double(millis) / 1000
    }
}
