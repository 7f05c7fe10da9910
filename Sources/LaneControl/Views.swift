public import Foundation
public import LaneWire

/// The operator's views of the coordinator's answers, as plain text.
public enum Views {
    /// Everything at a glance: the coordinator, the lanes, the zones, the trucks and the
    /// reservations (the answer to `status`).
    public static func status(_ status: WireValue) -> String {
        [headline(status), lanes(status), zones(status), trucks(status), reservations(status)].joined(separator: "\n\n")
    }

    /// One line: site, coordinator state, clock, counts, holds.
    public static func headline(_ status: WireValue) -> String {
        let now = status["now"]?.text ?? "?"
        let count = Int(status["trucks"]?.number ?? 0)
        let trips = Int(status["activeTrips"]?.number ?? 0)
        let stale = status["staleTrucks"]?.items.compactMap(\.text) ?? []
        var line = "coordinator \(status["state"]?.text ?? "?") at \(now) · \(count) trucks, \(trips) on trips"
        line += stale.isEmpty ? ", none stale" : ", stale: \(stale.joined(separator: " "))"
        if status["siteHeld"]?.flag == true { line += " · SITE HELD" }
        return line
    }

    /// The lanes and whether each is open, held or draining.
    public static func lanes(_ status: WireValue) -> String {
        var table = Table("LANE", "DIRECTION", "FROM", "TO", "DRIVERLESS", "STATE")
        for lane in status["lanes"]?.items ?? [] {
            let state = lane["draining"]?.flag == true ? "draining" : lane["held"]?.flag == true ? "held" : "open"
            table.add([
                lane["lane"]?.text ?? "?", lane["direction"]?.text ?? "?", lane["from"]?.text ?? "?", lane["to"]?.text ?? "?",
                lane["driverless"]?.flag == true ? "yes" : "no", state,
            ])
        }
        return table.text
    }

    /// The zones in site order, the trucks in each and the closures.
    public static func zones(_ status: WireValue) -> String {
        var table = Table("ZONE", "KIND", "TRUCKS", "CLOSED")
        for zone in status["zones"]?.items ?? [] {
            let trucks = zone["trucks"]?.items.compactMap(\.text) ?? []
            table.add([
                zone["zone"]?.text ?? "?", zone["kind"]?.text ?? "?", trucks.isEmpty ? "-" : trucks.joined(separator: " "),
                zone["closed"]?.text ?? "-",
            ])
        }
        return table.text
    }

    /// What a truck is doing, in a word.
    static func condition(_ truck: WireValue) -> String {
        if truck["emergencyStopped"]?.flag == true { return "E-STOPPED" }
        if truck["stale"]?.flag == true { return "STALE" }
        if truck["held"]?.flag == true { return "held" }
        if truck["trip"] == nil { return "in yard" }
        if (truck["speed"]?.number ?? 0) > 0.05 { return "moving" }
        return truck["waitsFor"] != nil ? "waiting" : "standing"
    }

    /// Every truck: trip, lane, channel, zone, position, speed, authority, its expiry, the age
    /// of its last state, what it does and its next slot.
    public static func trucks(_ status: WireValue) -> String {
        let now = status["now"]?.text.flatMap { try? WireTimestamp.parse($0) }
        var table = Table(
            "TRUCK", "TRIP", "LANE", "CH", "ZONE", "FRONT m", "SPEED m/s", "AUTH END m", "AUTH s", "STATE AGE s", "DOING", "WAITS FOR",
            "NEXT SLOT")
        for truck in status["fleet"]?.items ?? [] {
            let next = truck["slots"]?.items.filter { (secondsUntil($0["closes"]?.text, now: now) ?? -1) > 0 }
                .min { (secondsUntil($0["opens"]?.text, now: now) ?? 0) < (secondsUntil($1["opens"]?.text, now: now) ?? 0) }
            let slot = next.map { slot in
                let opens = secondsUntil(slot["opens"]?.text, now: now) ?? 0
                return "\(slot["zone"]?.text ?? "?") " + (opens > 0 ? "in \(cell(opens, 0)) s" : "now")
            }
            table.add([
                truck["truck"]?.text ?? "?", truck["trip"]?.text ?? "-", truck["lane"]?.text ?? "-", truck["channel"]?.text ?? "-",
                truck["zone"]?.text ?? "-", cell(truck["front"]?.number), cell(truck["speed"]?.number), cell(truck["authorityEnd"]?.number),
                cell(secondsUntil(truck["authorityExpiry"]?.text, now: now)), cell(truck["stateAge"]?.number, 2), condition(truck),
                truck["waitsFor"]?.text ?? "-", slot ?? "-",
            ])
        }
        return table.text
    }

