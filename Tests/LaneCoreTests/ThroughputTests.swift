import LaneCore
import LaneFastSim
import LaneSite
import LaneSiteFile
import LaneTestKit
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Locates files of the package from the test's source path.
enum PackageFiles {
    static var root: String { Repository.root }

    static func site(_ name: String) throws -> Site {
        try SiteFile.load(path: "\(root)/simulators/sites/\(name).yaml")
    }
}

/// Throughput on the default site under saturated demand, against the bottleneck's physical
/// capacity and against a naive fixed-block controller measured in the same run.
@Suite("Throughput")
struct ThroughputTests {
    @Test("the scanners pass at least 90% of their capacity, above the naive baseline")
    func saturatedDefaultSite() throws {
        let site = try PackageFiles.site("huu-nghi-1119-1120")
        var config = FastSimConfiguration(seed: 2026, duration: 3 * 3600, fleetSize: 60)
        config.warmUp = 1800
        config.checkSafety = false  // the randomized runs check safety; this run measures flow
        var core = FastSimulation(site: site, controller: SchedulerCore(site: site), configuration: config)
        let measured = core.run()
        var naive = FastSimulation(site: site, controller: FixedBlockBaseline(site: site), configuration: config)
        let baseline = naive.run()
        for lane in site.lanes where lane.driverless {
            let bottleneck = try #require(site.bottleneck(of: lane.id))
            let capacity = LanePhysics.stationCapacity(
                dwell: bottleneck.station!.dwell.mean, profile: config.profile, standstillGap: site.rules.standstillGap)
            let ours = measured.throughputPerHour(at: bottleneck.id)
            let theirs = baseline.throughputPerHour(at: bottleneck.id)
            print(
                "lane \(lane.id) bottleneck \(bottleneck.id): capacity \(rounded(capacity)) trucks/h; scheduler core "
                    + "\(rounded(ours)) (\(rounded(100 * ours / capacity))% of capacity); naive fixed-block baseline "
                    + "\(rounded(theirs)) (\(rounded(100 * theirs / capacity))%); core / baseline = \(rounded(ours / theirs, 3))")
            #expect(ours >= 0.9 * capacity, "lane \(lane.id): \(ours) trucks/h is below 90% of \(capacity)")
            #expect(ours > theirs, "lane \(lane.id): the core (\(ours)/h) does not beat the baseline (\(theirs)/h)")
        }
    }

    func rounded(_ x: Double, _ digits: Int = 1) -> Double {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return (x * scale).rounded() / scale
    }

    @Test("the same seed gives the same run")
    func deterministic() throws {
        let site = try PackageFiles.site("huu-nghi-1119-1120")
        var config = FastSimConfiguration(seed: 9, duration: 900, fleetSize: 12)
        config.faults = .everything
        var first = FastSimulation(site: site, controller: SchedulerCore(site: site), configuration: config)
        var second = FastSimulation(site: site, controller: SchedulerCore(site: site), configuration: config)
        let a = first.run()
        let b = second.run()
        #expect(a.tripsCompleted == b.tripsCompleted)
        #expect(a.eventsHandled == b.eventsHandled)
        #expect(a.stationReleases == b.stationReleases)
        #expect(a.rejections == b.rejections)
        #expect(a.violations.isEmpty)
    }

    @Test(
        "both real roads run a faulty hour with the checker and no violation",
        arguments: ["huu-nghi-1119-1120", "tan-thanh-po-chai-1088-1089"])
    func realRoadsUnderFaults(_ name: String) throws {
        let site = try PackageFiles.site(name)
        var config = FastSimConfiguration(seed: 77, duration: 3600, fleetSize: 24)
        config.faults = .everything
        var simulation = FastSimulation(site: site, controller: SchedulerCore(site: site), configuration: config)
        let report = simulation.run()
        #expect(report.violations.count == 0, "\(report.violations.prefix(3))")
        #expect(report.tripsCompleted >= 5, "trips completed: \(report.tripsCompleted)")
        #expect(report.stepsChecked == 36001)
    }
}
