public import LaneSite

/// The collision-free scheduler core: a deterministic state machine that takes events and the
/// current instant and returns commands. It never reads a clock and does no IO.
///
/// Two layers (docs/architecture.md):
/// - the **slot planner** predicts, for every admitted truck, a window on each exclusive zone and
///   station of its route, and an advisory speed; it decides only who goes first among trucks
///   that are ready at the same zone, and is never a safety input;
/// - the **interlocking** grants each truck a movement authority over space that is reserved for
///   it alone (its claim) and confirmed clear from reported positions, never from predicted ones.
///
/// Every truck's claim runs from its confirmed rear (less position uncertainty; it only moves
/// forward on a fresh report) to the furthest end of authority it may still hold. Claims never
/// overlap: a truck's authority ends a safety gap (standstill gap plus its own position
/// uncertainty) short of any other claim, and an exclusive zone may be claimed by one truck only.
public struct SchedulerCore: Sendable {
    /// The site.
    public let site: Site
    /// Timing limits.
    public let configuration: CoreConfiguration
    /// Counts for metrics.
    public internal(set) var statistics = CoreStatistics()

    var trucks: [TruckRecord] = []
    var truckIndex: [TruckID: Int] = [:]
    /// Slots of trucks that left. A truck may leave only without a trip, so a slot with a trip
    /// always belongs to a truck in the fleet.
    var freeSlots: [Int] = []
    var claims: [[ZoneClaim]]
    var waitingAt: [[Int]]
    /// Per zone, its single-lane section (see `sections(of:)`).
    let section: [Int]
    var closedZones: [Int: String] = [:]
    /// Station zones whose system is offline or faulty: closed like an operator's closure, and
    /// opened again only by the station coming back (an operator's open does not touch them).
    var stationsOut: Set<Int> = []
    /// Per zone: when a truck's front last entered it, as its reports show (for the headway of a
    /// drive-through portal; a restarted core takes every reported truck as entering now, which
    /// only delays the next truck).
    var lastEntry: [Seconds]
    var heldLanes: Set<Int> = []
    var siteHeld = false
    var lastPlanAt: Seconds = -.infinity
    var admissions: UInt64 = 0
    var reportedGridlocks: Set<[Int]> = []
    var gridlockCandidates: [[Int]: Seconds] = [:]
    var out: [CoreCommand] = []
    var pending: [Int] = []
    var pendingMark: [Bool] = []

    /// A core for `site`, with no trucks.
    public init(site: Site, configuration: CoreConfiguration = CoreConfiguration()) {
        self.site = site
        self.configuration = configuration
        self.claims = Array(repeating: [], count: site.zones.count)
        self.waitingAt = Array(repeating: [], count: site.zones.count)
        self.section = SchedulerCore.sections(of: site)
        self.lastEntry = Array(repeating: -.infinity, count: site.zones.count)
    }

    /// Per zone, the single-lane section it belongs to: zones that no truck may stop in and
    /// that follow each other on some lane form one section (named by its first zone's index);
    /// any other zone is a section of its own.
    static func sections(of site: Site) -> [Int] {
        var section = Array(site.zones.indices)
        func root(_ z: Int) -> Int { section[z] == z ? z : root(section[z]) }
        for lane in site.lanes {
            let zones = lane.steps.compactMap { site.zoneIndex[$0.zone] }
            for (a, b) in zip(zones, zones.dropFirst()) where mustClear(site.zones[a]) && mustClear(site.zones[b]) {
                let (ra, rb) = (root(a), root(b))
                if ra != rb { section[max(ra, rb)] = min(ra, rb) }
            }
        }
        return site.zones.indices.map(root)
    }

    /// Applies one event at instant `now` and returns the commands it causes, in the order they
    /// must be sent.
    public mutating func handle(_ event: CoreEvent, now: Seconds) -> [CoreCommand] {
        out.removeAll(keepingCapacity: true)
        switch event {
        case .truckJoined(let id, let profile): join(id, profile)
        case .truckLeft(let id): leave(id)
        case .tripAssigned(let trip): admit(trip, now: now)
        case .tripResumed(let trip): resume(trip, now: now)
        case .channelAssigned(let id, let channel): reroute(id, channel, now: now)
        case .stateReport(let report): accept(report, now: now)
        case .stationFinished(let id, let zone): finishStation(id, zone, now: now)
        case .stationAvailability(let zone, let available): setStation(zone, available: available)
        case .operatorCommand(let command): apply(command, now: now)
        case .tick: tick(now: now)
        }
        drain(now: now)
        return out
    }

