import ArgumentParser
import Foundation
import LaneCore
import LaneScenario
import LaneSite
import LaneWire

/// `lane-sim scenario`: a scenario in fast mode, ending with the capacity report.
struct ScenarioRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Run a scenario file in fast mode and print its capacity report.",
        discussion: """
            The report states the vehicles served per day against the demand, the bottleneck's \
            capacity and the scenario's target, and the fleet the target needs. With --out, the \
            report is also written as report.md, throughput.svg and time-space.svg.
            """)

    @Argument(help: "Scenario file (see simulators/scenarios).") var file = "simulators/scenarios/huu-nghi-2030.yaml"
    @Option(help: "Number of trucks (default: the scenario's).") var fleet: Int?
    @Option(help: "Seed (default: the scenario's).") var seed: UInt64?
    @Option(help: "Simulated hours (default: the scenario's).") var hours: Double?
    @Option(help: "Folder to write report.md and the SVG plots into.") var out: String?
    @Flag(help: "Print a progress line every simulated hour.") var progress = false
    @Flag(help: "Print the whole report (Markdown) rather than the summary.") var full = false
    @Flag(help: "Print the figures as one JSON object (servedPerDay, targetMet, bottleneck, ...) instead.") var json = false

    func validate() throws {
        if let fleet, fleet < 1 { throw ValidationError("--fleet must be at least 1") }
        if let hours, hours <= 0 { throw ValidationError("--hours must be above zero") }
    }

    func run() throws {
        let scenario = try loadScenario(file)
        let started = Date()
        var nextLine: Seconds = 3600
        let report = CapacityReport.run(scenario, fleetSize: fleet, seed: seed, hours: hours) { now, run in
            guard progress, now >= nextLine else { return }
            nextLine += 3600
            print(String(format: "  %02d:00  %d trips started, %d completed", Int(now) / 3600, run.tripsStarted, run.tripsCompleted))
            fflush(nil)
        }
        let wall = Date().timeIntervalSince(started)
        if json {
            print(String(decoding: try WireEncoder().encode(report.figures(site: scenario.site, wall: wall)), as: UTF8.self))
            if !report.run.violations.isEmpty { throw ExitCode(2) }
            return
        }
        print(report.headline(wall: wall))
        print(full ? report.markdown() : report.summary())
        if let out { print("written: " + (try report.write(to: out, site: scenario.site)).joined(separator: ", ")) }
        if !report.run.violations.isEmpty { throw ExitCode(2) }
    }
}

func loadScenario(_ path: String) throws -> Scenario {
    do {
        return try ScenarioFile.load(path: path)
    } catch {
        throw ValidationError(error.description)
    }
}
