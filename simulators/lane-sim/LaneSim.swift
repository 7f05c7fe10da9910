import ArgumentParser
import Foundation
import LaneCore
import LaneFastSim
import LaneSafetyCheck
import LaneSite
import LaneSiteFile

/// The vehicle simulator's command line.
@main
struct LaneSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lane-sim",
        abstract: "Drive simulated driverless trucks through a border-gate site.",
        subcommands: [Fast.self, ScenarioRun.self, Broker.self, Audit.self],
        defaultSubcommand: Fast.self)
}

/// Where the default site file lives, relative to the package root.
let defaultSite = "simulators/sites/huu-nghi-1119-1120.yaml"

func loadSite(_ path: String) throws -> Site {
    do {
        return try SiteFile.load(path: path)
    } catch {
        throw ValidationError(error.description)
    }
}

struct Fast: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the site in process on a virtual clock: the scheduler core, kinematic trucks, the safety checker.")

    @Option(help: "Site file.") var site = defaultSite
    @Option(help: "Simulated hours.") var hours = 2.0
    @Option(help: "Number of trucks.") var fleet = 40
    @Option(help: "Seed of every random draw.") var seed: UInt64 = 1
    @Option(help: "Trips per hour per lane (omit for saturated demand).") var tripsPerHour: Double?
    @Flag(help: "Inject every fault (loss, duplication, delay, link loss, breakdowns, holds, closures).")
    var faults = false
    @Flag(help: "Also run the naive fixed-block baseline and compare.") var baseline = false
    @Option(help: "Print every event and command of this truck.") var trace: String?
    @Flag(help: "Print the core's view of every truck still on a lane at the end.") var verbose = false
    @Flag(inversion: .prefixedNo, help: "Run the independent safety checker after every step.") var check = true
    @Flag(help: "Print a progress line every simulated half hour.") var progress = false

    func run() throws {
        let site = try loadSite(site)
        var config = FastSimConfiguration(seed: seed, duration: hours * 3600, fleetSize: fleet)
        config.demand = DemandProfile(tripsPerHourPerLane: tripsPerHour)
        config.warmUp = min(900, config.duration / 4)
        if faults { config.faults = .everything }
        config.trace = trace.map { TruckID($0) }
        config.checkSafety = check
        let started = Date()
        var simulation = FastSimulation(site: site, controller: SchedulerCore(site: site), configuration: config)
        if progress {
            let bottlenecks = site.lanes.filter(\.driverless).compactMap { site.bottleneck(of: $0.id)?.id }
            var nextLine: Seconds = 1800
            simulation.observer = { now, report in
                guard now >= nextLine else { return }
                nextLine += 1800
                let hours = Int(now) / 3600
                let minutes = (Int(now) % 3600) / 60
                let passed = bottlenecks.map { "\($0) \(report.stationReleases[$0, default: 0])" }.joined(separator: ", ")
                print(
                    String(
                        format: "  %02d:%02d  trips %d started, %d completed; ", hours, minutes, report.tripsStarted, report.tripsCompleted)
                        + "scanned: \(passed)")
                fflush(nil)
            }
        }
        let report = simulation.run()
        let wall = Date().timeIntervalSince(started)
        print("site \(site.name): \(fleet) trucks, \(hours) h simulated in \(String(format: "%.1f", wall)) s, seed \(seed)")
        printSummary(report, site: site, profile: config.profile)
        if verbose { printStuck(simulation.controller, report) }
        if baseline {
            config.faults = FaultProfile()
            var naive = FastSimulation(site: site, controller: FixedBlockBaseline(site: site), configuration: config)
            let naiveReport = naive.run()
            print("naive fixed-block baseline (same seed, no faults):")
            printSummary(naiveReport, site: site, profile: config.profile)
        }
        if !report.violations.isEmpty { throw ExitCode(2) }
    }
}

func printSummary(_ report: SimulationReport, site: Site, profile: TruckProfile) {
    print(
        "  trips: \(report.tripsStarted) started, \(report.tripsCompleted) completed, \(report.tripsUnfinished.count) on a lane at the end")
    print(String(format: "  mean trip time %.0f s, unplanned stops per trip %.2f", report.meanTripTime, report.unplannedStopsPerTrip))
    for lane in site.lanes where lane.driverless {
        guard let bottleneck = site.bottleneck(of: lane.id, profile: profile),
            let capacity = site.stationCapacity(bottleneck, profile: profile)
        else { continue }
        let measured = report.throughputPerHour(at: bottleneck.id)
        print(
            String(
                format: "  lane %@: bottleneck %@ %.1f trucks/h of capacity %.1f (%.0f%%)", lane.id.rawValue,
                bottleneck.id.rawValue, measured, capacity, 100 * measured / capacity))
    }
    if !report.rejections.isEmpty {
        print("  refused events: " + report.rejections.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    }
    if !report.gridlocks.isEmpty { print("  gridlocks: \(report.gridlocks.count)") }
    print("  safety checker: \(report.stepsChecked) steps, \(report.violations.count) violations")
    for violation in report.violations.prefix(10) { print("    \(violation)") }
}

/// Prints what the core believes about the trucks still on a lane (for a run that did not drain).
func printStuck(_ core: SchedulerCore, _ report: SimulationReport) {
    for id in report.tripsUnfinished.sorted() {
        guard let s = core.snapshot(of: id) else { continue }
        let front = s.front.map { String(format: "%.1f", $0) } ?? "-"
        let end = s.authority.map { String(format: "%.1f", $0.end) } ?? "-"
        print(
            "    \(id): \(s.trip.map { "\($0.lane) \($0.channel)" } ?? "-") front \(front) end \(end) in \(s.authority?.endZone.rawValue ?? "-") stale \(s.stale) held \(s.held) estop \(s.emergencyStopped) waits for \(s.blockedBy?.rawValue ?? "-")"
        )
    }
}
