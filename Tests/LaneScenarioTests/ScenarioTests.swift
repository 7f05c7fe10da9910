import Foundation
import LaneCore
import LaneSite
import LaneSiteFile
import LaneTestKit
import Testing

@testable import LaneFastSim
@testable import LaneScenario

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Scenario files, the fast-mode capacity run and its report.
@Suite("Scenarios and the capacity report")
struct ScenarioTests {
    static func path(_ name: String) -> String { Repository.path("simulators/scenarios/\(name).yaml") }

    @Test(
        "every shipped scenario loads, with the road's target from DOMAIN.md",
        arguments: [
            ("huu-nghi-today", 800.0, 800.0), ("huu-nghi-2027", 2000, 2500), ("huu-nghi-2030", 3000, 3500),
            ("tan-thanh-today", 400, 400), ("tan-thanh-2027", 800, 1200), ("tan-thanh-2030", 2000, 2500),
            ("huu-nghi-2030-drive-through", 3000, 3500), ("tan-thanh-2030-drive-through", 2000, 2500),
        ])
    func shipped(name: String, low: Double, high: Double) throws {
        let scenario = try ScenarioFile.load(path: Self.path(name))
        #expect(scenario.name == name)
        #expect(scenario.target?.low == low && scenario.target?.high == high)
        #expect(scenario.vehiclesPerDay == high)
        #expect(scenario.hours == 24)
        #expect(scenario.truckTypes.count == 2)
        let config = scenario.configuration()
        // The hourly demand of one lane adds up to half the day's vehicles (two driverless lanes).
        let perLane = try #require(config.demand.tripsPerDayPerLane)
        #expect(abs(perLane - high / 2) < 1e-6)
        #expect(config.demand.rate(at: 3 * 3600)! < config.demand.rate(at: 10 * 3600)!)
        // Truck types fill the fleet by their shares.
        let heavy = (0..<scenario.fleetSize).filter { config.truckType(ofTruck: $0)?.name == "igv-40ft-heavy" }.count
        #expect(heavy == Int((0.2 * Double(scenario.fleetSize)).rounded()))
    }

    @Test("drive-through portals: the X-ray bays become portals, trucks pass them without stopping, the gates become the bottleneck")
    func driveThrough() throws {
        let scenario = try ScenarioFile.load(path: Self.path("huu-nghi-2030-drive-through"))
        let portal = try #require(scenario.site.zone("import-xray")?.station?.driveThrough)
        #expect(abs(portal.speed - 10 / 3.6) < 1e-9 && portal.headway == 24)
        let report = CapacityReport.run(scenario, hours: 3)
        // The checker finds no truck standing in a portal and no entry within the headway.
        #expect(report.run.violations.isEmpty, "\(report.run.violations.prefix(3))")
        #expect(report.run.stationReleases["import-xray", default: 0] > 50, "\(report.run.stationReleases)")
        #expect(report.run.stationReleases["export-xray", default: 0] > 50)
        #expect(!report.bottlenecks.contains { $0.zone.rawValue.hasSuffix("xray") }, "\(report.bottlenecks)")
        let stopAndScan = try ScenarioFile.load(path: Self.path("huu-nghi-2030"))
        #expect(report.bottleneckCapacityPerDay > 2 * CapacityReport.run(stopAndScan, hours: 0.1).bottleneckCapacityPerDay)
    }

    @Test("the same seed gives the same run, another seed another run")
    func replay() throws {
        let scenario = try ScenarioFile.load(path: Self.path("huu-nghi-2030"))
        let first = CapacityReport.run(scenario, hours: 1.5)
        let again = CapacityReport.run(scenario, hours: 1.5)
        let other = CapacityReport.run(scenario, seed: scenario.seed + 1, hours: 1.5)
        #expect(first.run.tripsCompleted > 20, "seed \(scenario.seed)")
        #expect(first.run.violations.isEmpty, "seed \(scenario.seed): \(first.run.violations.prefix(3))")
        #expect(first.run.hourly == again.run.hourly)
        #expect(first.run.shipmentWaits == again.run.shipmentWaits)
        #expect(first.run.trajectories == again.run.trajectories)
        #expect(first.run.meanTripTime == again.run.meanTripTime)
        #expect(first.markdown() == again.markdown())
        #expect(first.run.shipmentWaits != other.run.shipmentWaits || first.run.meanTripTime != other.run.meanTripTime)
    }

