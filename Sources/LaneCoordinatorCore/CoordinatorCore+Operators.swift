import LaneCore
import LaneSite
import LaneWire

extension CoordinatorCore {
    /// An operator's request: carried out through the scheduler core and answered on the
    /// request's response topic with its correlation data. Only operator accounts can publish on
    /// the request topic (the broker's ACL, `protocols/broker/`). A hold or closure is journaled
    /// before it takes effect: if the journal cannot be written, it is refused.
    mutating func handleOperator(_ request: OperatorRequest, replyTo: ReplyAddress?) {
        counters.operatorRequests += 1
        guard request.siteId == settings.siteId else {
            reject(.wrongSite, topic: CoordinatorTopic.operatorRequests, detail: "request for site \(request.siteId)")
            return reply(to: replyTo, .rejected, reason: "this coordinator serves site \(settings.siteId)")
        }
        log(
            .notice, "operator request",
            [
                "operator": request.operator, "command": request.command.rawValue, "truck": request.truck ?? "-",
                "lane": request.lane ?? "-", "zone": request.zone ?? "-",
            ])
        let command: OperatorCommand
        switch (request.command, request.truck.map(TruckID.init), request.lane.map(LaneID.init), request.zone.map(ZoneID.init)) {
        case (.status, _, _, _):
            return reply(to: replyTo, .done, result: statusSummary())
        case (.holdTruck, let truck?, _, _): command = .holdTruck(truck)
        case (.releaseTruck, let truck?, _, _): command = .releaseTruck(truck)
        case (.holdLane, _, let lane?, _): command = .holdLane(lane)
        case (.releaseLane, _, let lane?, _): command = .releaseLane(lane)
        case (.holdAll, _, _, _): command = .holdAll
        case (.releaseAll, _, _, _): command = .releaseAll
        case (.emergencyStop, let truck?, _, _): command = .emergencyStop(truck)
        case (.emergencyStopLane, _, let lane?, _): command = .emergencyStopLane(lane)
        case (.emergencyStopAll, _, _, _): command = .emergencyStopAll
        case (.closeZone, _, _, let zone?): command = .closeZone(zone, reason: request.reason ?? "closed by \(request.operator)")
        case (.openZone, _, _, let zone?): command = .openZone(zone)
        case (.setPriority, let truck?, _, _): command = .setPriority(truck, request.priority ?? true)
        case (.history, _, _, _):
            let answer = OperatorReply(
                headerId: replyTo.map { nextHeaderId($0.topic) } ?? 0, timestamp: timestamp(), siteId: settings.siteId, outcome: .done)
            let query = HistoryQuery(
                from: request.from.flatMap { try? WireTimestamp.parse($0) } ?? -.infinity,
                to: request.to.flatMap { try? WireTimestamp.parse($0) } ?? .infinity, truck: request.truck, replyTo: replyTo,
                answer: answer)
            return effects.append(.history(query))
        case (.trips, _, _, _):
            return reply(to: replyTo, .done, result: tripsSummary())
        case (.dispatch, _, _, _):
            return dispatch(request, replyTo: replyTo)
        case (.cancelTrip, _, _, _):
            // A named trip that is not under way is refused, never taken for the truck's other trip.
            let onTrip: TruckID? = if let trip = request.trip { truckOnTrip(trip) } else { request.truck.map(TruckID.init) }
            guard let truck = onTrip else {
                return reply(to: replyTo, .rejected, reason: "no trip '\(request.trip ?? "")' under way")
            }
            command = .cancelTrip(truck)
        case (.drainLane, _, let lane?, _):
            guard site.lane(lane) != nil else { return reply(to: replyTo, .rejected, reason: "unknown lane '\(lane)'") }
            drainingLanes.insert(lane)
            publishEvent(kind: .laneDraining, lane: lane, command: .drainLane, operator: request.operator)
            let onLane = sessions.filter { $0.value.trip?.lane == lane }.keys.sorted().map { WireValue.string($0.rawValue) }
            return reply(to: replyTo, .done, result: .object(["lane": .string(lane.rawValue), "trucksOnLane": .array(onLane)]))
        case (.holdTruck, _, _, _), (.releaseTruck, _, _, _), (.emergencyStop, _, _, _), (.setPriority, _, _, _):
            return reply(to: replyTo, .rejected, reason: "'\(request.command.rawValue)' needs a truck")
        case (.holdLane, _, _, _), (.releaseLane, _, _, _), (.emergencyStopLane, _, _, _), (.drainLane, _, _, _):
            return reply(to: replyTo, .rejected, reason: "'\(request.command.rawValue)' needs a lane")
        case (.closeZone, _, _, _), (.openZone, _, _, _):
            return reply(to: replyTo, .rejected, reason: "'\(request.command.rawValue)' needs a zone")
        }
        guard let hold = Self.hold(command) else { return carryOut(command, of: request, replyTo: replyTo) }
        journal(.hold(at: now, kind: hold.kind, target: hold.target, reason: request.reason ?? request.operator, released: hold.released))
        let refused = replyTo.map {
            [CoordinatorEffect.publish(replyPublication(to: $0, .rejected, reason: "the journal cannot be written"))]
        }
        effects.append(.ifJournaled(then: .holdJournaled(request, command, replyTo: replyTo), otherwise: refused ?? []))
    }

