import Foundation
import LaneCoordinator
import LaneCoordinatorCore
import LanePostgres
import LaneSite
import LaneTestKit
import LaneWire
import Testing

/// Where a journal under test keeps its tables: a SQLite file in a temporary folder, or a fresh
/// database on the test run's PostgreSQL.
enum JournalStore: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// A place for a journal, and how to open it (again).
    func place() async throws -> JournalPlace {
        switch self {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            return JournalPlace(store: self, location: "\(folder)/journal.sqlite", folder: folder)
        case .postgres:
            return JournalPlace(store: self, location: try await TestPostgres.shared().newDatabase(), folder: nil)
        }
    }
}

/// A journal's file or database.
final class JournalPlace: Sendable {
    let store: JournalStore
    /// The SQLite path or the PostgreSQL connection string.
    let location: String
    let folder: String?

    init(store: JournalStore, location: String, folder: String?) {
        self.store = store
        self.location = location
        self.folder = folder
    }

    deinit { if let folder { try? FileManager.default.removeItem(atPath: folder) } }

    /// Opens the journal (unfenced for PostgreSQL: one coordinator).
    func open() throws -> Journal {
        switch store {
        case .sqlite: try Journal(path: location)
        case .postgres: try Journal(postgres: PostgresConnection(location), lease: nil)
        }
    }
}

/// Both journal stores give a restarted coordinator what the journal means (`JournalReading`, the
/// reference every store is held to): open trips with what they crossed, each truck's last
/// authority with its order's reach, holds in force, and one more run each time.
@Suite("the journal, in SQLite and in PostgreSQL")
struct JournalTests {
    /// A day's entries: two trips (one ended), authorities with a shortening the truck may not
    /// have heard, crossings, a channel change, holds set and released.
    static let entries: [JournalEntry] = [
        .tripAdmitted(at: 1, tripId: "a", truck: "T1", lane: "import", channel: .green, containerId: "CA", perishable: false),
        .tripAdmitted(at: 2, tripId: "b", truck: "T2", lane: "import", channel: .green, containerId: "CB", perishable: true),
        .authority(at: 3, truck: "T1", orderId: "a", sequence: 1, end: 80, expiry: 13, change: "grant"),
        .authority(at: 4, truck: "T2", orderId: "b", sequence: 1, end: 20, expiry: 14, change: "grant"),
        .crossing(Crossing(at: 5, truck: "T1", tripId: "a", containerId: "CA", kind: .zone, zone: "road", channel: .green)),
        .authority(at: 6, truck: "T1", orderId: "a", sequence: 2, end: 150, expiry: 16, change: "extend"),
        .crossing(Crossing(at: 7, truck: "T1", tripId: "a", containerId: "CA", kind: .km0, zone: "km0", channel: .green)),
        .hold(at: 8, kind: .closeZone, target: "xray", reason: "broken", released: false),
        .authority(at: 8, truck: "T1", orderId: "a", sequence: 3, end: 230, expiry: 18, change: "shorten"),
        .channelChanged(at: 9, tripId: "b", channel: .red),
        .hold(at: 10, kind: .holdLane, target: "export", reason: "desk", released: false),
        .hold(at: 11, kind: .holdLane, target: "export", reason: "desk", released: true),
        .hold(at: 12, kind: .holdTruck, target: "T2", reason: "after the restart: another order", released: false),
        .crossing(Crossing(at: 13, truck: "T2", tripId: "b", containerId: "CB", kind: .station, zone: "exit-gate", channel: .red)),
        .tripAdmitted(at: 14, tripId: "c", truck: "T3", lane: "export", channel: .green, containerId: "CC", perishable: false),
        .tripEnded(at: 15, tripId: "c", outcome: "cancelled"),
        .command(at: 15, truck: "T2", kind: .emergencyStop, reason: "overrun"),
        .command(at: 15, truck: "T1", kind: .emergencyStop, reason: "operator"),
        .command(at: 15.5, truck: "T1", kind: .resume, reason: ""),
        .authority(at: 16, truck: "T1", orderId: "a", sequence: 4, end: 120, expiry: 26, change: "shorten"),
    ]

