public import LaneCore
public import LaneSite

/// Where a truck really is, as the simulator (not the core) knows it.
public struct TruckTruth: Sendable, Equatable {
    /// Route position of the front.
    public var front: Meters
    /// Speed.
    public var speed: MetersPerSecond
    /// The end of authority the truck is obeying (the last one it received).
    public var heldEnd: Meters
    /// The truck's kinematics.
    public var profile: TruckProfile

    /// Describes a truck's true state.
    public init(front: Meters, speed: MetersPerSecond, heldEnd: Meters, profile: TruckProfile) {
        self.front = front
        self.speed = speed
        self.heldEnd = heldEnd
        self.profile = profile
    }
}

/// A breach of a safety property, with when and who.
public struct SafetyViolation: Sendable, Equatable, CustomStringConvertible {
    /// Which property.
    public enum Property: String, Sendable {
        /// Two authorities (true rear to end of authority) closer than the standstill gap.
        case authoritiesOverlap = "authorities-overlap"
        /// Two trucks of opposite directions hold authority in one single-lane section.
        case directionLock = "direction-lock"
        /// Two trucks hold authority in one exclusive zone.
        case exclusiveZoneShared = "exclusive-zone-shared"
        /// An authority enters an exclusive zone missing from its holder's slot plan.
        case exclusiveZoneNotReserved = "exclusive-zone-not-reserved"
        /// An authority covers zones off its holder's route, or ends past the route's yard.
        case authorityOffRoute = "authority-off-route"
        /// A truck entered a zone before a truck that entered the previous zone ahead of it.
        case overtaking
        /// An authority was shortened to an end the truck could no longer stop before.
        case unstoppableShortening = "unstoppable-shortening"
        /// Two trucks' bodies closer than the standstill gap.
        case separation
        /// A truck is beyond the end of authority it obeys.
        case drovePastAuthority = "drove-past-authority"
        /// A truck stands (below 0.1 m/s) with part of its body in a drive-through portal.
        case stoppedInPortal = "stopped-in-portal"
        /// A truck entered a drive-through portal sooner than its headway after the one before.
        case portalHeadway = "portal-headway"
    }

    /// Which property.
    public var property: Property
    /// When, on the site clock.
    public var time: Seconds
    /// The trucks involved.
    public var trucks: [TruckID]
    /// What was seen.
    public var detail: String

    /// Describes a violation.
    public init(property: Property, time: Seconds, trucks: [TruckID], detail: String) {
        self.property = property
        self.time = time
        self.trucks = trucks
        self.detail = detail
    }

    /// `t=… property [trucks]: detail`.
    public var description: String {
        "t=\(time) \(property.rawValue) [\(trucks.map(\.rawValue).joined(separator: ", "))]: \(detail)"
    }
}

/// An independent safety checker.
///
/// It shares no code with the interlocking's decisions: it reads the site's geometry (zones,
/// lanes, steps) and builds each truck's path itself, takes the commands the core sent and the
/// true positions the simulator knows, and checks after every step that
/// - no two authorities overlap (with the standstill gap), and single-lane sections hold one
///   direction at a time;
/// - no authority enters an exclusive zone that is not reserved for its holder, and no two
///   authorities share one;
/// - no authority leaves its holder's route;
/// - no truck overtakes another where the order may not change;
/// - every shortened authority was stoppable with service braking;
/// - trucks keep the standstill gap and never pass the authority they obey.
public struct SafetyChecker: Sendable {
    /// A route as zone indices and start positions (a class: shared by the copies of its
    /// `Tracked`, which a step makes for every truck).
    final class Path: Sendable {
        let zones: [Int]
        let starts: [Meters]
        let reversed: [Bool]
        let length: Meters

        init(zones: [Int], starts: [Meters], reversed: [Bool], length: Meters) {
            self.zones = zones
            self.starts = starts
            self.reversed = reversed
            self.length = length
        }
    }

    struct Tracked {
        var lane: Int
        var channel: CustomsChannel
        var path: Path
        var issuedEnd: Meters = -.infinity
        var reserved: Set<ZoneID> = []
        var lastIndex = -1
    }

