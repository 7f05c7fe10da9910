import ArgumentParser
import Foundation
import LaneAuditor
import LaneBrokerSim
import LaneCharts
import LaneCore
import LaneFastSim
import LaneMQTT
import LaneScenario
import LaneSite
import LaneTruckAgent
import LaneWire

/// `lane-sim broker`: the fleet and the yard system over a real broker, against a running
/// `lane-coordinator` that lists trucks `T001`… and uses the same site clock.
struct Broker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drive VDA 5050 trucks over MQTT against a running lane-coordinator, and dispatch their trips as the yard system.",
        discussion: """
            With --scenario, the site, fleet size, channel mix, yard turnaround, link faults, seed \
            and target come from the scenario file; the other options override it. On a terminal \
            a live view is drawn; at the end the throughput against the bottleneck and the target, \
            and the auditor's verdict on the trucks' true positions. Exit code 2: the auditor found \
            a violation.
            """)

    @Option(help: "Scenario file (site, fleet, channel mix, link faults, seed, target).") var scenario: String?
    @Option(help: "Site file (default: the scenario's, else the default site).") var site: String?
    @Option(help: "The coordinator's site id.") var siteId = "huu-nghi"
    @Option(help: "Broker host, or the nodes of a clustered broker as host[:port],... tried in turn.") var host = "127.0.0.1"
    @Option(help: "Broker port.") var port = 1883
    @Option(help: "Number of trucks (T001…; the coordinator's fleet must list them; default: the scenario's, else 20).")
    var trucks: Int?
    @Option(help: "Number of this process's first truck: a large fleet is shared among several processes (about 150 trucks each).")
    var firstTruck = 1
    @Option(help: "Simulated minutes.") var minutes = 30.0
    @Option(help: "Site seconds per real second (the coordinator's timeScale).") var timeScale = 10.0
    @Option(help: "The coordinator's clockOrigin (ISO 8601 UTC), for a scaled clock.") var clockOrigin: String?
    @Option(help: "Seconds in a yard between two trips (default: the scenario's mean, else 60).") var turnaround: Double?
    @Option(help: "Seed of the channel and dwell draws (default: the scenario's, else 1).") var seed: UInt64?
    @Option(help: "Write the trucks' true positions here (JSON Lines; default: a temporary file).") var trace: String?
    @Flag(inversion: .prefixedNo, help: "Draw the live view (on a terminal).") var view = true
    @Option(help: "Site seconds between two state reports of a truck (0.2: 5 Hz at real time).") var stateInterval = 0.25
    @Option(help: "Real seconds between two kinematic steps of a truck (longer for a large fleet at real time).")
    var stepInterval = 0.02
    @Option(help: "Seconds between two trucks joining the fleet at the start.") var joinInterval = 0.2

    func run() async throws {
        let scenario = try self.scenario.map(loadScenario)
        let site = try self.site.map(loadSite) ?? scenario?.site ?? loadSite(defaultSite)
        let trucks = self.trucks ?? scenario?.fleetSize ?? 20
        let origin =
            try clockOrigin.map { text in
                do { return try WireTimestamp.parse(text) } catch { throw ValidationError("--clock-origin: \(error)") }
            } ?? Date().timeIntervalSince1970
        let mix = scenario?.demand.channelMix ?? DemandProfile().channelMix
        let yardTime = scenario.map { ($0.demand.yardTurnaround.lowerBound + $0.demand.yardTurnaround.upperBound) / 2 }
        let seed = self.seed ?? scenario?.seed ?? 1
        let tracePath = trace ?? FileManager.default.temporaryDirectory.appendingPathComponent("lane-sim-trace-\(getpid()).jsonl").path
        var broker = MQTTConfiguration(clientId: "lane-sim")
        broker.endpoints = try host.split(separator: ",", omittingEmptySubsequences: false).map { text in
            guard let endpoint = MQTTEndpoint(parsing: String(text), defaultPort: port) else {
                throw ValidationError("--host: '\(text)' is not host or host:port (port 1-65535)")
            }
            return endpoint
        }
        let brokers = broker.endpoints.map(\.description).joined(separator: ", ")
        var config = BrokerSimulation.Configuration(
            site: site, siteId: siteId, broker: broker, trucks: trucks,
            duration: minutes * 60, timeScale: timeScale, clockOrigin: origin,
            channelMix: (mix[.green, default: 0], mix[.yellow, default: 0], mix[.red, default: 0]),
            turnaround: turnaround ?? yardTime ?? 60, seed: seed, tracePath: tracePath)
        config.firstTruck = firstTruck
        config.stateInterval = stateInterval
        config.stepInterval = stepInterval
        config.joinInterval = joinInterval
        if let faults = scenario?.faults {
            config.link = TruckAgent.LinkFaults(
                loss: faults.reportLoss, duplication: faults.reportDuplication, delay: faults.reportDelay, seed: seed)
            config.stations = StationBehaviour(
                suspiciousShare: faults.suspiciousScans, unreadableShare: faults.unreadableScans,
                offline: StationBehaviour.outages(
                    of: site, every: faults.stationOutageEvery, lasting: faults.stationOutageDuration,
                    over: minutes * 60, seed: seed))
        }
        let simulation = BrokerSimulation(config)
        let lanes = site.lanes.filter(\.driverless).map(\.id)
        let bottlenecks = SiteCapacity.bottlenecks(of: site, profile: TruckProfile())
        let capacity = Dictionary(uniqueKeysWithValues: bottlenecks.map { ($0.lane, $0.perHour) })
        let bottleneck = Dictionary(uniqueKeysWithValues: bottlenecks.map { ($0.lane, $0.zone) })
        let live = LiveView(site: site, duration: minutes * 60, capacityPerHour: capacity)
        let drawing = view && live.enabled
        print(
            "site \(site.name)\(scenario.map { ", scenario \($0.name)" } ?? ""): \(trucks) trucks for \(minutes) simulated minutes at \(timeScale)x over \(brokers)"
        )
        let lastFrame = Locked(0.0)
        let progress: @Sendable (Double, [BrokerSimulation.Trip]) -> Void = { elapsed, trips in
            guard !drawing, Int(elapsed / 60) % 5 == 0 else { return }
            let finished = lanes.map { lane in "\(lane) \(trips.filter { $0.lane == lane && $0.finished != nil }.count)" }
            let running = trips.filter { $0.finished == nil }.count
            print("  \(Int(elapsed / 60)) min  trips finished: \(finished.joined(separator: ", "))  under way: \(running)")
            fflush(nil)
        }
        let scale = timeScale
        let frame: @Sendable (Double, [TraceSample], [BrokerSimulation.Trip]) -> Void = { elapsed, samples, trips in
            // About one frame a real second.
            let due = lastFrame.withLock { last in
                guard elapsed - last >= scale else { return false }
                last = elapsed
                return true
            }
            guard due else { return }
            live.draw(live.frame(elapsed: elapsed, trucks: samples, trips: trips))
        }
        let summary = try await simulation.run(progress: progress, view: drawing ? frame : nil)
        let samples = try TraceAuditor.read(tracePath)
        let violations = TraceAuditor(site: site).audit(samples)
        print("")
        // Rates leave out a warm-up: the first trips take the fleet from empty lanes to a steady state.
        let warmUp = min(600, summary.duration / 3)
        let start = summary.trips.map(\.dispatched).min() ?? 0
        print(
            "summary (\(Int(summary.duration / 60)) simulated minutes over the broker, \(trucks) trucks; rates after a \(Int(warmUp / 60))-minute warm-up):"
        )
        var perDay = 0.0
        for lane in lanes {
            let finished = summary.finished(on: lane)
            let measured = summary.trips.filter { $0.lane == lane && ($0.finished ?? 0) > start + warmUp }.count
            let perHour = Double(measured) / ((summary.duration - warmUp) / 3600)
            perDay += perHour * 24
            var line = String(
                format: "  %@: %d trips finished, %.1f trucks/h, mean trip %.0f s", lane.rawValue, finished, perHour,
                summary.meanTripTime(on: lane))
            if let c = capacity[lane], let z = bottleneck[lane] {
                line += String(format: "; %.0f%% of %@'s capacity of %.1f/h", 100 * perHour / c, z.rawValue, c)
            }
            print(line)
        }
        if summary.rejected > 0 { print("  trips refused by the coordinator: \(summary.rejected)") }
        let maximum = SiteCapacity.perHour(bottlenecks) * 24
        var verdict = String(format: "  at this rate %.0f vehicles a day; the bottleneck stations pass %.0f a day at most", perDay, maximum)
        if let target = scenario?.target {
            let met = perDay >= target.low
            verdict += String(
                format: "; the %@ target of %.0f–%.0f a day is %@", target.label, target.low, target.high,
                met ? "met" : maximum < target.low ? "out of reach of any fleet on these lanes" : "not met at this rate")
        }
        print(verdict + ".")
        if let target = scenario?.target, perDay < target.low, let path = self.scenario {
            print(alternative(to: path, target: target))
        }
        print(TraceAuditor.verdict(samples, violations))
        for violation in violations.prefix(10) { print("  \(violation)") }
        if trace == nil { try? FileManager.default.removeItem(atPath: tracePath) }
        if !violations.isEmpty { throw ExitCode(2) }
    }
}

/// For a scenario whose target the lanes miss: the configuration that meets it, if one ships beside
/// it (its drive-through variant, `NAME-drive-through.yaml`), with what its stations pass.
func alternative(to path: String, target: ThroughputTarget) -> String {
    let variant = path.replacingOccurrences(of: ".yaml", with: "-drive-through.yaml")
    guard variant != path, let other = try? ScenarioFile.load(path: variant) else {
        return "  no shipped configuration of these lanes is known to meet it."
    }
    let profile = TruckProfile()
    let perDay = SiteCapacity.perHour(SiteCapacity.bottlenecks(of: other.site, profile: profile)) * 24
    let enough = perDay >= target.low
    let passes = String(format: "%.0f", perDay)
    return "  with drive-through X-ray portals instead (\(variant)) the stations pass \(passes) a day, "
        + "\(enough ? "enough for" : "still short of") the target: run it with `lane-sim scenario \(variant)`."
}
