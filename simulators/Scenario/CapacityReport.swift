import Foundation
import LaneCharts
import LaneCore
public import LaneFastSim
public import LaneSite

/// The planners' answer for one scenario: what the driverless lanes carried, against demand,
/// the bottleneck's physical capacity and the target, and the fleet the target needs.
public struct CapacityReport: Sendable {
    /// The scenario's name.
    public var scenario: String
    /// The site's name.
    public var site: String
    /// Trucks in the fleet.
    public var fleetSize: Int
    /// The run's seed.
    public var seed: UInt64
    /// Simulated hours.
    public var hours: Double
    /// The run itself.
    public var run: SimulationReport
    /// Vehicles per day the bottleneck stations of all driverless lanes pass at most.
    public var bottleneckCapacityPerDay: Double
    /// Per driverless lane: its bottleneck station and that station's capacity per hour.
    public var bottlenecks: [(lane: LaneID, zone: ZoneID, perHour: Double)]
    /// Mean time a truck spends in a yard between trips.
    public var meanTurnaround: Seconds
    /// The target judged against, if any.
    public var target: ThroughputTarget?
    /// The hour of the time-space diagram.
    public var timeSpaceHour: Int
    /// The mean trip time of the same site, demand mix and seed with one truck per lane and no
    /// faults: the trip on an empty lane, which the scenario's mean is compared with (nil: not run).
    public var emptyLaneTripTime: Seconds?

    /// Trips completed or under way at the end, scaled to a day. A trip still on a lane at the
    /// end counts for the day it began: in a steady state as many trips from the day before finish
    /// in this one.
    public var servedPerDay: Double { Double(run.tripsCompleted + run.tripsUnfinished.count) * 24 / hours }

    /// Shipments offered, scaled to a day (nil for saturated demand).
    public var offeredPerDay: Double? {
        run.hourly.offered.isEmpty ? nil : Double(run.hourly.offered.reduce(0, +)) * 24 / hours
    }

    /// Vehicles per hour the bottleneck stations pass together at full use.
    public var capacityPerHour: Double { bottleneckCapacityPerDay / 24 }

    /// The most shipments offered in one hour (nil for saturated demand).
    public var peakOfferedPerHour: Double? { run.hourly.offered.max().map(Double.init) }

    /// Hours in which more shipments arrived than the bottleneck stations can pass.
    public var hoursOverCapacity: Int { run.hourly.offered.filter { Double($0) > capacityPerHour }.count }

    /// Whether the served trips reach the lower end of the target.
    public var targetMet: Bool? { target.map { servedPerDay >= $0.low } }

    /// Mean trip time, yard to yard.
    public var meanTripTime: Seconds { run.meanTripTime }

    /// Trucks needed to carry `perHour` vehicles an hour, by Little's law: trips per hour times
    /// the time one trip takes a truck (its trip and its yard turnaround) as measured in this run.
    /// The measured trip time includes this run's queueing, so the estimate errs high. Nil when
    /// the bottleneck cannot pass `perHour` at all, whatever the fleet.
    public func fleetNeeded(perHour: Double) -> Int? {
        guard perHour <= capacityPerHour + 1e-9, run.tripsCompleted > 0 else { return nil }
        return Int((perHour * (meanTripTime + meanTurnaround) / 3600).rounded(.up))
    }

    /// Trucks that keep the bottleneck busy in the busiest hour (the most a fleet can use).
    public var fleetForPeak: Int? { fleetNeeded(perHour: min(peakOfferedPerHour ?? capacityPerHour, capacityPerHour)) }

    /// The wait of a shipment in the yard for a truck and a free lane start, at quantile `q`.
    public func shipmentWait(quantile q: Double) -> Seconds {
        let waits = run.shipmentWaits.sorted()
        guard !waits.isEmpty else { return 0 }
        return waits[min(waits.count - 1, Int(Double(waits.count - 1) * q + 0.5))]
    }

