/// The topics between the coordinator and the station systems (scanners, gates, customs
/// desks), one set per station zone. A station system's MQTT account is named after its zone.
public enum StationTopic {
    /// Where station `zone` publishes its state, retained (its last will says `offline`).
    public static func state(_ zone: String) -> String { "lanes/stations/\(zone)/state" }
    /// Where station `zone` publishes its result for a truck.
    public static func result(_ zone: String) -> String { "lanes/stations/\(zone)/result" }
    /// Where the coordinator tells station `zone` which truck is at it.
    public static func call(_ zone: String) -> String { "lanes/stations/\(zone)/call" }
    /// The filter of every station's state.
    public static let everyState = "lanes/stations/+/state"
    /// The filter of every station's results.
    public static let everyResult = "lanes/stations/+/result"

    /// The kinds of station topic.
    public enum Kind: String, Sendable {
        /// `state`.
        case state
        /// `result`.
        case result
        /// `call`.
        case call
    }

    /// The zone and kind of a station topic, nil for any other topic.
    public static func parse(_ topic: String) -> (zone: String, kind: Kind)? {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "lanes", parts[1] == "stations", !parts[2].isEmpty, let kind = Kind(rawValue: String(parts[3]))
        else { return nil }
        return (String(parts[2]), kind)
    }
}

/// A station system's state on `lanes/stations/{zone}/state`.
public struct StationStateMessage: Codable, Equatable, Sendable {
    /// What a station system can be.
    public enum State: String, Codable, Sendable, CaseIterable {
        /// Free for the next truck.
        case ready
        /// At work on a truck.
        case busy
        /// Not running (also its last will): its zone is closed.
        case offline
        /// Running but unable to work (beam down, barrier stuck): its zone is closed.
        case fault

        /// Whether the station can take trucks.
        public var isAvailable: Bool { self == .ready || self == .busy }
    }
    /// Counts up per message on the topic.
    public var headerId: UInt64
    /// ISO 8601 UTC, milliseconds.
    public var timestamp: String
    /// The site.
    public var siteId: String
    /// The station's zone (the topic's).
    public var zone: String
    /// See `State`.
    public var state: State
    /// Free text: what is wrong, for operators.
    public var detail: String?

    /// Describes a station's state.
    public init(headerId: UInt64, timestamp: String, siteId: String, zone: String, state: State, detail: String? = nil) {
        self.headerId = headerId
        self.timestamp = timestamp
        self.siteId = siteId
        self.zone = zone
        self.state = state
        self.detail = detail
    }
}

/// The coordinator's call to a station on `lanes/stations/{zone}/call`: this truck, on this
/// trip, stands at the station (or, at a drive-through portal, has entered it).
public struct StationCallMessage: Codable, Equatable, Sendable {
    /// Counts up per message on the topic.
    public var headerId: UInt64
    /// ISO 8601 UTC, milliseconds.
    public var timestamp: String
    /// The site.
    public var siteId: String
    /// The station's zone.
    public var zone: String
    /// The truck's serial number.
    public var truck: String
    /// The trip.
    public var tripId: String
    /// The container it carries.
    public var containerId: String
    /// 1 for the first call of the trip at this station, 2 for a rescan.
    public var attempt: Int

    /// Describes a call.
    public init(
        headerId: UInt64, timestamp: String, siteId: String, zone: String, truck: String, tripId: String, containerId: String,
        attempt: Int
    ) {
        self.headerId = headerId
        self.timestamp = timestamp
        self.siteId = siteId
        self.zone = zone
        self.truck = truck
        self.tripId = tripId
        self.containerId = containerId
        self.attempt = attempt
    }
}

/// A station's result for a truck it was called for, on `lanes/stations/{zone}/result`.
public struct StationResultMessage: Codable, Equatable, Sendable {
    /// What a station can say of a truck.
    public enum Outcome: String, Codable, Sendable, CaseIterable {
        /// Work done, the truck may go (gate opened, documents checked, inspection over).
        case done
        /// Scanner: the image is clear.
        case clear
        /// Scanner: the image shows something to inspect: the truck goes to physical inspection.
        case suspicious
        /// Scanner: the image cannot be read (or the truck left a portal's speed band): the
        /// truck is scanned again or sent on as the site file says.
        case unreadable
        /// The station will not let the truck go (gate refused, documents missing): it stays
        /// until the station says `done`, or an operator takes it off.
        case refused

        /// Whether a scanner gives this outcome (and only a scanner).
        public var isScan: Bool { self == .clear || self == .suspicious || self == .unreadable }
    }
    /// Counts up per message on the topic.
    public var headerId: UInt64
    /// ISO 8601 UTC, milliseconds.
    public var timestamp: String
    /// The site.
    public var siteId: String
    /// The station's zone (the topic's).
    public var zone: String
    /// The truck's serial number.
    public var truck: String
    /// The trip of the call answered.
    public var tripId: String
    /// See `Outcome`.
    public var result: Outcome
    /// Free text for the audit log.
    public var detail: String?

    /// Describes a result.
    public init(
        headerId: UInt64, timestamp: String, siteId: String, zone: String, truck: String, tripId: String, result: Outcome,
        detail: String? = nil
    ) {
        self.headerId = headerId
        self.timestamp = timestamp
        self.siteId = siteId
        self.zone = zone
        self.truck = truck
        self.tripId = tripId
        self.result = result
        self.detail = detail
    }
}
