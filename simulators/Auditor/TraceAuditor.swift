import Foundation
public import LaneSite

/// One sample of a truck's true state, as the simulator traces it (one JSON object per line).
public struct TraceSample: Codable, Sendable, Equatable {
    /// Site time (seconds since 1970).
    public var t: Double
    /// The truck.
    public var truck: String
    /// The lane of its trip, nil between trips (in a yard).
    public var lane: String?
    /// The channel of its trip.
    public var channel: String?
    /// Its front, along its lane's route (m).
    public var front: Double
    /// Its speed (m/s).
    public var speed: Double
    /// The end of authority of the last order the coordinator sent it, as seen on the broker by
    /// the simulator (route position), nil without an order.
    public var authorityEnd: Double?
    /// Its length (m).
    public var length: Double

    /// A sample.
    public init(
        t: Double, truck: String, lane: String?, channel: String?, front: Double, speed: Double, authorityEnd: Double?, length: Double
    ) {
        self.t = t
        self.truck = truck
        self.lane = lane
        self.channel = channel
        self.front = front
        self.speed = speed
        self.authorityEnd = authorityEnd
        self.length = length
    }
}

/// A safety violation found in a trace.
public struct AuditViolation: Sendable, Equatable, CustomStringConvertible {
    /// When.
    public var t: Double
    /// What: `separation`, `exclusive-zone`, `past-authority`, `stopped-in-portal`, `portal-headway`.
    public var kind: String
    /// The trucks involved.
    public var trucks: [String]
    /// Where and by how much.
    public var detail: String

    /// A sentence.
    public var description: String { "t=\(String(format: "%.1f", t)) \(kind) \(trucks.joined(separator: "/")): \(detail)" }
}

/// The independent auditor of simulated runs: it knows the site's geometry (zones, lanes, the
/// zones each channel's route passes) and nothing of the planner or the interlocking. From the
/// trucks' true positions it checks, at every sample instant, that no two trucks in the same zone
/// come closer than the site's standstill gap (less `tolerance` for sampling), that no exclusive
/// zone or station holds two trucks, and that no truck is past the end of authority the
/// coordinator sent it in two consecutive samples of that truck (the trace sees an order on the
/// broker a moment after the truck does, so one sample past a newly extended end is not an
/// overrun; a truck that overran is still past it half a second later). At a drive-through
/// scanning portal it checks that no truck stands with any part of it inside, and that no truck
/// enters within the portal's headway of the one before (entries interpolated between samples).
public struct TraceAuditor: Sendable {
    /// The site.
    public let site: Site
    /// Metres allowed for sampling and measurement (trucks are sampled one after another).
    public let tolerance: Double

    /// Every route of the site, by lane and channel name.
    let routes: [String: Route]

    /// An auditor for `site`.
    public init(site: Site, tolerance: Double = 0.5) {
        self.site = site
        self.tolerance = tolerance
        var routes: [String: Route] = [:]
        for lane in site.lanes {
            for channel in CustomsChannel.allCases {
                routes["\(lane.id.rawValue)/\(channel.rawValue)"] = site.route(lane: lane.id, channel: channel)
            }
        }
        self.routes = routes
    }

    /// The stretch of each zone a truck covers: zone index and the zone-local interval.
    func occupancy(_ sample: TraceSample) -> [(zone: Int, from: Double, to: Double)] {
        guard let lane = sample.lane, let channel = sample.channel, let route = routes["\(lane)/\(channel)"] else { return [] }
        let rear = sample.front - sample.length
        var stretches: [(zone: Int, from: Double, to: Double)] = []
        for leg in route.legs where leg.end > rear && leg.start < sample.front {
            let a = leg.local(max(rear, leg.start))
            let b = leg.local(min(sample.front, leg.end))
            stretches.append((leg.zone, min(a, b), max(a, b)))
        }
        return stretches
    }

    /// The stops in `samples` that are not station stops: a truck on a lane that was moving
    /// (above 0.3 m/s) and comes to a stand (below 0.01 m/s) away from every station's stop point
    /// on its route (more than 0.6 m from it) and from the route's end, as the fast simulation
    /// counts them; and the trips
    /// the samples cover (a truck's run of samples on one lane and channel).
    public func unplannedStops(_ samples: [TraceSample]) -> (stops: Int, trips: Int) {
        var stops = 0
        var trips = 0
        for (_, trace) in Dictionary(grouping: samples, by: \.truck) {
            var moving = false
            var trip: String?
            for sample in trace.sorted(by: { $0.t < $1.t }) {
                guard let lane = sample.lane, let channel = sample.channel, let route = routes["\(lane)/\(channel)"] else {
                    trip = nil
                    moving = false
                    continue
                }
                if trip != "\(lane)/\(channel)" {
                    trip = "\(lane)/\(channel)"
                    trips += 1
                    moving = false
                }
                if sample.speed < 0.01 && moving && sample.front < route.length - 1 {
                    let atStation = route.legs.contains { leg in
                        site.zones[leg.zone].station.map { abs(leg.start + $0.stopOffset - sample.front) <= 0.6 } ?? false
                    }
                    if !atStation { stops += 1 }
                }
                moving = sample.speed > 0.3
            }
        }
        return (stops, trips)
    }

