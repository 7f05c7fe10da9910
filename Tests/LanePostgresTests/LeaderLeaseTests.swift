import Foundation
import LanePostgres
import LaneTestKit
import Testing

/// The site's leader lease in a real PostgreSQL: one holder at a time, a higher epoch at each
/// take, and a fenced coordinator that can write nothing.
@Suite("the leader lease")
struct LeaderLeaseTests {
    /// A fresh database and a lease on it for `holder`.
    static func lease(_ holder: String, on database: String, duration: Double) throws -> LeaderLease {
        try LeaderLease(connection: PostgresConnection(database), site: "huu-nghi", holder: holder, duration: duration)
    }

    @Test("one holder at a time; each take raises the epoch; a released lease is taken at once")
    func oneHolder() async throws {
        let database = try await TestPostgres.shared().newDatabase()
        let a = try Self.lease("a", on: database, duration: 30)
        let b = try Self.lease("b", on: database, duration: 30)
        #expect(try a.current() == nil)
        let first = try #require(try a.take())
        #expect(try b.take() == nil, "a's lease runs")
        #expect(try a.take() == nil, "not even a takes it twice")
        #expect(try a.renew(epoch: first))
        #expect(try b.current()?.holder == "a")
        try a.release(epoch: first)
        let second = try #require(try b.take())
        #expect(second > first)
        #expect(try a.renew(epoch: first) == false, "a is fenced")
        #expect(try b.current()?.epoch == second)
    }

    @Test("after its lease expires, a holder's fenced transaction runs nothing and says so")
    func fencedAfterExpiry() async throws {
        let database = try await TestPostgres.shared().newDatabase()
        let setup = try PostgresConnection(database)
        try setup.execute("CREATE TABLE grants (truck TEXT)")
        let a = try Self.lease("a", on: database, duration: 0.4)
        let b = try Self.lease("b", on: database, duration: 30)
        let epoch = try #require(try a.take())
        try a.fencedTransaction(epoch: epoch) { try setup.execute("INSERT INTO grants VALUES('T1')") }
        try await Task.sleep(for: .milliseconds(600))  // a is paused past its lease
        let taken = try #require(try b.take())
        #expect(taken == epoch + 1)
        var ran = false
        #expect(throws: LeaderLease.Refusal.fenced(epoch: epoch)) {
            try a.fencedTransaction(epoch: epoch) {
                ran = true
                try setup.execute("INSERT INTO grants VALUES('T2')")
            }
        }
        #expect(!ran, "nothing of the fenced transaction ran")
        #expect(try setup.execute("SELECT truck FROM grants").rows == [[.text("T1")]])
    }

    @Test("a take waits for a fenced transaction in flight, and then sees its renewal and its write")
    func takeSerialisedAfterWrite() async throws {
        let database = try await TestPostgres.shared().newDatabase()
        let setup = try PostgresConnection(database)
        try setup.execute("CREATE TABLE grants (truck TEXT)")
        let writer = try PostgresConnection(database)
        // Long leases: what is shown is the row lock, not a race against the clock of a loaded machine.
        let a = try LeaderLease(connection: writer, site: "huu-nghi", holder: "a", duration: 30)
        let b = try Self.lease("b", on: database, duration: 30)
        let epoch = try #require(try a.take())
        try setup.execute("UPDATE lane_lease SET expires = now() + interval '2 seconds'")  // about to expire
        // a's transaction renews the lease, then holds the row until b's take is seen waiting for
        // it, and only then commits.
        let (renewal, renewed) = AsyncStream<Void>.makeStream()
        // On a thread of its own, not the concurrency pool: `b.take()` below blocks a pool thread
        // until this transaction commits, and a loaded two-core pool may have no other.
        let stalled = BlockingThread.run {
            try a.fencedTransaction(epoch: epoch) {
                try writer.execute("INSERT INTO grants VALUES('T1')")
                renewed.yield()
                let deadline = Date().addingTimeInterval(20)
                while Date() < deadline {
                    let waiting = try setup.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
                    if waiting.rows == [[.integer(1)]] { return true }
                    Thread.sleep(forTimeInterval: 0.02)
                }
                return false
            }
        }
        for await _ in renewal { break }
        try await Task.sleep(for: .seconds(2.5))  // a's lease as it was before the renewal has expired
        #expect(try b.take() == nil, "the take waited for the row lock and found the lease renewed")
        #expect(try await stalled.value, "b's take was seen waiting for a's transaction")
        #expect(try b.current()?.holder == "a")
        try a.release(epoch: epoch)
        #expect(try b.take() == epoch + 1)
        #expect(try setup.execute("SELECT truck FROM grants").rows == [[.text("T1")]], "b sees what a committed")
    }

    @Test("bad connection strings, bad statements and a broken connection are typed errors; the next statement reconnects")
    func errors() async throws {
        let server = try await TestPostgres.shared()
        #expect {
            try PostgresConnection("host=127.0.0.1 port=1 dbname=none user=nobody connect_timeout=2")
        } throws: { error in
            guard case .cannotConnect(let reason) = error as? PostgresError else { return false }
            return !reason.isEmpty
        }
        let database = try server.newDatabase()
        let connection = try PostgresConnection(database)
        #expect {
            try connection.execute("SELEC 1")
        } throws: { error in
            guard case .statementFailed(let state, _) = error as? PostgresError else { return false }
            return state == "42601"  // syntax error
        }
        let pid = try connection.execute("SELECT pg_backend_pid()").rows.first?.first
        try PostgresConnection(database).execute("SELECT pg_terminate_backend($1::int)", [pid ?? .null])
        #expect {
            try connection.execute("SELECT 1")
        } throws: { error in
            guard case .connectionLost = error as? PostgresError else { return false }
            return true
        }
        #expect(try connection.execute("SELECT 1 + 1").rows == [[.integer(2)]], "a new connection after the broken one")
    }
}
