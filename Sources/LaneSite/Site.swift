/// What a zone is for, which decides how trucks may share it.
public enum ZoneKind: String, Sendable, CaseIterable {
    /// A stretch of lane that many trucks may use at once, each behind the one ahead at a safe
    /// gap (moving block).
    case following
    /// One truck at a time: a crossing, a portal, a crane bay.
    case exclusive
    /// One truck at a time, which stops at the station's stop point and dwells there (scan,
    /// document check, inspection, gate check, load/unload) until the station releases it.
    case station
    /// The handover line at km 0 where a truck crosses the border; trucks follow each other
    /// through it as on a following segment, and every crossing is recorded.
    case handover
}

/// How a zone used by more than one lane (or by several branches of one lane) is shared.
/// A zone that several lanes use must declare one; the site is rejected otherwise.
public enum ZoneSharing: String, Sendable, CaseIterable {
    /// Used by one lane only.
    case none
    /// One truck at a time from any lane: a crossing, one scanner for both directions.
    case exclusive
    /// A single-lane section driven in both directions: a direction lock lets trucks of one
    /// direction at a time in, following each other.
    case bidirectional
    /// Lanes or branches join here in the same direction; the order of trucks may change,
    /// so perishable cargo may be given priority.
    case merge
}

/// What a station does to a truck that stops at it.
public enum StationActivity: String, Sendable, CaseIterable {
    /// X-ray scan (every shipment).
    case scan
    /// Document check (yellow channel).
    case documentCheck = "document-check"
    /// Physical inspection (red channel).
    case inspection
    /// Gate check at a yard entry or exit (plate and seal reading).
    case gateCheck = "gate-check"
    /// Container load or unload under a yard crane.
    case loadUnload = "load-unload"
}

/// How long trucks dwell at a station: a distribution, never a constant, because the plan must
/// not rely on a station being punctual.
public enum DwellDistribution: Sendable, Equatable {
    /// Always the same dwell (for tests and idealised sites).
    case fixed(Seconds)
    /// Uniform between the two bounds.
    case uniform(min: Seconds, max: Seconds)
    /// Triangular with the given bounds and most likely value.
    case triangular(min: Seconds, mode: Seconds, max: Seconds)

    /// The mean dwell, which the slot planner predicts with.
    public var mean: Seconds {
        switch self {
        case .fixed(let d): d
        case .uniform(let lo, let hi): (lo + hi) / 2
        case .triangular(let lo, let mode, let hi): (lo + mode + hi) / 3
        }
    }

    /// The longest dwell the distribution can produce.
    public var maximum: Seconds {
        switch self {
        case .fixed(let d): d
        case .uniform(_, let hi): hi
        case .triangular(_, _, let hi): hi
        }
    }

    /// The dwell at cumulative probability `u` in [0, 1) (inverse transform sampling), so that
    /// a simulator with a seeded random source draws reproducible dwells.
    public func quantile(_ u: Double) -> Seconds {
        switch self {
        case .fixed(let d):
            return d
        case .uniform(let lo, let hi):
            return lo + (hi - lo) * u
        case .triangular(let lo, let mode, let hi):
            guard hi > lo else { return lo }
            let split = (mode - lo) / (hi - lo)
            if u < split { return lo + ((hi - lo) * (mode - lo) * u).squareRoot() }
            return hi - ((hi - lo) * (hi - mode) * (1 - u)).squareRoot()
        }
    }
}

extension Site {
    /// The longest truck a site is laid out for (a 40 ft container tractor-trailer is about 18 m).
    public static let longestTruck: Meters = 25
    /// The least acceleration of a truck a site is laid out for (a loaded heavy tractor), m/s².
    public static let slowestAcceleration: Double = 0.5
}

/// A drive-through scanning portal: trucks pass at constant speed and the beam fires once the
/// cab has passed, so no truck stops in the zone.
public struct DriveThrough: Sendable, Equatable {
    /// The speed trucks pass the portal at (the zone's speed limit is this speed).
    public var speed: MetersPerSecond
    /// The least time between two trucks entering the portal (the beam's cycle).
    public var headway: Seconds
    /// How far a truck's speed may leave `speed` while it is in the portal before its scan is
    /// invalid.
    public var tolerance: MetersPerSecond

