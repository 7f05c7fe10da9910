import Foundation
public import LaneCoordinatorCore
import LaneCore
public import LanePostgres
import LaneSite
public import LaneWire

/// The coordinator's write-ahead journal and audit log. Everything the coordinator is about to
/// send or has decided (trip admissions and endings, authorities, stops, operator holds and
/// closures, truck lifecycle events) is committed here before it is published, so that a
/// restarted coordinator, or the standby taking over, knows every open trip, every truck's last
/// authority and every hold; crossings (km 0, stations, zones) are kept for audit and can be
/// queried by time.
///
/// The same tables and statements live in SQLite (one file, the embedded default) or in
/// PostgreSQL (a site's standby pair, writes fenced by the lease's epoch). Recovery reads the
/// state tables (open trips, authorities, holds), not the log: taking over costs the open trips,
/// not the history.
public final class Journal: Sendable {
    private let database: any JournalDatabase
    private let postgres: PostgresJournalDatabase?

    /// Opens (or creates) the SQLite journal at `path`.
    public init(path: String) throws {
        database = try SQLiteJournalDatabase(path: path)
        postgres = nil
    }

    /// The journal in PostgreSQL on `connection`, its tables created if missing. With `lease`,
    /// it writes only once `lead(epoch:)` names the epoch this coordinator took, and each write
    /// is fenced by it; without, it writes unfenced (one coordinator on a shared database).
    public init(postgres connection: PostgresConnection, lease: LeaderLease?) throws {
        let database = try PostgresJournalDatabase(connection: connection, lease: lease)
        self.database = database
        postgres = database
    }

    /// Writes from now on are fenced by `epoch`, the lease this coordinator took (PostgreSQL;
    /// nothing for SQLite, which one coordinator owns).
    public func lead(epoch: UInt64) { postgres?.lead(epoch: epoch) }

    /// Commits `entries` in one transaction.
    public func append(_ entries: [JournalEntry]) throws {
        guard !entries.isEmpty else { return }
        try database.write { db in
            for entry in entries { try entry.write(to: db) }
        }
    }

