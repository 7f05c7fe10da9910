import LaneCore
import LaneFastSim
import LaneSafetyCheck
import LaneSimKit
import LaneSite
import PropertyBased
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Randomized runs of the core on random sites, fleets and faults, each checked by the
/// independent safety checker after every step. A failure names its seed; replay one with
/// `LANE_SEED=<seed> swift test --filter replaySeed`.
@Suite("Randomized safety and liveness")
struct RandomizedSafetyTests {
    static func run(
        seed: UInt64, faults: Bool, minutes: Double, drain: Bool, longSections: Bool = false, restarts: Bool = false,
        portals: Bool = false, adjust: (inout FaultProfile) -> Void = { _ in }
    ) -> (Site, SimulationReport) {
        let (site, report, _) = runKeepingCore(
            seed: seed, faults: faults, minutes: minutes, drain: drain, longSections: longSections, restarts: restarts,
            portals: portals, adjust: adjust)
        return (site, report)
    }

    /// `restarts`: keep the restarts of the random fault profile (else only `adjust` adds them).
    static func runKeepingCore(
        seed: UInt64, faults: Bool, minutes: Double, drain: Bool, longSections: Bool = false, restarts: Bool = false,
        portals: Bool = false, adjust: (inout FaultProfile) -> Void = { _ in }
    ) -> (Site, SimulationReport, SchedulerCore) {
        let site = RandomSite.make(seed: seed, longSections: longSections, portals: portals)
        var random = SeededRandom(seed: seed ^ 0x5EED)
        var config = FastSimConfiguration(seed: seed, duration: minutes * 60, fleetSize: 2 + Int(random.next() % 9))
        config.step = 0.1
        config.demand.yardTurnaround = 5...60
        config.demand.channelMix = [.green: 0.6, .yellow: 0.25, .red: 0.15]
        if faults {
            config.faults = RandomSite.faults(seed: seed)
            if !restarts { config.faults.restartEvery = nil }
        }
        adjust(&config.faults)
        if drain { config.stopDispatchingAt = config.duration * 0.4 }
        if let text = getenv("LANE_TRACE"), drain == (getenv("LANE_TRACE_FAULTS") == nil) || getenv("LANE_TRACE_ALL") != nil {
            config.trace = TruckID(String(cString: text))
        }
        var core = CoreConfiguration()
        core.timedApproach = random.chance(0.7)
        var simulation = FastSimulation(site: site, controller: SchedulerCore(site: site, configuration: core), configuration: config)
        // A restart (`restartEvery`) rebuilds the core from its journal alone, as the service does.
        simulation.restartController = { SchedulerCore(site: site, configuration: core) }
        let report = simulation.run()
        return (site, report, simulation.controller)
    }

    static func describe(_ seed: UInt64, _ site: Site, _ report: SimulationReport, longSections: Bool = false) -> String {
        let replay = "\(longSections ? "LANE_LONG_SECTIONS=1 " : "")LANE_SEED=\(seed) swift test --filter replaySeed"
        return "seed \(seed) (replay: \(replay)), site of \(site.lanes.count) lanes and "
            + "\(site.zones.count) zones: \(report.violations.prefix(5).map(\.description).joined(separator: "; "))"
    }

    @Test("no safety property is ever violated under every fault", .shrinking(false))
    func safetyUnderFaults() async {
        await propertyCheck(count: Self.runs, input: Gen.uint64(in: 1...UInt64.max / 2)) { seed in
            let (site, report) = Self.run(seed: seed, faults: true, minutes: 6, drain: false)
            #expect(report.violations.count == 0, "\(Self.describe(seed, site, report))")
            #expect(report.stepsChecked > 0)
        }
    }