    /// A portal.
    public init(speed: MetersPerSecond, headway: Seconds, tolerance: MetersPerSecond) {
        self.speed = speed
        self.headway = headway
        self.tolerance = tolerance
    }

    /// Trucks per hour the portal passes at most, one truck in it at a time: a truck enters when
    /// the one before has cleared the exit by the standstill gap (it passes the whole portal and
    /// its own length at `speed`), and never sooner than `headway` after it.
    public func capacity(portalLength: Meters, profile: TruckProfile, standstillGap: Meters) -> Double {
        3600 / max(headway, (portalLength + profile.length + standstillGap) / speed)
    }
}

/// Who says that a truck may leave a station.
public enum StationRelease: String, Sendable, Equatable, CaseIterable {
    /// The truck: its station-stop action `FINISHED` after the dwell (a station without a system
    /// of its own on the broker).
    case truck
    /// The station's own system on the broker (scanner, gate, customs): its result for the truck.
    case stationSystem = "station-system"
}

/// What follows a scan whose image cannot be read (or a drive-through pass that left the
/// portal's speed band).
public enum UnreadableScan: Sendable, Equatable {
    /// The scanner scans the truck again where it stands (stop-and-scan only); a second
    /// unreadable image sends it to physical inspection (the red channel).
    case rescan
    /// The truck goes to physical inspection: the red channel.
    case inspection
    /// The truck goes to a manual scan at this station zone: it takes the channel whose route
    /// passes that zone (red before yellow).
    case manualScan(ZoneID)
}

/// The station part of a zone of kind `.station`.
public struct Station: Sendable, Equatable {
    /// What the station does.
    public var activity: StationActivity
    /// How long a truck dwells there (none at a drive-through portal).
    public var dwell: DwellDistribution
    /// Where the front of a truck stops, measured from the zone's entry in the direction of
    /// travel (at a drive-through portal, its exit: trucks do not stop there).
    public var stopOffset: Meters
    /// Set for a drive-through scanning portal; nil for a station where trucks stop.
    public var driveThrough: DriveThrough?
    /// Who releases a truck from the station.
    public var release: StationRelease
    /// For a scanner: what an unreadable image leads to.
    public var unreadable: UnreadableScan

    /// Describes a station where trucks stop.
    public init(
        activity: StationActivity, dwell: DwellDistribution, stopOffset: Meters, release: StationRelease = .truck,
        unreadable: UnreadableScan = .rescan
    ) {
        self.activity = activity
        self.dwell = dwell
        self.stopOffset = stopOffset
        self.driveThrough = nil
        self.release = release
        self.unreadable = unreadable
    }

    /// Describes a drive-through scanning portal of a zone of `length`. A truck cannot be
    /// scanned again in a portal: an unreadable pass sends it to inspection unless `unreadable`
    /// names a manual scan.
    public init(
        driveThrough: DriveThrough, length: Meters, release: StationRelease = .truck, unreadable: UnreadableScan = .inspection
    ) {
        self.activity = .scan
        self.dwell = .fixed(0)
        self.stopOffset = length
        self.driveThrough = driveThrough
        self.release = release
        self.unreadable = unreadable
    }

    /// Whether trucks stop here (every station but a drive-through portal).
    public var stops: Bool { driveThrough == nil }
}

/// A piece of a lane with one rule for sharing it.
public struct Zone: Sendable, Equatable {
    /// The zone's name.
    public var id: ZoneID
    /// What the zone is for.
    public var kind: ZoneKind
    /// Length along the direction of travel.
    public var length: Meters
    /// Speed limit inside the zone.
    public var speedLimit: MetersPerSecond
    /// How the zone is shared between lanes or branches.
    public var sharing: ZoneSharing
    /// The station, for zones of kind `.station`.
    public var station: Station?
    /// Whether perishable cargo may be moved ahead of other trucks when entering this zone.
    /// Allowed only where the order of trucks may legally change: a merge or a yard exit.
    public var perishablePriority: Bool

    /// Describes a zone. Call `Site.init` to validate it with the lanes that use it.
    public init(
        id: ZoneID, kind: ZoneKind, length: Meters, speedLimit: MetersPerSecond,
        sharing: ZoneSharing = .none, station: Station? = nil, perishablePriority: Bool = false
    ) {
        self.id = id
        self.kind = kind
        self.length = length
        self.speedLimit = speedLimit
        self.sharing = sharing
        self.station = station
        self.perishablePriority = perishablePriority
    }

