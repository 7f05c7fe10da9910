public import LaneWire

/// The audit log as an operator's `history` reads it: crossings (zone entries, km 0, stations
/// passed), trips admitted and ended, stops, goes and emergency stops, holds and closures, trucks
/// going stale or offline, in time order. Authorities, the bulk of the journal, are left out by
/// the query (`Journal.entries(excluding:)`).
public enum HistoryReport {
    /// The items of `crossings` and `entries`, of `truck` only if set, in time order.
    public static func items(crossings: [Crossing], entries: [JournalLogEntry], truck: String?) -> WireValue {
        var items: [(at: Double, value: WireValue)] = []
        for c in crossings where truck == nil || c.truck.rawValue == truck {
            var fields: [String: WireValue] = [
                "at": .string(WireTimestamp.format(secondsSince1970: c.at)), "truck": .string(c.truck.rawValue),
                "kind": .string(c.kind.rawValue), "zone": .string(c.zone.rawValue),
            ]
            if let trip = c.tripId { fields["trip"] = .string(trip) }
            if let container = c.containerId { fields["container"] = .string(container) }
            if let channel = c.channel { fields["channel"] = .string(channel.rawValue) }
            items.append((c.at, .object(fields)))
        }
        for e in entries where e.kind != .authority {
            if let truck, e.truck != truck { continue }
            var fields: [String: WireValue] = [
                "at": .string(WireTimestamp.format(secondsSince1970: e.at)), "kind": .string(e.kind.rawValue), "detail": .string(e.detail),
            ]
            if let truck = e.truck { fields["truck"] = .string(truck) }
            if let trip = e.trip { fields["trip"] = .string(trip) }
            items.append((e.at, .object(fields)))
        }
        return .array(items.sorted { $0.at < $1.at }.map(\.value))
    }
}
