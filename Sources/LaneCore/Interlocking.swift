import LaneSite

/// The interlocking: claims on zones and the movement authorities derived from them.
extension SchedulerCore {
    // MARK: Claims

    /// The part of the route of `t` that its claim covers on leg `legNumber`, in route positions.
    func claimInterval(of t: Int, on legNumber: Int) -> ClosedRange<Meters> {
        let leg = trucks[t].trip!.route.legs[legNumber]
        let low = max(trucks[t].claimFrom, leg.start)
        let high = min(trucks[t].claimTo, leg.end)
        return low...max(low, high)
    }

    /// A claim in a zone, as route positions of the route whose leg is `leg`.
    @inline(__always)
    func interval(of claim: ZoneClaim, on leg: Route.Leg) -> (Meters, Meters) {
        if leg.reversed { return (leg.start + leg.length - claim.high, leg.start + leg.length - claim.low) }
        return (leg.start + claim.low, leg.start + claim.high)
    }

    /// Takes the claim of `t` out of every zone it was registered in. The legs it covers are
    /// those of the route it was registered on: call this before the route changes.
    mutating func removeClaims(_ t: Int) {
        if let route = trucks[t].trip?.route {
            for legNumber in trucks[t].claimLegs where legNumber < route.legs.count {
                claims[route.legs[legNumber].zone].removeAll { $0.truck == t }
            }
            if let approach = trucks[t].approachLeg, approach < route.legs.count {
                claims[route.legs[approach].zone].removeAll { $0.truck == t }
            }
        }
        trucks[t].claimLegs = 0..<0
        trucks[t].approachLeg = nil
    }

    /// Re-registers the claim of `t` in the zones it covers.
    mutating func syncClaims(_ t: Int) {
        removeClaims(t)
        guard let route = trucks[t].trip?.route, trucks[t].claimTo > 0, trucks[t].claimFrom < route.length,
            trucks[t].claimTo > trucks[t].claimFrom
        else {
            trucks[t].claimLegs = 0..<0
            return
        }
        let from = max(trucks[t].claimFrom, 0)
        let to = min(trucks[t].claimTo, route.length)
        let first = route.legIndex(at: from) ?? 0
        var last = first
        while last + 1 < route.legs.count && route.legs[last + 1].start < to { last += 1 }
        for legNumber in first...last {
            let leg = route.legs[legNumber]
            let low = max(from, leg.start) - leg.start
            let high = min(to, leg.end) - leg.start
            let claim =
                leg.reversed
                ? ZoneClaim(truck: t, low: leg.length - high, high: leg.length - low, direction: -1)
                : ZoneClaim(truck: t, low: low, high: high, direction: 1)
            claims[leg.zone].append(claim)
        }
        trucks[t].claimLegs = first..<(last + 1)
        // A claim that ends closer than the standstill gap to a zone other trucks enter from
        // elsewhere (a held truck stopped there) reaches into that zone too: a truck entering it
        // from another branch stays a full gap away.
        if last + 1 < route.legs.count {
            let next = route.legs[last + 1]
            let zone = site.zones[next.zone]
            let shortOf = next.start - trucks[t].claimTo
            if (zone.isExclusive || zone.sharing != .none) && shortOf < site.rules.standstillGap && shortOf >= 0 {
                let claim =
                    next.reversed
                    ? ZoneClaim(truck: t, low: next.length, high: next.length + shortOf, direction: -1)
                    : ZoneClaim(truck: t, low: -shortOf, high: 0, direction: 1)
                claims[next.zone].append(claim)
                trucks[t].approachLeg = last + 1
            }
        }
    }

    // MARK: Waiting

    mutating func setBlocker(_ t: Int, _ blocker: Int?) {
        let old = trucks[t].blockedBy
        guard old != blocker else { return }
        if let old { trucks[old].waiters.removeAll { $0 == t } }
        if let blocker { trucks[blocker].waiters.append(t) }
        trucks[t].blockedBy = blocker
    }

    mutating func setWaiting(_ t: Int, zone: Int?, now: Seconds = 0) {
        let old = trucks[t].waitingZone
        guard old != zone else { return }
        if let old { waitingAt[old].removeAll { $0 == t } }
        if let zone {
            waitingAt[zone].append(t)
            trucks[t].waitingSince = now
        }
        trucks[t].waitingZone = zone
    }