    // MARK: Fleet

    mutating func reject(_ truck: TruckID?, _ reason: RejectionReason) {
        statistics.rejections[reason.code, default: 0] += 1
        out.append(.rejected(Rejection(truck: truck, reason: reason)))
    }

    mutating func join(_ id: TruckID, _ profile: TruckProfile) {
        guard truckIndex[id] == nil else { return reject(id, .duplicateTruck) }
        guard profile.isValid else { return reject(id, .invalidProfile) }
        let record = TruckRecord(id: id, profile: profile)
        let slot: Int
        if let free = freeSlots.popLast() {
            trucks[free] = record
            slot = free
        } else {
            trucks.append(record)
            pendingMark.append(false)
            slot = trucks.count - 1
        }
        truckIndex[id] = slot
    }

    mutating func leave(_ id: TruckID) {
        guard let t = truckIndex[id] else { return reject(id, .unknownTruck) }
        guard trucks[t].trip == nil else { return reject(id, .truckOnLane) }
        truckIndex[id] = nil
        freeSlots.append(t)
    }

    /// Admits a trip; `resuming`, one admitted before a restart (a held lane takes it back).
    mutating func admit(_ request: TripRequest, now: Seconds, resuming: Bool = false) {
        guard let t = truckIndex[request.truck] else { return reject(request.truck, .unknownTruck) }
        guard trucks[t].trip == nil else { return reject(request.truck, .alreadyOnTrip) }
        guard let laneNumber = site.laneIndex[request.lane] else {
            return reject(request.truck, .unknownLane(request.lane))
        }
        guard site.lanes[laneNumber].driverless else { return reject(request.truck, .laneNotDriverless(request.lane)) }
        guard resuming || !heldLanes.contains(laneNumber) else { return reject(request.truck, .laneClosed(request.lane)) }
        let route = site.route(lane: request.lane, channel: request.channel)!
        admissions += 1
        var truck = trucks[t]
        truck.trip = ActiveTrip(
            request: request, route: route, cleared: Array(repeating: false, count: route.legs.count),
            admission: admissions)
        truck.hasReport = false
        truck.claimFrom = -.infinity
        truck.claimTo = -.infinity
        truck.claimLegs = 0..<0
        truck.authorityEnd = -.infinity
        truck.authorityExpiry = -.infinity
        truck.pendingShorten = nil
        truck.givesBack = nil
        truck.tripFirstSequence = truck.authoritySequence + 1
        truck.plannedOpen = [:]
        truck.plannedWait = [:]
        truck.windows = []
        truck.metered = configuration.metering && site.rules.queueBudget != nil && !resuming
        trucks[t] = truck
        out.append(.notice(.tripAdmitted(request.truck, request.lane, request.channel)))
        planTruck(t, now: now)
    }

    /// Takes back a trip after a restart. The truck's authority is the journaled one, its claim
    /// runs from the lane's start to the authority's reach (where it is is not known yet), and
    /// its first report places it without shortening anything: the claim shrinks to its rear,
    /// and the authority is renewed or extended only from there.
    mutating func resume(_ resumed: ResumedTrip, now: Seconds) {
        admit(resumed.request, now: now, resuming: true)
        guard let t = truckIndex[resumed.request.truck], var trip = trucks[t].trip, trip.request == resumed.request else { return }
        for (i, leg) in trip.route.legs.enumerated() where resumed.clearedStations.contains(site.zones[leg.zone].id) {
            trip.cleared[i] = true
        }
        var truck = trucks[t]
        truck.trip = trip
        // Its reports are counted stale from the restart, not from before it.
        truck.receivedAt = now
        // Still stopped (it heard the emergency stop before the restart): not sent again.
        truck.emergencyStopped = truck.emergencyStopped || resumed.emergencyStopped
        // An authority is restored wherever it ends: one short of the lane (a truck waiting in its
        // yard) counts too, or the next would start again at sequence 1, which the truck ignores.
        if resumed.sequence > 0 && resumed.end.isFinite {
            truck.authoritySequence = max(truck.authoritySequence, resumed.sequence)
            truck.tripFirstSequence = truck.authoritySequence
            truck.authorityEnd = resumed.end
            truck.authorityExpiry = resumed.expiry
            truck.authorityIssuedAt = now
            truck.acknowledged = 0
            truck.claimTo = resumed.reach
            // A longer authority than the last may still be held: the claim keeps it until the
            // truck echoes the last one.
            truck.pendingShorten = resumed.reach > resumed.end + 0.01 ? truck.authoritySequence : nil
        }
        trucks[t] = truck
        syncClaims(t)
    }

