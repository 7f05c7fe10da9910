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
        // Trips still metered in their yards come last, in the order they were admitted: each
        // is planned as if it left now behind every truck already on the lane and every trip
        // metered before it (planned among them, their reservations would hold each other back
        // for ever).
        order.sort { a, b in
            let (ma, mb) = (trucks[a.0].metered, trucks[b.0].metered)
            if ma != mb { return mb }
            if !ma && a.1 != b.1 { return a.1 < b.1 }
            return trucks[a.0].trip!.admission < trucks[b.0].trip!.admission
        }
        var booked = [[Booking]](repeating: [], count: site.zones.count)
        for (t, _) in order { plan(t, now: now, booked: &booked) }
    }

    /// Plans one newly admitted or re-routed truck against the windows already given.
    mutating func planTruck(_ t: Int, now: Seconds) {
        var booked = [[Booking]](repeating: [], count: site.zones.count)
        for u in trucks.indices where u != t && trucks[u].trip != nil {
            for window in trucks[u].windows {
                booked[site.zoneIndex[window.zone]!].append(Booking(opens: window.opens, closes: window.closes + configuration.slotBuffer))
            }
        }
        plan(t, now: now, booked: &booked)
    }

    /// The earliest instant from `arrive` at which a stay of `lasting(waited)` fits between the
    /// windows `booked` (`waited`: whether the truck stood first, which lengthens its stay).
    /// A later truck takes a gap before an earlier one's window: after a branch, a truck on the
    /// green bypass reaches the yard gate long before one still in the inspection bay.
    static func earliestFit(_ booked: [Booking], from arrive: Seconds, lasting: (Bool) -> Seconds) -> Seconds {
        var start = arrive
        for booking in booked.sorted(by: { $0.opens < $1.opens }) where booking.closes > start {
            if start + lasting(start > arrive + 0.5) <= booking.opens { return start }
            start = max(start, booking.closes)
        }
        return start
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
    /// exclusive zone or station in the first gap the trucks planned before it leave, dwell the
    /// mean dwell.
    mutating func plan(_ t: Int, now: Seconds, booked: inout [[Booking]]) {
        let truck = trucks[t]
        guard let trip = truck.trip else { return }
        let route = trip.route
        let profile = truck.profile
        let front = truck.hasReport ? truck.front : 0
        var clock = now
        var speed = truck.hasReport ? truck.speed : 0
        var windows: [SlotWindow] = []
        var opens: [Int: Seconds] = [:]
        var waits: [Int: (wait: Seconds, takes: Seconds)] = [:]
        // Every zone the truck's claim still touches keeps its window.
        let claimedFrom = truck.hasReport ? truck.claimFrom : -Double.infinity
        for (i, leg) in route.legs.enumerated() where leg.end > claimedFrom {
            let zone = site.zones[leg.zone]
            let limit = min(zone.speedLimit, profile.maxSpeed)
            let inside = front >= leg.start
            let travel = inside ? 0 : (leg.length / limit)
            if zone.isExclusive {
                let arrive = clock
                let rolling = speed >= 0.1
                // From entry to exit, and to the rear's clearing, waited first or not.
                func stay(_ waited: Bool) -> (exit: Seconds, clear: Seconds) {
                    var exit = inside ? max(0, leg.end - front) / limit : travel
                    if waited || !rolling { exit += limit / (2 * profile.acceleration) }
                    if let station = zone.station, station.stops, !trip.cleared[i] {
                        exit += station.dwell.mean + limit / profile.acceleration
                    }
                    return (exit, exit + profile.length / limit)
                }
                // What the zone is taken for: to the rear's clearing and the buffer; a portal's
                // beam, its headway at least.
                func occupancy(_ waited: Bool) -> Seconds {
                    max(stay(waited).clear + configuration.slotBuffer, zone.station?.driveThrough?.headway ?? 0)
                }
                let entry = inside ? now : Self.earliestFit(booked[leg.zone], from: arrive, lasting: occupancy)
                let waited = entry > arrive + 0.5
                if waited { speed = 0 }
                let (exitOffset, clearOffset) = stay(waited)
                let exit = entry + exitOffset
                let clear = entry + clearOffset
                booked[leg.zone].append(Booking(opens: entry, closes: entry + occupancy(waited)))
                windows.append(SlotWindow(zone: zone.id, opens: entry, closes: clear))
                opens[leg.zone] = entry
                if zone.station != nil && !inside { waits[leg.zone] = (entry - arrive, occupancy(waited)) }
                clock = exit
                speed = zone.station?.stops == true ? 0 : limit
            } else {
                clock += inside ? max(0, leg.end - front) / limit : travel
                speed = limit
            }
        }
        trucks[t].plannedOpen = opens
        trucks[t].plannedWait = waits
        let changed =
            windows.count != truck.windows.count
            || zip(windows, truck.windows).contains { abs($0.opens - $1.opens) > 2 || $0.zone != $1.zone }
        trucks[t].windows = windows
        if changed {
            out.append(.slotPlan(SlotPlan(truck: truck.id, windows: windows, advisorySpeed: trucks[t].advisorySpeed)))
        }
    }
}

/// A window a truck was planned into: the zone is taken from `opens` until `closes` (its rear's
/// clearing, the plan's buffer, a portal's headway).
struct Booking {
    var opens: Seconds
    var closes: Seconds
}