    @Test("the verdict: met, limited by the fleet, limited by the stations, or out of reach")
    func verdicts() throws {
        let scenario = try ScenarioFile.load(path: Self.path("huu-nghi-2027"))
        var run = SimulationReport()
        run.tripsCompleted = 2100
        run.meanTripTime = 1200
        run.hourly.offered = Array(repeating: 100, count: 24)
        var report = CapacityReport(
            scenario: "s", site: "site", fleetSize: 40, seed: 1, hours: 24, run: run, bottleneckCapacityPerDay: 2400,
            bottlenecks: [], meanTurnaround: 200, target: ThroughputTarget(label: "2027", low: 2000, high: 2500), timeSpaceHour: 9)
        // Little's law: 100 trips an hour × (1200 + 200) s = 38.9 trucks.
        #expect(report.fleetForPeak == 39)
        #expect(report.targetMet == true)
        #expect(report.verdict.contains("met: 2100 a day served with 40 trucks"))
        report.run.tripsCompleted = 1500
        #expect(report.targetMet == false)
        #expect(report.verdict.contains("The bottleneck stations limit it, not the fleet"))
        report.fleetSize = 20
        #expect(report.verdict.contains("the fleet limits it: it needs about 39 trucks"))
        report.target = ThroughputTarget(label: "2030", low: 3000, high: 3500)
        #expect(report.verdict.contains("No fleet can meet it"))
        #expect(scenario.fleetSize > 0)
    }

    @Test("a wrong scenario file names the file, the place and the problem")
    func mistakes() throws {
        let good = try String(contentsOfFile: Self.path("huu-nghi-2030"), encoding: .utf8)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let sites = Repository.path("simulators/sites")
        let cases: [(String, String, String)] = [
            ("green: 0.85, yellow: 0.12", "green: 0.85, yellow: 0.2", "demand.channel-mix: the channel shares must add up to 1"),
            ("hours: 24", "hours: 24\nspeed: 3", "unknown key 'speed'"),
            ("[0.4, 0.4, 0.4, 0.4, 0.5,", "[0.4, 0.4, 0.4, 0.5,", "demand.hourly-profile: expected 24 numbers"),
            ("size: 60", "size: -3", "fleet.size: expected a number above zero"),
            ("emergency-braking: 4.0", "emergency-braking: 1.0", "fleet.types[0]: the kinematics are not valid"),
            ("time-space-hour: 9", "time-space-hour: 24", "report.time-space-hour: expected an hour from 0 to 23"),
        ]
        for (find, replace, problem) in cases {
            #expect(good.contains(find), "the shipped scenario changed: \(find)")
            let text = good.replacingOccurrences(of: find, with: replace).replacingOccurrences(
                of: "site: ../sites/", with: "site: \(sites)/")
            let file = "\(folder)/bad.yaml"
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            do {
                _ = try ScenarioFile.load(path: file)
                Issue.record("accepted: \(replace)")
            } catch {
                #expect(error.description.contains(problem), "\(error.description)")
                #expect(error.file == file)
                #expect(error.line != nil || problem.contains("unknown key"))
            }
        }
    }

    @Test("the report's plots are well-formed SVG with the trucks' paths of the chosen hour")
    func plots() throws {
        let scenario = try ScenarioFile.load(path: Self.path("huu-nghi-today"))
        var early = scenario
        early.timeSpaceHour = 0
        let report = CapacityReport.run(early, hours: 1)
        #expect(!report.run.trajectories.isEmpty)
        #expect(report.run.trajectories.allSatisfy { $0.time >= 0 && $0.time < 3600 })
        for svg in [report.throughputSVG(), report.timeSpaceSVG(site: scenario.site)] {
            let parser = XMLParser(data: Data(svg.utf8))
            #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
            #expect(svg.hasPrefix("<svg"))
        }
        let paths = report.timeSpaceSVG(site: scenario.site).components(separatedBy: "<polyline").count - 1
        #expect(paths >= Set(report.run.trajectories.map(\.truck)).count)
        #expect(report.markdown().contains("| 00:00 |"))
    }
}
