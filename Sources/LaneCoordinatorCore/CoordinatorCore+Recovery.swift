import LaneCore
import LaneSite
import LaneWire

extension CoordinatorCore {
    /// After a restart: reloads holds, closures and open trips from the journal and announces
    /// "recovering". Nothing is stopped: each truck keeps the authority the journal says it
    /// holds (its order, update id, end, expiry), and its claim covers every place it may be up
    /// to that authority's reach until it reports. Its first report is checked against the
    /// journal: consistent, it is renewed or extended from there; contradicting it, the truck is
    /// held where it can stop with service braking and shown to an operator (`truck-held`).
    /// What the trips crossed before the restart is not recorded again.
    mutating func recover(_ recovery: JournalRecovery) {
        run = recovery.run
        epoch = recovery.epoch
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
            resume(trip, authority: recovery.authorities[trip.truck].flatMap { Self.belongs($0, to: trip.tripId) ? $0 : nil })
        }
        state = .recovering
        recoveringSince = now
        log(
            .notice, "recovering from the journal: every truck keeps its authority until it reports",
            ["run": "\(run)", "openTrips": "\(recovery.openTrips.count)", "holds": "\(recovery.holds.count)"])
        publishEvent(kind: .recovering, detail: "run \(run), \(recovery.openTrips.count) open trips")
    }

    /// Whether `authority` was sent on the trip `tripId` (its order is the trip's, of any run).
    static func belongs(_ authority: JournalRecovery.Authority, to tripId: String) -> Bool {
        authority.orderId == tripId || authority.orderId.hasPrefix("\(tripId)~r")
    }

    /// Takes back one open trip with the authority its truck may hold.
    mutating func resume(_ trip: JournalRecovery.OpenTrip, authority: JournalRecovery.Authority?) {
        let truck = trip.truck
        sessions[truck]?.trip = TripRecord(
            tripId: trip.tripId, containerId: trip.containerId, lane: trip.lane, channel: trip.channel, perishable: trip.perishable,
            orderId: authority?.orderId ?? "\(trip.tripId)~r\(run)")
        sessions[truck]?.recovered = true
        sessions[truck]?.startedRunning = trip.passed.contains { $0.kind == .zone }
        sessions[truck]?.passedBeforeRestart = trip.passed
        sessions[truck]?.journaledAuthority = authority
        let request = TripRequest(truck: truck, lane: trip.lane, channel: trip.channel, perishable: trip.perishable)
        let stations = Set(trip.passed.filter { $0.kind == .station }.map(\.zone))
        apply(
            scheduler.handle(
                .tripResumed(
                    ResumedTrip(
                        request: request, sequence: authority?.sequence ?? 0, end: authority?.end ?? -.infinity,
                        reach: authority?.reach ?? -.infinity, expiry: authority?.expiry ?? -.infinity, clearedStations: stations,
                        emergencyStopped: trip.emergencyStopped)),
                now: now))
        adoptRoute(of: truck)
        for (actionId, zone) in sessions[truck]?.stationActions ?? [:] where stations.contains(zone) {
            sessions[truck]?.finishedStations.insert(actionId)
        }
        awaitingResync.insert(truck)
    }

    /// Why the first report of `truck` after a restart contradicts the journal, or nil: it holds
    /// another order than the journal's last authority, or an update the journal never sent.
    func contradiction(in state: StateMessage, of truck: TruckID) -> String? {
        guard let session = sessions[truck], session.trip != nil, let journaled = session.journaledAuthority else { return nil }
        if state.orderId != journaled.orderId {
            return "reports order '\(state.orderId)', the journal's last authority is of order '\(journaled.orderId)'"
        }
        if state.orderUpdateId > journaled.sequence {
            return "reports update \(state.orderUpdateId) of order '\(state.orderId)', the journal's last is \(journaled.sequence)"
        }
        return nil
    }

    /// Holds a truck whose first report after a restart contradicts the journal: journaled, shown
    /// to an operator, and stopped where it can stop with service braking (the hold's rule).
    mutating func holdForOperator(_ truck: TruckID, because reason: String) {
        let reason = "after the restart: \(reason)"
        log(.critical, "truck held for an operator", ["truck": "\(truck)", "reason": reason])
        journal(.hold(at: now, kind: .holdTruck, target: truck.rawValue, reason: reason, released: false))
        apply(scheduler.handle(.operatorCommand(.holdTruck(truck)), now: now))
        publishEvent(kind: .truckHeld, truck: truck, lane: sessions[truck]?.trip?.lane, detail: reason)
    }

    /// Ends the recovery once every truck with an open trip has reported, or the timeout passed.
    /// A truck still silent then keeps its space blocked (its claim up to its authority's reach)
    /// and is declared stale like any truck whose reports stop; it resumes when it reports.
    mutating func progressRecovery() {
        guard let since = recoveringSince else { return }
        if !awaitingResync.isEmpty && now - since < settings.recoveryTimeout { return }
        for truck in awaitingResync.sorted() {
            log(.warning, "truck silent since the restart: its space stays blocked until it reports", ["truck": "\(truck)"])
        }
        state = .online
        recoveringSince = nil
        log(.notice, "recovered", ["silent": "\(awaitingResync.count)"])
        publishEvent(kind: .recovered, detail: awaitingResync.isEmpty ? nil : "silent: \(awaitingResync.sorted().map(\.rawValue))")
        publishStatus()
    }
}