    mutating func reroute(_ id: TruckID, _ channel: CustomsChannel, now: Seconds) {
        guard let t = truckIndex[id] else { return reject(id, .unknownTruck) }
        guard var trip = trucks[t].trip else { return reject(id, .noTrip) }
        if trip.request.channel == channel { return }
        let newRoute = site.route(lane: trip.request.lane, channel: channel)!
        // The common prefix of the two routes: positions on it mean the same on both.
        var common = 0
        while common < min(trip.route.legs.count, newRoute.legs.count)
            && trip.route.legs[common].zone == newRoute.legs[common].zone
        {
            common += 1
        }
        let branch = common < trip.route.legs.count ? trip.route.legs[common].start : trip.route.length
        let truck = trucks[t]
        let gap = site.rules.standstillGap + truck.uncertainty
        if truck.claimTo > branch - gap + 1e-6 {
            // The claim reaches past the branch point: shorten first, if the truck can stop. Until
            // the truck echoes the shortening it may still hold that much on the new route too:
            // only if no other truck claims any of it there (found by the drive-through runs,
            // which re-route a truck after a spoiled scan while its authority runs far ahead).
            guard truck.hasReport, stoppingPoint(t, now: now) <= branch - gap,
                !othersClaim(t, on: newRoute, from: branch - gap, to: truck.claimTo + gap)
            else {
                return reject(id, .tooLateToReroute)
            }
            shorten(t, to: branch - gap, now: now)
        }
        trip.request.channel = channel
        trip.route = newRoute
        trip.cleared = Array(trip.cleared.prefix(common)) + Array(repeating: false, count: newRoute.legs.count - common)
        // The claim's legs are the old route's: out of its zones before the route changes (left
        // there, a claim on the old branch blocked the trucks behind for ever).
        removeClaims(t)
        trucks[t].trip = trip
        syncClaims(t)
        out.append(.notice(.rerouted(id, channel)))
        planTruck(t, now: now)
        enqueue(t)
    }

    // MARK: Reports

