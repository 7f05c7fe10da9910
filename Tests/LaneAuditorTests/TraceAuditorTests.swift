import LaneAuditor
import LaneCore
import LaneSite
import LaneSiteFile
import LaneTestKit
import Testing

/// The auditor fires on what it must find, and stays quiet on what is allowed.
@Suite("the independent trace auditor")
struct TraceAuditorTests {
    static var site: Site { try! SiteFile.load(path: Repository.path("simulators/sites/huu-nghi-1119-1120.yaml")) }

    static func sample(
        _ truck: String, _ front: Double, lane: String? = "import", authorityEnd: Double? = nil, t: Double = 100
    )
        -> TraceSample
    {
        TraceSample(
            t: t, truck: truck, lane: lane, channel: lane == nil ? nil : "green", front: front, speed: 3, authorityEnd: authorityEnd,
            length: 18)
    }

    let auditor = TraceAuditor(site: Self.site)

    @Test("two trucks closer than the standstill gap on the road: a separation violation, with time and trucks")
    func separation() {
        // The import road starts after the 24 m exit gate and runs 420 m.
        let violations = auditor.audit([Self.sample("T1", 200), Self.sample("T2", 200 - 18 - 1)])
        #expect(violations.map(\.kind) == ["separation"])
        #expect(violations.first?.trucks == ["T1", "T2"])
        #expect(violations.first?.t == 100)
        #expect(auditor.audit([Self.sample("T1", 200), Self.sample("T2", 200 - 18 - 2.5)]).isEmpty, "2.5 m apart is allowed")
    }

    @Test("two trucks in an exclusive station at once, and a truck past its end of authority")
    func exclusiveAndAuthority() {
        // The exit gate (a station, 24 m) holds two trucks' ends.
        let gate = auditor.audit([Self.sample("T1", 30), Self.sample("T2", 5)])
        #expect(gate.contains { $0.kind == "exclusive-zone" })
        let past = auditor.audit([Self.sample("T1", 300, authorityEnd: 299), Self.sample("T1", 300, authorityEnd: 299, t: 100.5)])
        #expect(past.map(\.kind) == ["past-authority"])
        #expect(past.first?.t == 100.5)
        #expect(
            auditor.audit([Self.sample("T1", 300, authorityEnd: 299), Self.sample("T1", 301, authorityEnd: 320, t: 100.5)]).isEmpty,
            "one sample past an end the trace had not yet seen extended")
        #expect(
            auditor.audit([Self.sample("T1", 300, authorityEnd: 299.8), Self.sample("T1", 300, authorityEnd: 299.8, t: 100.5)]).isEmpty,
            "within the tolerance")
    }

    @Test("trucks in the yards and samples at other instants are not compared")
    func yardsAndInstants() {
        #expect(auditor.audit([Self.sample("T1", -2, lane: nil), Self.sample("T2", -2, lane: nil)]).isEmpty)
        #expect(auditor.audit([Self.sample("T1", 200, t: 100), Self.sample("T2", 190, t: 101)]).isEmpty)
    }

    /// The test gate with a drive-through portal for a scanner (10 km/h, 6 s headway; entry at 234 m).
    static var portalSite: Site { try! SiteFile.parse(TestSites.withPortal(TestSites.gate), file: "test-gate-portal.yaml") }

    static func moving(_ truck: String, _ front: Double, speed: Double, t: Double) -> TraceSample {
        TraceSample(t: t, truck: truck, lane: "import", channel: "green", front: front, speed: speed, authorityEnd: nil, length: 18)
    }

    @Test("at a drive-through portal: a truck standing inside, and two entries closer than the headway, from true positions")
    func portals() {
        let auditor = TraceAuditor(site: Self.portalSite)
        // Standing with its front 10 m into the portal.
        let stopped = auditor.audit([Self.moving("T1", 244, speed: 0, t: 100)])
        #expect(stopped.map(\.kind) == ["stopped-in-portal"], "\(stopped)")
        #expect(auditor.audit([Self.moving("T1", 244, speed: 2.8, t: 100)]).isEmpty, "rolling through is what a portal is for")
        #expect(auditor.audit([Self.moving("T1", 233, speed: 0, t: 100)]).isEmpty, "waiting short of the entry")
        // T1 enters at 100.5 s (233 -> 235 between 100 and 101), T2 at 104.5 s: 4 s apart, under the 6 s headway.
        let close = auditor.audit([
            Self.moving("T1", 233, speed: 2, t: 100), Self.moving("T1", 235, speed: 2, t: 101),
            Self.moving("T2", 213, speed: 2, t: 100), Self.moving("T2", 233, speed: 2, t: 104), Self.moving("T2", 235, speed: 2, t: 105),
        ])
        #expect(close.map(\.kind) == ["portal-headway"], "\(close)")
        #expect(close.first?.trucks == ["T1", "T2"])
        let spaced = auditor.audit([
            Self.moving("T1", 233, speed: 2, t: 100), Self.moving("T1", 235, speed: 2, t: 101),
            Self.moving("T2", 213, speed: 2, t: 100), Self.moving("T2", 233, speed: 2, t: 106), Self.moving("T2", 235, speed: 2, t: 107),
        ])
        #expect(spaced.isEmpty, "6.5 s apart: \(spaced)")
    }
}