    /// Whether `u`, ready at the entry of zone `z`, goes before `t`: perishable (or operator)
    /// priority where the zone allows it; then a truck already waiting at the entry before one
    /// that is not; then the one that has waited longer (first come, first served, so that no
    /// lane starves); then the earlier slot; then the earlier admission.
    func goesFirst(_ u: Int, before t: Int, into z: Int) -> Bool {
        if site.zones[z].perishablePriority {
            let pu = trucks[u].priority || trucks[u].trip!.request.perishable
            let pt = trucks[t].priority || trucks[t].trip!.request.perishable
            if pu != pt { return pu }
        }
        // Trucks waiting at the two ends of one single-lane section wait for the same thing:
        // they are ranked together, or each would give way to the other for ever.
        guard let w = trucks[t].waitingZone, section[w] == section[z] else { return true }
        if trucks[u].waitingSince != trucks[t].waitingSince { return trucks[u].waitingSince < trucks[t].waitingSince }
        if w != z { return trucks[u].trip!.admission < trucks[t].trip!.admission }
        let ou = trucks[u].plannedOpen[z] ?? .infinity
        let ot = trucks[t].plannedOpen[z] ?? .infinity
        if ou != ot { return ou < ot }
        return trucks[u].trip!.admission < trucks[t].trip!.admission
    }

    /// A truck ready at the entry of zone `z` that goes before `t`: the slot of `t` has not
    /// opened yet.
    func readyRival(of t: Int, at z: Int) -> Int? {
        for u in waitingAt[z] where u != t && !trucks[u].stale && !isHeld(u) && !trucks[u].emergencyStopped {
            if goesFirst(u, before: t, into: z) { return u }
        }
        return nil
    }

    // MARK: Stopping

    /// The furthest route position the front of `t` may reach if it is told to stop now, from
    /// its last report aged to `now` (it may have sped up since), its uncertainty, its reaction
    /// time and its service braking.
    func stoppingPoint(_ t: Int, now: Seconds) -> Meters {
        let truck = trucks[t]
        let age = max(0, now - truck.measuredAt)
        let a = truck.profile.acceleration
        let top = max(truck.speed, truck.profile.maxSpeed)
        // Accelerating from the reported speed to the top speed, then cruising.
        let rampTime = min(age, (top - truck.speed) / a)
        let vMax = truck.speed + a * rampTime
        let travelled = (truck.speed + vMax) / 2 * rampTime + vMax * (age - rampTime)
        return truck.front + truck.uncertainty + travelled + truck.profile.stoppingDistance(from: vMax)
    }

    /// Time for a truck starting from rest to cover `distance` under `limit`.
    func timeToCover(_ distance: Meters, acceleration a: Double, limit v: MetersPerSecond) -> Seconds {
        let rampDistance = v * v / (2 * a)
        if distance <= rampDistance { return (2 * distance / a).squareRoot() }
        return v / a + (distance - rampDistance) / v
    }

    /// Distance a truck starting from rest covers in `time` under `limit`.
    func distanceCovered(in time: Seconds, acceleration a: Double, limit v: MetersPerSecond) -> Meters {
        let rampTime = v / a
        if time <= rampTime { return a * time * time / 2 }
        return v * v / (2 * a) + v * (time - rampTime)
    }

    /// For a truck `t` waiting for station zone `leg` held by `holder` standing at its stop
    /// point: how far back from the entry `t` should wait so that, starting when the station
    /// releases the holder, it reaches the entry, still rolling, as the holder's rear clears the zone.
    func runUp(for t: Int, behind holder: Int, leg: Route.Leg) -> Meters {
        guard configuration.timedApproach, let holderTrip = trucks[holder].trip,
            let holderLeg = holderTrip.route.legIndex(ofZone: leg.zone),
            let station = site.zones[leg.zone].station, station.stops, !holderTrip.cleared[holderLeg]
        else { return 0 }
        let zone = site.zones[leg.zone]
        let exitDistance = zone.length - (station.stopOffset - trucks[holder].profile.length)
        let exitTime = timeToCover(
            max(0, exitDistance), acceleration: trucks[holder].profile.acceleration,
            limit: min(zone.speedLimit, trucks[holder].profile.maxSpeed))
        let route = trucks[t].trip!.route
        let approachLimit = route.legIndex(at: max(0, leg.start - 1)).map { site.zones[route.legs[$0].zone].speedLimit }
        let limit = min(approachLimit ?? zone.speedLimit, trucks[t].profile.maxSpeed, zone.speedLimit)
        // Start that far back, plus the distance the truck needs to brake for the entry, so that
        // it is still rolling when the entry opens.
        let distance = distanceCovered(in: exitTime, acceleration: trucks[t].profile.acceleration, limit: limit)
        return min(distance + limit * limit / (2 * trucks[t].profile.serviceBraking), 80)
    }