    /// Whether at most one truck may hold any part of the zone at a time.
    public var isExclusive: Bool { kind == .exclusive || kind == .station || sharing == .exclusive }
}

/// The direction of a lane across the border.
public enum LaneDirection: String, Sendable, CaseIterable {
    /// China to Vietnam (loaded trucks into the Vietnamese yard).
    case `import`
    /// Vietnam to China.
    case export
}

/// One zone on a lane's path, with the customs channels whose route includes it.
public struct LaneStep: Sendable, Equatable {
    /// The zone.
    public var zone: ZoneID
    /// The channels whose route passes through this zone; empty means every channel.
    public var channels: Set<CustomsChannel>

    /// Describes a step of a lane.
    public init(zone: ZoneID, channels: Set<CustomsChannel> = []) {
        self.zone = zone
        self.channels = channels
    }

    /// Whether a truck of `channel` passes through this zone.
    public func isOnRoute(for channel: CustomsChannel) -> Bool { channels.isEmpty || channels.contains(channel) }
}

/// A lane of a road: a path of zones from an origin yard to a destination yard.
public struct Lane: Sendable, Equatable {
    /// The lane's name.
    public var id: LaneID
    /// Import or export.
    public var direction: LaneDirection
    /// Whether driverless trucks use it (the coordinator controls only these lanes).
    public var driverless: Bool
    /// The yard the lane starts in.
    public var origin: String
    /// The yard the lane ends in.
    public var destination: String
    /// The zones in the order trucks pass them; branch zones carry the channels that take them.
    public var steps: [LaneStep]

    /// Describes a lane.
    public init(
        id: LaneID, direction: LaneDirection, driverless: Bool = true, origin: String, destination: String,
        steps: [LaneStep]
    ) {
        self.id = id
        self.direction = direction
        self.driverless = driverless
        self.origin = origin
        self.destination = destination
        self.steps = steps
    }
}

/// Rules that apply to the whole site.
public struct SiteRules: Sendable, Equatable {
    /// Gap kept between a stopped truck's front and the rear of the truck ahead (s0).
    public var standstillGap: Meters
    /// The smallest position uncertainty assumed for any report.
    public var minimumPositionUncertainty: Meters
    /// The most trucks planned to wait in front of any station at once: a trip leaves its yard
    /// only when its slot plan has it wait no longer at each station than this many trucks take
    /// there (metering; the queue stays in the yard). Nil: trips are not metered.
    public var queueBudget: Int?

    /// Describes the site-wide rules.
    public init(standstillGap: Meters = 2, minimumPositionUncertainty: Meters = 0.5, queueBudget: Int? = 2) {
        self.standstillGap = standstillGap
        self.minimumPositionUncertainty = minimumPositionUncertainty
        self.queueBudget = queueBudget
    }
}

/// A validated border-gate site: zones, and lanes through them.
///
/// `init` checks every reference and rule and throws a `SiteError` naming the problem; a
/// `Site` value is therefore always consistent, and routes can be built without failure.
public struct Site: Sendable {
    /// The site's name.
    public let name: String
    /// Site-wide rules.
    public let rules: SiteRules
    /// Every zone, in the order given.
    public let zones: [Zone]
    /// Every lane, in the order given.
    public let lanes: [Lane]
    /// Index of each zone in `zones`.
    public let zoneIndex: [ZoneID: Int]
    /// Index of each lane in `lanes`.
    public let laneIndex: [LaneID: Int]

