import ArgumentParser
import Foundation
import LaneCharts
import LaneSite
import LaneSiteFile
import LaneWire

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
        for bottleneck in SiteCapacity.bottlenecks(of: site, profile: TruckProfile()) {
            lines.append(
                String(
                    format: "  bottleneck of %@: %@, %.1f trucks an hour", bottleneck.lane.rawValue, bottleneck.zone.rawValue,
                    bottleneck.perHour))
        }
        return lines.joined(separator: "\n")
    }
}
