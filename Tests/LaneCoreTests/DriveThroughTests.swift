import LaneSite
import Testing

@testable import LaneCore

/// Drive-through scanning portals in the core, with a manual clock: trucks pass a portal at its
/// speed without stopping, one at a time, never sooner than its headway after the one before.
@Suite("drive-through scanning portals")
struct DriveThroughTests {
    /// A lane with a 22 m portal at 10 km/h (headway 24 s) between two roads, and the run-up a
    /// standard truck needs to be at the portal's speed.
    static func portalSite() throws -> Site {
        try Site(
            name: "portal",
            zones: [
                Zone(id: "road", kind: .following, length: 200, speedLimit: 8),
                Zone(
                    id: "portal", kind: .station, length: 22, speedLimit: 10 / 3.6,
                    station: Station(driveThrough: DriveThrough(speed: 10 / 3.6, headway: 24, tolerance: 1.5 / 3.6), length: 22)),
                Zone(id: "exit", kind: .following, length: 300, speedLimit: 8),
            ],
            lanes: [
                Lane(
                    id: "import", direction: .import, origin: "cn", destination: "vn",
                    steps: [LaneStep(zone: "road"), LaneStep(zone: "portal"), LaneStep(zone: "exit")])
            ])
    }

    static let portal = 10 / 3.6
    static var runUp: Meters { portal * portal / (2 * TruckProfile().acceleration) + 1 }

    @Test("a portal has no stop point: a truck is granted through it and out, never to an end inside it")
    func grantedThrough() throws {
        var h = Harness(site: try Self.portalSite())
        h.start("A")
        h.report("A", "road", 100, speed: 5)
        let end = h.end("A")
        let clearPoint = 222 + TruckProfile().length + 2 + Self.portal * Self.portal / (2 * TruckProfile().serviceBraking)
        #expect(end >= clearPoint - 1e-6, "through the portal and clear of it: \(end)")
        #expect(!(200..<222).contains(end), "no end inside the portal")
        #expect(SchedulerCore.mustClear(h.core.site.zones[1]), "no truck may stop in a portal")
    }

    @Test("the next truck waits its run-up before the portal until the headway after the last entry has passed")
    func headway() throws {
        var h = Harness(site: try Self.portalSite())
        h.start("A")
        h.report("A", "road", 150, speed: Self.portal)
        h.now = 10
        h.report("A", "portal", 1, speed: Self.portal)  // entered at about 10 s
        h.now = 20
        h.report("A", "exit", 60, speed: 5)  // out of the portal and clear of it
        h.start("B")
        h.report("B", "road", 150, speed: 0)
        // B could be in the portal within 5 s: the headway (to 34 s) holds it back.
        #expect(h.end("B") <= 200 - Self.runUp + 1e-6, "B waits its run-up short of the portal: \(h.end("B"))")
        h.now = 31
        h.report("A", "exit", 120, speed: 5)
        h.report("B", "road", 150, speed: 0)
        #expect(h.end("B") > 222, "past the headway B is granted through: \(h.end("B"))")
    }

    @Test("an authority into a portal lasts until the truck has cleared it at the portal's speed")
    func expiryCoversThePass() throws {
        var h = Harness(site: try Self.portalSite())
        h.start("A")
        h.report("A", "road", 190, speed: Self.portal)
        let expiry = try #require(h.authority("A")?.expiry)
        let pass = (222 + TruckProfile().length - 190) / Self.portal
        #expect(expiry >= pass, "expiry \(expiry) s covers the \(pass) s pass")
    }

    @Test("the scanner's release of a truck that has passed is accepted; one from a truck still before it is refused")
    func release() throws {
        var h = Harness(site: try Self.portalSite())
        h.start("A")
        h.report("A", "road", 100, speed: 5)
        #expect(Harness.rejections(h.send(.stationFinished("A", "portal"))) == [.notAtStation("portal")])
        h.now = 30
        h.report("A", "exit", 20, speed: Self.portal)
        #expect(Harness.rejections(h.send(.stationFinished("A", "portal"))).isEmpty)
    }

    @Test("a re-routed truck leaves no claim on the zones of its old route")
    func rerouteLeavesNoClaimBehind() throws {
        // Found by the drive-through runs: a truck re-routed to inspection after a spoiled scan
        // kept a claim in the green bypass; trucks behind it waited for it for ever.
        var h = Harness(site: try TestSites.shared())
        h.start("R", lane: "import", channel: .green)
        h.report("R", "in-road", 5)
        let green = try #require(h.core.site.zoneIndex["in-green"])
        let r = try #require(h.core.truckIndex["R"])
        #expect(h.core.claims[green].contains { $0.truck == r }, "the claim reaches into the green branch")
        #expect(h.send(.channelAssigned("R", .red)).contains(.notice(.rerouted("R", .red))))
        #expect(!h.core.claims[green].contains { $0.truck == r }, "no claim left on the green branch")
    }
}