    /// Validates and builds a site.
    public init(name: String, rules: SiteRules = SiteRules(), zones: [Zone], lanes: [Lane]) throws(SiteError) {
        var zoneIndex: [ZoneID: Int] = [:]
        for (i, zone) in zones.enumerated() {
            if zoneIndex[zone.id] != nil { throw .duplicateZone(zone.id) }
            zoneIndex[zone.id] = i
            try Site.validate(zone)
        }
        var laneIndex: [LaneID: Int] = [:]
        var users: [ZoneID: [(lane: LaneID, direction: LaneDirection)]] = [:]
        for (i, lane) in lanes.enumerated() {
            if laneIndex[lane.id] != nil { throw .duplicateLane(lane.id) }
            laneIndex[lane.id] = i
            if lane.steps.isEmpty { throw .emptyLane(lane.id) }
            var seen: Set<ZoneID> = []
            for step in lane.steps {
                guard zoneIndex[step.zone] != nil else { throw .unknownZone(lane: lane.id, zone: step.zone) }
                if !seen.insert(step.zone).inserted { throw .routeCycle(lane: lane.id, zone: step.zone) }
                users[step.zone, default: []].append((lane.id, lane.direction))
            }
            for channel in CustomsChannel.allCases where !lane.steps.contains(where: { $0.isOnRoute(for: channel) }) {
                throw .noRoute(lane: lane.id, channel: channel)
            }
        }
        if rules.standstillGap <= 0 || !rules.standstillGap.isFinite {
            throw .invalidRule("standstill gap must be a positive distance")
        }
        if rules.minimumPositionUncertainty < 0 || !rules.minimumPositionUncertainty.isFinite {
            throw .invalidRule("minimum position uncertainty must not be negative")
        }
        if let budget = rules.queueBudget, budget < 0 { throw .invalidRule("the queue budget must be a number of trucks, 0 or more") }
        for zone in zones {
            let zoneUsers = users[zone.id] ?? []
            let laneCount = Set(zoneUsers.map(\.lane)).count
            if laneCount > 1 && zone.sharing == .none {
                throw .sharedWithoutRule(zone: zone.id, lanes: zoneUsers.map(\.lane).sorted())
            }
            if zone.sharing == .merge && Set(zoneUsers.map(\.direction)).count > 1 {
                throw .mergeAgainstTraffic(zone: zone.id)
            }
            if zone.perishablePriority {
                let firstOfEveryLane = lanes.filter { $0.steps.contains { $0.zone == zone.id } }
                    .allSatisfy { $0.steps.first?.zone == zone.id }
                if zone.sharing != .merge && !firstOfEveryLane {
                    throw .priorityWhereOrderIsFixed(zone: zone.id)
                }
            }
        }
        // A truck standing at a station must keep the safety gap to a shared zone right behind
        // it, where trucks from other branches or lanes pass.
        let margin = rules.standstillGap + rules.minimumPositionUncertainty
        for lane in lanes {
            for (a, b) in zip(lane.steps, lane.steps.dropFirst()) {
                let zone = zones[zoneIndex[a.zone]!]
                let next = zones[zoneIndex[b.zone]!]
                guard let station = zone.station, station.stops, next.isExclusive || next.sharing != .none else { continue }
                if station.stopOffset > zone.length - margin + 1e-9 {
                    throw .stopTooCloseToSharedZone(station: zone.id, next: next.id)
                }
            }
        }
        // A truck leaving a drive-through portal must be able to stand clear of it at a station
        // right behind it (or its tail would stand in the beam): room for the longest truck.
        for lane in lanes {
            for channel in CustomsChannel.allCases {
                let route = lane.steps.filter { $0.channels.isEmpty || $0.channels.contains(channel) }.map { zones[zoneIndex[$0.zone]!] }
                for (portal, next) in zip(route, route.dropFirst()) where portal.station?.driveThrough != nil {
                    if let station = next.station, station.stops, station.stopOffset < Site.longestTruck + rules.standstillGap {
                        throw .stationTooCloseAfterPortal(portal: portal.id, station: next.id)
                    }
                }
                // And a truck that stops at a station before a portal must have its run-up to the
                // portal's speed between the two.
                var position: Meters = 0
                var lastStop: (zone: ZoneID, at: Meters)?
                for zone in route {
                    if let portal = zone.station?.driveThrough, let stop = lastStop {
                        let runUp = max(rules.standstillGap, portal.speed * portal.speed / (2 * Site.slowestAcceleration) + 1)
                        if position - stop.at < runUp { throw .stationTooCloseBeforePortal(station: stop.zone, portal: zone.id) }
                    }
                    if let station = zone.station, station.stops { lastStop = (zone.id, position + station.stopOffset) }
                    position += zone.length
                }
            }
        }
        // A manual scan after an unreadable image must lie ahead of the scanner on a route of
        // every lane through it.
        for zone in zones {
            guard let station = zone.station, station.activity == .scan, case .manualScan(let manual) = station.unreadable else { continue }
            guard let m = zoneIndex[manual], zones[m].station?.stops == true else {
                throw .invalidUnreadableRule(zone.id, "manual scan '\(manual)' is not a station where trucks stop")
            }
            for lane in lanes where lane.steps.contains(where: { $0.zone == zone.id }) {
                guard Site.manualScanChannel(lane: lane, scanner: zone.id, manual: manual) != nil else {
                    throw .invalidUnreadableRule(zone.id, "no route of lane '\(lane.id)' passes manual scan '\(manual)' after the scanner")
                }
            }
        }
        try Site.checkCircularWaits(lanes: lanes, zones: zones, zoneIndex: zoneIndex)
        self.name = name
        self.rules = rules
        self.zones = zones
        self.lanes = lanes
        self.zoneIndex = zoneIndex
        self.laneIndex = laneIndex
    }

