import Foundation
import GRDB
public import LaneCoordinatorCore
import LaneCore
import LaneSite
public import LaneWire

/// The coordinator's write-ahead journal and audit log, in SQLite (WAL). Everything the
/// coordinator is about to send or has decided (trip admissions and endings, authorities,
/// stops, operator holds and closures, truck lifecycle events) is committed here before it is
/// published, so that a restarted coordinator knows every open trip, every truck's last
/// authority and every hold; crossings (km 0, stations, zones) are kept for audit and can be
/// queried by time.
public final class Journal: Sendable {
    private let database: DatabaseQueue

    /// Opens (or creates) the journal at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.journalMode = .wal
        database = try DatabaseQueue(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE entries (id INTEGER PRIMARY KEY, at REAL NOT NULL, kind TEXT NOT NULL, truck TEXT, trip TEXT, detail TEXT NOT NULL);
                    CREATE INDEX entries_at ON entries(at);
                    CREATE TABLE trips (trip TEXT PRIMARY KEY, truck TEXT NOT NULL, lane TEXT NOT NULL, channel TEXT NOT NULL,
                        container TEXT NOT NULL, perishable INTEGER NOT NULL, admittedAt REAL NOT NULL, endedAt REAL, outcome TEXT);
                    CREATE TABLE authorities (truck TEXT PRIMARY KEY, orderId TEXT NOT NULL, sequence INTEGER NOT NULL,
                        endPosition REAL NOT NULL, expiry REAL NOT NULL, at REAL NOT NULL);
                    CREATE TABLE holds (target TEXT PRIMARY KEY, kind TEXT NOT NULL, reason TEXT NOT NULL, at REAL NOT NULL);
                    CREATE TABLE crossings (id INTEGER PRIMARY KEY, at REAL NOT NULL, truck TEXT NOT NULL, trip TEXT, container TEXT,
                        kind TEXT NOT NULL, zone TEXT NOT NULL, channel TEXT);
                    CREATE INDEX crossings_at ON crossings(at);
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                    """)
        }
        migrator.registerMigration("2") { db in
            // The furthest end of the order's authorities: a shortening the truck may not have heard.
            try db.execute(sql: "ALTER TABLE authorities ADD COLUMN reach REAL")
            try db.execute(sql: "CREATE INDEX crossings_trip ON crossings(trip)")
        }
        try migrator.migrate(database)
    }

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
            let run = (try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'run'") ?? 0) + 1
            try db.execute(
                sql: "INSERT INTO meta(key, value) VALUES('run', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", arguments: [run]
            )
            let trips = try Row.fetchAll(db, sql: "SELECT * FROM trips WHERE endedAt IS NULL ORDER BY admittedAt").map { row in
                let trip: String = row["trip"]
                let passed = try Row.fetchAll(db, sql: "SELECT kind, zone FROM crossings WHERE trip = ?", arguments: [trip]).compactMap {
                    crossing in
                    CrossingKind(rawValue: crossing["kind"]).map { JournalRecovery.Passage($0, ZoneID(crossing["zone"])) }
                }
                // Emergency-stopped on the trip and not released since.
                let lastStop = try String.fetchOne(
                    db,
                    sql: """
                        SELECT kind FROM entries WHERE truck = ? AND kind IN ('emergency-stop', 'resume') AND id > COALESCE(
                            (SELECT MAX(id) FROM entries WHERE trip = ? AND kind = 'trip-admitted'), 0) ORDER BY id DESC LIMIT 1
                        """, arguments: [row["truck"] as String, trip])
                return JournalRecovery.OpenTrip(
                    tripId: trip, truck: TruckID(row["truck"]), lane: LaneID(row["lane"]),
                    channel: CustomsChannel(rawValue: row["channel"]) ?? .red, containerId: row["container"], perishable: row["perishable"],
                    passed: Set(passed), emergencyStopped: lastStop == JournalKind.emergencyStop.rawValue)
            }
            var authorities: [TruckID: JournalRecovery.Authority] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM authorities") {
                authorities[TruckID(row["truck"])] = .init(
                    orderId: row["orderId"], sequence: UInt64(row["sequence"] as Int64), end: row["endPosition"], expiry: row["expiry"],
                    reach: row["reach"])
            }
            // A hold's key is `<kind>:<target>` (one row per kind and target); the target follows the kind.
            let holds = try Row.fetchAll(db, sql: "SELECT * FROM holds ORDER BY at").compactMap { row -> JournalRecovery.Hold? in
                let key: String = row["target"]
                guard let kind = HoldKind(rawValue: row["kind"]), key.hasPrefix("\(kind.rawValue):") else { return nil }
                return JournalRecovery.Hold(kind: kind, target: String(key.dropFirst(kind.rawValue.count + 1)), reason: row["reason"])
            }
            return JournalRecovery(run: run, openTrips: trips, authorities: authorities, holds: holds)
        }
    }

    /// The crossings recorded between `from` and `to` (site seconds), in time order.
    public func crossings(from: Double = -.infinity, to: Double = .infinity) throws -> [Crossing] {
        try database.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM crossings WHERE at >= ? AND at <= ? ORDER BY at, id",
                arguments: [from.isFinite ? from : -1e18, to.isFinite ? to : 1e18]
            ).map { row in
                Crossing(
                    at: row["at"], truck: TruckID(row["truck"]), tripId: row["trip"], containerId: row["container"],
                    kind: CrossingKind(rawValue: row["kind"]) ?? .zone, zone: ZoneID(row["zone"]),
                    channel: (row["channel"] as String?).flatMap(CustomsChannel.init(rawValue:)))
            }
        }
    }

    /// One entry of the journal's log.
    public typealias Entry = JournalLogEntry

    /// The log entries between `from` and `to` (site seconds), in time order, without the
    /// kinds in `excluding`.
    public func entries(from: Double = -.infinity, to: Double = .infinity, excluding: Set<JournalKind> = []) throws -> [Entry] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.at, e.kind, COALESCE(e.truck, t.truck) AS truck, e.trip, e.detail FROM entries e
                    LEFT JOIN trips t ON t.trip = e.trip WHERE e.at >= ? AND e.at <= ? ORDER BY e.at, e.id
                    """,
                arguments: [from.isFinite ? from : -1e18, to.isFinite ? to : 1e18]
            ).compactMap { row in
                guard let kind = JournalKind(rawValue: row["kind"]), !excluding.contains(kind) else { return nil }
                return Entry(at: row["at"], kind: kind, truck: row["truck"], trip: row["trip"], detail: row["detail"])
            }
        }
    }

    /// How many entries of `kind` the journal holds (for the tests).
    public func count(kind: JournalKind) throws -> Int {
        try database.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entries WHERE kind = ?", arguments: [kind.rawValue]) ?? 0
        }
    }
}