    // MARK: Authority

    /// Whether no truck may stop inside `zone`: a crossing (exclusive, not a station where trucks
    /// stop), a drive-through scanning portal, a single-lane section driven both ways, the km 0
    /// handover strip, or a merge (a truck waiting there would block the border line or another
    /// branch).
    static func mustClear(_ zone: Zone) -> Bool {
        (zone.isExclusive && (zone.kind != .station || zone.station?.stops == false)) || zone.sharing == .bidirectional
            || zone.kind == .handover || zone.sharing == .merge
    }

    /// How far before the entry of `zone` truck `t` waits: the standstill gap `gap`, and before a
    /// drive-through portal at least the run-up it needs to be at the portal's speed on entering.
    func setBack(_ t: Int, before zone: Zone, gap: Meters) -> Meters {
        guard let portal = zone.station?.driveThrough else { return gap }
        return max(gap, portal.speed * portal.speed / (2 * trucks[t].profile.acceleration) + 1)
    }

    /// How far truck `t` may go past drive-through portal `leg` before the portal's result: a
    /// gap short of the next branch of `route`, but at least clear of the portal at its speed
    /// (as far as the entry rule lets it in); unlimited if no branch follows.
    func resultHold(_ t: Int, afterPortal leg: Int, on route: Route, gap: Meters) -> Meters {
        let steps = site.lanes[route.lane].steps
        guard
            let branch = route.legs[(leg + 1)...].first(where: { next in
                steps.contains { $0.zone == site.zones[next.zone].id && !$0.channels.isEmpty }
            })
        else { return .infinity }
        let portal = site.zones[route.legs[leg].zone].station!.driveThrough!
        let clear =
            route.legs[leg].end + trucks[t].profile.length + gap + portal.speed * portal.speed / (2 * trucks[t].profile.serviceBraking)
        return max(clear, branch.start - gap)
    }

    /// Where a metered trip waits to leave its yard: at the stop point of the lane's first zone if
    /// that is a station (the yard's exit gate), else a gap short of the lane's start.
    func meteringPoint(_ route: Route, gap: Meters) -> Meters {
        let first = route.legs[0]
        if let station = site.zones[first.zone].station, station.stops { return first.start + station.stopOffset }
        return first.start - gap
    }

    /// Whether truck `t`'s plan has it wait at no station ahead (past its yard's gate) longer
    /// than the site's queue budget of trucks take there. A truck not planned yet may go.
    func meteringAllows(_ t: Int, _ route: Route) -> Bool {
        let budget = Double(site.rules.queueBudget ?? .max)
        for (zone, plan) in trucks[t].plannedWait where zone != route.legs[0].zone {
            if plan.wait > budget * plan.takes + 1 { return false }
        }
        return true
    }

    /// Whether no truck may stop inside `zone` (see the static form).
    func mustClear(_ zone: Zone) -> Bool { Self.mustClear(zone) }

    /// The speed at which `t`, waiting for zone `zone` held by `blocker` (still at work there),
    /// reaches `stop` as the holder is predicted to clear the zone: rolling up instead of
    /// standing. Zero (no advice: drive at the limit) otherwise; once the holder is released,
    /// the truck should make haste.
    func advisory(for t: Int, waitingFor zone: Int?, blocker: Int?, until stop: Meters, now: Seconds) -> MetersPerSecond {
        guard let zone, let blocker, let holderTrip = trucks[blocker].trip,
            let holderLeg = holderTrip.route.legIndex(ofZone: zone), !holderTrip.cleared[holderLeg],
            let window = trucks[blocker].windows.first(where: { site.zoneIndex[$0.zone] == zone })
        else { return 0 }
        // A truck passing a drive-through portal holds the portal's speed: no slower advice.
        if nearPortal(t) { return 0 }
        let available = window.closes - now
        let distance = stop - trucks[t].front
        guard available > 1, distance > 0 else { return 0 }
        let limit = min(site.zones[zone].speedLimit, trucks[t].profile.maxSpeed)
        return min(max(distance / available, 1.5), max(limit, 1.5))
    }

