import LaneSite

/// The slot planner: predicted windows on exclusive zones and stations, and advisory speeds.
///
/// The plan is a prediction. The interlocking uses it for one thing only: which of several
/// trucks that are ready at the same zone goes first. Safety never depends on it.
extension SchedulerCore {
    /// Predicts windows for every truck on a trip, the trucks furthest along first, each zone
    /// taken in turn (first in, first out, as on the lane).
    mutating func replan(now: Seconds) {
        lastPlanAt = now
        var order: [(Int, Seconds)] = []
        for t in trucks.indices where trucks[t].trip != nil {
            // Perishable cargo (or an operator's priority) is planned first where the next
            // exclusive zone lets the order change.
            let (eta, reorders) = timeToNextZone(t)
            let priority = trucks[t].priority || trucks[t].trip!.request.perishable
            order.append((t, eta - (priority && reorders ? Self.priorityLead : 0)))
        }
        order.sort { a, b in
            if a.1 != b.1 { return a.1 < b.1 }
            return trucks[a.0].trip!.admission < trucks[b.0].trip!.admission
        }
        var zoneFree = [Seconds](repeating: now, count: site.zones.count)
        for (t, _) in order { plan(t, now: now, zoneFree: &zoneFree) }
    }

    /// Plans one newly admitted or re-routed truck against the windows already given.
    mutating func planTruck(_ t: Int, now: Seconds) {
        var zoneFree = [Seconds](repeating: now, count: site.zones.count)
        for u in trucks.indices where u != t && trucks[u].trip != nil {
            for window in trucks[u].windows {
                let z = site.zoneIndex[window.zone]!
                zoneFree[z] = max(zoneFree[z], window.closes)
            }
        }
        plan(t, now: now, zoneFree: &zoneFree)
    }

    /// How much earlier a priority truck is planned at a zone where the order may change.
    static var priorityLead: Seconds { 60 }

    /// Free-flow time from the truck's position to its next exclusive zone or station, and
    /// whether the order of trucks may change there.
    func timeToNextZone(_ t: Int) -> (Seconds, Bool) {
        let truck = trucks[t]
        let route = truck.trip!.route
        let front = truck.hasReport ? truck.front : 0
        var time: Seconds = 0
        var s = front
        for leg in route.legs where leg.end > s {
            let zone = site.zones[leg.zone]
            if zone.isExclusive && leg.start >= front { return (time, zone.perishablePriority) }
            time += (leg.end - max(s, leg.start)) / min(zone.speedLimit, truck.profile.maxSpeed)
            s = leg.end
        }
        return (time, false)
    }

    /// Walks the rest of the route of `t` in time: cruise at the zone's limit, queue for each
    /// exclusive zone or station after the truck planned before it, dwell the mean dwell.
    mutating func plan(_ t: Int, now: Seconds, zoneFree: inout [Seconds]) {
        let truck = trucks[t]
        guard let trip = truck.trip else { return }
        let route = trip.route
        let profile = truck.profile
        let front = truck.hasReport ? truck.front : 0
        var clock = now
        var speed = truck.hasReport ? truck.speed : 0
        var windows: [SlotWindow] = []
        var opens: [Int: Seconds] = [:]
        // Every zone the truck's claim still touches keeps its window.
        let claimedFrom = truck.hasReport ? truck.claimFrom : -Double.infinity
        for (i, leg) in route.legs.enumerated() where leg.end > claimedFrom {
            let zone = site.zones[leg.zone]
            let limit = min(zone.speedLimit, profile.maxSpeed)
            let inside = front >= leg.start
            let travel = inside ? 0 : (leg.length / limit)
            if zone.isExclusive {
                let arrive = clock
                let entry = inside ? now : max(arrive, zoneFree[leg.zone])
                if entry > arrive + 0.5 { speed = 0 }
                var exit = entry + (inside ? max(0, leg.end - front) / limit : travel)
                if speed < 0.1 { exit += limit / (2 * profile.acceleration) }
                if let station = zone.station, station.stops, !trip.cleared[i] {
                    exit += station.dwell.mean + limit / profile.acceleration
                }
                let clear = exit + profile.length / limit
                zoneFree[leg.zone] = max(zoneFree[leg.zone], clear + configuration.slotBuffer)
                windows.append(SlotWindow(zone: zone.id, opens: entry, closes: clear))
                opens[leg.zone] = entry
                clock = exit
                speed = zone.station?.stops == true ? 0 : limit
            } else {
                clock += inside ? max(0, leg.end - front) / limit : travel
                speed = limit
            }
        }
        trucks[t].plannedOpen = opens
        let changed =
            windows.count != truck.windows.count
            || zip(windows, truck.windows).contains { abs($0.opens - $1.opens) > 2 || $0.zone != $1.zone }
        trucks[t].windows = windows
        if changed {
            out.append(.slotPlan(SlotPlan(truck: truck.id, windows: windows, advisorySpeed: trucks[t].advisorySpeed)))
        }
    }
}
