import LaneCore
import LaneSimKit
public import LaneSite

/// Random but valid sites for randomized safety and liveness runs: one to three lanes of
/// following segments, crossings, stations and handover strips, with customs branches that
/// merge again, and zones shared between lanes (an exclusive crossing, a bidirectional
/// single-lane section).
public enum RandomSite {
    /// A site drawn from `seed`. The same seed gives the same site. With `longSections`, half the
    /// single-lane sections run on through a second zone (a bridge and the km 0 strip on it),
    /// entered by the two lanes from opposite ends.
    /// With `portals`, the same site with the scanner before each lane's customs branches a
    /// drive-through portal at its zone's speed limit (20 s headway, 0.5 m/s tolerance), followed
    /// by a 30 m exit; the other scan stations stay stop-and-scan (two portals close behind each
    /// other are not supported yet: docs/safety.md, known limits).
    public static func make(seed: UInt64, longSections: Bool = false, portals: Bool = false) -> Site {
        var attempt: UInt64 = 0
        while true {
            var random = SeededRandom(seed: seed &+ attempt &* 0x9E37_79B9)
            if let site = try? draw(&random, name: "random-\(seed)", longSections: longSections, portals: portals) { return site }
            attempt += 1
        }
    }

    static func draw(_ random: inout SeededRandom, name: String, longSections: Bool, portals: Bool = false) throws(SiteError) -> Site {
        var zones: [Zone] = []
        var lanes: [Lane] = []
        let laneCount = 1 + Int(random.next() % 3)
        func pick(_ range: ClosedRange<Double>) -> Double {
            range.lowerBound + random.unit() * (range.upperBound - range.lowerBound)
        }
        func station(_ id: String, _ activity: StationActivity) -> Zone {
            let length = pick(20...32)
            let low = pick(3...20)
            var zone = Zone(
                id: ZoneID(id), kind: .station, length: length, speedLimit: pick(2...6),
                station: Station(activity: activity, dwell: .uniform(min: low, max: low + pick(0...25)), stopOffset: length - pick(2.6...4))
            )
            if portals && activity == .scan && id.hasSuffix("scanner") {
                zone.station = Station(driveThrough: DriveThrough(speed: zone.speedLimit, headway: 20, tolerance: 0.5), length: length)
            }
            return zone
        }
        // Shared zones, used by the first two lanes if there are two.
        let crossing = Zone(id: "crossing", kind: .exclusive, length: pick(8...20), speedLimit: pick(3...6), sharing: .exclusive)
        let section = Zone(id: "single-lane", kind: .following, length: pick(30...120), speedLimit: pick(4...8), sharing: .bidirectional)
        let useCrossing = laneCount > 1 && random.chance(0.6)
        let useSection = laneCount > 1 && random.chance(0.5)
        if useCrossing { zones.append(crossing) }
        if useSection { zones.append(section) }
        var sectionEnd: Zone?
        if longSections && useSection && random.chance(0.5) {
            let end = Zone(id: "single-lane-end", kind: .handover, length: 10, speedLimit: pick(4...8), sharing: .bidirectional)
            zones.append(end)
            sectionEnd = end
        }
        func enterSection(_ lane: Int, _ steps: inout [LaneStep]) {
            guard let end = sectionEnd else { return steps.append(LaneStep(zone: section.id)) }
            let order = lane == 0 ? [section.id, end.id] : [end.id, section.id]
            steps += order.map { LaneStep(zone: $0) }
        }
        for l in 0..<laneCount {
            let direction: LaneDirection = l % 2 == 0 ? .import : .export
            var steps: [LaneStep] = []
            func add(_ zone: Zone, _ channels: Set<CustomsChannel> = []) {
                zones.append(zone)
                steps.append(LaneStep(zone: zone.id, channels: channels))
            }
            let prefix = "l\(l)-"
            add(
                random.chance(0.5)
                    ? station(prefix + "gate", .gateCheck)
                    : Zone(id: ZoneID(prefix + "start"), kind: .following, length: pick(20...60), speedLimit: pick(4...8)))
            let middle = 2 + Int(random.next() % 5)
            var placedShared = false
            for m in 0..<middle {
                add(Zone(id: ZoneID(prefix + "road\(m)"), kind: .following, length: pick(25...250), speedLimit: pick(4...9)))
                switch random.next() % 6 {
                case 0: add(station(prefix + "station\(m)", .scan))
                case 1: add(Zone(id: ZoneID(prefix + "portal\(m)"), kind: .exclusive, length: pick(8...25), speedLimit: pick(3...6)))
                case 2: add(Zone(id: ZoneID(prefix + "km0-\(m)"), kind: .handover, length: 10, speedLimit: pick(4...6)))
                default: break
                }
                if !placedShared && l < 2 && random.chance(0.5) {
                    placedShared = true
                    add(Zone(id: ZoneID(prefix + "before-shared"), kind: .following, length: pick(25...60), speedLimit: 5))
                    if useCrossing { steps.append(LaneStep(zone: crossing.id)) }
                    add(Zone(id: ZoneID(prefix + "between-shared"), kind: .following, length: pick(25...60), speedLimit: 5))
                    if useSection { enterSection(l, &steps) }
                    add(Zone(id: ZoneID(prefix + "after-shared"), kind: .following, length: pick(25...60), speedLimit: 5))
                }
            }
            if !placedShared && l < 2 {
                if useCrossing { steps.append(LaneStep(zone: crossing.id)) }
                add(Zone(id: ZoneID(prefix + "between-shared"), kind: .following, length: pick(25...60), speedLimit: 5))
                if useSection { enterSection(l, &steps) }
            }
            if random.chance(0.7) {
                // Customs branches after a scanner, merging again.
                // A portal's approach: room for a truck's run-up to its speed after any station.
                if portals { add(Zone(id: ZoneID(prefix + "scan-approach"), kind: .following, length: 30, speedLimit: 5)) }
                add(station(prefix + "scanner", .scan))
                // A portal's exit: room for a truck to stand clear of the beam at the stations after it.
                if portals { add(Zone(id: ZoneID(prefix + "scan-exit"), kind: .following, length: 30, speedLimit: 5)) }
                add(Zone(id: ZoneID(prefix + "green"), kind: .following, length: pick(30...120), speedLimit: 6), [.green])
                add(station(prefix + "documents", .documentCheck), [.yellow])
                add(Zone(id: ZoneID(prefix + "inspection-queue"), kind: .following, length: pick(30...80), speedLimit: 4), [.red])
                add(station(prefix + "inspection", .inspection), [.red])
                add(
                    Zone(
                        id: ZoneID(prefix + "merge"), kind: .following, length: pick(20...40), speedLimit: 5, sharing: .merge,
                        perishablePriority: true))
            }
            add(Zone(id: ZoneID(prefix + "end"), kind: .following, length: pick(30...100), speedLimit: pick(4...8)))
            if random.chance(0.5) { add(station(prefix + "yard-gate", .gateCheck)) }
            lanes.append(
                Lane(id: LaneID("lane\(l)"), direction: direction, origin: "yard-\(l)-a", destination: "yard-\(l)-b", steps: steps))
        }
        // A bidirectional section is driven in opposite directions only by lanes of opposite directions.
        if useSection && lanes.count > 1 && lanes[0].direction == lanes[1].direction { throw .invalidRule("retry") }
        return try Site(name: name, zones: zones, lanes: lanes)
    }

