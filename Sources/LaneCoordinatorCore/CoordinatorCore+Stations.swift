import LaneCore
public import LaneSite
public import LaneWire

/// What the coordinator keeps of one station that has a system of its own on the broker.
struct StationSession: Sendable {
    /// Its last state; nil until it has said one (it is then taken as available).
    var state: StationStateMessage.State?
    /// The last headerId of its state topic (forgotten when it goes offline: a restarted station
    /// counts from 1 again).
    var lastStateHeaderId: UInt64?
    /// The last headerId of its result topic.
    var lastResultHeaderId: UInt64?
    /// The trucks it was called for and has not released, with their trip and attempt.
    var calls: [TruckID: StationCall] = [:]

    /// Whether it takes trucks (an unknown state counts as yes: a station that never spoke
    /// holds no truck back; the one at it waits for its word).
    var isAvailable: Bool { state?.isAvailable ?? true }
}

/// A truck called to a station.
struct StationCall: Sendable, Equatable {
    /// The trip it was called on.
    var tripId: String
    /// 1, or 2 for a rescan.
    var attempt: Int
    /// When the call was last published (site seconds; nil: not yet, the station is out).
    var sentAt: Double?
}

extension CoordinatorCore {
    /// A call not answered after this long (site seconds) is published again: a broker that
    /// restarted, a station that lost it. A station answers a call again with the result it gave.
    static let stationCallResend: Double = 10
}

extension CoordinatorCore {
    // MARK: station systems

    /// The station zones whose system releases the trucks, each with no state yet.
    static func stationSessions(of site: Site) -> [ZoneID: StationSession] {
        var sessions: [ZoneID: StationSession] = [:]
        for zone in site.zones where zone.station?.release == .stationSystem { sessions[zone.id] = StationSession() }
        return sessions
    }

    /// Whether the truck's station-stop action at `zone` releases it (a station without a system).
    func releasedByTruck(_ zone: ZoneID) -> Bool { stations[zone] == nil }

    /// Calls the station the truck now waits at, once per trip and attempt (and again when the
    /// station comes back after being out).
    mutating func callStation(for truck: TruckID) {
        guard let trip = sessions[truck]?.trip, let zone = scheduler.awaitedStation(of: truck), var station = stations[zone] else {
            return
        }
        if station.calls[truck]?.tripId == trip.tripId { return }
        station.calls[truck] = StationCall(tripId: trip.tripId, attempt: 1)
        stations[zone] = station
        sendCall(truck, at: zone)
    }

    /// Publishes the call of `truck` to station `zone` if the station can take it (otherwise it
    /// is sent when the station is back).
    mutating func sendCall(_ truck: TruckID, at zone: ZoneID) {
        guard let station = stations[zone], station.isAvailable, let call = station.calls[truck], let trip = sessions[truck]?.trip,
            trip.tripId == call.tripId
        else { return }
        stations[zone]?.calls[truck]?.sentAt = now
        let topic = StationTopic.call(zone.rawValue)
        let message = StationCallMessage(
            headerId: nextHeaderId(topic), timestamp: timestamp(), siteId: settings.siteId, zone: zone.rawValue, truck: truck.rawValue,
            tripId: trip.tripId, containerId: trip.containerId, attempt: call.attempt)
        publish(.stationCall(message), to: topic, .atLeastOnce)
    }

    /// A station system's state: out (offline, fault) closes its zone to every truck not in it;
    /// back (ready, busy) opens it and calls again the trucks waiting at it.
    mutating func handleStationState(_ message: StationStateMessage, topic: String) {
        guard message.siteId == settings.siteId else {
            return reject(.wrongSite, topic: topic, detail: "station state for site \(message.siteId)")
        }
        let zone = ZoneID(message.zone)
        guard var station = stations[zone] else {
            return reject(.unknownStation, topic: topic, detail: "\(zone) is no station with a system of its own")
        }
        if let last = station.lastStateHeaderId, message.headerId <= last, message.state.isAvailable {
            return reject(.staleOrReordered, topic: topic, detail: "station state headerId \(message.headerId) after \(last)")
        }
        let wasAvailable = station.isAvailable
        let wasKnown = station.state != nil
        station.state = message.state
        station.lastStateHeaderId = message.state.isAvailable ? message.headerId : nil
        stations[zone] = station
        if wasAvailable && !message.state.isAvailable {
            log(.warning, "station out: zone closed", ["zone": "\(zone)", "state": message.state.rawValue, "detail": message.detail ?? ""])
            publishEvent(
                kind: .stationOffline, zone: zone,
                detail: [message.state.rawValue, message.detail].compactMap { $0 }.joined(separator: ": "))
            apply(scheduler.handle(.stationAvailability(zone, available: false), now: now))
            publishStatus()
        } else if message.state.isAvailable && (!wasAvailable || !wasKnown) {
            if !wasAvailable {
                log(.notice, "station back: zone open", ["zone": "\(zone)", "state": message.state.rawValue])
                publishEvent(kind: .stationOnline, zone: zone, detail: message.state.rawValue)
                apply(scheduler.handle(.stationAvailability(zone, available: true), now: now))
                publishStatus()
            }
            // Calls made while it was out (or before it first spoke) are made again.
            for truck in station.calls.keys.sorted() { sendCall(truck, at: zone) }
        }
    }

