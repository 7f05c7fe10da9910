import LaneCore
import LaneSite
import LaneWire

extension CoordinatorCore {
    // MARK: trips

    mutating func handleDispatch(_ trip: TripDispatch, topic: String) {
        guard trip.siteId == settings.siteId else {
            return reject(.wrongSite, topic: topic, detail: "trip \(trip.tripId) is for site \(trip.siteId)")
        }
        admit(trip)
    }

    /// Admits a trip (from the dispatch topic or an operator), or re-routes the truck's current
    /// trip to a new channel; publishes the trip's state. Returns why it was refused, nil if it
    /// was taken.
    @discardableResult
    mutating func admit(_ trip: TripDispatch) -> String? {
        let truck = TruckID(trip.truck)
        let channel = CustomsChannel(trip.channel)
        guard var session = sessions[truck] else { return refuse(trip, "unknown truck \(truck)") }
        if session.trip == nil, drainingLanes.contains(LaneID(trip.lane)) { return refuse(trip, "lane \(trip.lane) is being drained") }
        if let current = session.trip {
            guard current.tripId == trip.tripId else { return refuse(trip, "truck \(truck) is on trip \(current.tripId)") }
            guard current.channel != channel else { return nil }  // the same trip again: nothing changes
            return changeChannel(of: truck, to: channel, because: "the yard system's trip")
        }
        session.trip = TripRecord(
            tripId: trip.tripId, containerId: trip.containerId, lane: LaneID(trip.lane), channel: channel, perishable: trip.perishable,
            orderId: run == 1 ? trip.tripId : "\(trip.tripId)~r\(run)")
        session.stationActions = [:]
        session.finishedStations = []
        session.recovered = false
        session.passedBeforeRestart = []
        session.journaledAuthority = nil
        session.front = nil
        session.startedRunning = false
        sessions[truck] = session
        let commands = scheduler.handle(
            .tripAssigned(TripRequest(truck: truck, lane: LaneID(trip.lane), channel: channel, perishable: trip.perishable)), now: now)
        if let rejection = Self.rejection(in: commands) {
            sessions[truck]?.trip = nil
            log(.warning, "trip rejected", ["truck": "\(truck)", "trip": trip.tripId, "reason": "\(rejection.reason)"])
            return refuse(trip, rejection.reason.description)
        }
        adoptRoute(of: truck)
        apply(commands)
        return nil
    }

    /// Re-routes a truck's trip to `channel` (customs' new decision, `cause`), journaled;
    /// returns why the core refused it (too late to stop before the branch), nil if done.
    @discardableResult
    mutating func changeChannel(of truck: TruckID, to channel: CustomsChannel, because cause: String) -> String? {
        guard let trip = sessions[truck]?.trip else { return "no trip" }
        let commands = scheduler.handle(.channelAssigned(truck, channel), now: now)
        if let rejection = Self.rejection(in: commands) {
            publishTripState(trip.tripId, truck: truck, .running, reason: "channel change refused: \(rejection.reason)")
            apply(commands)
            return "channel change refused: \(rejection.reason)"
        }
        sessions[truck]?.trip?.channel = channel
        journal(.channelChanged(at: now, tripId: trip.tripId, channel: channel))
        adoptRoute(of: truck)
        log(.notice, "truck re-routed", ["truck": "\(truck)", "channel": channel.rawValue, "cause": cause])
        publishTripState(trip.tripId, truck: truck, .running, reason: "re-routed to \(channel.rawValue): \(cause)")
        apply(commands)
        return nil
    }

    /// Refuses a trip: counted, and its state published as rejected with the reason.
    mutating func refuse(_ trip: TripDispatch, _ reason: String) -> String {
        counters.tripsRejected += 1
        publishTripState(trip.tripId, truck: TruckID(trip.truck), .rejected, reason: reason)
        return reason
    }

