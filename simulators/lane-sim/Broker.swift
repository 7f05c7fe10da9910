import ArgumentParser
import Foundation
import LaneBrokerSim
import LaneCore
import LaneMQTT
import LaneWire

/// `lane-sim broker`: the fleet and the yard system over a real broker, against a running
/// `lane-coordinator` that lists trucks `T001`… and uses the same site clock.
struct Broker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drive VDA 5050 trucks over MQTT against a running lane-coordinator, and dispatch their trips as the yard system.")

    @Option(help: "Site file.") var site = defaultSite
    @Option(help: "The coordinator's site id.") var siteId = "huu-nghi"
    @Option(help: "Broker host.") var host = "127.0.0.1"
    @Option(help: "Broker port.") var port = 1883
    @Option(help: "Number of trucks (T001…; the coordinator's fleet must list them).") var trucks = 20
    @Option(help: "Simulated minutes.") var minutes = 30.0
    @Option(help: "Site seconds per real second (the coordinator's timeScale).") var timeScale = 10.0
    @Option(help: "The coordinator's clockOrigin (ISO 8601 UTC), for a scaled clock.") var clockOrigin: String?
    @Option(help: "Seconds in a yard between two trips.") var turnaround = 60.0
    @Option(help: "Seed of the channel and dwell draws.") var seed: UInt64 = 1

    func run() async throws {
        let site = try loadSite(self.site)
        let origin =
            try clockOrigin.map { text in
                do { return try WireTimestamp.parse(text) } catch { throw ValidationError("--clock-origin: \(error)") }
            } ?? Date().timeIntervalSince1970
        let simulation = BrokerSimulation(
            .init(
                site: site, siteId: siteId, broker: MQTTConfiguration(host: host, port: port, clientId: "lane-sim"), trucks: trucks,
                duration: minutes * 60, timeScale: timeScale, clockOrigin: origin, turnaround: turnaround, seed: seed))
        let lanes = site.lanes.filter(\.driverless).map(\.id)
        print("site \(site.name): \(trucks) trucks for \(minutes) simulated minutes at \(timeScale)x over \(host):\(port)")
        let summary = try await simulation.run { elapsed, trips in
            let finished = lanes.map { lane in "\(lane) \(trips.filter { $0.lane == lane && $0.finished != nil }.count)" }
            let running = trips.filter { $0.finished == nil }.count
            print("  \(Int(elapsed / 60)) min  trips finished: \(finished.joined(separator: ", "))  under way: \(running)")
        }
        print("summary (\(Int(summary.duration / 60)) simulated minutes):")
        for lane in lanes {
            let finished = summary.finished(on: lane)
            let perHour = String(format: "%.1f", Double(finished) / (summary.duration / 3600))
            let meanTrip = String(format: "%.0f", summary.meanTripTime(on: lane))
            print("  \(lane): \(finished) trips finished, \(perHour) trucks/h, mean trip \(meanTrip) s")
        }
    }
}
