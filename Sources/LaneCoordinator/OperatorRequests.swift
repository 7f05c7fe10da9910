import LaneCore
import LaneMQTT
import LaneWire

extension Coordinator {
    /// An operator's request: carried out through the core, answered on the request's response
    /// topic with its correlation data. Only operator accounts can publish on the request topic
    /// (the broker's ACL, `protocols/broker/`).
    func handleOperator(_ message: MQTTInboundMessage) {
        counters.operatorRequests += 1
        let request: OperatorRequest
        do {
            request = try decoder.decode(OperatorRequest.self, from: message.payload)
        } catch {
            reject(.malformed, topic: message.topic, detail: error.description)
            return reply(to: message, .rejected, reason: "malformed request: \(error)")
        }
        guard request.siteId == configuration.siteId else {
            reject(.wrongSite, topic: message.topic, detail: "request for site \(request.siteId)")
            return reply(to: message, .rejected, reason: "this coordinator serves site \(configuration.siteId)")
        }
        logger.notice(
            "operator request",
            metadata: [
                "operator": "\(request.operator)", "command": "\(request.command)", "truck": "\(request.truck ?? "-")",
                "lane": "\(request.lane ?? "-")", "zone": "\(request.zone ?? "-")",
            ])
        let command: OperatorCommand
        switch (request.command, request.truck.map(TruckID.init), request.lane.map(LaneID.init), request.zone.map(ZoneID.init)) {
        case ("status", _, _, _):
            return reply(to: message, .done, result: statusSummary())
        case ("hold-truck", let truck?, _, _): command = .holdTruck(truck)
        case ("release-truck", let truck?, _, _): command = .releaseTruck(truck)
        case ("hold-lane", _, let lane?, _): command = .holdLane(lane)
        case ("release-lane", _, let lane?, _): command = .releaseLane(lane)
        case ("hold-all", _, _, _): command = .holdAll
        case ("release-all", _, _, _): command = .releaseAll
        case ("emergency-stop", let truck?, _, _): command = .emergencyStop(truck)
        case ("emergency-stop-lane", _, let lane?, _): command = .emergencyStopLane(lane)
        case ("emergency-stop-all", _, _, _): command = .emergencyStopAll
        case ("close-zone", _, _, let zone?): command = .closeZone(zone, reason: request.reason ?? "closed by \(request.operator)")
        case ("open-zone", _, _, let zone?): command = .openZone(zone)
        case ("set-priority", let truck?, _, _): command = .setPriority(truck, request.priority ?? true)
        case ("history", _, _, _):
            return reply(to: message, .done, result: history(from: request.from, to: request.to, truck: request.truck))
        case ("drain-lane", _, let lane?, _):
            guard site.lane(lane) != nil else { return reply(to: message, .rejected, reason: "unknown lane '\(lane)'") }
            drainingLanes.insert(lane)
            publishEvent(kind: "lane-draining", lane: lane, detail: request.operator)
            let onLane = sessions.filter { $0.value.trip?.lane == lane }.keys.sorted().map { WireValue.string($0.rawValue) }
            return reply(to: message, .done, result: .object(["lane": .string(lane.rawValue), "trucksOnLane": .array(onLane)]))
        default:
            return reply(to: message, .rejected, reason: "'\(request.command)' needs a truck, lane or zone")
        }
        let now = clock.now()
        if let hold = Self.hold(command) {
            guard
                journal(
                    .hold(
                        at: now, kind: hold.kind, target: hold.target, reason: request.reason ?? request.operator, released: hold.released))
            else { return reply(to: message, .rejected, reason: "the journal cannot be written") }
        }
        let commands = core.handle(.operatorCommand(command), now: now)
        if let rejection = Self.rejection(in: commands) {
            apply(commands)
            return reply(to: message, .rejected, reason: rejection.reason.description)
        }
        apply(commands)
        publishStatus()
        publishEvent(kind: "operator-\(request.command)", detail: request.operator)
        reply(to: message, .done)
    }

    /// Announces the end of each drain: the lane has no truck on a trip any more. It takes trips
    /// again after `release-lane`.
    func finishDrains() {
        for lane in drainingLanes where !sessions.values.contains(where: { $0.trip?.lane == lane }) {
            drainingLanes.remove(lane)
            logger.notice("lane drained", metadata: ["lane": "\(lane)"])
            publishEvent(kind: "lane-drained", lane: lane)
            let now = clock.now()
            journal(.hold(at: now, kind: "hold-lane", target: lane.rawValue, reason: "drained", released: false))
            apply(core.handle(.operatorCommand(.holdLane(lane)), now: now))
        }
    }

    /// The hold or closure an operator command starts or ends, as the journal keeps it.
    static func hold(_ command: OperatorCommand) -> (kind: String, target: String, released: Bool)? {
        switch command {
        case .holdTruck(let t): ("hold-truck", t.rawValue, false)
        case .releaseTruck(let t): ("hold-truck", t.rawValue, true)
        case .holdLane(let l): ("hold-lane", l.rawValue, false)
        case .releaseLane(let l): ("hold-lane", l.rawValue, true)
        case .holdAll: ("hold-all", "site", false)
        case .releaseAll: ("hold-all", "site", true)
        case .closeZone(let z, _): ("close-zone", z.rawValue, false)
        case .openZone(let z): ("close-zone", z.rawValue, true)
        default: nil
        }
    }

    /// The crossings in the journal between two instants (ISO 8601), optionally of one truck.
    func history(from: String?, to: String?, truck: String?) -> WireValue {
        guard let store else { return .array([]) }
        let start = from.flatMap { try? WireTimestamp.parse($0) } ?? -.infinity
        let end = to.flatMap { try? WireTimestamp.parse($0) } ?? .infinity
        let crossings = (try? store.crossings(from: start, to: end)) ?? []
        return .array(
            crossings.filter { truck == nil || $0.truck.rawValue == truck }.map { c in
                var fields: [String: WireValue] = [
                    "at": .string(WireTimestamp.format(secondsSince1970: c.at)), "truck": .string(c.truck.rawValue),
                    "kind": .string(c.kind),
                    "zone": .string(c.zone.rawValue),
                ]
                if let trip = c.tripId { fields["trip"] = .string(trip) }
                if let container = c.containerId { fields["container"] = .string(container) }
                if let channel = c.channel { fields["channel"] = .string(channel.rawValue) }
                return .object(fields)
            })
    }

    func statusSummary() -> WireValue {
        .object([
            "state": .string(state.rawValue),
            "trucks": .number(Double(sessions.count)),
            "activeTrips": .number(Double(core.activeTrips)),
            "staleTrucks": .array(core.staleTrucks.map { .string($0.rawValue) }),
            "closedZones": .object(core.closedZoneReasons.reduce(into: [:]) { $0[$1.key.rawValue] = .string($1.value) }),
        ])
    }

    func reply(to request: MQTTInboundMessage, _ outcome: OperatorReply.Outcome, reason: String? = nil, result: WireValue? = nil) {
        guard let topic = request.properties.responseTopic else { return }
        let reply = OperatorReply(
            headerId: nextHeaderId(topic), timestamp: timestamp(), siteId: configuration.siteId, outcome: outcome, reason: reason,
            result: result)
        do {
            try client.send(
                MQTTOutbound(
                    topic: topic, payload: try encoder.encode(reply), qos: .atLeastOnce,
                    properties: MQTTProperties(contentType: "application/json", correlationData: request.properties.correlationData)))
        } catch {
            logger.error("operator reply failed", metadata: ["topic": "\(topic)", "error": "\(error)"])
        }
    }
}