    /// Carries out an operator's command (a hold or closure after its journal entry) and answers.
    mutating func carryOut(_ command: OperatorCommand, of request: OperatorRequest, replyTo: ReplyAddress?) {
        let commands = scheduler.handle(.operatorCommand(command), now: now)
        if let rejection = Self.rejection(in: commands) {
            apply(commands)
            return reply(to: replyTo, .rejected, reason: rejection.reason.description)
        }
        apply(commands)
        publishStatus()
        publishEvent(kind: .operatorCommand, command: request.command, operator: request.operator, detail: request.reason)
        reply(to: replyTo, .done)
    }

    /// Announces the end of each drain: the lane has no truck on a trip any more. It takes trips
    /// again after `release-lane`.
    mutating func finishDrains() {
        for lane in drainingLanes.sorted() where !sessions.values.contains(where: { $0.trip?.lane == lane }) {
            drainingLanes.remove(lane)
            log(.notice, "lane drained", ["lane": "\(lane)"])
            publishEvent(kind: .laneDrained, lane: lane)
            journal(.hold(at: now, kind: .holdLane, target: lane.rawValue, reason: "drained", released: false))
            apply(scheduler.handle(.operatorCommand(.holdLane(lane)), now: now))
        }
    }

    /// The hold or closure an operator command starts or ends, as the journal keeps it.
    static func hold(_ command: OperatorCommand) -> (kind: HoldKind, target: String, released: Bool)? {
        switch command {
        case .holdTruck(let t): (.holdTruck, t.rawValue, false)
        case .releaseTruck(let t): (.holdTruck, t.rawValue, true)
        case .holdLane(let l): (.holdLane, l.rawValue, false)
        case .releaseLane(let l): (.holdLane, l.rawValue, true)
        case .holdAll: (.holdAll, "site", false)
        case .releaseAll: (.holdAll, "site", true)
        case .closeZone(let z, _): (.closeZone, z.rawValue, false)
        case .openZone(let z): (.closeZone, z.rawValue, true)
        default: nil
        }
    }

    /// The truck on trip `tripId`, if one is.
    func truckOnTrip(_ tripId: String) -> TruckID? { sessions.first { $0.value.trip?.tripId == tripId }?.key }

    /// A trip an operator dispatches: to a destination yard (the lane that leads there) or a
    /// lane, with the container and the customs channel; admitted like a trip of the yard system.
    mutating func dispatch(_ request: OperatorRequest, replyTo: ReplyAddress?) {
        guard let truck = request.truck, let destination = request.destination, let container = request.container,
            let channel = request.channel
        else { return reply(to: replyTo, .rejected, reason: "dispatch needs a truck, a destination, a container and a channel") }
        let lanes = site.lanes.filter(\.driverless)
        guard
            let lane = lanes.first(where: {
                $0.id.rawValue == destination || $0.destination.lowercased() == destination.lowercased()
            })
        else {
            let known = lanes.map { "\($0.destination) (lane \($0.id))" }.joined(separator: ", ")
            return reply(to: replyTo, .rejected, reason: "no driverless lane leads to '\(destination)'; destinations: \(known)")
        }
        let tripId = request.trip ?? "\(truck)-\(request.timestamp.filter(\.isNumber))"
        let trip = TripDispatch(
            headerId: request.headerId, timestamp: request.timestamp, siteId: request.siteId, tripId: tripId, truck: truck,
            lane: lane.id.rawValue, origin: lane.origin, destination: lane.destination, containerId: container,
            perishable: request.perishable ?? false, channel: channel)
        if let reason = admit(trip) { return reply(to: replyTo, .rejected, reason: reason) }
        publishStatus()
        publishEvent(kind: .operatorCommand, truck: TruckID(truck), lane: lane.id, command: .dispatch, operator: request.operator)
        reply(to: replyTo, .done, result: .object(["trip": .string(tripId), "truck": .string(truck), "lane": .string(lane.id.rawValue)]))
    }