extension JournalEntry {
    func write(to db: Database) throws {
        switch self {
        case .tripAdmitted(let at, let trip, let truck, let lane, let channel, let container, let perishable):
            try db.execute(
                sql: """
                    INSERT INTO trips(trip, truck, lane, channel, container, perishable, admittedAt) VALUES(?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(trip) DO UPDATE SET channel = excluded.channel, endedAt = NULL, outcome = NULL
                    """, arguments: [trip, truck.rawValue, lane.rawValue, channel.rawValue, container, perishable, at])
            try entry(db, at, .tripAdmitted, truck, trip, "\(lane.rawValue) \(channel.rawValue) \(container)")
        case .channelChanged(let at, let trip, let channel):
            try db.execute(sql: "UPDATE trips SET channel = ? WHERE trip = ?", arguments: [channel.rawValue, trip])
            try entry(db, at, .channelChanged, nil, trip, channel.rawValue)
        case .tripEnded(let at, let trip, let outcome):
            try db.execute(sql: "UPDATE trips SET endedAt = ?, outcome = ? WHERE trip = ?", arguments: [at, outcome, trip])
            try entry(db, at, .tripEnded, nil, trip, outcome)
        case .authority(let at, let truck, let orderId, let sequence, let end, let expiry, let change):
            try db.execute(
                sql: """
                    INSERT INTO authorities(truck, orderId, sequence, endPosition, expiry, at, reach) VALUES(?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(truck) DO UPDATE SET
                        reach = CASE WHEN authorities.orderId = excluded.orderId THEN MAX(COALESCE(authorities.reach, authorities.endPosition),
                            excluded.endPosition) ELSE excluded.endPosition END,
                        orderId = excluded.orderId, sequence = excluded.sequence,
                        endPosition = excluded.endPosition, expiry = excluded.expiry, at = excluded.at
                    """, arguments: [truck.rawValue, orderId, Int64(sequence), end, expiry, at, end])
            try entry(db, at, .authority, truck, orderId, "\(change) \(sequence) to \(end) until \(expiry)")
        case .command(let at, let truck, let kind, let reason):
            try entry(db, at, kind, truck, nil, reason)
        case .hold(let at, let kind, let target, let reason, let released):
            if released {
                try db.execute(sql: "DELETE FROM holds WHERE target = ?", arguments: ["\(kind.rawValue):\(target)"])
            } else {
                try db.execute(
                    sql:
                        "INSERT INTO holds(target, kind, reason, at) VALUES(?, ?, ?, ?) ON CONFLICT(target) DO UPDATE SET reason = excluded.reason",
                    arguments: ["\(kind.rawValue):\(target)", kind.rawValue, reason, at])
            }
            try entry(db, at, kind.journalKind(released: released), nil, nil, "\(target): \(reason)")
        case .truck(let at, let truck, let kind, let detail):
            try entry(db, at, kind, truck, nil, detail)
        case .crossing(let c):
            try db.execute(
                sql: "INSERT INTO crossings(at, truck, trip, container, kind, zone, channel) VALUES(?, ?, ?, ?, ?, ?, ?)",
                arguments: [c.at, c.truck.rawValue, c.tripId, c.containerId, c.kind.rawValue, c.zone.rawValue, c.channel?.rawValue])
        }
    }

    private func entry(_ db: Database, _ at: Double, _ kind: JournalKind, _ truck: TruckID?, _ trip: String?, _ detail: String) throws {
        try db.execute(
            sql: "INSERT INTO entries(at, kind, truck, trip, detail) VALUES(?, ?, ?, ?, ?)",
            arguments: [at, kind.rawValue, truck?.rawValue, trip, detail])
    }
}