    /// Share of the measured time each station spent dwelling.
    public var stationUtilisation: [(zone: ZoneID, share: Double)] {
        run.stationBusy.keys.sorted().map { ($0, run.measuredSeconds > 0 ? run.stationBusy[$0]! / run.measuredSeconds : 0) }
    }

    /// The verdict: whether the target is met, and what limits the lanes.
    public var verdict: String {
        let fleetNote = fleetForPeak.map { "; Little's law puts the fleet for the busiest hour at \($0) trucks" } ?? ""
        guard let target else {
            return
                "\(format(servedPerDay, 0)) vehicles a day served with \(fleetSize) trucks; the bottleneck passes \(format(bottleneckCapacityPerDay, 0)) at most\(fleetNote)."
        }
        let head = "\(target.label) target (\(Int(target.low))–\(Int(target.high)) vehicles/day)"
        let served = "\(format(servedPerDay, 0)) a day served with \(fleetSize) trucks"
        if servedPerDay >= target.low { return "\(head) met: \(served)\(fleetNote)." }
        if bottleneckCapacityPerDay < target.low {
            return
                "\(head) not met: \(served) (\(format(100 * servedPerDay / target.low, 0))% of the low end). No fleet can meet it: the bottleneck stations pass \(format(bottleneckCapacityPerDay, 0)) a day at most."
        }
        if let needed = fleetForPeak, needed > fleetSize {
            return "\(head) not met: \(served); the fleet limits it: it needs about \(needed) trucks (Little's law, busiest hour)."
        }
        return
            "\(head) not met: \(served). The bottleneck stations limit it, not the fleet: they pass \(format(capacityPerHour, 0)) an hour, and in \(hoursOverCapacity) of the day's hours more arrive, so shipments queue in the yards\(fleetNote)."
    }
}

extension CapacityReport {
    /// Runs `scenario` in fast mode and reports on it; `observer` sees the clock after every step.
    public static func run(
        _ scenario: Scenario, fleetSize: Int? = nil, seed: UInt64? = nil, hours: Double? = nil,
        observer: ((Seconds, SimulationReport) -> Void)? = nil
    ) -> CapacityReport {
        var scenario = scenario
        if let fleetSize { scenario.fleetSize = fleetSize }
        if let seed { scenario.seed = seed }
        if let hours { scenario.hours = hours }
        let site = scenario.site
        let config = scenario.configuration()
        var simulation = FastSimulation(site: site, controller: SchedulerCore(site: site), configuration: config)
        simulation.observer = observer
        let run = simulation.run()
        let bottlenecks = SiteCapacity.bottlenecks(of: site, profile: config.profile(ofTruck: 0))
        let turnaround = scenario.demand.yardTurnaround
        return CapacityReport(
            scenario: scenario.name, site: site.name, fleetSize: scenario.fleetSize, seed: scenario.seed, hours: scenario.hours,
            run: run, bottleneckCapacityPerDay: SiteCapacity.perHour(bottlenecks) * 24, bottlenecks: bottlenecks,
            meanTurnaround: (turnaround.lowerBound + turnaround.upperBound) / 2, target: scenario.target,
            timeSpaceHour: scenario.timeSpaceHour, emptyLaneTripTime: emptyLaneTripTime(scenario))
    }

    /// The mean trip time with one truck per driverless lane, no faults, the same channel mix
    /// and seed, over six simulated hours: the same trips on empty lanes.
    static func emptyLaneTripTime(_ scenario: Scenario) -> Seconds? {
        var empty = scenario
        empty.fleetSize = max(1, scenario.site.lanes.filter(\.driverless).count)
        empty.hours = min(scenario.hours, 6)
        empty.faults = FaultProfile()
        empty.vehiclesPerDay = nil
        var config = empty.configuration()
        config.checkSafety = false
        var simulation = FastSimulation(site: empty.site, controller: SchedulerCore(site: empty.site), configuration: config)
        let run = simulation.run()
        return run.tripsCompleted > 0 ? run.meanTripTime : nil
    }

