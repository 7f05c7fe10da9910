public import LaneCore
public import LaneSite
public import LaneWire
public import Logging

/// What the coordinator core is configured with: the part of the service's configuration that
/// its decisions read (no broker, no file, no clock).
public struct CoordinatorSettings: Sendable {
    /// The site id, in topics and messages.
    public var siteId: String
    /// The VDA 5050 interface name, the first level of the trucks' topics.
    public var interfaceName: String
    /// The trucks allowed on the lanes, with their kinematics.
    public var fleet: [TruckID: TruckProfile]
    /// The scheduler core's timing limits.
    public var core: CoreConfiguration
    /// MQTT message expiry of instant actions (s).
    public var instantActionExpiry: UInt32
    /// How often the plan snapshot is published (site seconds).
    public var planEvery: Seconds
    /// After a restart, how long (site seconds) to wait for every truck with an open trip to report.
    public var recoveryTimeout: Seconds
    /// How long (site seconds) an ended trip's retained state stays on the broker.
    public var tripStateRetention: Seconds
    /// This instance's name, when it is one of a standby pair (the site's status names it).
    public var instance: String?

    /// Settings with the service's defaults.
    public init(
        siteId: String, interfaceName: String = "lanes", fleet: [TruckID: TruckProfile], core: CoreConfiguration = CoreConfiguration(),
        instantActionExpiry: UInt32 = 2, planEvery: Seconds = 1, recoveryTimeout: Seconds = 15, tripStateRetention: Seconds = 3600,
        instance: String? = nil
    ) {
        self.instance = instance
        self.siteId = siteId
        self.interfaceName = interfaceName
        self.fleet = fleet
        self.core = core
        self.instantActionExpiry = instantActionExpiry
        self.planEvery = planEvery
        self.recoveryTimeout = recoveryTimeout
        self.tripStateRetention = tripStateRetention
    }
}

/// Where an operator's reply goes: the request's MQTT 5 response topic and correlation data.
public struct ReplyAddress: Sendable, Equatable {
    /// The response topic the request named.
    public var topic: String
    /// The correlation data to echo.
    public var correlationData: [UInt8]?

    /// A reply address.
    public init(topic: String, correlationData: [UInt8]?) {
        self.topic = topic
        self.correlationData = correlationData
    }
}

/// A message as it arrived on the broker, before it is decoded (`CoordinatorCore.input(from:)`).
public struct InboundMessage: Sendable {
    /// The topic it was published on.
    public var topic: String
    /// The payload.
    public var payload: [UInt8]
    /// Where a reply goes, for a request that asked for one.
    public var replyTo: ReplyAddress?

    /// An inbound message.
    public init(topic: String, payload: [UInt8], replyTo: ReplyAddress? = nil) {
        self.topic = topic
        self.payload = payload
        self.replyTo = replyTo
    }
}

/// One thing the coordinator core is told: a decoded message, the start, a tick, the shutdown.
public enum CoordinatorInput: Sendable {
    /// The service is connected and subscribed: with what the journal gave back, if it keeps one.
    case started(JournalRecovery?)
    /// A truck's VDA 5050 state, from the truck's `state` topic.
    case truckState(StateMessage, topic: String)
    /// A truck's VDA 5050 connection message.
    case truckConnection(ConnectionMessage, topic: String)
    /// A truck's factsheet.
    case factsheet(FactsheetMessage, topic: String)
    /// A trip from the yard system's dispatch topic.
    case dispatch(TripDispatch, topic: String)
    /// A station system's state.
    case stationState(StationStateMessage, topic: String)
    /// A station system's result for a truck.
    case stationResult(StationResultMessage, topic: String)
    /// An operator's request.
    case operatorRequest(OperatorRequest, replyTo: ReplyAddress?)
    /// A message refused before it could be decoded into one of the above.
    case refused(InboundRejection, topic: String, detail: String, replyTo: ReplyAddress?)
    /// An operator's hold or closure whose journal entry was written: now it is carried out.
    case holdJournaled(OperatorRequest, OperatorCommand, replyTo: ReplyAddress?)
    /// The periodic tick: expiries, resends, recovery, drains, retained states, the plan.
    case tick
    /// The broker connection came back without the session (another node of a clustered broker,
    /// or a broker that lost its state): the retained status is published again.
    case brokerReconnected
    /// The service stops: every truck is held and the status says offline.
    case shutdown
}

/// One thing the service does for the core, in the order the core returned it.
public enum CoordinatorEffect: Sendable {
    /// Commit entries to the journal before anything after them is published.
    case journal([JournalEntry])
    /// Publish a message.
    case publish(Publication)
    /// Handle `input` if every journal write of this batch so far succeeded, else perform `otherwise`.
    case ifJournaled(then: CoordinatorInput, otherwise: [CoordinatorEffect])
    /// Read the audit log (`HistoryQuery`) and send it as the reply.
    case history(HistoryQuery)
    /// Write a log line.
    case log(LogLine)
    /// Change a metric.
    case metric(MetricChange)
}

