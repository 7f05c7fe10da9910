import LaneSite
import Testing

@testable import LaneCore

/// The gridlock detector, fed a circular wait directly (the interlocking is built so that none
/// arises on a valid site, so the circle is set up by hand).
@Suite("Gridlock detector")
struct GridlockTests {
    func circle() throws -> SchedulerCore {
        var h = Harness(site: try TestSites.straight())
        for (id, offset) in [("A", 80.0), ("B", 50), ("C", 20)] {
            h.start(TruckID(id))
            h.report(TruckID(id), "road-a", offset)
        }
        var core = h.core
        // Each truck stands at its end of authority, waiting for the next: A → B → C → A.
        let a = core.truckIndex["A"]!
        let b = core.truckIndex["B"]!
        let c = core.truckIndex["C"]!
        for t in [a, b, c] { core.trucks[t].authorityEnd = core.trucks[t].front }
        core.setBlocker(a, b)
        core.setBlocker(b, c)
        core.setBlocker(c, a)
        return core
    }

    @Test("a circular wait that lasts is reported once, naming its trucks")
    func reported() throws {
        var core = try circle()
        #expect(!core.handle(.tick, now: 1).contains { if case .notice(.gridlock) = $0 { true } else { false } })
        let later = core.handle(.tick, now: 12)
        #expect(later.contains(.notice(.gridlock(["A", "B", "C"]))))
        #expect(!core.handle(.tick, now: 13).contains { if case .notice(.gridlock) = $0 { true } else { false } })
    }

    @Test("a chain that ends, or a circle that clears within the confirmation time, is not a gridlock")
    func notReported() throws {
        var core = try circle()
        _ = core.handle(.tick, now: 1)
        core.setBlocker(core.truckIndex["C"]!, nil)
        let later = core.handle(.tick, now: 12)
        #expect(!later.contains { if case .notice(.gridlock) = $0 { true } else { false } })
    }
}