    /// Every violation in `samples` (grouped by instant: samples within `window` seconds of the
    /// first of a group are taken as simultaneous).
    public func audit(_ samples: [TraceSample], window: Double = 0.2) -> [AuditViolation] {
        var violations: [AuditViolation] = []
        let sorted = samples.sorted { $0.t < $1.t }
        var pastBefore: Set<String> = []
        var portals = PortalWatch()
        var index = 0
        while index < sorted.count {
            var group = [sorted[index]]
            var next = index + 1
            while next < sorted.count && sorted[next].t - sorted[index].t <= window {
                group.append(sorted[next])
                next += 1
            }
            violations += check(group, pastBefore: &pastBefore)
            violations += checkPortals(group, &portals)
            index = next
        }
        return violations
    }

    func check(_ group: [TraceSample], pastBefore: inout Set<String>) -> [AuditViolation] {
        var violations: [AuditViolation] = []
        var latest: [String: TraceSample] = [:]
        for sample in group { latest[sample.truck] = sample }
        let trucks = latest.values.sorted { $0.truck < $1.truck }
        for sample in trucks {
            guard let end = sample.authorityEnd, sample.lane != nil, sample.front > end + tolerance else {
                pastBefore.remove(sample.truck)
                continue
            }
            if pastBefore.contains(sample.truck) {
                violations.append(
                    AuditViolation(
                        t: sample.t, kind: "past-authority", trucks: [sample.truck],
                        detail: String(format: "front %.2f m, authority ends at %.2f m", sample.front, end)))
            }
            pastBefore.insert(sample.truck)
        }
        // Trucks are compared only with the trucks in the same zone (a fleet of a thousand has
        // most of its trucks in the yards, outside every zone).
        var byZone: [Int: [(truck: TraceSample, from: Double, to: Double)]] = [:]
        for sample in trucks {
            for stretch in occupancy(sample) { byZone[stretch.zone, default: []].append((sample, stretch.from, stretch.to)) }
        }
        for (z, list) in byZone.sorted(by: { $0.key < $1.key }) where list.count > 1 {
            let zone = site.zones[z]
            for i in 0..<list.count {
                for j in (i + 1)..<list.count where list[i].truck.truck != list[j].truck.truck {
                    let (a, b) = (list[i], list[j])
                    let gap = max(b.from - a.to, a.from - b.to)
                    if zone.isExclusive {
                        violations.append(
                            AuditViolation(
                                t: a.truck.t, kind: "exclusive-zone", trucks: [a.truck.truck, b.truck.truck], detail: "both in \(zone.id)"))
                    } else if gap < site.rules.standstillGap - tolerance {
                        violations.append(
                            AuditViolation(
                                t: a.truck.t, kind: "separation", trucks: [a.truck.truck, b.truck.truck],
                                detail: "\(String(format: "%.2f", gap)) m apart in \(zone.id)"))
                    }
                }
            }
        }
        return violations
    }

    /// What the portal checks keep between instants: each truck's last sample and each portal's
    /// last entry (site time).
    struct PortalWatch {
        var previous: [String: TraceSample] = [:]
        var lastEntry: [Int: (t: Double, truck: String)] = [:]
    }

    func checkPortals(_ group: [TraceSample], _ watch: inout PortalWatch) -> [AuditViolation] {
        var violations: [AuditViolation] = []
        for sample in group {
            defer { watch.previous[sample.truck] = sample }
            guard let lane = sample.lane, let channel = sample.channel, let route = routes["\(lane)/\(channel)"] else { continue }
            for leg in route.legs {
                guard let portal = site.zones[leg.zone].station?.driveThrough else { continue }
                let zone = site.zones[leg.zone].id
                if sample.speed < 0.01 && sample.front > leg.start + tolerance && sample.front - sample.length < leg.end - tolerance {
                    violations.append(
                        AuditViolation(
                            t: sample.t, kind: "stopped-in-portal", trucks: [sample.truck],
                            detail: String(format: "standing in %@, front %.2f m", zone.rawValue, sample.front)))
                }
                guard let before = watch.previous[sample.truck], before.lane == lane, before.front < leg.start, sample.front >= leg.start
                else { continue }
                let entry = before.t + (leg.start - before.front) / max(1e-9, sample.front - before.front) * (sample.t - before.t)
                if let last = watch.lastEntry[leg.zone], last.truck != sample.truck, entry - last.t < portal.headway - 0.1 {
                    violations.append(
                        AuditViolation(
                            t: entry, kind: "portal-headway", trucks: [last.truck, sample.truck],
                            detail: String(
                                format: "entered %@ %.2f s apart (headway %.1f s)", zone.rawValue, entry - last.t, portal.headway)))
                }
                watch.lastEntry[leg.zone] = (entry, sample.truck)
            }
        }
        return violations
    }

    /// The auditor's verdict in one line: how many positions of how many trucks were checked,
    /// and how many violations were found.
    public static func verdict(_ samples: [TraceSample], _ violations: [AuditViolation]) -> String {
        "auditor: \(samples.count) true positions of \(Set(samples.map(\.truck)).count) trucks checked "
            + "(separation, exclusive zones, driving past authority, drive-through portals): "
            + (violations.isEmpty ? "no violation" : "\(violations.count) violations")
    }

    /// Reads a JSON Lines trace.
    public static func read(_ path: String) throws -> [TraceSample] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let decoder = JSONDecoder()
        return try text.split(separator: "\n").map { try decoder.decode(TraceSample.self, from: Data($0.utf8)) }
    }
}