    @Test("recover() reads back what the journal means, and counts the runs", arguments: JournalStore.allCases)
    func recovery(store: JournalStore) async throws {
        let place = try await store.place()
        let journal = try place.open()
        try journal.append(Array(Self.entries.prefix(9)))
        try journal.append(Array(Self.entries.dropFirst(9)))
        let recovered = try journal.recover()
        let expected = JournalReading(Self.entries).recovery(run: 1)
        #expect(recovered == expected)
        // What the reading says, spelled out.
        #expect(recovered.openTrips.map(\.tripId) == ["a", "b"])
        #expect(recovered.openTrips.first?.passed == [.init(.zone, "road"), .init(.km0, "km0")])
        #expect(recovered.openTrips.last?.channel == .red)
        #expect(recovered.openTrips.map(\.emergencyStopped) == [false, true], "T2 still emergency-stopped, T1 released")
        #expect(recovered.authorities["T1"] == .init(orderId: "a", sequence: 4, end: 120, expiry: 26, reach: 230))
        #expect(recovered.holds.map(\.target) == ["xray", "T2"])
        // A standby's reading is the same, and starts no run.
        #expect(try journal.follow() == JournalReading(Self.entries).recovery(run: 0))
        // A second start on the same file is the next run.
        #expect(try place.open().recover().run == 2)
    }

    @Test("the audit queries: crossings and log entries by time, without the kinds left out", arguments: JournalStore.allCases)
    func auditQueries(store: JournalStore) async throws {
        let journal = try await store.place().open()
        try journal.append(Self.entries)
        let crossings = try journal.crossings(from: 6, to: 13)
        #expect(crossings.map(\.zone) == ["km0", "exit-gate"])
        #expect(crossings.first == Crossing(at: 7, truck: "T1", tripId: "a", containerId: "CA", kind: .km0, zone: "km0", channel: .green))
        #expect(try journal.crossings().count == 3)
        let log = try journal.entries(from: 9, to: 12, excluding: [.authority])
        #expect(log.map(\.kind) == [.channelChanged, .holdLane, .releaseHoldLane, .holdTruck])
        #expect(log.first?.truck == "T2", "a trip's entry names the trip's truck")
        #expect(try journal.count(kind: .emergencyStop) == 2)
    }

    @Test("in PostgreSQL under a lease, only the active writes, and a fenced coordinator writes nothing")
    func fencedWrites() async throws {
        let database = try await TestPostgres.shared().newDatabase()
        let lease = { (holder: String, duration: Double) in
            try LeaderLease(connection: PostgresConnection(database), site: "huu-nghi", holder: holder, duration: duration)
        }
        let first = try lease("a", 0.4)
        let journalA = try Journal(postgres: PostgresConnection(database), lease: first)
        #expect(throws: JournalError.notActive) { try journalA.append(Array(Self.entries.prefix(1))) }
        let epoch = try #require(try first.take())
        journalA.lead(epoch: epoch)
        try journalA.append(Array(Self.entries.prefix(4)))
        try await Task.sleep(for: .milliseconds(600))  // a pauses past its lease; b takes over
        let second = try lease("b", 30)
        let journalB = try Journal(postgres: PostgresConnection(database), lease: second)
        journalB.lead(epoch: try #require(try second.take()))
        #expect(throws: LeaderLease.Refusal.fenced(epoch: epoch)) { try journalA.append([Self.entries[4]]) }
        let recovered = try journalB.recover()
        #expect(recovered == JournalReading(Array(Self.entries.prefix(4))).recovery(run: 1), "b has all a wrote, and nothing after")
        try journalB.append([Self.entries[4]])
        #expect(try journalB.crossings().count == 1)
    }
}