    mutating func accept(_ report: TruckStateReport, now: Seconds) {
        guard let t = truckIndex[report.truck] else { return reject(report.truck, .unknownTruck) }
        guard report.speed >= 0, report.speed.isFinite, report.uncertainty >= 0, report.uncertainty.isFinite,
            report.offset.isFinite, report.measuredAt.isFinite
        else { return reject(report.truck, .invalidMeasurement) }
        let last = trucks[t].lastSequence
        guard report.sequence > last else {
            return reject(report.truck, .duplicateOrReordered(sequence: report.sequence, last: last))
        }
        let age = now - report.measuredAt
        guard age <= configuration.maximumReportAge else { return reject(report.truck, .staleReport(age: age)) }
        guard age >= -configuration.clockSkewTolerance else {
            return reject(report.truck, .reportFromTheFuture(by: -age))
        }
        guard let trip = trucks[t].trip else {
            trucks[t].lastSequence = report.sequence
            trucks[t].receivedAt = now
            return
        }
        let route = trip.route
        guard let zoneNumber = site.zoneIndex[report.zone], let leg = route.legIndex(ofZone: zoneNumber) else {
            return reject(report.truck, .positionOffRoute(report.zone))
        }
        let u = max(report.uncertainty, site.rules.minimumPositionUncertainty)
        let zoneLength = route.legs[leg].length
        // Before the first zone lies the origin yard, past the last one the destination yard.
        let lowest = leg == 0 ? -(trucks[t].profile.length + 100) : -u
        let highest = leg == route.legs.count - 1 ? zoneLength + trucks[t].profile.length + 100 : zoneLength + u
        guard report.offset >= lowest, report.offset <= highest else {
            return reject(report.truck, .positionOutsideZone(report.zone, offset: report.offset))
        }
        let front = route.legs[leg].start + report.offset
        var truck = trucks[t]
        if truck.hasReport, front < truck.front - (u + truck.uncertainty) {
            return reject(report.truck, .positionJumpedBackwards(by: truck.front - front))
        }
        let previousFront = truck.hasReport ? truck.front : -Double.infinity
        let firstReport = !truck.hasReport
        truck.lastSequence = report.sequence
        truck.receivedAt = now
        truck.measuredAt = report.measuredAt
        truck.front = front
        truck.speed = report.speed
        truck.uncertainty = u
        truck.hasReport = true
        if truck.stale {
            truck.stale = false
            out.append(.notice(.truckFresh(truck.id)))
        }
        let oldFrom = truck.claimFrom
        truck.claimFrom = max(truck.claimFrom, front - truck.profile.length - u)
        if firstReport && truck.authorityEnd == -.infinity {
            // Before any grant the truck stands where it is: up to its uncertainty further on.
            // (A resumed trip keeps the authority it holds.)
            truck.claimTo = front + u
            truck.authorityEnd = front + u
        }
        if report.acknowledgedAuthority > truck.acknowledged { truck.acknowledged = report.acknowledgedAuthority }
        var claimShrank = false
        if let shortened = truck.pendingShorten, truck.acknowledged >= shortened {
            truck.pendingShorten = nil
            truck.givesBack = nil
            let release = max(truck.authorityEnd, front + u)
            if release < truck.claimTo {
                truck.claimTo = release
                claimShrank = true
            }
        }
        trucks[t] = truck
        let firstNew = previousFront < 0 ? 0 : (route.legIndex(at: previousFront).map { $0 + 1 } ?? route.legs.count)
        for i in firstNew..<route.legs.count where route.legs[i].start > previousFront {
            if route.legs[i].start > front { break }
            let zone = site.zones[route.legs[i].zone]
            lastEntry[route.legs[i].zone] = now
            out.append(.notice(.zoneEntered(truck.id, zone.id)))
            if zone.kind == .handover { out.append(.notice(.handoverCrossed(truck.id, zone.id))) }
        }
        // Overrun: the truck is beyond its end of authority by more than its uncertainty.
        let overrun = front - u - truck.authorityEnd
        if overrun > 0.5 {
            handleOverrun(t, by: overrun)
        }
        if front - truck.profile.length - u >= route.length {
            completeTrip(t)
            return
        }
        if trucks[t].claimFrom > oldFrom || claimShrank { syncClaims(t) }
        if trucks[t].claimFrom > oldFrom || claimShrank { enqueueWaiters(of: t) }
        enqueue(t)
        resendIfUnacknowledged(t, now: now)
    }

    mutating func handleOverrun(_ t: Int, by distance: Meters) {
        let truck = trucks[t]
        // Reported once per emergency stop; a truck standing past its end until an operator
        // releases it reports the same overrun every time.
        if !truck.emergencyStopped { out.append(.notice(.overrun(truck.id, by: distance))) }
        emergencyStop(t, .overrun)
        // The truck may yet move its emergency stopping distance: that space is now its own.
        let v = truck.speed
        let reach =
            truck.front + truck.uncertainty + v * truck.profile.reactionTime
            + v * v / (2 * truck.profile.emergencyBraking)
        trucks[t].claimTo = max(trucks[t].claimTo, reach)
        syncClaims(t)
        checkIntrusion(t)
    }

    /// Emergency-stops every truck whose claim the claim of `t` now overlaps (an overrun, or a
    /// truck that first reports from inside somebody else's space), and `t` itself.
    mutating func checkIntrusion(_ t: Int) {
        guard let route = trucks[t].trip?.route else { return }
        var endangered = false
        for legNumber in trucks[t].claimLegs {
            let leg = route.legs[legNumber]
            let mine = claimInterval(of: t, on: legNumber)
            for claim in claims[leg.zone] where claim.truck != t {
                let (a, b) = interval(of: claim, on: leg)
                let zone = site.zones[leg.zone]
                let overlaps = zone.isExclusive || (a < mine.upperBound && b > mine.lowerBound)
                guard overlaps, !trucks[claim.truck].emergencyStopped else { continue }
                endangered = true
                emergencyStop(claim.truck, .endangeredByOverrun)
            }
        }
        if endangered { emergencyStop(t, .overrun) }
    }