    private static func validate(_ zone: Zone) throws(SiteError) {
        guard zone.length > 0, zone.length.isFinite else { throw .nonPositiveLength(zone.id) }
        guard zone.speedLimit > 0, zone.speedLimit.isFinite else { throw .nonPositiveSpeed(zone.id) }
        switch (zone.kind, zone.station) {
        case (.station, nil): throw .stationWithoutDwell(zone.id)
        case (.station, let station?):
            guard station.stopOffset > 0, station.stopOffset <= zone.length else { throw .stopOutsideZone(zone.id) }
            try validate(station.dwell, zone: zone.id)
            if let portal = station.driveThrough {
                guard station.activity == .scan, zone.sharing == .none || zone.sharing == .exclusive else {
                    throw .invalidDriveThrough(zone.id, "only a scanner used in one direction can be a drive-through portal")
                }
                guard portal.speed > 0, portal.speed <= zone.speedLimit + 1e-9 else {
                    throw .invalidDriveThrough(zone.id, "the portal's speed must be above zero and within the zone's speed limit")
                }
                guard portal.headway > 0, portal.headway.isFinite else {
                    throw .invalidDriveThrough(zone.id, "the portal's headway must be a positive number of seconds")
                }
                guard portal.tolerance >= 0, portal.tolerance < portal.speed else {
                    throw .invalidDriveThrough(zone.id, "the speed tolerance must be at least zero and below the portal's speed")
                }
                if station.unreadable == .rescan {
                    throw .invalidUnreadableRule(zone.id, "a truck cannot be scanned again in a drive-through portal (it rolls on)")
                }
            }
        case (_, .some): throw .dwellOnNonStation(zone.id)
        case (_, nil): break
        }
    }

    private static func validate(_ dwell: DwellDistribution, zone: ZoneID) throws(SiteError) {
        let ok: Bool
        switch dwell {
        case .fixed(let d): ok = d >= 0 && d.isFinite
        case .uniform(let lo, let hi): ok = lo >= 0 && hi >= lo && hi.isFinite
        case .triangular(let lo, let mode, let hi): ok = lo >= 0 && lo <= mode && mode <= hi && hi.isFinite
        }
        if !ok { throw .invalidDwell(zone) }
    }

    /// Two lanes that pass two shared zones in opposite orders, with nothing between the two
    /// zones on one of them, can each hold one zone and wait for the other: a circular wait.
    /// Such a site must model the pair as one bidirectional section. (With a following segment
    /// between them, a truck waits there, because the interlocking lets no truck stop inside a
    /// crossing or a single-lane section.)
    private static func checkCircularWaits(lanes: [Lane], zones: [Zone], zoneIndex: [ZoneID: Int]) throws(SiteError) {
        // Only pairs of lanes that share two zones or more can wait for each other.
        var lanesOfZone: [ZoneID: [Int]] = [:]
        for (i, lane) in lanes.enumerated() {
            for step in lane.steps { lanesOfZone[step.zone, default: []].append(i) }
        }
        var pairs: [Int: [Int: Int]] = [:]
        for users in lanesOfZone.values where users.count > 1 {
            for x in users.indices {
                for y in users.indices where y > x { pairs[users[x], default: [:]][users[y], default: 0] += 1 }
            }
        }
        for (i, partners) in pairs.sorted(by: { $0.key < $1.key }) {
            let a = lanes[i]
            for (j, count) in partners.sorted(by: { $0.key < $1.key }) where count > 1 {
                let b = lanes[j]
                let shared = a.steps.map(\.zone).filter { z in b.steps.contains { $0.zone == z } }
                func position(_ lane: Lane, _ z: ZoneID) -> Int { lane.steps.firstIndex { $0.zone == z }! }
                for x in 0..<shared.count {
                    for y in (x + 1)..<shared.count {
                        let (ax, ay) = (position(a, shared[x]), position(a, shared[y]))
                        let (bx, by) = (position(b, shared[x]), position(b, shared[y]))
                        guard (ax < ay) != (bx < by) else { continue }
                        // Adjacent bidirectional zones form one single-lane section, entered as a whole.
                        let bothBidirectional = [shared[x], shared[y]].allSatisfy {
                            zones[zoneIndex[$0]!].sharing == .bidirectional
                        }
                        if bothBidirectional && abs(ax - ay) == 1 && abs(bx - by) == 1 { continue }
                        if abs(ax - ay) == 1 || abs(bx - by) == 1 {
                            throw .circularWait(lanes: [a.id, b.id], zones: [shared[x], shared[y]])
                        }
                    }
                }
            }
        }
    }