    /// The report as Markdown: summary, verdict, per-hour table.
    public func markdown() -> String {
        var lines = ["# Capacity report: \(scenario)", ""]
        lines.append("Site `\(site)`, \(fleetSize) trucks, seed \(seed), \(format(hours, 0)) simulated hours (fast mode).")
        lines.append("")
        lines.append("**\(verdict)**")
        lines.append("")
        lines.append("| | value |")
        lines.append("|---|---|")
        if let offeredPerDay { lines.append("| vehicles offered per day | \(format(offeredPerDay, 0)) |") }
        lines.append("| vehicles served per day | \(format(servedPerDay, 0)) |")
        lines.append("| bottleneck capacity per day | \(format(bottleneckCapacityPerDay, 0)) |")
        for b in bottlenecks {
            let passed = run.throughputPerHour(at: b.zone)
            lines.append(
                "| lane \(b.lane): \(b.zone) | \(format(passed, 1)) trucks/h of \(format(b.perHour, 1)) (\(format(100 * passed / b.perHour, 0))%) |"
            )
        }
        if let target {
            lines.append("| \(target.label) target per day | \(Int(target.low))–\(Int(target.high)) |")
        }
        lines.append("| fleet for the busiest hour (Little's law) | \(fleetForPeak.map { "\($0) trucks" } ?? "-") |")
        if let peak = peakOfferedPerHour {
            lines.append("| busiest hour offered / hours above capacity | \(format(peak, 0)) / \(hoursOverCapacity) |")
        }
        lines.append("| mean trip time, yard to yard | \(format(meanTripTime, 0)) s |")
        if !run.shipmentWaits.isEmpty {
            lines.append(
                "| shipment wait for a truck, mean / p95 | \(format(run.shipmentWaits.reduce(0, +) / Double(run.shipmentWaits.count), 0)) s / \(format(shipmentWait(quantile: 0.95), 0)) s |"
            )
        }
        lines.append("| unplanned stops per trip | \(format(run.unplannedStopsPerTrip, 2)) |")
        for u in stationUtilisation { lines.append("| \(u.zone) dwelling | \(format(100 * u.share, 0))% of the time |") }
        lines.append("| trips still on a lane at the end | \(run.tripsUnfinished.count) |")
        lines.append("| safety checker | \(run.stepsChecked) steps, \(run.violations.count) violations |")
        lines.append("")
        lines.append("| hour | offered | started | completed | bottleneck capacity |")
        lines.append("|---|---|---|---|---|")
        let capacityPerHour = SiteCapacity.perHour(bottlenecks)
        for hour in 0..<Int(hours.rounded(.up)) {
            lines.append(
                "| \(String(format: "%02d:00", hour % 24)) | \(run.hourly.value(\.offered, hour: hour)) | \(run.hourly.value(\.started, hour: hour)) | \(run.hourly.value(\.completed, hour: hour)) | \(format(capacityPerHour, 0)) |"
            )
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    /// The first line printed for a run: scenario, site, fleet, hours and the wall time it took.
    public func headline(wall: Double) -> String {
        "scenario \(scenario) on \(site): \(fleetSize) trucks, "
            + String(format: "%.0f h simulated in %.1f s wall, seed %llu", hours, wall, seed)
    }

    /// Writes `report.md`, `throughput.svg` and `time-space.svg` into `folder` (made if
    /// missing); returns their paths.
    public func write(to folder: String, site: Site) throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let files = [
            ("report.md", markdown()), ("throughput.svg", throughputSVG()), ("time-space.svg", timeSpaceSVG(site: site)),
        ]
        for (name, text) in files { try text.write(toFile: "\(folder)/\(name)", atomically: true, encoding: .utf8) }
        return files.map { "\(folder)/\($0.0)" }
    }

    /// A few lines for the terminal.
    public func summary() -> String {
        var lines = [verdict]
        let offered = offeredPerDay.map { format($0, 0) } ?? "saturated"
        lines.append(
            "  offered \(offered)/day, served \(format(servedPerDay, 0))/day, bottleneck capacity \(format(bottleneckCapacityPerDay, 0))/day"
        )
        lines.append(
            "  mean trip \(format(meanTripTime, 0)) s, unplanned stops per trip \(format(run.unplannedStopsPerTrip, 2)), shipment wait p95 \(format(shipmentWait(quantile: 0.95), 0)) s"
        )
        lines.append("  safety checker: \(run.stepsChecked) steps, \(run.violations.count) violations")
        for violation in run.violations.prefix(5) { lines.append("    \(violation)") }
        return lines.joined(separator: "\n")
    }
}

func format(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }

/// The figures of a capacity report as one object (`lane-sim scenario --json`), for scripts and
/// for `docs/performance.md`.
public struct ScenarioFigures: Codable, Sendable, Equatable {
    /// One lane's bottleneck station: what it passed and what it could pass at most.
    public struct Bottleneck: Codable, Sendable, Equatable {
        /// The lane.
        public var lane: String
        /// The station zone that limits the lane.
        public var station: String
        /// Trucks it released per hour over the measured period.
        public var trucksPerHour: Double
        /// The most it can pass per hour: its mean dwell plus the clearing of a standing truck
        /// and the next one's entry, from the site's geometry and the trucks' kinematics.
        public var physicalLimitPerHour: Double
    }

