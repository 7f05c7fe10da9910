import LaneCore
public import LaneFastSim
public import LaneSite
public import LaneSiteFile

/// The throughput a scenario is judged against: a target of vehicles per day for the whole
/// road (both directions), as in DOMAIN.md's table.
public struct ThroughputTarget: Sendable, Equatable {
    /// The target's name, such as `2030`.
    public var label: String
    /// The lower end of the target's range, in vehicles per day.
    public var low: Double
    /// The upper end of the target's range, in vehicles per day.
    public var high: Double

    /// A target range.
    public init(label: String, low: Double, high: Double) {
        self.label = label
        self.low = low
        self.high = high
    }
}

/// A simulator scenario: a site, a fleet, a day of demand, faults and a seed.
///
/// Scenario files live in `simulators/scenarios/`; the format is described in
/// `simulators/scenarios/README.md`.
public struct Scenario: Sendable {
    /// The scenario's name.
    public var name: String
    /// Free text: where the figures come from.
    public var note: String
    /// The site, with the scenario's station times applied.
    public var site: Site
    /// Seed of every random draw.
    public var seed: UInt64
    /// Simulated hours, from midnight.
    public var hours: Double
    /// Number of trucks.
    public var fleetSize: Int
    /// The fleet's truck types (empty: every truck is the default 18 m truck).
    public var truckTypes: [TruckType]
    /// Vehicles per day offered to the site's driverless lanes together, or nil for saturated demand.
    public var vehiclesPerDay: Double?
    /// Relative demand in each hour of the day (24 weights).
    public var hourlyProfile: [Double]
    /// Customs channels, perishables and yard turnaround.
    public var demand: DemandProfile
    /// Faults to inject.
    public var faults: FaultProfile
    /// The target the report judges against, if any.
    public var target: ThroughputTarget?
    /// The hour of day drawn in the report's time-space diagram.
    public var timeSpaceHour: Int

    /// The settings of a fast run of this scenario.
    public func configuration() -> FastSimConfiguration {
        var config = FastSimConfiguration(seed: seed, duration: hours * 3600, fleetSize: fleetSize)
        config.truckTypes = truckTypes
        var demand = demand
        if let vehiclesPerDay {
            let lanes = Double(max(1, site.lanes.filter(\.driverless).count))
            let total = hourlyProfile.reduce(0, +)
            demand.hourly = hourlyProfile.map { vehiclesPerDay / lanes * $0 / total }
        }
        config.demand = demand
        config.faults = faults
        let start = Double(timeSpaceHour) * 3600
        config.trajectoryWindow = start..<(start + 3600)
        return config
    }
}

/// Reads scenario files.
public enum ScenarioFile {
    /// Reads the scenario file at `path`; its `site` is read relative to the scenario's folder.
    public static func load(path: String) throws(SiteFileError) -> Scenario {
        let root = NodeReader(file: path, node: try SiteFile.compose(try SiteFile.readText(path: path), file: path), path: "")
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        return try root.scenario(folder: folder)
    }
}

/// A flat day: the same demand in every hour.
let flatDay = [Double](repeating: 1, count: 24)

extension NodeReader {
    func scenario(folder: String) throws(SiteFileError) -> Scenario {
        try checkKeys(["scenario", "note", "site", "seed", "hours", "target", "fleet", "demand", "stations", "faults", "report"])
        let siteReader = try required("site")
        let sitePath = try siteReader.string()
        var site = try SiteFile.load(path: sitePath.hasPrefix("/") ? sitePath : "\(folder)/\(sitePath)")
        if let stations = child("stations") { site = try stations.stationTimes(on: site) }
        let seed = try child("seed")?.number() ?? 1
        guard seed >= 0, seed == seed.rounded() else { throw fail("seed: expected a whole number ≥ 0") }
        var scenario = Scenario(
            name: try required("scenario").string(), note: try child("note")?.string() ?? "", site: site, seed: UInt64(seed),
            hours: try child("hours")?.positive() ?? 24, fleetSize: 0, truckTypes: [], vehiclesPerDay: nil, hourlyProfile: flatDay,
            demand: DemandProfile(), faults: FaultProfile(), target: nil, timeSpaceHour: 9)
        try required("fleet").fleet(into: &scenario)
        try required("demand").demand(into: &scenario)
        if let target = child("target") { scenario.target = try target.target() }
        if let faults = child("faults") { scenario.faults = try faults.faults() }
        if let report = child("report") {
            try report.checkKeys(["time-space-hour", "note"])
            if let hour = report.child("time-space-hour") {
                let value = try hour.number()
                guard (0..<24).contains(value), value == value.rounded() else { throw hour.fail("expected an hour from 0 to 23") }
                scenario.timeSpaceHour = Int(value)
            }
        }
        return scenario
    }