    /// Whether `t` is in a drive-through portal, or within its run-up of one.
    func nearPortal(_ t: Int) -> Bool {
        guard let route = trucks[t].trip?.route else { return false }
        let front = trucks[t].front
        for leg in route.legs where leg.end > front - trucks[t].profile.length {
            guard let portal = site.zones[leg.zone].station?.driveThrough else { continue }
            if leg.start - front < portal.speed * portal.speed / (2 * trucks[t].profile.acceleration) + 5 { return true }
            break
        }
        return false
    }

    /// Whether `claim` only reaches into single-lane section `zone` from before its far end (a
    /// truck standing at that end, on its own lane, to enter it against `direction`): it does not
    /// meet a truck leaving the section there, so it neither locks the section's direction nor
    /// shortens the leaving truck's authority. (Counted as an opposing holder, it deadlocked two
    /// trucks at the two ends of a two-zone section: random site 234000702 with long sections.)
    func isOpposingApproach(_ claim: ZoneClaim, zone: Int, direction: Int8) -> Bool {
        site.zones[zone].sharing == .bidirectional && claim.direction != direction
            && (claim.high <= 0 || claim.low >= site.zones[zone].length)
    }

    /// Whether a truck other than `t` claims any of the route of `t` between `a` and `b` (any of
    /// an exclusive zone counts as all of it).
    func othersClaim(_ t: Int, from a: Meters, to b: Meters) -> Bool {
        guard let route = trucks[t].trip?.route else { return false }
        return othersClaim(t, on: route, from: a, to: b)
    }

    /// Whether a truck other than `t` claims any of `route` between `a` and `b`.
    func othersClaim(_ t: Int, on route: Route, from a: Meters, to b: Meters) -> Bool {
        for leg in route.legs where leg.end > a && leg.start < b {
            let exclusive = site.zones[leg.zone].isExclusive
            for claim in claims[leg.zone] where claim.truck != t {
                if exclusive { return true }
                let (low, high) = interval(of: claim, on: leg)
                if low < b && high > a { return true }
            }
        }
        return false
    }

