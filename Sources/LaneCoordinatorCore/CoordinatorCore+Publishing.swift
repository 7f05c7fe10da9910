import LaneCore
import LaneSite
import LaneWire
import Logging

extension CoordinatorCore {
    // MARK: effects

    mutating func publish(
        _ message: OutboundMessage, to topic: String, _ delivery: Publication.Delivery, retain: Bool = false, expiry: UInt32? = nil,
        carriesAuthority: Bool = false
    ) {
        effects.append(
            .publish(
                Publication(
                    topic: topic, message: message, delivery: delivery, retain: retain, expiry: expiry, carriesAuthority: carriesAuthority))
        )
    }

    mutating func journal(_ entries: JournalEntry...) { journal(entries) }

    mutating func journal(_ entries: [JournalEntry]) {
        if !entries.isEmpty { effects.append(.journal(entries)) }
    }

    mutating func log(_ level: Logger.Level, _ message: String, _ metadata: [String: String] = [:]) {
        effects.append(.log(LogLine(level, message, metadata)))
    }

    mutating func metric(_ change: MetricChange) { effects.append(.metric(change)) }

    // MARK: topics and headers

    func truckTopic(_ truck: TruckID, _ kind: VDA5050Topic.Kind) -> String {
        VDA5050Topic(
            interfaceName: settings.interfaceName, manufacturer: sessions[truck]?.manufacturer ?? "unknown", serialNumber: truck.rawValue,
            kind: kind
        ).description
    }

    mutating func nextHeaderId(_ topic: String) -> UInt64 {
        let next = (headerIds[topic] ?? 0) + 1
        headerIds[topic] = next
        return next
    }

    func timestamp() -> String { WireTimestamp.format(secondsSince1970: now) }

    // MARK: the coordinator's own topics

    mutating func publishStatus() {
        let status = CoordinatorStatus(
            headerId: nextHeaderId(CoordinatorTopic.status), timestamp: timestamp(), siteId: settings.siteId, state: state,
            since: WireTimestamp.format(secondsSince1970: startedAt), version: CoordinatorVersion.current, trucks: sessions.count,
            activeTrips: scheduler.activeTrips, staleTrucks: scheduler.staleTrucks.count,
            closedZones: scheduler.closedZoneReasons.sorted { $0.key < $1.key }.map { .init(zoneId: $0.key.rawValue, reason: $0.value) },
            instance: settings.instance, epoch: settings.instance == nil ? nil : epoch)
        publish(.status(status), to: CoordinatorTopic.status, .atLeastOnce, retain: true)
    }

    mutating func publishTripState(_ tripId: String, truck: TruckID, _ state: TripStateMessage.State, reason: String? = nil) {
        let topic = CoordinatorTopic.tripState(tripId)
        endedTripStates.published(state, of: tripId, at: now)
        let message = TripStateMessage(
            headerId: nextHeaderId(topic), timestamp: timestamp(), siteId: settings.siteId, tripId: tripId, truck: truck.rawValue,
            state: state, reason: reason,
            channel: sessions[truck]?.trip.flatMap { $0.tripId == tripId ? WireChannel($0.channel) : nil })
        publish(.tripState(message), to: topic, .atLeastOnce, retain: true)
    }

    /// Clears the retained state of trips that ended more than `tripStateRetention` ago (an
    /// empty retained message removes it from the broker).
    mutating func clearEndedTripStates() {
        let underWay = Set(sessions.values.compactMap { $0.trip?.tripId })
        for tripId in endedTripStates.due(now: now, underWay: { underWay.contains($0) }) {
            publish(.cleared, to: CoordinatorTopic.tripState(tripId), .atLeastOnce, retain: true)
        }
    }

    mutating func publishEvent(
        kind: CoordinatorEventKind, truck: TruckID? = nil, lane: LaneID? = nil, zone: ZoneID? = nil, channel: CustomsChannel? = nil,
        command: OperatorCommandName? = nil, operator: String? = nil, detail: String? = nil
    ) {
        let event = CoordinatorEvent(
            headerId: nextHeaderId(CoordinatorTopic.events), timestamp: timestamp(), siteId: settings.siteId, kind: kind,
            truck: truck?.rawValue, lane: lane?.rawValue, zone: zone?.rawValue, channel: channel.map { WireChannel($0) },
            command: command, operator: `operator`, detail: detail)
        publish(.event(event), to: CoordinatorTopic.events, .atLeastOnce)
    }

    mutating func publishPlan() {
        var trucks: [PlanSnapshot.Truck] = []
        for (id, session) in sessions.sorted(by: { $0.key < $1.key }) {
            guard let snapshot = scheduler.snapshot(of: id) else { continue }
            trucks.append(
                PlanSnapshot.Truck(
                    truck: id.rawValue, lane: session.trip?.lane.rawValue, channel: session.trip.map { WireChannel($0.channel) },
                    front: snapshot.front, speed: snapshot.speed, authorityEnd: snapshot.authority?.end,
                    authorityExpiry: snapshot.authority.map { WireTimestamp.format(secondsSince1970: $0.expiry) }, stale: snapshot.stale,
                    held: snapshot.held, waitsFor: snapshot.blockedBy?.rawValue,
                    slots: snapshot.windows.map {
                        .init(
                            zone: $0.zone.rawValue, opens: WireTimestamp.format(secondsSince1970: $0.opens),
                            closes: WireTimestamp.format(secondsSince1970: $0.closes))
                    }))
        }
        let plan = PlanSnapshot(
            headerId: nextHeaderId(CoordinatorTopic.plan), timestamp: timestamp(), siteId: settings.siteId, trucks: trucks)
        publish(.plan(plan), to: CoordinatorTopic.plan, .atMostOnce, retain: true, expiry: Self.planExpiry)
    }

    /// Answers an operator on the request's response topic (nothing if it named none).
    mutating func reply(to address: ReplyAddress?, _ outcome: OperatorReply.Outcome, reason: String? = nil, result: WireValue? = nil) {
        guard let address else { return }
        effects.append(.publish(replyPublication(to: address, outcome, reason: reason, result: result)))
    }

    mutating func replyPublication(
        to address: ReplyAddress, _ outcome: OperatorReply.Outcome, reason: String? = nil, result: WireValue? = nil
    ) -> Publication {
        let reply = OperatorReply(
            headerId: nextHeaderId(address.topic), timestamp: timestamp(), siteId: settings.siteId, outcome: outcome, reason: reason,
            result: result)
        return Publication(topic: address.topic, message: .reply(reply), delivery: .atLeastOnce, correlationData: address.correlationData)
    }
}