    func positive() throws(SiteFileError) -> Double {
        let value = try number()
        guard value > 0 else { throw fail("expected a number above zero") }
        return value
    }

    func share() throws(SiteFileError) -> Double {
        let value = try number()
        guard (0...1).contains(value) else { throw fail("expected a share from 0 to 1") }
        return value
    }

    func range() throws(SiteFileError) -> ClosedRange<Double> {
        let values = try numbers(2)
        guard values[0] >= 0, values[0] <= values[1] else { throw fail("expected [low, high] with 0 ≤ low ≤ high") }
        return values[0]...values[1]
    }

    func stationTimes(on site: Site) throws(SiteFileError) -> Site {
        guard let mapping = node.mapping else { throw fail("expected a mapping of zone to dwell") }
        var zones = site.zones
        for key in mapping.keys {
            guard let name = key.string, let entry = child(name) else { continue }
            guard let z = site.zoneIndex[ZoneID(name)], zones[z].station != nil else {
                throw entry.fail("'\(name)' is not a station of site \(site.name)")
            }
            if let portal = entry.child("drive-through") {
                // The scanner becomes a drive-through portal: no stop, the portal's speed.
                try entry.checkKeys(["drive-through", "note"])
                guard zones[z].station?.activity == .scan else {
                    throw entry.fail("'\(name)' is not a scanner: it cannot be a drive-through portal")
                }
                let settings = try portal.driveThrough(zoneSpeedLimit: zones[z].speedLimit)
                let old = zones[z].station!
                zones[z].station = Station(
                    driveThrough: settings, length: zones[z].length, release: old.release,
                    unreadable: old.unreadable == .rescan ? .inspection : old.unreadable)
                zones[z].speedLimit = settings.speed
            } else {
                zones[z].station?.dwell = try entry.dwell()
            }
        }
        do {
            return try Site(name: site.name, rules: site.rules, zones: zones, lanes: site.lanes)
        } catch {
            throw fail(error.description)
        }
    }

    func fleet(into scenario: inout Scenario) throws(SiteFileError) {
        try checkKeys(["size", "types", "note"])
        let size = try required("size").positive()
        guard size == size.rounded(), size <= 5000 else { throw fail("size: expected a whole number of trucks up to 5000") }
        scenario.fleetSize = Int(size)
        guard let types = child("types") else { return }
        for item in try types.items() {
            try item.checkKeys([
                "name", "share", "length", "max-speed-kmh", "acceleration", "service-braking", "emergency-braking", "reaction-time",
                "note",
            ])
            var profile = TruckProfile()
            if let v = item.child("length") { profile.length = try v.positive() }
            if let v = item.child("max-speed-kmh") { profile.maxSpeed = try v.positive() / 3.6 }
            if let v = item.child("acceleration") { profile.acceleration = try v.positive() }
            if let v = item.child("service-braking") { profile.serviceBraking = try v.positive() }
            if let v = item.child("emergency-braking") { profile.emergencyBraking = try v.positive() }
            if let v = item.child("reaction-time") { profile.reactionTime = try v.number() }
            guard profile.isValid else {
                throw item.fail("the kinematics are not valid (emergency braking must be at least service braking)")
            }
            scenario.truckTypes.append(
                TruckType(name: try item.required("name").string(), share: try item.required("share").share(), profile: profile))
        }
        if scenario.truckTypes.map(\.share).reduce(0, +) <= 0 { throw types.fail("the shares add up to nothing") }
    }

