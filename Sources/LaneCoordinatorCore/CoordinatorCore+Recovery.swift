import LaneCore
import LaneSite
import LaneWire

extension CoordinatorCore {
    /// After a restart: reloads holds, closures and open trips from the journal, holds the whole
    /// site and announces "recovering". No authority is extended until every truck with an open
    /// trip has reported again (the scheduler core knows where it is) or `recoveryTimeout` has
    /// passed; then the lanes of trucks still silent stay held for an operator and the rest are
    /// released.
    mutating func recover(_ recovery: JournalRecovery) {
        run = recovery.run
        guard !recovery.openTrips.isEmpty || !recovery.holds.isEmpty else { return }
        for hold in recovery.holds {
            let command: OperatorCommand =
                switch hold.kind {
                case .holdTruck: .holdTruck(TruckID(hold.target))
                case .holdLane: .holdLane(LaneID(hold.target))
                case .holdAll: .holdAll
                case .closeZone: .closeZone(ZoneID(hold.target), reason: hold.reason)
                }
            apply(scheduler.handle(.operatorCommand(command), now: now))
        }
        for trip in recovery.openTrips {
            guard sessions[trip.truck] != nil else {
                log(.error, "journal names a truck that is not in the fleet", ["truck": "\(trip.truck)", "trip": trip.tripId])
                continue
            }
            sessions[trip.truck]?.trip = TripRecord(
                tripId: trip.tripId, containerId: trip.containerId, lane: trip.lane, channel: trip.channel, perishable: trip.perishable,
                orderId: "\(trip.tripId)~r\(run)")
            sessions[trip.truck]?.recovered = true
            sessions[trip.truck]?.startedRunning = true
            apply(
                scheduler.handle(
                    .tripAssigned(TripRequest(truck: trip.truck, lane: trip.lane, channel: trip.channel, perishable: trip.perishable)),
                    now: now))
            adoptRoute(of: trip.truck)
            awaitingResync.insert(trip.truck)
        }
        if !recovery.holds.contains(where: { $0.kind == .holdAll }) {
            heldForRecovery = true
            apply(scheduler.handle(.operatorCommand(.holdAll), now: now))
        }
        state = .recovering
        recoveringSince = now
        log(
            .notice, "recovering from the journal: every truck held until it reports",
            ["run": "\(run)", "openTrips": "\(recovery.openTrips.count)", "holds": "\(recovery.holds.count)"])
        publishEvent(kind: .recovering, detail: "run \(run), \(recovery.openTrips.count) open trips")
    }

    /// Ends the recovery once every truck with an open trip has reported, or the timeout passed:
    /// the lanes of the silent ones are held for an operator, the site hold of the restart released.
    mutating func progressRecovery() {
        guard let since = recoveringSince else { return }
        if !awaitingResync.isEmpty && now - since < settings.recoveryTimeout { return }
        for truck in awaitingResync.sorted() {
            guard let lane = sessions[truck]?.trip?.lane else { continue }
            let reason = "truck \(truck) did not report after the coordinator's restart"
            log(.critical, "lane held for an operator", ["truck": "\(truck)", "lane": "\(lane)"])
            journal(.hold(at: now, kind: .holdLane, target: lane.rawValue, reason: reason, released: false))
            apply(scheduler.handle(.operatorCommand(.holdLane(lane)), now: now))
            publishEvent(kind: .laneHeld, truck: truck, lane: lane, detail: reason)
        }
        awaitingResync = []
        if heldForRecovery {
            heldForRecovery = false
            apply(scheduler.handle(.operatorCommand(.releaseAll), now: now))
        }
        state = .online
        recoveringSince = nil
        log(.notice, "recovered: every truck reported or its lane is held")
        publishEvent(kind: .recovered)
        publishStatus()
    }
}