    /// What a restarted coordinator needs: the open trips, each truck's last authority, the
    /// holds and closures, and the number of the run that starts (one more than the last).
    public func recover() throws -> JournalRecovery {
        try database.write { db in
            let run = Int(try db.integer("SELECT value FROM meta WHERE key = 'run'") ?? 0) + 1
            try db.execute(
                "INSERT INTO meta(key, value) VALUES('run', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [.integer(Int64(run))])
            return try Self.state(db).recovery(run: run)
        }
    }

    /// What the journal holds now, read without starting a run: a standby's view of the
    /// active's journal.
    public func follow() throws -> JournalRecovery {
        try database.read { db in try Self.state(db).recovery(run: 0) }
    }

    /// The state tables as a recovery of run `run`.
    private struct State {
        var trips: [JournalRecovery.OpenTrip]
        var authorities: [TruckID: JournalRecovery.Authority]
        var holds: [JournalRecovery.Hold]

        func recovery(run: Int) -> JournalRecovery {
            JournalRecovery(run: run, openTrips: trips, authorities: authorities, holds: holds)
        }
    }

    private static func state(_ db: any JournalStatements) throws -> State {
        let trips = try db.rows("SELECT * FROM trips WHERE endedAt IS NULL ORDER BY admittedAt", []).map { row in
            let trip = row.text("trip") ?? ""
            let truck = row.text("truck") ?? ""
            let passed = try db.rows("SELECT kind, zone FROM crossings WHERE trip = ?", [.text(trip)]).compactMap { crossing in
                CrossingKind(rawValue: crossing.text("kind") ?? "").map { JournalRecovery.Passage($0, ZoneID(crossing.text("zone") ?? "")) }
            }
            // Emergency-stopped on the trip and not released since.
            let lastStop = try db.rows(
                """
                SELECT kind FROM entries WHERE truck = ? AND kind IN ('emergency-stop', 'resume') AND id > COALESCE(
                    (SELECT MAX(id) FROM entries WHERE trip = ? AND kind = 'trip-admitted'), 0) ORDER BY id DESC LIMIT 1
                """, [.text(truck), .text(trip)]
            ).first?.text("kind")
            return JournalRecovery.OpenTrip(
                tripId: trip, truck: TruckID(truck), lane: LaneID(row.text("lane") ?? ""),
                channel: CustomsChannel(rawValue: row.text("channel") ?? "") ?? .red, containerId: row.text("container") ?? "",
                perishable: row.integer("perishable") == 1, passed: Set(passed),
                emergencyStopped: lastStop == JournalKind.emergencyStop.rawValue)
        }
        var authorities: [TruckID: JournalRecovery.Authority] = [:]
        for row in try db.rows("SELECT * FROM authorities", []) {
            authorities[TruckID(row.text("truck") ?? "")] = .init(
                orderId: row.text("orderId") ?? "", sequence: UInt64(row.integer("sequence") ?? 0), end: row.real("endPosition") ?? 0,
                expiry: row.real("expiry") ?? 0, reach: row.real("reach"))
        }
        // A hold's key is `<kind>:<target>` (one row per kind and target); the target follows the kind.
        let holds = try db.rows("SELECT * FROM holds ORDER BY at", []).compactMap { row -> JournalRecovery.Hold? in
            let key = row.text("target") ?? ""
            guard let kind = HoldKind(rawValue: row.text("kind") ?? ""), key.hasPrefix("\(kind.rawValue):") else { return nil }
            return JournalRecovery.Hold(
                kind: kind, target: String(key.dropFirst(kind.rawValue.count + 1)), reason: row.text("reason") ?? "")
        }
        return State(trips: trips, authorities: authorities, holds: holds)
    }

    /// The crossings recorded between `from` and `to` (site seconds), in time order.
    public func crossings(from: Double = -.infinity, to: Double = .infinity) throws -> [Crossing] {
        try database.read { db in
            try db.rows(
                "SELECT * FROM crossings WHERE at >= ? AND at <= ? ORDER BY at, id",
                [.real(from.isFinite ? from : -1e18), .real(to.isFinite ? to : 1e18)]
            ).map { row in
                Crossing(
                    at: row.real("at") ?? 0, truck: TruckID(row.text("truck") ?? ""), tripId: row.text("trip"),
                    containerId: row.text("container"), kind: CrossingKind(rawValue: row.text("kind") ?? "") ?? .zone,
                    zone: ZoneID(row.text("zone") ?? ""), channel: row.text("channel").flatMap(CustomsChannel.init(rawValue:)))
            }
        }
    }

    /// One entry of the journal's log.
    public typealias Entry = JournalLogEntry

    /// The log entries between `from` and `to` (site seconds), in time order, without the
    /// kinds in `excluding`.
    public func entries(from: Double = -.infinity, to: Double = .infinity, excluding: Set<JournalKind> = []) throws -> [Entry] {
        try database.read { db in
            try db.rows(
                """
                SELECT e.at, e.kind, COALESCE(e.truck, t.truck) AS truck, e.trip, e.detail FROM entries e
                LEFT JOIN trips t ON t.trip = e.trip WHERE e.at >= ? AND e.at <= ? ORDER BY e.at, e.id
                """,
                [.real(from.isFinite ? from : -1e18), .real(to.isFinite ? to : 1e18)]
            ).compactMap { row in
                guard let kind = JournalKind(rawValue: row.text("kind") ?? ""), !excluding.contains(kind) else { return nil }
                return Entry(
                    at: row.real("at") ?? 0, kind: kind, truck: row.text("truck"), trip: row.text("trip"), detail: row.text("detail") ?? "")
            }
        }
    }

    /// Whether the journal has admitted trip `tripId` (open or ended).
    public func knowsTrip(_ tripId: String) throws -> Bool {
        try database.read { db in try db.integer("SELECT COUNT(*) FROM trips WHERE trip = ?", [.text(tripId)]) ?? 0 > 0 }
    }

    /// How many entries of `kind` the journal holds (for the tests).
    public func count(kind: JournalKind) throws -> Int {
        try database.read { db in Int(try db.integer("SELECT COUNT(*) FROM entries WHERE kind = ?", [.text(kind.rawValue)]) ?? 0) }
    }
}

extension JournalEntry {
    func write(to db: any JournalStatements) throws {
        switch self {
        case .tripAdmitted(let at, let trip, let truck, let lane, let channel, let container, let perishable):
            try db.execute(
                """
                INSERT INTO trips(trip, truck, lane, channel, container, perishable, admittedAt) VALUES(?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(trip) DO UPDATE SET channel = excluded.channel, endedAt = NULL, outcome = NULL
                """, values(trip, truck.rawValue, lane.rawValue, channel.rawValue, container, perishable, at))
            try entry(db, at, .tripAdmitted, truck, trip, "\(lane.rawValue) \(channel.rawValue) \(container)")
        case .channelChanged(let at, let trip, let channel):
            try db.execute("UPDATE trips SET channel = ? WHERE trip = ?", values(channel.rawValue, trip))
            try entry(db, at, .channelChanged, nil, trip, channel.rawValue)
        case .tripEnded(let at, let trip, let outcome):
            try db.execute("UPDATE trips SET endedAt = ?, outcome = ? WHERE trip = ?", values(at, outcome, trip))
            try entry(db, at, .tripEnded, nil, trip, outcome)
        case .authority(let at, let truck, let orderId, let sequence, let end, let expiry, let change):
            // The reach is the furthest end of the order's authorities (a shortening the truck may not have heard).
            try db.execute(
                """
                INSERT INTO authorities(truck, orderId, sequence, endPosition, expiry, at, reach) VALUES(?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(truck) DO UPDATE SET
                    reach = CASE WHEN authorities.orderId <> excluded.orderId THEN excluded.endPosition
                        WHEN COALESCE(authorities.reach, authorities.endPosition) > excluded.endPosition
                        THEN COALESCE(authorities.reach, authorities.endPosition) ELSE excluded.endPosition END,
                    orderId = excluded.orderId, sequence = excluded.sequence,
                    endPosition = excluded.endPosition, expiry = excluded.expiry, at = excluded.at
                """, values(truck.rawValue, orderId, Int64(sequence), end, expiry, at, end))
            try entry(db, at, .authority, truck, orderId, "\(change) \(sequence) to \(end) until \(expiry)")
        case .command(let at, let truck, let kind, let reason):
            try entry(db, at, kind, truck, nil, reason)
        case .hold(let at, let kind, let target, let reason, let released):
            if released {
                try db.execute("DELETE FROM holds WHERE target = ?", values("\(kind.rawValue):\(target)"))
            } else {
                try db.execute(
                    "INSERT INTO holds(target, kind, reason, at) VALUES(?, ?, ?, ?) ON CONFLICT(target) DO UPDATE SET reason = excluded.reason",
                    values("\(kind.rawValue):\(target)", kind.rawValue, reason, at))
            }
            try entry(db, at, kind.journalKind(released: released), nil, nil, "\(target): \(reason)")
        case .truck(let at, let truck, let kind, let detail):
            try entry(db, at, kind, truck, nil, detail)
        case .crossing(let c):
            try db.execute(
                "INSERT INTO crossings(at, truck, trip, container, kind, zone, channel) VALUES(?, ?, ?, ?, ?, ?, ?)",
                values(c.at, c.truck.rawValue, c.tripId, c.containerId, c.kind.rawValue, c.zone.rawValue, c.channel?.rawValue))
        }
    }

    private func entry(
        _ db: any JournalStatements, _ at: Double, _ kind: JournalKind, _ truck: TruckID?, _ trip: String?, _ detail: String
    )
        throws
    {
        try db.execute(
            "INSERT INTO entries(at, kind, truck, trip, detail) VALUES(?, ?, ?, ?, ?)",
            values(at, kind.rawValue, truck?.rawValue, trip, detail))
    }

    private func values(_ values: any JournalBindable...) -> [JournalValue] { values.map(\.journalValue) }
}