    /// The trips under way.
    func tripsSummary() -> WireValue {
        .array(
            sessions.sorted { $0.key < $1.key }.compactMap { truck, session in
                guard let trip = session.trip else { return nil }
                return .object([
                    "trip": .string(trip.tripId), "truck": .string(truck.rawValue), "lane": .string(trip.lane.rawValue),
                    "channel": .string(trip.channel.rawValue), "container": .string(trip.containerId), "perishable": .bool(trip.perishable),
                    "state": .string(session.startedRunning ? "running" : "accepted"),
                ])
            })
    }

    /// The whole picture for an operator: the coordinator, the lanes, the zones and every
    /// truck with its position, speed, authority, slots and the age of its last state.
    func statusSummary() -> WireValue {
        let closed = scheduler.closedZoneReasons
        let held = Set(scheduler.heldLaneIDs)
        var inZone: [ZoneID: [TruckID]] = [:]
        var fleet: [WireValue] = []
        for (id, session) in sessions.sorted(by: { $0.key < $1.key }) {
            guard let snapshot = scheduler.snapshot(of: id) else { continue }
            let zone = scheduler.zone(of: id)
            if let zone { inZone[zone, default: []].append(id) }
            var fields: [String: WireValue] = [
                "truck": .string(id.rawValue), "speed": .number(snapshot.speed), "stale": .bool(snapshot.stale),
                "held": .bool(snapshot.held), "emergencyStopped": .bool(snapshot.emergencyStopped), "priority": .bool(snapshot.priority),
                "connection": .string(session.connection?.rawValue ?? "unknown"),
                "slots": VehicleTranslation.windows(snapshot.windows),
            ]
            if let trip = session.trip {
                fields["trip"] = .string(trip.tripId)
                fields["lane"] = .string(trip.lane.rawValue)
                fields["channel"] = .string(trip.channel.rawValue)
                fields["container"] = .string(trip.containerId)
            }
            if let front = snapshot.front { fields["front"] = .number(front) }
            if let zone { fields["zone"] = .string(zone.rawValue) }
            if let authority = snapshot.authority {
                fields["authorityEnd"] = .number(authority.end)
                fields["authorityExpiry"] = .string(WireTimestamp.format(secondsSince1970: authority.expiry))
            }
            if let blocker = snapshot.blockedBy { fields["waitsFor"] = .string(blocker.rawValue) }
            if let last = session.lastStateAt { fields["stateAge"] = .number(max(0, now - last)) }
            fleet.append(.object(fields))
        }
        return .object([
            "state": .string(state.rawValue),
            "now": .string(WireTimestamp.format(secondsSince1970: now)),
            "trucks": .number(Double(sessions.count)),
            "activeTrips": .number(Double(scheduler.activeTrips)),
            "staleTrucks": .array(scheduler.staleTrucks.map { .string($0.rawValue) }),
            "closedZones": .object(closed.reduce(into: [:]) { $0[$1.key.rawValue] = .string($1.value) }),
            "siteHeld": .bool(scheduler.isSiteHeld),
            "lanes": .array(
                site.lanes.map { lane in
                    .object([
                        "lane": .string(lane.id.rawValue), "direction": .string(lane.direction.rawValue),
                        "driverless": .bool(lane.driverless),
                        "from": .string(lane.origin), "to": .string(lane.destination), "held": .bool(held.contains(lane.id)),
                        "draining": .bool(drainingLanes.contains(lane.id)),
                    ])
                }),
            "zones": .array(
                site.zones.map { zone in
                    var fields: [String: WireValue] = [
                        "zone": .string(zone.id.rawValue), "kind": .string(zone.kind.rawValue),
                        "trucks": .array((inZone[zone.id] ?? []).map { .string($0.rawValue) }),
                    ]
                    if let reason = closed[zone.id] { fields["closed"] = .string(reason) }
                    return .object(fields)
                }),
            "fleet": .array(fleet),
        ])
    }

}
