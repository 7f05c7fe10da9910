/// Distance along a zone or a route, in metres.
public typealias Meters = Double
/// A duration, or an instant on the site clock, in seconds. The core never reads a clock:
/// every instant is passed in by the caller.
public typealias Seconds = Double
/// A speed, in metres per second.
public typealias MetersPerSecond = Double

/// A name from the domain (a zone, a lane, a truck), wrapped so that names of different kinds
/// cannot be mixed up. Conforming types only store the name.
public protocol DomainName: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The name as written in the site file or on the wire.
    var rawValue: String { get }
    /// Wraps a name.
    init(_ rawValue: String)
}

extension DomainName {
    /// Wraps a name written as a literal.
    public init(stringLiteral value: String) { self.init(value) }
    /// The name.
    public var description: String { rawValue }
    /// Orders names alphabetically, for stable reports.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Names a zone of a site: a yard gate, the X-ray scanner, a stretch of lane, the km 0 line.
public struct ZoneID: DomainName {
    /// The name as written in the site file.
    public let rawValue: String
    /// Wraps a zone name.
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// Names a lane of a site, such as the driverless import lane of road 1119-1120.
public struct LaneID: DomainName {
    /// The name as written in the site file.
    public let rawValue: String
    /// Wraps a lane name.
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// Names a driverless truck: its VDA 5050 serial number.
public struct TruckID: DomainName {
    /// The serial number.
    public let rawValue: String
    /// Wraps a serial number.
    public init(_ rawValue: String) { self.rawValue = rawValue }
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
