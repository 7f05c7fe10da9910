public import LaneCore
public import LaneSite

/// The naive controller the scheduler core is measured against: fixed blocks (one truck per
/// zone, whatever its length), no slot plan, and a stop at every zone boundary (authority is
/// extended one zone at a time, and only to a truck standing at its end of authority).
///
/// It is safe but slow; it exists only so that throughput can be compared in the same run.
public struct FixedBlockBaseline: LaneController {
    struct Truck {
        var profile: TruckProfile
        var route: Route?
        var front: Meters = 0
        var speed: MetersPerSecond = 0
        var end: Meters = 0
        var sequence: UInt64 = 0
        var lastReport: UInt64 = 0
        var occupied: [Int] = []
        var cleared: Set<Int> = []
        var started = false
    }

    let site: Site
    var trucks: [TruckID: Truck] = [:]
    var occupant: [TruckID?]

    /// A baseline controller for `site`.
    public init(site: Site) {
        self.site = site
        self.occupant = Array(repeating: nil, count: site.zones.count)
    }

    /// Applies one event.
    public mutating func handle(_ event: CoreEvent, now: Seconds) -> [CoreCommand] {
        var out: [CoreCommand] = []
        switch event {
        case .truckJoined(let id, let profile):
            trucks[id] = Truck(profile: profile)
        case .tripAssigned(let trip):
            guard var truck = trucks[trip.truck] else { break }
            let route = site.route(lane: trip.lane, channel: trip.channel)!
            truck.route = route
            truck.front = 0
            truck.end = 0
            truck.cleared = []
            truck.occupied = []
            truck.started = false
            trucks[trip.truck] = truck
            let windows = route.legs.filter { site.zones[$0.zone].isExclusive }.map {
                SlotWindow(zone: site.zones[$0.zone].id, opens: now, closes: .infinity)
            }
            out.append(.slotPlan(SlotPlan(truck: trip.truck, windows: windows, advisorySpeed: 0)))
        case .stateReport(let report):
            guard var truck = trucks[report.truck], let route = truck.route, report.sequence > truck.lastReport,
                let z = site.zoneIndex[report.zone], let leg = route.legIndex(ofZone: z)
            else { break }
            truck.lastReport = report.sequence
            truck.front = route.legs[leg].start + report.offset
            truck.speed = report.speed
            let rear = truck.front - truck.profile.length - report.uncertainty
            // Release the blocks the rear has left.
            truck.occupied.removeAll { legIndex in
                let gone = route.legs[legIndex].end <= rear
                if gone { occupant[route.legs[legIndex].zone] = nil }
                return gone
            }
            if rear >= route.length {
                truck.route = nil
                trucks[report.truck] = truck
                out.append(.notice(.tripCompleted(report.truck, site.lanes[route.lane].id)))
                break
            }
            trucks[report.truck] = truck
            advance(report.truck, now: now, into: &out)
        case .stationFinished(let id, let zone):
            guard var truck = trucks[id], let route = truck.route, let z = site.zoneIndex[zone],
                let leg = route.legIndex(ofZone: z)
            else { break }
            truck.cleared.insert(leg)
            trucks[id] = truck
            advance(id, now: now, into: &out)
        case .tick:
            for id in trucks.keys.sorted() { advance(id, now: now, into: &out) }
        default:
            break
        }
        return out
    }

    mutating func advance(_ id: TruckID, now: Seconds, into out: inout [CoreCommand]) {
        guard var truck = trucks[id], let route = truck.route else { return }
        // Only a truck standing at its end of authority gets the next block.
        let standing = truck.speed < 0.05 && truck.end - truck.front < 1.0
        guard standing || !truck.started else { return }
        let current = route.legIndex(at: max(0, truck.end - 0.01)) ?? 0
        // Still inside a station that has not released it: stay.
        if let station = site.zones[route.legs[current].zone].station, !truck.cleared.contains(current),
            truck.end >= route.legs[current].start + station.stopOffset - 0.01
        {
            return
        }
        var next = truck.started ? current + 1 : 0
        if truck.started, let station = site.zones[route.legs[current].zone].station, !truck.cleared.contains(current),
            truck.end < route.legs[current].start + station.stopOffset
        {
            next = current
        }
        var end: Meters
        if next >= route.legs.count {
            end = route.length + truck.profile.length + site.rules.standstillGap + 1
        } else {
            let leg = route.legs[next]
            if occupant[leg.zone] != nil && occupant[leg.zone] != id { return }
            occupant[leg.zone] = id
            if !truck.occupied.contains(next) { truck.occupied.append(next) }
            end = leg.end - site.rules.standstillGap - 0.5
            if let station = site.zones[leg.zone].station, !truck.cleared.contains(next) {
                end = leg.start + station.stopOffset
            }
        }
        truck.started = true
        truck.sequence += 1
        truck.end = end
        trucks[id] = truck
        let endLeg = min(route.legIndex(at: max(0, end)) ?? route.legs.count - 1, route.legs.count - 1)
        let startLeg = min(route.legIndex(at: max(0, truck.front)) ?? 0, endLeg)
        out.append(
            .authority(
                MovementAuthority(
                    truck: id, sequence: truck.sequence, end: end, endZone: site.zones[route.legs[endLeg].zone].id,
                    endOffset: end - route.legs[endLeg].start,
                    zones: route.legs[startLeg...endLeg].map { site.zones[$0.zone].id }, expiry: now + 3600,
                    advisorySpeed: 0), .extend))
    }
}