    /// Takes the truck's route from the scheduler core (after admission or a channel change): its
    /// node chain, and the ids of its station stop actions. After a restart the ids of the trip's
    /// orders from earlier runs count too: a scan that finished while the coordinator was down
    /// is reported under the order the truck still holds.
    mutating func adoptRoute(of truck: TruckID) {
        guard let route = scheduler.route(of: truck), let trip = sessions[truck]?.trip else { return }
        let nodes = RouteNodes(route: route, site: site)
        sessions[truck]?.nodes = nodes
        var orderIds = [trip.tripId]
        if run > 1 { orderIds += (2...run).map { "\(trip.tripId)~r\($0)" } }
        for node in nodes.nodes where node.station != nil {
            for orderId in orderIds {
                sessions[truck]?.stationActions[VehicleTranslation.stationActionId(orderId: orderId, zone: node.zone)] = node.zone
            }
        }
    }

    /// Publishes the final state of the truck's trip and forgets the trip.
    mutating func endTrip(of truck: TruckID, _ state: TripStateMessage.State, reason: String? = nil) {
        if let trip = sessions[truck]?.trip { publishTripState(trip.tripId, truck: truck, state, reason: reason) }
        sessions[truck]?.trip = nil
        sessions[truck]?.nodes = nil
        sessions[truck]?.plan = nil
        sessions[truck]?.zoneRequests = ZoneRequestBook()
    }

    // MARK: from the scheduler core's commands to effects

    /// What the scheduler core decided, as effects in order: its journal entries first; then
    /// each command's messages, authorities marked so that the service drops them if the
    /// journal could not be written (stops are sent anyway: stopping is always safe).
    mutating func apply(_ commands: [CoreCommand]) {
        guard !commands.isEmpty else { return }
        journal(commands.flatMap { entries(for: $0) })
        for command in commands {
            switch command {
            case .authority(let authority, let change): sendAuthority(authority, change)
            case .stop(let truck, let reason): sendInstantAction(truck, type: .stopPause, reason: reason.rawValue)
            case .resume(let truck): sendInstantAction(truck, type: .startPause)
            case .emergencyStop(let truck, let reason):
                counters.emergencyStops += 1
                metric(.emergencyStop)
                log(.critical, "emergency stop", ["truck": "\(truck)", "reason": reason.rawValue])
                sendInstantAction(truck, type: .laneEmergencyStop, reason: reason.rawValue)
                publishEvent(kind: .emergencyStop, truck: truck, detail: reason.rawValue)
            case .slotPlan(let plan): sessions[plan.truck]?.plan = plan
            case .rejected(let rejection): rejectedByCore(rejection)
            case .notice(let notice): record(notice)
            }
        }
    }

    /// The journal entries of one scheduler core command.
    func entries(for command: CoreCommand) -> [JournalEntry] {
        switch command {
        case .authority(let a, let change):
            guard let orderId = sessions[a.truck]?.trip?.orderId else { return [] }
            return [
                .authority(
                    at: now, truck: a.truck, orderId: orderId, sequence: a.sequence, end: a.end, expiry: a.expiry, change: change.rawValue)
            ]
        case .stop(let truck, let reason): return [.command(at: now, truck: truck, kind: .stop, reason: reason.rawValue)]
        case .resume(let truck): return [.command(at: now, truck: truck, kind: .resume, reason: "")]
        case .emergencyStop(let truck, let reason): return [.command(at: now, truck: truck, kind: .emergencyStop, reason: reason.rawValue)]
        case .notice(let notice):
            switch notice {
            case .tripAdmitted(let truck, let lane, let channel):
                guard let trip = sessions[truck]?.trip, sessions[truck]?.recovered != true else { return [] }
                return [
                    .tripAdmitted(
                        at: now, tripId: trip.tripId, truck: truck, lane: lane, channel: channel, containerId: trip.containerId,
                        perishable: trip.perishable)
                ]
            case .tripCompleted(let truck, _):
                return sessions[truck]?.trip.map { [.tripEnded(at: now, tripId: $0.tripId, outcome: "finished")] } ?? []
            case .tripCancelled(let truck, _):
                return sessions[truck]?.trip.map { [.tripEnded(at: now, tripId: $0.tripId, outcome: "cancelled")] } ?? []
            case .handoverCrossed(let truck, let zone):
                return passedBeforeRestart(truck, .km0, zone) ? [] : [.crossing(crossing(truck, kind: .km0, zone: zone))]
            case .zoneEntered(let truck, let zone):
                return passedBeforeRestart(truck, .zone, zone) ? [] : [.crossing(crossing(truck, kind: .zone, zone: zone))]
            case .truckStale(let truck): return [.truck(at: now, truck: truck, kind: .truckStale, detail: "")]
            case .truckFresh(let truck): return [.truck(at: now, truck: truck, kind: .truckFresh, detail: "")]
            case .overrun(let truck, let by): return [.truck(at: now, truck: truck, kind: .truckOverrun, detail: "\(by) m")]
            case .rerouted, .gridlock: return []
            }
        case .slotPlan, .rejected: return []
        }
    }

