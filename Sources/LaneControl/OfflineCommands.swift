import ArgumentParser
import Foundation
import LaneCore
import LaneScenario
import LaneSiteFile
import LaneWire

/// `lanectl simulate`: a scenario in fast mode, with its capacity report.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario in fast mode (no broker) and print its capacity report.",
        discussion: """
            The report gives the vehicles served per day against the demand, the bottleneck's \
            capacity and the scenario's target, and the fleet the target needs. With --out it \
            also writes report.md, throughput.svg and time-space.svg. Scenarios: simulators/scenarios.
            """)

    @Argument(help: "Scenario file.") var scenario: String
    @Option(help: "Number of trucks (default: the scenario's).") var fleet: Int?
    @Option(help: "Seed (default: the scenario's).") var seed: UInt64?
    @Option(help: "Simulated hours (default: the scenario's).") var hours: Double?
    @Option(help: "Folder to write report.md and the SVG plots into.") var out: String?
    @Flag(help: "Print the whole report (Markdown) rather than the summary.") var full = false

    func validate() throws {
        if let fleet, fleet < 1 { throw ValidationError("--fleet must be at least 1") }
        if let hours, hours <= 0 { throw ValidationError("--hours must be above zero") }
    }

    func run() async throws {
        try await operate {
            let scenario: Scenario
            do {
                scenario = try ScenarioFile.load(path: self.scenario)
            } catch {
                throw LanectlError.invalidFile(String(describing: error))
            }
            let started = Date()
            let report = CapacityReport.run(scenario, fleetSize: fleet, seed: seed, hours: hours)
            print(report.headline(wall: Date().timeIntervalSince(started)))
            print(full ? report.markdown() : report.summary())
            if let out { print("written: " + (try report.write(to: out, site: scenario.site)).joined(separator: ", ")) }
        }
    }
}

/// `lanectl validate`: checks a site file.
struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a site file and summarise it.",
        discussion: "An error names the file, the place in it and the line. Exit code 7: the file is not valid.")

    @Argument(help: "Site file (YAML).") var siteFile: String

    func run() async throws {
        try await operate {
            let site: Site
            do {
                site = try SiteFile.load(path: siteFile)
            } catch {
                throw LanectlError.invalidFile(String(describing: error))
            }
            print(Self.summary(site, file: siteFile))
        }
    }

    /// What the operator checks after editing a site: zones, lanes and each driverless lane's
    /// bottleneck.
    static func summary(_ site: Site, file: String) -> String {
        let stations = site.zones.filter { $0.station != nil }.count
        let exclusive = site.zones.filter(\.isExclusive).count
        let driverless = site.lanes.filter(\.driverless)
        var lines = [
            "\(file): valid site \(site.name)",
            "  \(site.zones.count) zones (\(exclusive) exclusive, \(stations) stations), \(site.lanes.count) lanes (\(driverless.count) driverless)",
        ]
        for lane in driverless {
            lines.append("  lane \(lane.id): \(lane.origin) to \(lane.destination), \(lane.direction.rawValue), \(lane.steps.count) zones")
        }
        for bottleneck in CapacityReport.bottlenecks(of: site, profile: TruckProfile()) {
            lines.append(
                String(
                    format: "  bottleneck of %@: %@, %.1f trucks an hour", bottleneck.lane.rawValue, bottleneck.zone.rawValue,
                    bottleneck.perHour))
        }
        return lines.joined(separator: "\n")
    }
}