    /// Recomputes the authority of `t` and sends what changed.
    mutating func evaluate(_ t: Int, now: Seconds) {
        guard let trip = trucks[t].trip, trucks[t].hasReport else { return }
        let route = trip.route
        // A truck standing beyond its end of authority after an emergency stop (an overrun, or a
        // shortening it never heard), once released: its end becomes where it stands. That space
        // is inside its claim, which was kept for exactly this.
        var adopted = false
        // Only where no other truck claims that space too: after a restart a claim comes from the
        // journal's reach and is not exclusive (found by the randomized restarts: a truck standing
        // at a crossing's doorstep adopted space into it that another truck held), and a full
        // standstill gap short of any other claim: a truck standing at its end within the
        // measurement's uncertainty must not move its end up to a merge another truck passes
        // through (found by the randomized restarts, seed 1321211179362341677).
        if !trucks[t].emergencyStopped, trucks[t].speed < 0.1,
            trucks[t].front + trucks[t].uncertainty > trucks[t].authorityEnd,
            trucks[t].front + trucks[t].uncertainty <= trucks[t].claimTo,
            !othersClaim(
                t, from: trucks[t].authorityEnd, to: trucks[t].front + trucks[t].uncertainty + site.rules.standstillGap)
        {
            trucks[t].authorityEnd = trucks[t].front + trucks[t].uncertainty
            // The truck may still hold the longer authority it had: the next authority replaces
            // it, and the claim shrinks only when the truck echoes that one.
            trucks[t].pendingShorten = trucks[t].authoritySequence + 1
            adopted = true
        }
        let truck = trucks[t]
        let gap = site.rules.standstillGap + truck.uncertainty

        // Holds: stop where the truck can stop, once, and keep that end.
        let held = isHeld(t)
        if held && truck.holdLimit == nil {
            trucks[t].holdLimit = min(truck.authorityEnd, stoppingPoint(t, now: now))
            out.append(.stop(truck.id, holdReason(t)))
        } else if !held && truck.holdLimit != nil {
            trucks[t].holdLimit = nil
            if !truck.emergencyStopped { out.append(.resume(truck.id)) }
        }
        let mandatory = trucks[t].holdLimit ?? .infinity
        var closure = Double.infinity
        // The same for a station that is out, which never emergency-stops a truck.
        var stationClosure = Double.infinity

        // What the route, its stations, closed zones and the other trucks' claims allow.
        var reach = route.length + truck.profile.length + gap
        var blocker: Int?
        var waiting: Int?
        // The first zone the truck may not stop in: where it waits before it, how far it must be
        // able to go to clear it, and the zone.
        // Every run of zones the truck may not stop in, within its reach, in route order (not only
        // the first: an end inside a second crossing or portal close behind the first is as wrong).
        var entries: [(wait: Meters, clearPoint: Meters, zone: Int)] = []
        var lastRunEnd = -1
        // Where the truck waits for the first zone that other trucks may enter from elsewhere.
        var doorstep: Meters?
        // From the doorstep to the zone's entry: the gap, or a portal's run-up.
        var doorstepSpan = gap
        // The single-lane section the truck is already in: it goes on through it before any
        // truck waiting at the section's far end.
        var heldSection: Int?
        let firstLeg = route.legIndex(at: max(0, min(truck.claimFrom, route.length - 1e-9))) ?? 0
        legs: for i in firstLeg..<route.legs.count {
            let leg = route.legs[i]
            // Look a little past the reach: a busy station ahead may hold the truck further back.
            if leg.start >= reach + 100 { break }
            let zone = site.zones[leg.zone]
            // Granted into the zone (not merely reported near it).
            let holds = truck.authorityEnd > leg.start + 1e-9
            if holds && mustClear(zone) { heldSection = section[leg.zone] }
            if !holds && doorstep == nil && (zone.isExclusive || zone.sharing != .none) {
                doorstep = leg.start - setBack(t, before: zone, gap: gap)
                doorstepSpan = setBack(t, before: zone, gap: gap)
            }
            // A closed zone: no truck that is not already in it may enter, even one whose
            // authority already reaches into it. A station that is out is no hazard, though: a
            // truck it finds already committed (it cannot stop short) goes on, and is not
            // emergency-stopped as for an operator's closure (in a portal, it would stop inside).
            let operatorClosed = closedZones[leg.zone] != nil
            if (operatorClosed || stationsOut.contains(leg.zone)) && truck.front + truck.uncertainty <= leg.start {
                if leg.start - gap < reach {
                    reach = leg.start - gap
                    blocker = nil
                }
                if operatorClosed { closure = leg.start - truck.uncertainty } else { stationClosure = leg.start - truck.uncertainty }
                break legs
            }
            if !holds {
                var holder: Int?
                if zone.isExclusive {
                    holder = claims[leg.zone].first(where: { $0.truck != t })?.truck
                } else if zone.sharing == .bidirectional {
                    let direction: Int8 = leg.reversed ? -1 : 1
                    holder =
                        claims[leg.zone].first(where: {
                            $0.truck != t && $0.direction != direction && !isOpposingApproach($0, zone: leg.zone, direction: direction)
                        })?.truck
                }
                if holder == nil, zone.isExclusive || zone.sharing != .none, heldSection != section[leg.zone] {
                    holder = readyRival(of: t, at: leg.zone)
                }
                // A drive-through portal's beam: no truck enters within its headway of the last.
                if holder == nil, let portal = zone.station?.driveThrough {
                    // The soonest the truck can be there, accelerating all the way; the last entry
                    // is when a report first showed that truck inside (no sooner than it was).
                    let distance = max(0, leg.start - truck.front)
                    let a = truck.profile.acceleration
                    let arrival = now + ((truck.speed * truck.speed + 2 * a * distance).squareRoot() - truck.speed) / a
                    if arrival < lastEntry[leg.zone] + portal.headway {
                        let limit = leg.start - setBack(t, before: zone, gap: gap)
                        if limit < reach {
                            reach = limit
                            blocker = nil
                            waiting = leg.zone
                        }
                        break legs
                    }
                }
                if let holder {
                    let limit =
                        leg.start - setBack(t, before: zone, gap: gap) - (zone.isExclusive ? runUp(for: t, behind: holder, leg: leg) : 0)
                    if limit < reach {
                        reach = limit
                        blocker = holder
                        waiting = leg.zone
                    }
                    break legs
                }
                if i > lastRunEnd && mustClear(zone) {
                    // The section runs on through every adjacent zone the truck may not stop in.
                    var last = i
                    while last + 1 < route.legs.count && mustClear(site.zones[route.legs[last + 1].zone]) { last += 1 }
                    var clearPoint = route.legs[last].end + truck.profile.length + gap
                    // Out of a portal at its speed: the truck must not brake before its rear is out.
                    if let portal = site.zones[route.legs[last].zone].station?.driveThrough {
                        clearPoint += portal.speed * portal.speed / (2 * truck.profile.serviceBraking)
                    }
                    // A station right behind the section where the truck must stop anyway: its
                    // stop point is as far as the truck can clear (the station releases it).
                    if last + 1 < route.legs.count, let station = site.zones[route.legs[last + 1].zone].station, station.stops,
                        !trip.cleared[last + 1]
                    {
                        clearPoint = min(clearPoint, route.legs[last + 1].start + station.stopOffset)
                    }
                    entries.append((leg.start - setBack(t, before: zone, gap: gap), clearPoint, leg.zone))
                    lastRunEnd = last
                }
            }
            if let station = zone.station, station.stops, !trip.cleared[i] {
                reach = min(reach, leg.start + station.stopOffset)
            }
            // A portal whose scanner decides on its own: until its result, a truck in it goes no
            // further than it can stop short of the route's next branch (a suspicious or
            // unreadable pass re-routes it), and never short of clearing the portal. Not the
            // trucks still approaching: holding them too cost a shared portal 100 s a trip.
            if let station = zone.station, station.driveThrough != nil, station.release == .stationSystem, !trip.cleared[i],
                truck.front >= leg.start - 1
            {
                reach = min(reach, resultHold(t, afterPortal: i, on: route, gap: gap))
            }
            if !zone.isExclusive || holds {
                let direction: Int8 = leg.reversed ? -1 : 1
                for claim in claims[leg.zone] where claim.truck != t && !isOpposingApproach(claim, zone: leg.zone, direction: direction) {
                    let (a, b) = interval(of: claim, on: leg)
                    if b <= truck.claimFrom + 1e-9 { continue }
                    if a - gap < reach {
                        reach = a - gap
                        blocker = claim.truck
                        // Held back by traffic inside a shared zone it has not entered yet: the
                        // truck is waiting at that zone's entry (first come, priority, slots).
                        waiting = !holds && zone.sharing != .none ? leg.zone : nil
                    }
                }
            }
        }
        // Never stop inside a crossing or a single-lane section: enter only if the truck can
        // claim all the way through and clear it.
        // Pulling the reach back before one run may leave it short of clearing an earlier one: go
        // over them again until none binds (the reach only shrinks).
        var pulled = true
        while pulled {
            pulled = false
            for entry in entries where reach < entry.clearPoint && entry.wait < reach {
                reach = entry.wait
                waiting = entry.zone
                pulled = true
            }
        }

        // Stop a full gap short of such a zone (a portal's run-up short of it), or enter it: never
        // end in between, where a truck entering it from another branch would come closer than
        // the gap (or a truck starting there would enter a portal below its speed).
        if let doorstep, reach > doorstep, reach <= doorstep + doorstepSpan + 1e-9 {
            reach = doorstep
        }
        // Metering: the trip leaves its yard only when its plan lets it (the queue stays there).
        if trucks[t].metered {
            let point = meteringPoint(route, gap: gap)
            if truck.front > point + 1 || truck.authorityEnd > point + 1e-6 || meteringAllows(t, route) {
                trucks[t].metered = false
            } else if point < reach {
                reach = point
                blocker = nil
                waiting = nil
            }
        }
        let current = truck.authorityEnd
        let mayExtend = !truck.stale && !truck.emergencyStopped
        var end = mayExtend ? max(reach, current) : current
        // A closed zone ahead: shorten before it if the truck can still stop there, otherwise
        // emergency-stop it (and keep its authority: it may not be able to stop within less).
        if closure < end - 0.01 {
            if closure >= stoppingPoint(t, now: now) - 1e-9 {
                end = closure
            } else {
                end = current
                emergencyStop(t, .zoneClosedTooLate)
            }
        }
        // A station that is out shortens only a truck that reports and can stop short of it; a
        // stale one might hear it too late, when it could no longer stop (in a portal, say).
        var stationShortening = false
        if stationClosure < end - 0.01 {
            if !truck.stale && stationClosure >= stoppingPoint(t, now: now) - 1e-9 {
                end = stationClosure
                stationShortening = end < current - 0.01
            } else {
                end = current
            }
        }
        // A hold: the end where the truck could stop when the hold began.
        if mandatory < end - 0.01 { end = min(current, mandatory) }
        setBlocker(t, blocker)
        trucks[t].advisorySpeed = advisory(for: t, waitingFor: waiting, blocker: blocker, until: reach, now: now)
        setWaiting(t, zone: mayExtend && !held ? waiting : nil, now: now)

        // Small gains are sent only when the truck is getting close to its end of authority:
        // it keeps rolling, and the vehicles and the broker are not flooded.
        // A truck standing in a queue behind another is not started for a few metres at a time
        // (stop-and-go): it waits until a useful gap has opened.
        let creeping = truck.speed < 0.1 && blocker != nil && end - current < configuration.queueStartGap
        let worthSending =
            (end - current >= configuration.minimumExtension && !creeping)
            || (current - truck.front < truck.profile.stoppingDistance(from: truck.speed) + configuration.minimumExtension * 4
                && !creeping)
            || trucks[t].authoritySequence < trucks[t].tripFirstSequence
        if end > current + 0.01 && worthSending {
            let change: AuthorityChange = trucks[t].authoritySequence < trucks[t].tripFirstSequence ? .grant : .extend
            trucks[t].claimTo = max(trucks[t].claimTo, end)
            syncClaims(t)
            send(t, end: end, change, now: now)
            statistics.extensions += 1
            enqueueWaiters(of: t)
        } else if end < current - 0.01 || adopted {
            shorten(t, to: min(end, current), now: now)
            // Only a station that is out asked for it: the end to give back if the truck turns
            // out not to have heard it in time (no hazard lies behind it).
            trucks[t].givesBack = stationShortening && mandatory.isInfinite && closure.isInfinite ? current : nil
        } else if mayExtend, trucks[t].authorityExpiry - now < configuration.authorityLifetime / 2,
            trucks[t].authoritySequence >= trucks[t].tripFirstSequence
        {
            send(t, end: current, .renew, now: now)
        }
    }