    /// Whether the truck's trip crossed `zone` before a restart (the journal has it): a resumed
    /// trip's first report names every zone behind the truck, and none is recorded twice.
    func passedBeforeRestart(_ truck: TruckID, _ kind: CrossingKind, _ zone: ZoneID) -> Bool {
        sessions[truck]?.passedBeforeRestart.contains(JournalRecovery.Passage(kind, zone)) == true
    }

    /// A crossing of the truck now, with its trip, container and channel.
    func crossing(_ truck: TruckID, kind: CrossingKind, zone: ZoneID) -> Crossing {
        let trip = sessions[truck]?.trip
        return Crossing(
            at: now, truck: truck, tripId: trip?.tripId, containerId: trip?.containerId, kind: kind, zone: zone, channel: trip?.channel)
    }

    mutating func sendAuthority(_ authority: MovementAuthority, _ change: AuthorityChange) {
        guard let session = sessions[authority.truck], let trip = session.trip, let nodes = session.nodes else { return }
        if change == .resend {
            counters.resends += 1
            metric(.authorityResent)
        } else {
            counters.authorities += 1
        }
        let topic = truckTopic(authority.truck, .order)
        let order = VehicleTranslation.order(
            for: authority, nodes: nodes, front: session.front, orderId: trip.orderId, channel: trip.channel,
            mapId: "\(site.name)/\(trip.lane.rawValue)",
            header: (nextHeaderId(topic), timestamp(), session.manufacturer), epoch: epoch, plan: session.plan,
            speedLimit: { [site] s in site.zone(nodes.place(s).zone)?.speedLimit ?? 0 })
        publish(.order(order), to: topic, .atLeastOnce, carriesAuthority: true)
        if change != .resend { updateZoneGrants(authority.truck) }
    }

    /// Sends a stop, go, emergency stop or order cancellation. It stays the truck's pending
    /// instant action (a newer one replaces it) and is sent again every `resendAfter` until the
    /// truck's state lists it in `instantActionStates`; each copy carries the message expiry, so
    /// none is executed late.
    mutating func sendInstantAction(_ truck: TruckID, type: LaneActionType, reason: String? = nil) {
        guard sessions[truck] != nil else { return }
        let topic = truckTopic(truck, .instantActions)
        // VDA 5050 3.0: an instant action's blocking type is always NONE.
        let action = Action(
            actionType: type.rawValue, actionId: "\(truck)/\(type.rawValue)/\((headerIds[topic] ?? 0) + 1)", blockingType: .none,
            actionParameters: reason.map { [ActionParameter(key: "reason", value: .string($0))] } ?? [])
        sessions[truck]?.pendingInstant = PendingInstantAction(action: action, sentAt: now)
        publishInstant(action, to: truck)
    }