    func demand(into scenario: inout Scenario) throws(SiteFileError) {
        try checkKeys(["vehicles-per-day", "saturated", "hourly-profile", "channel-mix", "perishable-share", "yard-turnaround", "note"])
        let saturated = try child("saturated")?.bool() ?? false
        if let perDay = child("vehicles-per-day") {
            guard !saturated else { throw perDay.fail("give either vehicles-per-day or saturated: true, not both") }
            scenario.vehiclesPerDay = try perDay.positive()
        } else if !saturated {
            throw fail("missing key 'vehicles-per-day' (or saturated: true)")
        }
        if let profile = child("hourly-profile") {
            let weights = try profile.numbers(24)
            guard weights.allSatisfy({ $0 >= 0 }), weights.reduce(0, +) > 0 else {
                throw profile.fail("expected 24 weights ≥ 0, not all zero")
            }
            scenario.hourlyProfile = weights
        }
        if let mix = child("channel-mix") {
            try mix.checkKeys(Set(CustomsChannel.allCases.map(\.rawValue)))
            var shares: [CustomsChannel: Double] = [:]
            for channel in CustomsChannel.allCases {
                shares[channel] = try mix.child(channel.rawValue)?.share() ?? 0
            }
            guard abs(shares.values.reduce(0, +) - 1) < 1e-6 else { throw mix.fail("the channel shares must add up to 1") }
            scenario.demand.channelMix = shares
        }
        if let share = child("perishable-share") { scenario.demand.perishableShare = try share.share() }
        if let turnaround = child("yard-turnaround") { scenario.demand.yardTurnaround = try turnaround.range() }
    }

    func target() throws(SiteFileError) -> ThroughputTarget {
        try checkKeys(["label", "vehicles-per-day", "note"])
        let range = try required("vehicles-per-day").range()
        return ThroughputTarget(label: try required("label").string(), low: range.lowerBound, high: range.upperBound)
    }

    func faults() throws(SiteFileError) -> FaultProfile {
        try checkKeys([
            "report-loss", "report-duplication", "report-delay", "command-loss", "link-loss-every", "link-loss-duration",
            "breakdown-every", "breakdown-duration", "operator-hold-every", "zone-closure-every", "channel-change-every",
            "trip-cancel-every", "suspicious-scans", "unreadable-scans", "station-outage-every", "station-outage-duration",
            "position-noise", "note",
        ])
        var f = FaultProfile()
        if let v = child("report-loss") { f.reportLoss = try v.share() }
        if let v = child("report-duplication") { f.reportDuplication = try v.share() }
        if let v = child("report-delay") { f.reportDelay = try v.number() }
        if let v = child("command-loss") { f.commandLoss = try v.share() }
        if let v = child("link-loss-every") { f.linkLossEvery = try v.positive() }
        if let v = child("link-loss-duration") { f.linkLossDuration = try v.range() }
        if let v = child("breakdown-every") { f.breakdownEvery = try v.positive() }
        if let v = child("breakdown-duration") { f.breakdownDuration = try v.range() }
        if let v = child("operator-hold-every") { f.operatorHoldEvery = try v.positive() }
        if let v = child("zone-closure-every") { f.zoneClosureEvery = try v.positive() }
        if let v = child("channel-change-every") { f.channelChangeEvery = try v.positive() }
        if let v = child("trip-cancel-every") { f.tripCancelEvery = try v.positive() }
        if let v = child("position-noise") { f.positionNoise = try v.number() }
        if let v = child("suspicious-scans") { f.suspiciousScans = try v.share() }
        if let v = child("unreadable-scans") { f.unreadableScans = try v.share() }
        if f.suspiciousScans + f.unreadableScans > 1 { throw fail("suspicious-scans and unreadable-scans add up to more than 1") }
        if let v = child("station-outage-every") { f.stationOutageEvery = try v.positive() }
        if let v = child("station-outage-duration") { f.stationOutageDuration = try v.range() }
        guard f.reportDelay >= 0, f.positionNoise >= 0 else { throw fail("delays and noise cannot be negative") }
        return f
    }
}