    mutating func shorten(_ t: Int, to end: Meters, now: Seconds) {
        send(t, end: end, .shorten, now: now)
        trucks[t].pendingShorten = trucks[t].authoritySequence
        statistics.shortenings += 1
    }

    mutating func send(_ t: Int, end: Meters, _ change: AuthorityChange, now: Seconds) {
        trucks[t].authoritySequence += 1
        trucks[t].authorityEnd = end
        trucks[t].authorityExpiry = now + max(configuration.authorityLifetime, portalPass(t, end: end))
        trucks[t].authorityIssuedAt = now
        out.append(.authority(authority(of: t), change))
    }

    /// Seconds until `t`, at the speed of a drive-through portal its authority (to `end`) takes
    /// it into or through, has cleared that portal, plus a second; 0 when there is none. An
    /// authority lasts at least that long, so that a truck never stops in a portal because its
    /// authority ran out there (a short loss of its link mid-pass would spoil the scan); its end,
    /// which keeps it apart from other trucks, is unchanged.
    func portalPass(_ t: Int, end: Meters) -> Seconds {
        guard let route = trucks[t].trip?.route else { return 0 }
        let truck = trucks[t]
        var longest: Seconds = 0
        // The slowest the truck may go on the way: zone limits, its advisory speed, the portal's.
        var slowest = truck.advisorySpeed > 0 ? max(truck.advisorySpeed, 1) : truck.profile.maxSpeed
        for leg in route.legs where leg.start < end && leg.end + truck.profile.length > truck.front {
            slowest = min(slowest, site.zones[leg.zone].speedLimit)
            guard let portal = site.zones[leg.zone].station?.driveThrough else { continue }
            slowest = min(slowest, portal.speed)
            // From standstill at worst: the ramp up to that speed costs v / 2a more.
            let distance = leg.end + truck.profile.length - truck.front
            longest = max(longest, distance / slowest + slowest / (2 * truck.profile.acceleration) + 1)
        }
        return longest
    }

