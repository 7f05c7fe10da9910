/// Distance along a zone or a route, in metres.
public typealias Meters = Double
/// A duration, or an instant on the site clock, in seconds. The core never reads a clock:
/// every instant is passed in by the caller.
public typealias Seconds = Double
/// A speed, in metres per second.
public typealias MetersPerSecond = Double

/// Names a zone of a site: a yard gate, the X-ray scanner, a stretch of lane, the km 0 line.
public struct ZoneID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The name as written in the site file.
    public let rawValue: String
    /// Wraps a zone name.
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// Wraps a zone name written as a literal.
    public init(stringLiteral value: String) { self.rawValue = value }
    /// The zone name.
    public var description: String { rawValue }
    /// Orders zone names alphabetically, for stable reports.
    public static func < (lhs: ZoneID, rhs: ZoneID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Names a lane of a site, such as the driverless import lane of road 1119-1120.
public struct LaneID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The name as written in the site file.
    public let rawValue: String
    /// Wraps a lane name.
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// Wraps a lane name written as a literal.
    public init(stringLiteral value: String) { self.rawValue = value }
    /// The lane name.
    public var description: String { rawValue }
    /// Orders lane names alphabetically, for stable reports.
    public static func < (lhs: LaneID, rhs: LaneID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Names a driverless truck: its VDA 5050 serial number.
public struct TruckID: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The serial number.
    public let rawValue: String
    /// Wraps a serial number.
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// Wraps a serial number written as a literal.
    public init(stringLiteral value: String) { self.rawValue = value }
    /// The serial number.
    public var description: String { rawValue }
    /// Orders serial numbers alphabetically, for stable reports.
    public static func < (lhs: TruckID, rhs: TruckID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The customs channel of a shipment, which decides the truck's route after the scanner.
public enum CustomsChannel: String, Sendable, CaseIterable, Hashable {
    /// Pass after the X-ray scan.
    case green
    /// Document check.
    case yellow
    /// Physical inspection.
    case red
}
