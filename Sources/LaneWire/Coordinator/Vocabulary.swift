/// The protocol's vocabulary, in one place: every kind, command and action name that goes on the
/// wire or into the audit log is a case here, used by the coordinator, `lanectl` and the
/// simulators alike, so that a word the schemas do not know cannot be written. The schemas in
/// `protocols/schemas` list the same words; `VocabularyTests` holds the two together.

/// What an entry of the event stream reports (`coordinator-event.schema.json`, `kind`).
public enum CoordinatorEventKind: String, Codable, Sendable, CaseIterable {
    /// A trip was admitted.
    case tripAdmitted = "trip-admitted"
    /// A trip arrived at its destination yard.
    case tripCompleted = "trip-completed"
    /// A trip was taken back before its truck entered the lane.
    case tripCancelled = "trip-cancelled"
    /// A truck entered a zone.
    case zoneEntered = "zone-entered"
    /// A truck crossed the km 0 handover line.
    case handoverCrossed = "handover-crossed"
    /// A truck finished its stop at a station (scan, inspection, gate check).
    case stationFinished = "station-finished"
    /// A truck's customs channel changed and its route with it.
    case rerouted
    /// A station system answered for a truck (`detail`: the outcome and the station's text).
    case stationResult = "station-result"
    /// A station system went offline or faulty: its zone is closed (`detail`: its state).
    case stationOffline = "station-offline"
    /// A station system is back: its zone is open again.
    case stationOnline = "station-online"
    /// A truck fell silent beyond the stale limit; its space stays blocked.
    case truckStale = "truck-stale"
    /// A stale truck reports again.
    case truckFresh = "truck-fresh"
    /// A truck's connection topic says OFFLINE.
    case truckOffline = "truck-offline"
    /// A truck's last will: its connection broke.
    case truckConnectionBroken = "truck-connection-broken"
    /// A truck drove past its end of authority.
    case overrun
    /// A truck was sent an emergency stop (`detail`: why).
    case emergencyStop = "emergency-stop"
    /// Trucks wait for each other in a cycle.
    case gridlock
    /// A lane takes no new trip until the trucks on it have finished.
    case laneDraining = "lane-draining"
    /// A drained lane is empty and held.
    case laneDrained = "lane-drained"
    /// A lane is held for an operator.
    case laneHeld = "lane-held"
    /// A truck is held for an operator where it can stop with service braking: after a restart
    /// its report contradicts the journal (another order, an update the journal never sent).
    case truckHeld = "truck-held"
    /// The coordinator restarted: every truck keeps the authority it holds, none gets a new one
    /// before its first report.
    case recovering
    /// Every truck with an open trip reported after a restart (or the recovery timeout passed:
    /// the space of a silent one stays blocked).
    case recovered
    /// An operator's request was carried out (`command`, `operator`).
    case operatorCommand = "operator-command"
}

/// The commands of an operator's request (`coordinator-operator-request.schema.json`, `command`).
public enum OperatorCommandName: String, Codable, Sendable, CaseIterable {
    /// The whole picture: coordinator, lanes, zones, fleet.
    case status
    /// Stop one truck where it can stop.
    case holdTruck = "hold-truck"
    /// Let a held truck go on.
    case releaseTruck = "release-truck"
    /// Stop every truck of a lane where it can stop.
    case holdLane = "hold-lane"
    /// Let a held lane go on.
    case releaseLane = "release-lane"
    /// Stop every truck of the site where it can stop.
    case holdAll = "hold-all"
    /// Let every held truck and lane go on.
    case releaseAll = "release-all"
    /// Emergency stop of one truck.
    case emergencyStop = "emergency-stop"
    /// Emergency stop of every truck on a lane.
    case emergencyStopLane = "emergency-stop-lane"
    /// Emergency stop of every truck of the site.
    case emergencyStopAll = "emergency-stop-all"
    /// Close a zone: no truck is granted into it.
    case closeZone = "close-zone"
    /// Open a closed zone.
    case openZone = "open-zone"
    /// No new trip on a lane; hold it once its trucks have finished.
    case drainLane = "drain-lane"
    /// Give a truck priority where the order may change (or take it back).
    case setPriority = "set-priority"
    /// The audit log.
    case history
    /// The trips under way.
    case trips
    /// Dispatch a trip.
    case dispatch
    /// Take back a trip whose truck has not entered the lane.
    case cancelTrip = "cancel-trip"
}

/// The VDA 5050 action types the coordinator sends (`protocols/README.md`): the standard's stop,
/// go and cancel, and the lane extensions.
public enum LaneActionType: String, Sendable, CaseIterable {
    /// Stop where the truck can stop with service braking (VDA 5050).
    case stopPause
    /// Go on (VDA 5050); also ends a `laneEmergencyStop`.
    case startPause
    /// Drop the order (VDA 5050): the trip was cancelled.
    case cancelOrder
    /// Emergency stop (VDA 5050 has none of its own), with `reason`.
    case laneEmergencyStop
    /// The movement authority's expiry, advisory speed, end, channel and the coordinator's epoch,
    /// on the first released edge.
    case laneAuthority
    /// A station stop (scan, inspection, gate check), on the station's stop node.
    case laneStationStop
    /// The truck's slot windows, on the first node.
    case laneSlotPlan
}

