import Foundation
import LaneCoordinator
import LaneCoordinatorCore
import LaneSite
import LaneWire
import Testing

/// The SQLite journal gives a restarted coordinator what the journal means (`JournalReading`, the
/// reference every store is held to): open trips with what they crossed, each truck's last
/// authority with its order's reach, holds in force, and one more run each time.
@Suite("the SQLite journal")
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

    @Test("recover() reads back what the journal means, and counts the runs")
    func recovery() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("journal-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let journal = try Journal(path: "\(folder)/journal.sqlite")
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
        // A second start on the same file is the next run.
        #expect(try Journal(path: "\(folder)/journal.sqlite").recover().run == 2)
    }
}