    @Test("operators cancelling trips at random: waiting trips are taken back, trips under way are refused, nothing is violated")
    func randomCancellations() {
        var cancelled = 0
        var refused = 0
        for seed in UInt64(1)...60 {
            let (site, report) = Self.run(seed: seed * 7_919, faults: true, minutes: 6, drain: false) { faults in
                faults.tripCancelEvery = 15
                faults.zoneClosureEvery = 40  // closures keep trucks waiting in their yards
            }
            #expect(report.violations.count == 0, "\(Self.describe(seed * 7_919, site, report))")
            cancelled += report.tripsCancelled
            refused += report.rejections["trip-under-way", default: 0]
        }
        #expect(cancelled > 0, "some waiting trips were cancelled")
        #expect(refused > 0, "some cancellations of trips under way were refused")
    }

    /// Station systems at their worst: a random station out every minute on average for up to a
    /// minute and a half, and a fifth of the scans suspicious and a fifth unreadable.
    static func stationFaults(_ faults: inout FaultProfile) {
        faults.stationOutageEvery = 60
        faults.stationOutageDuration = 10...90
        faults.suspiciousScans = 0.2
        faults.unreadableScans = 0.2
    }

    @Test("station systems out and scans suspicious or unreadable, with every fault and restarts: no violation", .shrinking(false))
    func safetyWithStationSystems() async {
        let outages = Mutex(0)
        await propertyCheck(count: Self.runs / 5, input: Gen.uint64(in: 1...UInt64.max / 2)) { seed in
            let portals = seed % 2 == 0
            // Portal sites without restarts, as in `portals`: a restart during a link loss can let a
            // pass's authority lapse in the portal (`portalPassAcrossRestart`, a known issue).
            let (site, report) = Self.run(seed: seed, faults: true, minutes: 6, drain: false, restarts: !portals, portals: portals) {
                Self.stationFaults(&$0)
                // Faults that stop a truck anywhere by design are not for portal sites (see `portals`).
                if portals { $0.breakdownEvery = nil; $0.operatorHoldEvery = nil; $0.zoneClosureEvery = nil }
            }
            outages.withLock { $0 += report.stationOutages }
            #expect(
                report.violations.count == 0,
                "\(Self.describe(seed, site, report)) (replay with LANE_STATION_FAULTS=1\(portals ? " LANE_PORTALS=1" : ""))")
        }
        #expect(outages.withLock { $0 } > Self.runs / 5, "the runs had station outages")
    }

    @Test("known: on a portal site with restarts, station faults and link losses a truck stood in a portal (seed 783000492844217562)")
    func portalPassAcrossRestart() {
        let seed: UInt64 = 783_000_492_844_217_562
        let (site, report) = Self.run(seed: seed, faults: true, minutes: 6, drain: false, restarts: true, portals: true) {
            Self.stationFaults(&$0)
            $0.breakdownEvery = nil
            $0.operatorHoldEvery = nil
            $0.zoneClosureEvery = nil
        }
        withKnownIssue("a truck stale in a portal across a restart stops inside it", isIntermittent: true) {
            #expect(report.violations.isEmpty, "\(Self.describe(seed, site, report))")
        }
    }

    @Test("station outages and re-routing scans alone lose nothing: every admitted truck completes its route", .shrinking(false))
    func livenessWithStationSystems() async {
        let rerouting = Mutex(0)
        await propertyCheck(count: Self.runs / 5, input: Gen.uint64(in: 1...UInt64.max / 2)) { seed in
            let (site, report) = Self.run(seed: seed, faults: false, minutes: 25, drain: true, adjust: Self.stationFaults)
            #expect(report.violations.count == 0, "\(Self.describe(seed, site, report))")
            rerouting.withLock { $0 += report.suspiciousScans + report.rescans }
            #expect(
                report.tripsUnfinished.count == 0,
                "seed \(seed): trucks \(report.tripsUnfinished) never completed their routes (replay with LANE_STATION_FAULTS=1)")
            #expect(report.gridlocks.count == 0, "seed \(seed): gridlock \(report.gridlocks)")
        }
        #expect(rerouting.withLock { $0 } > Self.runs / 5, "the runs had suspicious and unreadable scans")
    }

    @Test("without faults every admitted truck completes its route and nothing gridlocks", .shrinking(false))
    func livenessWithoutFaults() async {
        await propertyCheck(count: Self.runs / 2, input: Gen.uint64(in: 1...UInt64.max / 2)) { seed in
            let (site, report) = Self.run(seed: seed, faults: false, minutes: 25, drain: true)
            #expect(report.violations.count == 0, "\(Self.describe(seed, site, report))")
            #expect(report.tripsStarted > 0, "seed \(seed): no trip started")
            #expect(
                report.tripsUnfinished.count == 0,
                "seed \(seed): trucks \(report.tripsUnfinished) never completed their routes (replay: LANE_SEED=\(seed) swift test --filter replaySeed)"
            )
            #expect(report.gridlocks.count == 0, "seed \(seed): gridlock \(report.gridlocks)")
            // Measured by the simulation from the trucks' true positions, not by the core.
            #expect(report.standsWhereNoneMayWait == 0, "seed \(seed): trucks stopped on km 0, a crossing or a merge")
        }
    }

    @Test("the core restarted from its journal alone every half minute on average, under every fault: no violation", .shrinking(false))
    func safetyAcrossRestarts() async {
        await propertyCheck(count: Self.runs / 5, input: Gen.uint64(in: 1...UInt64.max / 2)) { seed in
            let (site, report) = Self.run(seed: seed, faults: true, minutes: 6, drain: false) { $0.restartEvery = 30 }
            #expect(report.restarts > 0, "seed \(seed): no restart")
            #expect(report.violations.count == 0, "\(Self.describe(seed, site, report))")
        }
    }

    @Test("a restart seed once found to let a truck adopt space in a crossing another truck held (seed 5670668314471160532)")
    func restartAdoptionInACrossing() {
        let seed: UInt64 = 5_670_668_314_471_160_532
        let (site, report) = Self.run(seed: seed, faults: true, minutes: 6, drain: false, restarts: true)
        #expect(report.restarts > 0)
        #expect(report.violations.isEmpty, "\(Self.describe(seed, site, report))")
    }

    @Test("restarts alone stop nothing: no emergency stop, every admitted truck completes its route", .shrinking(false))
    func restartsAlone() async {
        await propertyCheck(count: Self.runs / 5, input: Gen.uint64(in: 1...UInt64.max / 2)) { seed in
            let (site, report) = Self.run(seed: seed, faults: false, minutes: 25, drain: true) {
                $0.restartEvery = 60
                $0.restartDowntime = 0...2
            }
            #expect(report.restarts > 0, "seed \(seed): no restart")
            #expect(report.violations.count == 0, "\(Self.describe(seed, site, report))")
            #expect(report.emergencyStops == 0, "seed \(seed): emergency stops after restarts")
            #expect(report.tripsUnfinished.count == 0, "seed \(seed): trucks \(report.tripsUnfinished) never completed their routes")
        }
    }

    @Test("sites whose single-lane sections span two zones: safe under every fault")
    func safetyWithLongSections() async {
        await propertyCheck(count: Self.runs / 2, input: Gen.uint64(in: 1...UInt64.max / 2)) { seed in
            let (site, report) = Self.run(seed: seed, faults: true, minutes: 6, drain: false, longSections: true)
            #expect(report.violations.count == 0, "\(Self.describe(seed, site, report, longSections: true))")
        }
    }

    @Test(
        "sites whose single-lane sections span two zones: without faults every admitted truck completes its route and nothing gridlocks",
        .shrinking(false))
    func livenessWithLongSections() async {
        await propertyCheck(count: Self.runs / 2, input: Gen.uint64(in: 1...UInt64.max / 2)) { seed in
            let (site, report) = Self.run(seed: seed, faults: false, minutes: 25, drain: true, longSections: true)
            #expect(report.violations.count == 0, "\(Self.describe(seed, site, report, longSections: true))")
            #expect(
                report.tripsUnfinished.count == 0,
                "seed \(seed): trucks \(report.tripsUnfinished) never completed their routes (replay: LANE_LONG_SECTIONS=1 LANE_SEED=\(seed) swift test --filter replaySeed)"
            )
            #expect(report.gridlocks.count == 0, "seed \(seed): gridlock \(report.gridlocks) (long sections)")
        }
    }

    @Test(
        "sites whose scanners are drive-through portals: no truck stands in a portal, the headway holds, nothing else breaks",
        .shrinking(false))
    func portals() async {
        await propertyCheck(count: Self.runs / 5, input: Gen.uint64(in: 1...UInt64.max / 2)) { seed in
            // Every fault but those that stop a truck wherever it is by design (breakdowns,
            // operator holds, closures): a truck they stop in a portal is stopped there.
            let (site, faulty) = Self.run(seed: seed, faults: true, minutes: 6, drain: false, portals: true) {
                $0.breakdownEvery = nil
                $0.operatorHoldEvery = nil
                $0.zoneClosureEvery = nil
            }
            #expect(faulty.violations.isEmpty, "\(Self.describe(seed, site, faulty)) (portals)")
            let (_, clean) = Self.run(seed: seed, faults: false, minutes: 25, drain: true, portals: true)
            #expect(clean.violations.isEmpty, "\(Self.describe(seed, site, clean)) (portals, no faults)")
            #expect(
                clean.tripsUnfinished.isEmpty,
                "seed \(seed): trucks \(clean.tripsUnfinished) never completed their routes (replay with LANE_PORTALS=1)")
        }
    }

    /// Once a known issue: three trucks never finished on this random site with portals. They
    /// finish since trips are metered into their lanes, merges and the km 0 strip are zones no
    /// truck stops in, and the slot plan fits a truck into the first free window.
    @Test("on a random site with portals, every truck finishes (seed 115820923822668627, once a known issue)")
    func portalLiveness() {
        let seed: UInt64 = 115_820_923_822_668_627
        let (site, report) = Self.run(seed: seed, faults: false, minutes: 25, drain: true, portals: true)
        #expect(report.violations.isEmpty, "\(Self.describe(seed, site, report))")
        #expect(report.tripsUnfinished.isEmpty, "unfinished \(report.tripsUnfinished)")
    }

    /// Found by random sites with two-zone single-lane sections: two trucks waited at the two
    /// ends of the section for each other. One stood 0.3 m before its end of the section, so its
    /// claim reached into it, and the other took that approach for a truck in the section driving
    /// against it. A claim that only reaches into a section from before its far end locks nothing
    /// now (`isOpposingApproach`): it is on the other lane where the section ends.
    @Test("two trucks at the two ends of a two-zone single-lane section do not wait for each other (random site 234000702)")
    func noGridlockAtALongSection() {
        let seed: UInt64 = 234_000_702
        let (site, report) = Self.run(seed: seed, faults: false, minutes: 25, drain: true, longSections: true)
        #expect(report.violations.isEmpty, "\(Self.describe(seed, site, report, longSections: true))")
        #expect(report.gridlocks.isEmpty, "gridlocks \(report.gridlocks)")
        #expect(report.tripsUnfinished.isEmpty, "unfinished \(report.tripsUnfinished)")
    }

    /// Found by the randomized runs under faults on 2026-12-03: a truck standing in its origin
    /// yard is granted its first authority and starts; 0.3 s later the core sends the same end
    /// again, labelled a shortening, and the independent checker took it for one the moving truck
    /// could not stop before (by 6.5 cm). The end the truck held was already that end: the checker
    /// now judges a shortening only against the end the truck holds.
    @Test("a shortening that repeats the end the truck holds is not unstoppable (random site, faults, seed 5226888644258503177)")
    func shorteningThatRepeatsTheHeldEnd() {
        let seed: UInt64 = 5_226_888_644_258_503_177
        // The run as it was found, before restarts were among the faults.
        let (site, report) = Self.run(seed: seed, faults: true, minutes: 6, drain: false)
        #expect(report.stepsChecked > 0)
        #expect(report.violations.isEmpty, "\(Self.describe(seed, site, report))")
    }

    /// Found by the randomized restarts (seed 1321211179362341677; 6902008928712766321, a
    /// direction lock after a restart, no longer occurs either): after a restart, a truck held standing at its end of
    /// authority 2.4 m before a merge reported a front (within its measurement's uncertainty)
    /// past that end; the core adopted the space up to front plus uncertainty as its end, 1.7 m
    /// before the merge, while another truck from the other branch held authority through the
    /// merge. An adopted end now stays a standstill gap short of any other truck's claim.
    @Test(
        "a truck standing at its end after a restart adopts no space within the gap of a merge another truck passes, nor into a single-lane section",
        arguments: [1_321_211_179_362_341_677, 6_902_008_928_712_766_321] as [UInt64])
    func adoptionKeepsTheGap(seed: UInt64) {
        let (site, report) = Self.run(seed: seed, faults: true, minutes: 6, drain: false) { $0.restartEvery = 30 }
        #expect(report.restarts > 0)
        #expect(report.violations.isEmpty, "\(Self.describe(seed, site, report))")
    }

    /// Number of random runs per property; `LANE_RANDOM_RUNS` overrides it.
    static var runs: Int {
        if let text = getenv("LANE_RANDOM_RUNS"), let n = Int(String(cString: text)) { return n }
        return 1000
    }

    @Test("replays one seed given in LANE_SEED", .enabled(if: getenv("LANE_SEED") != nil))
    func replaySeed() {
        guard let text = getenv("LANE_SEED"), let seed = UInt64(String(cString: text)) else {
            Issue.record("LANE_SEED is not a number")
            return
        }
        // The site with two-zone single-lane sections, as the long-section runs draw it.
        let long = getenv("LANE_LONG_SECTIONS") != nil
        let portals = getenv("LANE_PORTALS") != nil
        // Station outages and re-routing scans, as the station-system runs draw them.
        let stations = getenv("LANE_STATION_FAULTS") != nil
        let (site, faulty) = Self.run(
            seed: seed, faults: true, minutes: 6, drain: false, longSections: long, restarts: stations, portals: portals
        ) {
            if portals {
                $0.breakdownEvery = nil
                $0.operatorHoldEvery = nil
                $0.zoneClosureEvery = nil
            }
            if stations { Self.stationFaults(&$0) }
        }
        print("faults:", Self.describe(seed, site, faulty, longSections: long))
        let (_, restarted) = Self.run(seed: seed, faults: true, minutes: 6, drain: false, longSections: long) { $0.restartEvery = 30 }
        print("faults and restarts:", Self.describe(seed, site, restarted, longSections: long))
        let (_, clean, core) = Self.runKeepingCore(
            seed: seed, faults: false, minutes: 25, drain: true, longSections: long, portals: portals
        ) { if stations { Self.stationFaults(&$0) } }
        print("liveness violations: \(clean.violations.prefix(3).map(\.description))")
        print("liveness: unfinished \(clean.tripsUnfinished), gridlocks \(clean.gridlocks), violations \(clean.violations.count)")
        for id in clean.tripsUnfinished {
            guard let s = core.snapshot(of: id) else { continue }
            print(
                "  \(id): front \(s.front ?? -1) end \(s.authority?.end ?? -1) in \(s.authority?.endZone.rawValue ?? "-") claim \(s.claim.map { "\($0)" } ?? "-") stale \(s.stale) held \(s.held) waits for \(s.blockedBy?.rawValue ?? "-")"
            )
            if let route = core.route(of: id), let front = s.front {
                let near = route.legs.filter { $0.end > front - 60 && $0.start < front + 200 }
                print("    route: " + near.map { "\(site.zones[$0.zone].id) \(Int($0.start))..\(Int($0.end))" }.joined(separator: ", "))
            }
        }
    }
}