    /// The current authority of `t` as a command payload.
    func authority(of t: Int) -> MovementAuthority {
        let truck = trucks[t]
        let route = truck.trip!.route
        let end = truck.authorityEnd
        let lastLeg = route.legs.count - 1
        let endLeg = route.legIndex(at: max(0, end)) ?? (end >= route.length ? lastLeg : 0)
        let startLeg = min(route.legIndex(at: max(0, truck.front)) ?? (truck.front >= route.length ? lastLeg : 0), endLeg)
        var zones: [ZoneID] = []
        zones.reserveCapacity(endLeg - startLeg + 1)
        for i in startLeg...endLeg { zones.append(site.zones[route.legs[i].zone].id) }
        return MovementAuthority(
            truck: truck.id, sequence: truck.authoritySequence, end: end,
            endZone: site.zones[route.legs[endLeg].zone].id, endOffset: end - route.legs[endLeg].start,
            zones: zones, expiry: truck.authorityExpiry, advisorySpeed: truck.advisorySpeed)
    }

    mutating func resendIfUnacknowledged(_ t: Int, now: Seconds) {
        let truck = trucks[t]
        guard truck.trip != nil, truck.authoritySequence >= truck.tripFirstSequence,
            truck.acknowledged < truck.authoritySequence, now - truck.authorityIssuedAt >= configuration.resendAfter
        else { return }
        trucks[t].authorityIssuedAt = now
        // A shortened authority the truck has not heard and can no longer stop before is not
        // sent again: the truck is stopped now instead.
        if truck.pendingShorten != nil && truck.authorityEnd < stoppingPoint(t, now: now) - 1e-9 {
            // A shortening only for a station that is out: the end it had is given back instead.
            if let end = truck.givesBack {
                trucks[t].givesBack = nil
                trucks[t].pendingShorten = nil
                send(t, end: end, .extend, now: now)
                return
            }
            emergencyStop(t, .shorteningNotEchoed)
            return
        }
        statistics.resends += 1
        out.append(.authority(authority(of: t), .resend))
    }