/// A message the core publishes, with its MQTT delivery.
public struct Publication: Sendable {
    /// The MQTT delivery guarantee the core asks for.
    public enum Delivery: Sendable, Equatable {
        /// QoS 0.
        case atMostOnce
        /// QoS 1.
        case atLeastOnce
    }

    /// The topic.
    public var topic: String
    /// The message.
    public var message: OutboundMessage
    /// QoS.
    public var delivery: Delivery
    /// Retained on the broker.
    public var retain: Bool
    /// MQTT 5 message expiry (s).
    public var expiry: UInt32?
    /// MQTT 5 correlation data (operator replies).
    public var correlationData: [UInt8]?
    /// It carries a movement authority: not published when the journal could not be written.
    public var carriesAuthority: Bool

    /// A publication.
    public init(
        topic: String, message: OutboundMessage, delivery: Delivery, retain: Bool = false, expiry: UInt32? = nil,
        correlationData: [UInt8]? = nil, carriesAuthority: Bool = false
    ) {
        self.topic = topic
        self.message = message
        self.delivery = delivery
        self.retain = retain
        self.expiry = expiry
        self.correlationData = correlationData
        self.carriesAuthority = carriesAuthority
    }
}

/// The messages the coordinator sends.
public enum OutboundMessage: Sendable {
    /// A movement authority (VDA 5050 order).
    case order(OrderMessage)
    /// A stop, go, emergency stop or order cancellation.
    case instantActions(InstantActionsMessage)
    /// Answers to a truck's zone requests.
    case responses(ResponsesMessage)
    /// The coordinator's retained status.
    case status(CoordinatorStatus)
    /// A trip's retained state.
    case tripState(TripStateMessage)
    /// An event for the control room.
    case event(CoordinatorEvent)
    /// The plan snapshot.
    case plan(PlanSnapshot)
    /// An answer to an operator.
    case reply(OperatorReply)
    /// A call to a station system: this truck is at it.
    case stationCall(StationCallMessage)
    /// An empty retained message: clears what the broker keeps on the topic.
    case cleared

    /// Whether it is the empty message that clears a retained one (sent without properties).
    public var isCleared: Bool {
        if case .cleared = self { true } else { false }
    }

    /// The JSON payload (empty for `cleared`).
    public func payload(_ encoder: WireEncoder) throws(WireError) -> [UInt8] {
        switch self {
        case .order(let m): try encoder.encode(m)
        case .instantActions(let m): try encoder.encode(m)
        case .responses(let m): try encoder.encode(m)
        case .status(let m): try encoder.encode(m)
        case .tripState(let m): try encoder.encode(m)
        case .event(let m): try encoder.encode(m)
        case .plan(let m): try encoder.encode(m)
        case .reply(let m): try encoder.encode(m)
        case .stationCall(let m): try encoder.encode(m)
        case .cleared: []
        }
    }
}

/// An operator's `history` request: the audit log between two instants, of one truck or all.
public struct HistoryQuery: Sendable, Equatable {
    /// From (site seconds; -infinity: the start).
    public var from: Seconds
    /// To (site seconds; +infinity: now).
    public var to: Seconds
    /// Only this truck's entries, if set.
    public var truck: String?
    /// Where the reply goes.
    public var replyTo: ReplyAddress?
    /// The reply, with its header, that the entries complete.
    public var answer: OperatorReply

    /// The reply with the journal's `crossings` and `entries` between the two instants.
    public func reply(crossings: [Crossing], entries: [JournalLogEntry]) -> Publication? {
        guard let replyTo else { return nil }
        var answer = answer
        answer.result = HistoryReport.items(crossings: crossings, entries: entries, truck: truck)
        return Publication(topic: replyTo.topic, message: .reply(answer), delivery: .atLeastOnce, correlationData: replyTo.correlationData)
    }
}

/// A log line the core asks for.
public struct LogLine: Sendable, Equatable {
    /// Its level.
    public var level: Logger.Level
    /// The message.
    public var message: String
    /// Its fields.
    public var metadata: [String: String]

    /// A log line.
    public init(_ level: Logger.Level, _ message: String, _ metadata: [String: String] = [:]) {
        self.level = level
        self.message = message
        self.metadata = metadata
    }
}

/// A change of one of the service's metrics (`CoordinatorMetrics`).
public enum MetricChange: Sendable, Equatable {
    /// A state the core accepted, with its age on arrival (s).
    case stateAccepted(age: Seconds)
    /// An authority sent again.
    case authorityResent
    /// An emergency stop sent.
    case emergencyStop
    /// A trip completed.
    case tripCompleted
    /// A message or event refused, by reason.
    case rejected(String)
    /// A truck finished at a station.
    case stationPassed(ZoneID)
}