    let site: Site
    let gap: Meters
    /// Per zone: its length, whether one truck at a time may be in it, whether it is a merge.
    let zoneLength: [Meters]
    let exclusive: [Bool]
    let merges: [Bool]
    /// Per zone: its drive-through portal, if it is one, and when a truck's front last entered it.
    let portals: [DriveThrough?]
    var portalEntered: [Seconds]
    var tracked: [TruckID: Tracked] = [:]
    /// The tracked trucks in sorted order (the order in which they are checked).
    var order: [TruckID] = []
    /// Lists of pieces kept from one step to the next, so that a step allocates little.
    var scratch = Scratch()
    /// Per zone, the trucks in the order their fronts entered it.
    var entries: [[TruckID]]
    /// Violations found so far.
    public private(set) var violations: [SafetyViolation] = []
    /// Number of steps checked.
    public private(set) var stepsChecked = 0
    /// Tolerance for floating-point rounding, in metres.
    public var tolerance: Meters = 1e-6
    /// The time between two checks (the simulation's step): entries into a zone are seen that
    /// late at most.
    public var stepTolerance: Seconds = 0.11

    /// A checker for `site`.
    public init(site: Site) {
        self.site = site
        self.zoneLength = site.zones.map(\.length)
        self.exclusive = site.zones.map { $0.kind == .exclusive || $0.kind == .station || $0.sharing == .exclusive }
        self.merges = site.zones.map { $0.sharing == .merge }
        self.portals = site.zones.map { $0.station?.driveThrough }
        self.portalEntered = Array(repeating: -.infinity, count: site.zones.count)
        self.gap = site.rules.standstillGap
        self.entries = Array(repeating: [], count: site.zones.count)
    }

    func buildPath(lane: Int, channel: CustomsChannel) -> Path {
        let laneSpec = site.lanes[lane]
        var zones: [Int] = []
        var starts: [Meters] = []
        var reversed: [Bool] = []
        var length: Meters = 0
        for step in laneSpec.steps where step.channels.isEmpty || step.channels.contains(channel) {
            let z = site.zones.firstIndex { $0.id == step.zone }!
            zones.append(z)
            starts.append(length)
            reversed.append(site.zones[z].sharing == .bidirectional && laneSpec.direction == .export)
            length += site.zones[z].length
        }
        return Path(zones: zones, starts: starts, reversed: reversed, length: length)
    }

    /// A truck started a trip on `lane` with `channel`.
    public mutating func tripStarted(_ truck: TruckID, lane: LaneID, channel: CustomsChannel) {
        let l = site.lanes.firstIndex { $0.id == lane }!
        if tracked[truck] == nil {
            order.insert(truck, at: order.firstIndex { $0 > truck } ?? order.endIndex)
        }
        tracked[truck] = Tracked(lane: l, channel: channel, path: buildPath(lane: l, channel: channel))
    }

    /// A truck's trip ended; it left the lanes.
    public mutating func tripEnded(_ truck: TruckID) {
        tracked[truck] = nil
        order.removeAll { $0 == truck }
        for z in entries.indices { entries[z].removeAll { $0 == truck } }
    }

    /// Records the commands the core sent at `time`, checking shortened authorities against the
    /// trucks' true states at that instant (before the commands reach them).
    public mutating func observe(_ commands: [CoreCommand], at time: Seconds, truth: [TruckID: TruckTruth]) {
        for command in commands {
            switch command {
            case .authority(let authority, let change):
                guard var t = tracked[authority.truck] else { continue }
                checkOnRoute(authority, t, time: time)
                // A shortening endangers the truck only if it ends short of the end the truck
                // holds: one that repeats or passes it takes nothing from the truck, which is
                // already braking for the end it holds.
                if change == .shorten, let true_ = truth[authority.truck], authority.end < true_.heldEnd - tolerance {
                    let stop = true_.front + true_.profile.stoppingDistance(from: true_.speed)
                    if stop > authority.end + tolerance {
                        record(
                            .unstoppableShortening, time, [authority.truck],
                            "shortened to \(authority.end) m but stops at \(stop) m")
                    }
                }
                t.issuedEnd = authority.end
                tracked[authority.truck] = t
            case .slotPlan(let plan):
                tracked[plan.truck]?.reserved = Set(plan.windows.map(\.zone))
            case .notice(.rerouted(let truck, let channel)):
                guard var t = tracked[truck] else { continue }
                t.channel = channel
                t.path = buildPath(lane: t.lane, channel: channel)
                tracked[truck] = t
            default:
                break
            }
        }
    }