    mutating func completeTrip(_ t: Int) {
        guard let trip = trucks[t].trip else { return }
        endTrip(t)
        statistics.tripsCompleted += 1
        out.append(.notice(.tripCompleted(trucks[t].id, trip.request.lane)))
    }

    /// Takes back the trip of a truck that has no authority onto its lane yet (it waits in the
    /// yard: behind a held lane, a closed zone, a busy section). A truck that may have moved
    /// onto the lane keeps its trip: its space stays blocked until it has left the route.
    mutating func cancelTrip(_ id: TruckID) {
        guard let t = truckIndex[id] else { return reject(id, .unknownTruck) }
        guard let trip = trucks[t].trip else { return reject(id, .noTrip) }
        guard trucks[t].claimTo <= 0, trucks[t].authorityEnd <= 0, !(trucks[t].hasReport && trucks[t].front > 0) else {
            return reject(id, .tripUnderWay)
        }
        endTrip(t)
        out.append(.notice(.tripCancelled(id, trip.request.lane)))
    }

    /// Releases the truck's space and forgets its trip.
    mutating func endTrip(_ t: Int) {
        enqueueWaiters(of: t)
        trucks[t].claimFrom = -.infinity
        trucks[t].claimTo = -.infinity
        syncClaims(t)
        setWaiting(t, zone: nil)
        setBlocker(t, nil)
        trucks[t].trip = nil
        trucks[t].authorityEnd = -.infinity
        trucks[t].hasReport = false
        trucks[t].pendingShorten = nil
        trucks[t].givesBack = nil
    }

    mutating func finishStation(_ id: TruckID, _ zoneID: ZoneID, now: Seconds) {
        guard let t = truckIndex[id] else { return reject(id, .unknownTruck) }
        guard let trip = trucks[t].trip else { return reject(id, .noTrip) }
        guard let z = site.zoneIndex[zoneID] else { return reject(id, .unknownZone(zoneID)) }
        guard let leg = trip.route.legIndex(ofZone: z), let station = site.zones[z].station,
            !trip.cleared[leg], trucks[t].hasReport
        else { return reject(id, .notAtStation(zoneID)) }
        let stop = trip.route.legs[leg].start + station.stopOffset
        // A truck stands at a station's stop point; it has passed a drive-through portal's exit.
        let there =
            station.stops
            ? abs(trucks[t].front - stop) <= trucks[t].uncertainty + 1.5 : trucks[t].front + trucks[t].uncertainty + 1.5 >= stop
        guard there else { return reject(id, .notAtStation(zoneID)) }
        trucks[t].trip!.cleared[leg] = true
        enqueue(t)
        // Trucks held back for a timed approach may now roll up.
        enqueueWaiters(of: t)
    }

    mutating func setStation(_ zoneID: ZoneID, available: Bool) {
        guard let z = site.zoneIndex[zoneID], site.zones[z].station != nil else { return reject(nil, .unknownZone(zoneID)) }
        let changed = available ? stationsOut.remove(z) != nil : stationsOut.insert(z).inserted
        guard changed else { return }
        enqueueAll { $0.trip?.route.legIndex(ofZone: z) != nil }
    }

    // MARK: Operator