    /// The reservations that have not closed yet, zone by zone in site order, then by time;
    /// `horizon` (seconds from now) leaves out those opening later. Times in seconds from now.
    static func slotList(_ status: WireValue, horizon: Double) -> [(zone: String, truck: String, opens: Double, closes: Double)] {
        let now = status["now"]?.text.flatMap { try? WireTimestamp.parse($0) }
        let order = Dictionary(
            (status["zones"]?.items ?? []).enumerated().map { ($0.element["zone"]?.text ?? "", $0.offset) }, uniquingKeysWith: { a, _ in a }
        )
        var slots: [(zone: String, truck: String, opens: Double, closes: Double)] = []
        for truck in status["fleet"]?.items ?? [] {
            for slot in truck["slots"]?.items ?? [] {
                guard let zone = slot["zone"]?.text, let opens = secondsUntil(slot["opens"]?.text, now: now),
                    let closes = secondsUntil(slot["closes"]?.text, now: now), closes > 0, opens <= horizon
                else { continue }
                slots.append((zone, truck["truck"]?.text ?? "?", opens, closes))
            }
        }
        return slots.sorted { (order[$0.zone] ?? 0, $0.opens) < (order[$1.zone] ?? 0, $1.opens) }
    }

    /// The reservations as JSON: zone, truck, opens and closes (ISO 8601 UTC).
    public static func slots(_ status: WireValue, horizon: Double = .infinity) -> WireValue {
        let now = status["now"]?.text.flatMap { try? WireTimestamp.parse($0) } ?? 0
        return .array(
            slotList(status, horizon: horizon).map { slot in
                .object([
                    "zone": .string(slot.zone), "truck": .string(slot.truck),
                    "opens": .string(WireTimestamp.format(secondsSince1970: now + slot.opens)),
                    "closes": .string(WireTimestamp.format(secondsSince1970: now + slot.closes)),
                ])
            })
    }

    /// The slot reservations on the exclusive zones (see `slotList`), with the seconds until
    /// they open and close and their local times.
    public static func reservations(_ status: WireValue, horizon: Double = .infinity) -> String {
        let now = status["now"]?.text.flatMap { try? WireTimestamp.parse($0) } ?? 0
        let slots = slotList(status, horizon: horizon)
        guard !slots.isEmpty else { return "no reservation" }
        var table = Table("ZONE", "TRUCK", "OPENS IN s", "CLOSES IN s", "OPENS", "CLOSES")
        for slot in slots {
            table.add([
                slot.zone, slot.truck, cell(slot.opens), cell(slot.closes), LocalTime.clock(now + slot.opens),
                LocalTime.clock(now + slot.closes),
            ])
        }
        return table.text
    }

    /// The trips under way (the answer to `trips`).
    public static func trips(_ trips: WireValue) -> String {
        guard !trips.items.isEmpty else { return "no trip under way" }
        var table = Table("TRIP", "TRUCK", "LANE", "CHANNEL", "CONTAINER", "PERISHABLE", "STATE")
        for trip in trips.items {
            table.add([
                trip["trip"]?.text ?? "?", trip["truck"]?.text ?? "?", trip["lane"]?.text ?? "?", trip["channel"]?.text ?? "?",
                trip["container"]?.text ?? "?", trip["perishable"]?.flag == true ? "yes" : "no", trip["state"]?.text ?? "?",
            ])
        }
        return table.text
    }

    /// The audit log (the answer to `history`), times in `timeZone` (local by default).
    public static func history(_ entries: WireValue, timeZone: TimeZone = .current) -> String {
        guard !entries.items.isEmpty else { return "nothing recorded in that range" }
        var table = Table("AT", "KIND", "TRUCK", "ZONE", "TRIP", "CONTAINER", "DETAIL")
        for entry in entries.items {
            let at = entry["at"]?.text.flatMap { try? WireTimestamp.parse($0) }.map { LocalTime.full($0, timeZone) } ?? "?"
            table.add([
                at, entry["kind"]?.text ?? "?", entry["truck"]?.text ?? "-", entry["zone"]?.text ?? "-", entry["trip"]?.text ?? "-",
                entry["container"]?.text ?? "-", entry["detail"]?.text ?? "",
            ])
        }
        return table.text
    }
}