    mutating func checkOnRoute(_ authority: MovementAuthority, _ t: Tracked, time: Seconds) {
        let names = t.path.zones.map { site.zones[$0].id }
        guard let first = authority.zones.first, let at = names.firstIndex(of: first),
            at + authority.zones.count <= names.count, Array(names[at..<(at + authority.zones.count)]) == authority.zones
        else {
            return record(
                .authorityOffRoute, time, [authority.truck],
                "zones \(authority.zones.map(\.rawValue)) are not a stretch of its route")
        }
        let yard = site.rules.standstillGap + 200
        if authority.end > t.path.length + yard {
            record(.authorityOffRoute, time, [authority.truck], "end \(authority.end) m lies beyond the destination yard")
        }
    }

    mutating func record(_ property: SafetyViolation.Property, _ time: Seconds, _ trucks: [TruckID], _ detail: String) {
        if violations.count < 1000 {
            violations.append(SafetyViolation(property: property, time: time, trucks: trucks, detail: detail))
        }
    }

    struct Piece {
        /// The truck's place in `order` (its id is looked up only to report a violation).
        var truck: Int
        var low: Meters
        var high: Meters
        var direction: Int
        /// Lies before the zone's entry (a truck approaching it on its own lane).
        var approaching = false
    }

    /// Pieces of the route interval `from...to` of `t`, per zone, in zone orientation. With
    /// `approach`, a piece that ends within the standstill gap of the next zone's entry also
    /// appears in the next zone, at negative positions before its entry: trucks converging on a
    /// merge or a crossing from different zones must keep the gap there too.
    func pieces(_ t: Tracked, truck: Int, from: Meters, to: Meters, approach: Bool = false, into result: inout ZonePieces) {
        guard to > from else { return }
        for (i, z) in t.path.zones.enumerated() {
            let start = t.path.starts[i]
            let length = zoneLength[z]
            let reversed = t.path.reversed[i]
            let direction = reversed ? -1 : 1
            let low = max(from, start)
            let high = min(to, start + length)
            if high > low || (high == low && from < start + length && to > start) {
                var a = low - start
                var b = high - start
                if reversed { (a, b) = (length - b, length - a) }
                result.append(Piece(truck: truck, low: a, high: b, direction: direction), zone: z)
            }
            // The stretch just before this zone's entry, seen from this zone.
            if approach && i > 0 && to > start - gap && to <= start && !exclusive[z] {
                var a = max(from, start - gap) - start
                var b = to - start
                if reversed { (a, b) = (length - b, length - a) }
                result.append(Piece(truck: truck, low: a, high: b, direction: direction, approaching: true), zone: z)
            }
        }
    }