/// Parameter keys of the `laneAuthority` action that a truck acts on beyond the order itself.
public enum LaneAuthorityParameter {
    /// The sending coordinator's epoch (an integer): a truck ignores an order whose epoch is lower
    /// than the highest it has seen, so that a fenced coordinator's authority is never obeyed.
    public static let epoch = "epoch"
    /// When the authority expires (ISO 8601 UTC): the truck stops by then without a renewal.
    public static let expiry = "expiry"

    /// The epoch an order carries (0 for an order without one, from a coordinator that predates it).
    public static func epoch(of order: OrderMessage) -> UInt64 {
        let actions = (order.edges.first?.actions ?? []) + (order.nodes.first?.actions ?? [])
        let parameter = actions.first { $0.actionType == LaneActionType.laneAuthority.rawValue }?.actionParameters?.first {
            $0.key == epoch
        }
        guard case .number(let value) = parameter?.value, value >= 0, value < 9.0e15 else { return 0 }
        return UInt64(value)
    }
}

/// The kinds of entry of the coordinator's journal, as `history` shows them (`kind`).
public enum JournalKind: String, Codable, Sendable, CaseIterable {
    /// A trip was admitted.
    case tripAdmitted = "trip-admitted"
    /// A trip's customs channel changed.
    case channelChanged = "channel-changed"
    /// A trip ended (`detail`: finished, cancelled).
    case tripEnded = "trip-ended"
    /// An authority about to be sent.
    case authority
    /// A stop about to be sent.
    case stop
    /// A go about to be sent.
    case resume
    /// An emergency stop about to be sent.
    case emergencyStop = "emergency-stop"
    /// A truck, a lane, the site held, or a zone closed.
    case holdTruck = "hold-truck", holdLane = "hold-lane", holdAll = "hold-all", closeZone = "close-zone"
    /// The end of such a hold or closure.
    case releaseHoldTruck = "release-hold-truck", releaseHoldLane = "release-hold-lane", releaseHoldAll = "release-hold-all"
    /// A closed zone opened again.
    case releaseCloseZone = "release-close-zone"
    /// A truck's lifecycle.
    case truckOnline = "truck-online", truckOffline = "truck-offline", truckHibernating = "truck-hibernating"
    /// A truck's last will: its connection broke.
    case truckConnectionBroken = "truck-connection-broken"
    /// A truck went stale, or reports again.
    case truckStale = "truck-stale", truckFresh = "truck-fresh"
    /// A truck drove past its end of authority (`detail`: by how much).
    case truckOverrun = "truck-overrun"
}

/// The holds and closures an operator (or the coordinator) can put in force; the journal keeps
/// those in force across a restart.
public enum HoldKind: String, Codable, Sendable, CaseIterable {
    /// One truck held.
    case holdTruck = "hold-truck"
    /// A lane held.
    case holdLane = "hold-lane"
    /// The whole site held.
    case holdAll = "hold-all"
    /// A zone closed.
    case closeZone = "close-zone"

    /// The journal's kind of this hold starting, or (`released`) ending.
    public func journalKind(released: Bool) -> JournalKind {
        switch (self, released) {
        case (.holdTruck, false): .holdTruck
        case (.holdTruck, true): .releaseHoldTruck
        case (.holdLane, false): .holdLane
        case (.holdLane, true): .releaseHoldLane
        case (.holdAll, false): .holdAll
        case (.holdAll, true): .releaseHoldAll
        case (.closeZone, false): .closeZone
        case (.closeZone, true): .releaseCloseZone
        }
    }
}

/// What a crossing of the audit log records (`history`, `kind` of a crossing).
public enum CrossingKind: String, Codable, Sendable, CaseIterable {
    /// The km 0 handover line.
    case km0
    /// A zone entered.
    case zone
    /// A station passed (its stop finished).
    case station
}

/// The coordinator's version, as its status reports it and `asyncapi.yaml`'s `info.version` says.
public enum CoordinatorVersion {
    /// The version of the interface and the service.
    public static let current = "0.4.0"
}

/// The names of the nodes of the coordinator's orders: `zone@offset`, the point `offset` metres
/// into `zone` in the direction of travel (`protocols/README.md`, "Positions on the lane").
public enum LaneNodeName {
    /// The node name of a point `offset` metres into `zone`, to the centimetre ("xray@20.5", "road@0").
    public static func make(zone: String, offset: Double) -> String {
        let centimetres = (offset * 100).rounded()
        let text = centimetres.truncatingRemainder(dividingBy: 100) == 0 ? "\(Int64(centimetres) / 100)" : "\(centimetres / 100)"
        return "\(zone)@\(text)"
    }

    /// The zone and offset a node name stands for; nil if it is not of the form `zone@offset`.
    public static func parse(_ name: String) -> (zone: String, offset: Double)? {
        guard let at = name.lastIndex(of: "@"), let offset = Double(name[name.index(after: at)...]), offset.isFinite else { return nil }
        return (String(name[..<at]), offset)
    }
}