    // MARK: Gridlock

    /// Follows the "waits for" link of every truck that stands at its end of authority; a chain
    /// that comes back to where it started is a circular wait. A circle still there after
    /// `gridlockConfirmation` seconds is reported, once.
    mutating func detectGridlock(now: Seconds) {
        var state = [UInt8](repeating: 0, count: trucks.count)  // 0 new, 1 on path, 2 done
        var seen: Set<[Int]> = []
        func waiting(_ t: Int) -> Int? {
            let truck = trucks[t]
            guard truck.trip != nil, truck.hasReport, truck.speed < 0.1,
                truck.authorityEnd - truck.front < truck.uncertainty + 1
            else { return nil }
            return truck.blockedBy
        }
        for start in trucks.indices where state[start] == 0 {
            var path: [Int] = []
            var t: Int? = start
            while let current = t, state[current] == 0 {
                state[current] = 1
                path.append(current)
                t = waiting(current)
            }
            if let current = t, state[current] == 1, let at = path.firstIndex(of: current) {
                let cycle = Array(path[at...]).sorted()
                seen.insert(cycle)
                let since = gridlockCandidates[cycle] ?? now
                gridlockCandidates[cycle] = since
                if now - since >= Self.gridlockConfirmation, reportedGridlocks.insert(cycle).inserted {
                    out.append(.notice(.gridlock(cycle.map { trucks[$0].id })))
                }
            }
            for p in path { state[p] = 2 }
        }
        gridlockCandidates = gridlockCandidates.filter { seen.contains($0.key) }
    }

    /// How long a circular wait must last before it is reported (a queue that is about to move
    /// is not a gridlock).
    static var gridlockConfirmation: Seconds { 10 }
}