    /// Checks the state of every truck on a trip at `time`.
    public mutating func check(at time: Seconds, truth: [TruckID: TruckTruth]) {
        stepsChecked += 1
        var authorityPieces = scratch.take(zones: site.zones.count)
        var bodyPieces = scratch.take(zones: site.zones.count)
        for (slot, id) in order.enumerated() {
            guard let t = tracked[id], let true_ = truth[id] else { continue }
            if true_.front > true_.heldEnd + tolerance {
                record(.drovePastAuthority, time, [id], "front \(true_.front) m past its end \(true_.heldEnd) m")
            }
            let rear = true_.front - true_.profile.length
            if true_.speed < 0.1 {
                for (i, z) in t.path.zones.enumerated() where portals[z] != nil {
                    let start = t.path.starts[i]
                    if true_.front > start + tolerance && rear < start + zoneLength[z] - tolerance {
                        record(.stoppedInPortal, time, [id], "standing at \(true_.front) m in \(site.zones[z].id)")
                    }
                }
            }
            let end = max(t.issuedEnd, true_.heldEnd, true_.front)
            pieces(t, truck: slot, from: rear, to: end, approach: true, into: &authorityPieces)
            pieces(t, truck: slot, from: rear, to: true_.front, approach: true, into: &bodyPieces)
            // Reservations: every exclusive zone the authority touches must be in the plan.
            let from = max(rear, 0)
            for (i, z) in t.path.zones.enumerated() where end > from && exclusive[z] {
                let start = t.path.starts[i]
                let zoneEnd = start + zoneLength[z]
                let low = max(from, start)
                let high = min(end, zoneEnd)
                let touches = high > low || (high == low && from < zoneEnd && end > start)
                if touches && !t.reserved.contains(site.zones[z].id) {
                    record(.exclusiveZoneNotReserved, time, [id], "authority enters \(site.zones[z].id) without a slot")
                }
            }
            // Overtaking: every zone entered since the last step, in route order.
            let reached = t.path.zones.indices.last(where: { t.path.starts[$0] <= true_.front }) ?? -1
            if reached > t.lastIndex {
                for i in (t.lastIndex + 1)...reached {
                    let z = t.path.zones[i]
                    if i > 0, !merges[z] {
                        let previous = t.path.zones[i - 1]
                        let ahead = entries[previous].prefix { $0 != id }
                        for other in ahead where !entries[z].contains(other) {
                            if let o = tracked[other], let oi = o.path.zones.firstIndex(of: previous),
                                oi + 1 < o.path.zones.count, o.path.zones[oi + 1] == z
                            {
                                record(.overtaking, time, [id, other], "entered \(site.zones[z].id) before \(other)")
                            }
                        }
                    }
                    entries[z].append(id)
                    if let portal = portals[z] {
                        // Entries are seen a step late at most: the step is the tolerance.
                        if time - portalEntered[z] < portal.headway - stepTolerance {
                            record(
                                .portalHeadway, time, [id],
                                "entered \(site.zones[z].id) \(time - portalEntered[z]) s after the truck before (headway \(portal.headway) s)"
                            )
                        }
                        portalEntered[z] = time
                    }
                }
                tracked[id]?.lastIndex = reached
            }
        }
        for z in authorityPieces.used { checkZone(z, authorityPieces.lists[z], time: time, bodies: false) }
        for z in bodyPieces.used { checkZone(z, bodyPieces.lists[z], time: time, bodies: true) }
        scratch.give(&authorityPieces)
        scratch.give(&bodyPieces)
    }

    mutating func checkZone(_ z: Int, _ list: [Piece], time: Seconds, bodies: Bool) {
        guard list.count > 1 else { return }
        let zone = site.zones[z]
        let isExclusive = exclusive[z]
        for i in 0..<list.count {
            for j in (i + 1)..<list.count where list[i].truck != list[j].truck {
                let a = list[i]
                let b = list[j]
                if isExclusive {
                    record(
                        bodies ? .separation : .exclusiveZoneShared, time, [order[a.truck], order[b.truck]],
                        "both in exclusive zone \(zone.id)")
                } else if zone.sharing == .bidirectional && a.direction != b.direction {
                    // A truck waiting before the section on its own lane does not meet one
                    // leaving it on the other lane.
                    if !a.approaching && !b.approaching {
                        record(.directionLock, time, [order[a.truck], order[b.truck]], "opposite directions in \(zone.id)")
                    }
                } else {
                    let separation = max(a.low - b.high, b.low - a.high)
                    if separation < gap - tolerance {
                        record(
                            bodies ? .separation : .authoritiesOverlap, time, [order[a.truck], order[b.truck]],
                            "\(separation) m apart in \(zone.id)")
                    }
                }
            }
        }
    }
}

/// The pieces of one step, per zone, and the zones that have any.
struct ZonePieces {
    var lists: [[SafetyChecker.Piece]]
    var used: [Int] = []

    mutating func append(_ piece: SafetyChecker.Piece, zone: Int) {
        if lists[zone].isEmpty { used.append(zone) }
        lists[zone].append(piece)
    }
}

/// Spare `ZonePieces`, emptied but with their storage kept.
struct Scratch {
    var spare: [ZonePieces] = []

    mutating func take(zones: Int) -> ZonePieces {
        spare.popLast() ?? ZonePieces(lists: Array(repeating: [], count: zones))
    }

    mutating func give(_ pieces: inout ZonePieces) {
        for z in pieces.used { pieces.lists[z].removeAll(keepingCapacity: true) }
        pieces.used.removeAll(keepingCapacity: true)
        var given = ZonePieces(lists: [])
        swap(&given, &pieces)
        spare.append(given)
    }
}