    mutating func publishInstant(_ action: Action, to truck: TruckID) {
        guard let session = sessions[truck] else { return }
        let topic = truckTopic(truck, .instantActions)
        let message = InstantActionsMessage(
            headerId: nextHeaderId(topic), timestamp: timestamp(), manufacturer: session.manufacturer, serialNumber: truck.rawValue,
            actions: [action])
        publish(.instantActions(message), to: topic, .atLeastOnce, expiry: settings.instantActionExpiry)
    }

    /// Sends again the instant actions no state has acknowledged within `resendAfter`.
    mutating func resendInstantActions() {
        for truck in sessions.keys.sorted() {
            guard let pending = sessions[truck]?.pendingInstant, now - pending.sentAt >= settings.core.resendAfter else { continue }
            sessions[truck]?.pendingInstant?.sentAt = now
            counters.instantResends += 1
            publishInstant(pending.action, to: truck)
        }
    }

    mutating func record(_ notice: CoreNotice) {
        switch notice {
        case .tripAdmitted(let truck, let lane, let channel):
            // A trip resumed after a restart was admitted before it.
            guard sessions[truck]?.recovered != true else { return }
            log(.info, "trip admitted", ["truck": "\(truck)", "lane": "\(lane)", "channel": channel.rawValue])
            if let trip = sessions[truck]?.trip { publishTripState(trip.tripId, truck: truck, .accepted) }
            publishEvent(kind: .tripAdmitted, truck: truck, lane: lane, channel: channel)
        case .tripCompleted(let truck, let lane):
            counters.tripsCompleted += 1
            metric(.tripCompleted)
            log(.info, "trip completed", ["truck": "\(truck)", "lane": "\(lane)"])
            endTrip(of: truck, .finished)
            publishEvent(kind: .tripCompleted, truck: truck, lane: lane)
        case .tripCancelled(let truck, let lane):
            log(.notice, "trip cancelled", ["truck": "\(truck)", "lane": "\(lane)"])
            endTrip(of: truck, .cancelled, reason: "cancelled by an operator")
            // The truck drops the order it may hold (it had no authority onto the lane).
            sendInstantAction(truck, type: .cancelOrder)
            publishEvent(kind: .tripCancelled, truck: truck, lane: lane)
        case .zoneEntered(let truck, let zone):
            guard !passedBeforeRestart(truck, .zone, zone) else { return }
            if sessions[truck]?.startedRunning == false, let trip = sessions[truck]?.trip {
                sessions[truck]?.startedRunning = true
                publishTripState(trip.tripId, truck: truck, .running)
            }
            publishEvent(kind: .zoneEntered, truck: truck, zone: zone)
        case .handoverCrossed(let truck, let zone):
            guard !passedBeforeRestart(truck, .km0, zone) else { return }
            log(.info, "km 0 crossed", ["truck": "\(truck)", "zone": "\(zone)"])
            publishEvent(kind: .handoverCrossed, truck: truck, zone: zone)
        case .rerouted(let truck, let channel): publishEvent(kind: .rerouted, truck: truck, channel: channel)
        case .truckStale(let truck):
            counters.staleDeclarations += 1
            log(.warning, "truck stale: its space stays blocked", ["truck": "\(truck)"])
            publishEvent(kind: .truckStale, truck: truck)
        case .truckFresh(let truck):
            log(.notice, "truck reporting again", ["truck": "\(truck)"])
            publishEvent(kind: .truckFresh, truck: truck)
        case .overrun(let truck, let by):
            log(.critical, "overrun of the end of authority", ["truck": "\(truck)", "by": "\(by)"])
            publishEvent(kind: .overrun, truck: truck, detail: "\(by) m")
        case .gridlock(let trucks):
            log(.critical, "gridlock", ["trucks": "\(trucks.map(\.rawValue))"])
            publishEvent(kind: .gridlock, detail: trucks.map(\.rawValue).joined(separator: ","))
        }
    }
}