    mutating func apply(_ command: OperatorCommand, now: Seconds) {
        switch command {
        case .holdTruck(let id):
            guard let t = truckIndex[id] else { return reject(id, .unknownTruck) }
            trucks[t].operatorHold = true
            enqueue(t)
        case .releaseTruck(let id):
            guard let t = truckIndex[id] else { return reject(id, .unknownTruck) }
            let wasStopped = trucks[t].emergencyStopped || trucks[t].operatorHold
            trucks[t].operatorHold = false
            trucks[t].emergencyStopped = false
            if wasStopped && !isHeld(t) { out.append(.resume(id)) }
            enqueue(t)
        case .holdLane(let lane):
            guard let l = site.laneIndex[lane] else { return reject(nil, .unknownLane(lane)) }
            heldLanes.insert(l)
            enqueueAll { $0.trip?.route.lane == l }
        case .releaseLane(let lane):
            guard let l = site.laneIndex[lane] else { return reject(nil, .unknownLane(lane)) }
            heldLanes.remove(l)
            enqueueAll { $0.trip?.route.lane == l }
        case .holdAll:
            siteHeld = true
            enqueueAll { $0.trip != nil }
        case .releaseAll:
            siteHeld = false
            enqueueAll { $0.trip != nil }
        case .closeZone(let zone, let reason):
            guard let z = site.zoneIndex[zone] else { return reject(nil, .unknownZone(zone)) }
            closedZones[z] = reason
            enqueueAll { $0.trip?.route.legIndex(ofZone: z) != nil }
        case .openZone(let zone):
            guard let z = site.zoneIndex[zone] else { return reject(nil, .unknownZone(zone)) }
            guard closedZones.removeValue(forKey: z) != nil else { return reject(nil, .noChange) }
            enqueueAll { $0.trip?.route.legIndex(ofZone: z) != nil }
        case .emergencyStop(let id):
            guard let t = truckIndex[id] else { return reject(id, .unknownTruck) }
            emergencyStop(t, .operatorCommand)
        case .emergencyStopLane(let lane):
            guard let l = site.laneIndex[lane] else { return reject(nil, .unknownLane(lane)) }
            for t in trucks.indices where trucks[t].trip?.route.lane == l { emergencyStop(t, .operatorCommand) }
        case .emergencyStopAll:
            for t in trucks.indices where trucks[t].trip != nil { emergencyStop(t, .operatorCommand) }
        case .setPriority(let id, let on):
            guard let t = truckIndex[id] else { return reject(id, .unknownTruck) }
            trucks[t].priority = on
            if let z = trucks[t].waitingZone { enqueueAll { $0.waitingZone == z } }
        case .cancelTrip(let id): cancelTrip(id)
        }
    }

    /// Emergency-stops `t` (once: a truck already stopped so is not told again).
    mutating func emergencyStop(_ t: Int, _ reason: EmergencyReason) {
        guard !trucks[t].emergencyStopped else { return }
        trucks[t].emergencyStopped = true
        statistics.emergencyStops += 1
        out.append(.emergencyStop(trucks[t].id, reason))
    }

    func isHeld(_ t: Int) -> Bool {
        guard let lane = trucks[t].trip?.route.lane else { return trucks[t].operatorHold || siteHeld }
        return trucks[t].operatorHold || siteHeld || heldLanes.contains(lane)
    }

    func holdReason(_ t: Int) -> StopReason {
        if trucks[t].operatorHold { return .operatorHold }
        if siteHeld { return .siteHold }
        return .laneHold
    }

    // MARK: Time

    mutating func tick(now: Seconds) {
        for t in trucks.indices where trucks[t].trip != nil {
            if !trucks[t].stale && now - trucks[t].receivedAt > configuration.staleAfter {
                trucks[t].stale = true
                out.append(.notice(.truckStale(trucks[t].id)))
                // A stale truck is no longer ready at a gate: others may go first.
                setWaiting(t, zone: nil)
                enqueueWaiters(of: t)
            }
        }
        if now - lastPlanAt >= configuration.replanInterval {
            replan(now: now)
            // Metered trips look again at their plan.
            enqueueAll { $0.metered }
        }
        detectGridlock(now: now)
    }

    // MARK: Work list

    mutating func enqueue(_ t: Int) {
        guard !pendingMark[t] else { return }
        pendingMark[t] = true
        pending.append(t)
    }

    mutating func enqueueWaiters(of t: Int) {
        for w in trucks[t].waiters { enqueue(w) }
    }

    mutating func enqueueAll(where predicate: (TruckRecord) -> Bool) {
        for t in trucks.indices where truckIndex[trucks[t].id] == t && predicate(trucks[t]) { enqueue(t) }
    }

    mutating func drain(now: Seconds) {
        // Evaluating a truck may enqueue others (its waiters); the list grows while it is read.
        var next = 0
        while next < pending.count && next < 100 * max(trucks.count, 1) {
            let t = pending[next]
            next += 1
            pendingMark[t] = false
            evaluate(t, now: now)
        }
        for t in pending[next...] { pendingMark[t] = false }
        pending.removeAll(keepingCapacity: true)
    }
}