    /// A random fault profile: each fault switched on or off, with random rates.
    public static func faults(seed: UInt64) -> FaultProfile {
        var random = SeededRandom(seed: seed ^ 0xFA17)
        var f = FaultProfile()
        if random.chance(0.6) { f.reportLoss = random.unit() * 0.15 }
        if random.chance(0.6) { f.reportDuplication = random.unit() * 0.15 }
        if random.chance(0.6) { f.reportDelay = random.unit() * 1.0 }
        if random.chance(0.5) { f.commandLoss = random.unit() * 0.2 }
        if random.chance(0.4) { f.linkLossEvery = 60 + random.unit() * 300 }
        if random.chance(0.4) { f.breakdownEvery = 60 + random.unit() * 300 }
        if random.chance(0.4) { f.operatorHoldEvery = 30 + random.unit() * 120 }
        if random.chance(0.4) { f.zoneClosureEvery = 60 + random.unit() * 200 }
        if random.chance(0.4) { f.channelChangeEvery = 30 + random.unit() * 120 }
        f.positionNoise = random.unit() * 0.5
        if random.chance(0.4) { f.tripCancelEvery = 20 + random.unit() * 100 }
        // Restarts: used only by runs given a restartController (and kept by the tests that ask).
        if random.chance(0.4) { f.restartEvery = 60 + random.unit() * 240 }
        return f
    }
}