    /// The zone called `id`, if the site has one.
    public func zone(_ id: ZoneID) -> Zone? { zoneIndex[id].map { zones[$0] } }
    /// The lane called `id`, if the site has one.
    public func lane(_ id: LaneID) -> Lane? { laneIndex[id].map { lanes[$0] } }

    /// The channel a truck on `lane` takes after an unreadable image at `scanner`, by the
    /// scanner's rule; nil for a rescan where it stands (or an unknown lane or scanner).
    public func channelAfterUnreadableScan(at scanner: ZoneID, lane: LaneID) -> CustomsChannel? {
        guard let station = zone(scanner)?.station, let lane = self.lane(lane) else { return nil }
        switch station.unreadable {
        case .rescan: return nil
        case .inspection: return .red
        case .manualScan(let manual): return Site.manualScanChannel(lane: lane, scanner: scanner, manual: manual)
        }
    }

    /// The channel whose route on `lane` passes `manual` after `scanner` (red before yellow before green).
    static func manualScanChannel(lane: Lane, scanner: ZoneID, manual: ZoneID) -> CustomsChannel? {
        [CustomsChannel.red, .yellow, .green].first { channel in
            let route = lane.steps.filter { $0.isOnRoute(for: channel) }.map(\.zone)
            guard let s = route.firstIndex(of: scanner), let m = route.firstIndex(of: manual) else { return false }
            return m > s
        }
    }

    /// The route a truck of `channel` drives on `lane`.
    public func route(lane id: LaneID, channel: CustomsChannel) -> Route? {
        guard let laneNumber = laneIndex[id] else { return nil }
        let lane = lanes[laneNumber]
        var legs: [Route.Leg] = []
        var start: Meters = 0
        for step in lane.steps where step.isOnRoute(for: channel) {
            let zoneNumber = zoneIndex[step.zone]!
            let zone = zones[zoneNumber]
            let reversed = zone.sharing == .bidirectional && lane.direction == .export
            legs.append(Route.Leg(zone: zoneNumber, start: start, length: zone.length, reversed: reversed))
            start += zone.length
        }
        return Route(lane: laneNumber, channel: channel, legs: legs)
    }
}