    /// The scenario's name.
    public var scenario: String
    /// Trucks in the fleet.
    public var fleet: Int
    /// Seed of the run.
    public var seed: UInt64
    /// Vehicles a day served (completed trips and trips under way at the end, scaled to 24 h).
    public var servedPerDay: Double
    /// Whether the scenario's target is met (nil without a target).
    public var targetMet: Bool?
    /// Each driverless lane's bottleneck.
    public var bottleneck: [Bottleneck]
    /// Stops not at a station per completed trip.
    public var unplannedStopsPerTrip: Double
    /// The most trucks standing on one lane at once, away from stations.
    public var maxTrucksWaitingOnLane: Int
    /// Mean trip time from admission to completion (s).
    public var meanTripSeconds: Double
    /// Safety violations the independent checker found.
    public var violations: Int
    /// Drive-through scans spoiled by a truck leaving the portal's speed band.
    public var spoiledScans: Int
    /// Stops with some part of a truck on the km 0 strip, a crossing or a merge.
    public var standsWhereNoneMayWait: Int
    /// The same trips' mean on empty lanes (one truck per lane, no faults), in seconds.
    public var emptyLaneTripSeconds: Double?
    /// Wall-clock seconds of the run.
    public var wallSeconds: Double
}

extension CapacityReport {
    /// The report's figures, with the run's wall time.
    public func figures(site: Site, wall: Double) -> ScenarioFigures {
        let hours = run.measuredSeconds / 3600
        return ScenarioFigures(
            scenario: scenario, fleet: fleetSize, seed: seed, servedPerDay: servedPerDay, targetMet: targetMet,
            bottleneck: bottlenecks.map { b in
                ScenarioFigures.Bottleneck(
                    lane: b.lane.rawValue, station: b.zone.rawValue,
                    trucksPerHour: hours > 0 ? Double(run.stationReleases[b.zone, default: 0]) / hours : 0, physicalLimitPerHour: b.perHour)
            },
            unplannedStopsPerTrip: run.unplannedStopsPerTrip, maxTrucksWaitingOnLane: run.maxTrucksWaitingOnLane.values.max() ?? 0,
            meanTripSeconds: run.meanTripTime, violations: run.violations.count, spoiledScans: run.spoiledScans,
            standsWhereNoneMayWait: run.standsWhereNoneMayWait, emptyLaneTripSeconds: emptyLaneTripTime, wallSeconds: wall)
    }
}