    /// A station system's result for a truck it was called for: the truck is released, re-routed
    /// (a suspicious scan: to inspection; an unreadable one: scanned again or sent on as the site
    /// file says), or kept (refused).
    mutating func handleStationResult(_ message: StationResultMessage, topic: String) {
        guard message.siteId == settings.siteId else {
            return reject(.wrongSite, topic: topic, detail: "station result for site \(message.siteId)")
        }
        let zone = ZoneID(message.zone)
        guard var station = stations[zone], let activity = site.zone(zone)?.station?.activity else {
            return reject(.unknownStation, topic: topic, detail: "\(zone) is no station with a system of its own")
        }
        if let last = station.lastResultHeaderId, message.headerId <= last {
            return reject(.staleOrReordered, topic: topic, detail: "station result headerId \(message.headerId) after \(last)")
        }
        station.lastResultHeaderId = message.headerId
        stations[zone] = station
        let truck = TruckID(message.truck)
        guard let call = station.calls[truck], call.tripId == message.tripId, sessions[truck]?.trip?.tripId == message.tripId else {
            return reject(
                .unexpectedStationResult, topic: topic,
                detail: "\(zone) was not called for truck \(truck) on trip \(message.tripId)")
        }
        guard message.result == .refused || message.result.isScan == (activity == .scan) else {
            return reject(
                .unexpectedStationResult, topic: topic,
                detail: activity == .scan
                    ? "a scanner answers clear, suspicious, unreadable or refused, not \(message.result.rawValue)"
                    : "only a scanner answers \(message.result.rawValue)")
        }
        publishEvent(
            kind: .stationResult, truck: truck, zone: zone,
            detail: [message.result.rawValue, message.detail].compactMap { $0 }.joined(separator: ": "))
        switch message.result {
        case .done, .clear:
            release(truck, from: zone)
        case .suspicious:
            changeChannel(of: truck, to: .red, because: "suspicious scan at \(zone)").map { refusal in
                log(.error, "suspicious scan: re-route refused, the truck goes on", ["truck": "\(truck)", "reason": refusal])
            }
            release(truck, from: zone)
        case .unreadable:
            let lane = sessions[truck]!.trip!.lane
            if call.attempt == 1, site.zone(zone)?.station?.unreadable == .rescan {
                stations[zone]?.calls[truck]?.attempt = 2
                log(.notice, "unreadable scan: scanned again", ["truck": "\(truck)", "zone": "\(zone)"])
                return sendCall(truck, at: zone)
            }
            let channel = site.channelAfterUnreadableScan(at: zone, lane: lane) ?? .red
            if sessions[truck]?.trip?.channel != channel {
                changeChannel(of: truck, to: channel, because: "unreadable scan at \(zone)").map { refusal in
                    log(.error, "unreadable scan: re-route refused, the truck goes on", ["truck": "\(truck)", "reason": refusal])
                }
            }
            release(truck, from: zone)
        case .refused:
            log(.warning, "station refused a truck: it stays", ["truck": "\(truck)", "zone": "\(zone)", "detail": message.detail ?? ""])
            publishTripState(message.tripId, truck: truck, .running, reason: "refused at \(zone): \(message.detail ?? "no reason given")")
        }
    }

    /// Lets the truck leave the station on the station's word. If the core does not take it (it
    /// has no fresh report of the truck at the station), the call stands and is made again, and
    /// the station's answer with it.
    mutating func release(_ truck: TruckID, from zone: ZoneID) {
        if stationFinished(truck, at: zone) { stations[zone]?.calls[truck] = nil }
    }

    /// A truck finished at a station (its own action, or the station's word): once the core
    /// takes it, counted, journaled as a crossing and announced. Returns whether the core took it.
    @discardableResult
    mutating func stationFinished(_ truck: TruckID, at zone: ZoneID) -> Bool {
        let commands = scheduler.handle(.stationFinished(truck, zone), now: now)
        if let rejection = Self.rejection(in: commands) {
            rejectedByCore(rejection)
            return false
        }
        metric(.stationPassed(zone))
        journal(.crossing(crossing(truck, kind: .station, zone: zone)))
        publishEvent(kind: .stationFinished, truck: truck, zone: zone)
        apply(commands)
        return true
    }

    /// Calls again every call unanswered for `stationCallResend` (all of them, `force`: the
    /// broker connection came back without its session).
    mutating func resendStationCalls(force: Bool = false) {
        for zone in stations.keys.sorted() {
            for (truck, call) in stations[zone]!.calls.sorted(by: { $0.key < $1.key })
            where force || call.sentAt.map({ now - $0 >= Self.stationCallResend }) ?? false {
                sendCall(truck, at: zone)
            }
        }
    }

    /// The stations' states, for the plan snapshot: each with its system's state (nil: not
    /// heard yet) and the trucks it was called for.
    public var stationStates: [(zone: ZoneID, state: StationStateMessage.State?, called: [TruckID])] {
        stations.keys.sorted().map { (zone: $0, state: stations[$0]!.state, called: stations[$0]!.calls.keys.sorted()) }
    }
}
