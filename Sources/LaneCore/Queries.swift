public import LaneSite

extension SchedulerCore {
    /// The trucks that have joined, in no particular order.
    public var truckIDs: [TruckID] { Array(truckIndex.keys) }

    /// What the core believes about `id`, or nil for an unknown truck.
    public func snapshot(of id: TruckID) -> TruckSnapshot? {
        guard let t = truckIndex[id] else { return nil }
        let truck = trucks[t]
        let hasClaim = truck.trip != nil && truck.hasReport
        return TruckSnapshot(
            id: id, trip: truck.trip?.request, front: truck.hasReport ? truck.front : nil, speed: truck.speed,
            stale: truck.stale, claim: hasClaim ? truck.claimFrom...max(truck.claimFrom, truck.claimTo) : nil,
            authority: truck.trip != nil && truck.authoritySequence >= truck.tripFirstSequence ? authority(of: t) : nil,
            held: isHeld(t), emergencyStopped: truck.emergencyStopped,
            blockedBy: truck.blockedBy.map { trucks[$0].id }, windows: truck.windows, priority: truck.priority)
    }

    /// The route the truck is on, if it has a trip.
    public func route(of id: TruckID) -> Route? { truckIndex[id].flatMap { trucks[$0].trip?.route } }

    /// Closed zones and the reasons given.
    public var closedZoneReasons: [ZoneID: String] {
        var reasons = Dictionary(uniqueKeysWithValues: closedZones.map { (site.zones[$0.key].id, $0.value) })
        for z in stationsOut { reasons[site.zones[z].id] = reasons[site.zones[z].id].map { "\($0); station offline" } ?? "station offline" }
        return reasons
    }

    /// The station whose work truck `id` waits for now: its next station not yet passed, when it
    /// stands at the stop point (within its position uncertainty) or, at a drive-through
    /// portal, once its front is in the portal. Nil otherwise.
    public func awaitedStation(of id: TruckID) -> ZoneID? {
        guard let t = truckIndex[id], let trip = trucks[t].trip, trucks[t].hasReport else { return nil }
        let truck = trucks[t]
        for (i, leg) in trip.route.legs.enumerated() where !trip.cleared[i] {
            // A portal without a system of its own is never waited for (its leg is not cleared).
            guard let station = site.zones[leg.zone].station, station.stops || station.release == .stationSystem else { continue }
            if station.stops {
                let stop = leg.start + station.stopOffset
                guard abs(truck.front - stop) <= truck.uncertainty + 1.5, truck.speed < 0.2 else { return nil }
            } else {
                guard truck.front >= leg.start else { return nil }
            }
            return site.zones[leg.zone].id
        }
        return nil
    }

    /// The trucks declared stale now (silent beyond `staleAfter`), sorted.
    public var staleTrucks: [TruckID] { truckIndex.compactMap { trucks[$0.value].stale ? $0.key : nil }.sorted() }

    /// Number of trucks currently on a trip.
    public var activeTrips: Int { trucks.filter { $0.trip != nil }.count }

    /// The lanes an operator holds, sorted.
    public var heldLaneIDs: [LaneID] { heldLanes.map { site.lanes[$0].id }.sorted() }

    /// Whether an operator holds the whole site.
    public var isSiteHeld: Bool { siteHeld }

    /// The zone the truck's front is in, nil in a yard (before its route, past its end) or
    /// without a trip or a report.
    public func zone(of id: TruckID) -> ZoneID? {
        guard let t = truckIndex[id], let trip = trucks[t].trip, trucks[t].hasReport else { return nil }
        let front = trucks[t].front
        guard let leg = trip.route.legs.first(where: { front > $0.start && front <= $0.end }) else { return nil }
        return site.zones[leg.zone].id
    }
}