/// Why a site was rejected.
public enum SiteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Two zones share a name.
    case duplicateZone(ZoneID)
    /// Two lanes share a name.
    case duplicateLane(LaneID)
    /// A lane names a zone the site does not have.
    case unknownZone(lane: LaneID, zone: ZoneID)
    /// A zone's length is zero, negative or not a number.
    case nonPositiveLength(ZoneID)
    /// A zone's speed limit is zero, negative or not a number.
    case nonPositiveSpeed(ZoneID)
    /// A lane has no zones.
    case emptyLane(LaneID)
    /// A lane passes the same zone twice.
    case routeCycle(lane: LaneID, zone: ZoneID)
    /// Some customs channel has no zone at all on a lane.
    case noRoute(lane: LaneID, channel: CustomsChannel)
    /// Several lanes use a zone whose sharing rule is not declared.
    case sharedWithoutRule(zone: ZoneID, lanes: [LaneID])
    /// A merge is used by lanes of opposite directions.
    case mergeAgainstTraffic(zone: ZoneID)
    /// Perishable priority was asked for where the order of trucks may not change.
    case priorityWhereOrderIsFixed(zone: ZoneID)
    /// Two lanes pass two shared zones in opposite orders.
    case circularWait(lanes: [LaneID], zones: [ZoneID])
    /// A station zone has no dwell.
    case stationWithoutDwell(ZoneID)
    /// A zone that is not a station has a dwell.
    case dwellOnNonStation(ZoneID)
    /// A station's stop point lies outside its zone.
    case stopOutsideZone(ZoneID)
    /// A dwell distribution's bounds are out of order or negative.
    case invalidDwell(ZoneID)
    /// A station's stop point leaves less than the safety gap to a shared or exclusive zone behind it.
    case stopTooCloseToSharedZone(station: ZoneID, next: ZoneID)
    /// A station right behind a drive-through portal stops trucks with their tail in the portal.
    case stationTooCloseAfterPortal(portal: ZoneID, station: ZoneID)
    /// A station before a drive-through portal leaves a truck too little run-up to the portal's speed.
    case stationTooCloseBeforePortal(station: ZoneID, portal: ZoneID)
    /// A drive-through portal's settings are out of range, or it is not a one-way scanner.
    case invalidDriveThrough(ZoneID, String)
    /// A scanner's unreadable-scan rule cannot be followed: a rescan in a drive-through portal,
    /// or a manual scan at a zone that is no station on a route of every lane through the scanner.
    case invalidUnreadableRule(ZoneID, String)
    /// A site-wide rule is out of range.
    case invalidRule(String)

    /// A sentence naming the problem.
    public var description: String {
        switch self {
        case .duplicateZone(let z): "zone '\(z)' is declared twice"
        case .duplicateLane(let l): "lane '\(l)' is declared twice"
        case .unknownZone(let l, let z): "lane '\(l)' refers to unknown zone '\(z)'"
        case .nonPositiveLength(let z): "zone '\(z)' must have a positive length"
        case .nonPositiveSpeed(let z): "zone '\(z)' must have a positive speed limit"
        case .emptyLane(let l): "lane '\(l)' has no zones"
        case .routeCycle(let l, let z): "lane '\(l)' passes zone '\(z)' twice (a route may not loop)"
        case .noRoute(let l, let c): "lane '\(l)' has no route for the \(c) channel"
        case .sharedWithoutRule(let z, let ls):
            "zone '\(z)' is used by lanes \(ls.map(\.rawValue).joined(separator: ", ")) but declares no sharing rule (exclusive, bidirectional or merge)"
        case .mergeAgainstTraffic(let z): "merge zone '\(z)' is used by lanes of opposite directions"
        case .priorityWhereOrderIsFixed(let z):
            "zone '\(z)' gives perishable priority, but the order of trucks may change only at a merge or a yard exit"
        case .circularWait(let ls, let zs):
            "lanes \(ls.map(\.rawValue).joined(separator: " and ")) pass zones \(zs.map(\.rawValue).joined(separator: " and ")) in opposite orders (a circular wait); model them as one bidirectional section"
        case .stationWithoutDwell(let z): "station '\(z)' has no dwell"
        case .dwellOnNonStation(let z): "zone '\(z)' has a dwell but is not a station"
        case .stopOutsideZone(let z): "station '\(z)' has its stop point outside the zone"
        case .invalidDwell(let z): "station '\(z)' has a dwell distribution with negative or misordered bounds"
        case .stopTooCloseToSharedZone(let station, let next):
            "station '\(station)' stops trucks closer to shared zone '\(next)' than the standstill gap plus position uncertainty"
        case .stationTooCloseBeforePortal(let station, let portal):
            "station '\(station)' stops trucks too close before drive-through portal '\(portal)': they need their run-up to its speed (at \(Site.slowestAcceleration) m/s²) between the two"
        case .stationTooCloseAfterPortal(let portal, let station):
            "station '\(station)' right behind drive-through portal '\(portal)' stops trucks less than \(Int(Site.longestTruck)) m plus the standstill gap beyond it: a truck's tail would stand in the portal"
        case .invalidDriveThrough(let z, let why): "drive-through portal '\(z)': \(why)"
        case .invalidUnreadableRule(let z, let why): "scanner '\(z)': \(why)"
        case .invalidRule(let s): s
        }
    }
}
