public import LaneMQTT
import LaneSimKit
public import LaneSite
public import LaneWire

/// A station's own system on the broker, as the simulator plays it: a scanner, gate or customs
/// desk that publishes its state (retained, with an `offline` last will), takes the coordinator's
/// calls for the trucks at it, and answers each after its dwell, drawn from the site file's
/// distribution. A scanner's image is suspicious or unreadable by the given shares; a
/// drive-through portal judges the pass itself (a truck that left the speed band gets an
/// unreadable scan). Offline spells take it off the broker's word (state `offline`, calls
/// ignored: the coordinator calls again when it is back).
public actor StationSystem {
    /// What the station is and how it behaves.
    public struct Configuration: Sendable {
        /// Its zone (also its MQTT account's user name).
        public var zone: ZoneID
        /// Its station, from the site.
        public var station: Station
        /// The coordinator's site id.
        public var siteId: String
        /// Site seconds per real second.
        public var timeScale: Double
        /// The site clock.
        public var now: @Sendable () -> Double
        /// Seed of its dwell and outcome draws.
        public var seed: UInt64
        /// A scanner's share of suspicious images (the truck goes to inspection).
        public var suspiciousShare: Double
        /// A scanner's share of unreadable images.
        public var unreadableShare: Double
        /// Site-time intervals in which the station is offline.
        public var offline: [Range<Double>]
        /// A drive-through portal's sensors: waits until the truck's rear has left the portal and
        /// says whether its speed stayed in the band all through (nil: not a portal).
        public var judgePass: (@Sendable (_ truck: String) async -> Bool)?

        /// A station system.
        public init(
            zone: ZoneID, station: Station, siteId: String, timeScale: Double, now: @escaping @Sendable () -> Double, seed: UInt64,
            suspiciousShare: Double = 0, unreadableShare: Double = 0, offline: [Range<Double>] = [],
            judgePass: (@Sendable (String) async -> Bool)? = nil
        ) {
            self.zone = zone
            self.station = station
            self.siteId = siteId
            self.timeScale = timeScale
            self.now = now
            self.seed = seed
            self.suspiciousShare = suspiciousShare
            self.unreadableShare = unreadableShare
            self.offline = offline
            self.judgePass = judgePass
        }
    }

    /// What it did, for the run's summary.
    public struct Counts: Sendable, Equatable {
        /// Calls taken.
        public var calls = 0
        /// Results published, by outcome.
        public var results: [StationResultMessage.Outcome: Int] = [:]
        /// Calls that arrived while it was offline (ignored).
        public var ignoredWhileOffline = 0
    }

    /// The configuration.
    public let configuration: Configuration
    let client: MQTTClient
    var random: SeededRandom
    var headers: [String: UInt64] = [:]
    /// The calls at work, by trip and attempt, and the results given (published again if the
    /// coordinator calls again for the same trip and attempt: its restart lost the first).
    var working: Set<String> = []
    var answered: [String: StationResultMessage.Outcome] = [:]
    var isOffline = false
    /// What it did.
    public private(set) var counts = Counts()

    /// A station system on `broker` (its client id and user name default to the zone).
    public init(_ configuration: Configuration, broker: MQTTConfiguration) throws(MQTTError) {
        self.configuration = configuration
        var mqtt = broker
        mqtt.clientId = "station-\(configuration.zone)"
        let will = StationStateMessage(
            headerId: 0, timestamp: WireTimestamp.format(secondsSince1970: 0), siteId: configuration.siteId,
            zone: configuration.zone.rawValue, state: .offline, detail: "last will: connection lost")
        mqtt.will = MQTTWill(
            MQTTOutbound(
                topic: StationTopic.state(configuration.zone.rawValue), payload: (try? WireEncoder().encode(will)) ?? [], qos: .atLeastOnce,
                retain: true))
        client = try MQTTClient(mqtt)
        random = SeededRandom(seed: configuration.seed)
    }

    /// Connects, says it is ready, and answers calls until cancelled; keeps its offline spells.
    public func run() async throws {
        // Back on a broker that lost what it retained (a restart): it says its state again.
        let reconnections = Task { [client] in
            var first = true
            for await event in client.connectionEvents {
                guard case .connected = event else { continue }
                if first {
                    first = false
                } else {
                    try? await self.publishState(self.isOffline ? .offline : .ready)
                }
            }
        }
        defer { reconnections.cancel() }
        try await client.connect()
        try await client.subscribe(StationTopic.call(configuration.zone.rawValue), qos: .atLeastOnce)
        try await publishState(.ready)
        let spells = Task { [configuration] in
            for spell in configuration.offline.sorted(by: { $0.lowerBound < $1.lowerBound }) {
                try await Self.sleep(until: spell.lowerBound, configuration)
                try await self.goOffline(true)
                try await Self.sleep(until: spell.upperBound, configuration)
                try await self.goOffline(false)
            }
        }
        defer { spells.cancel() }
        let decoder = WireDecoder()
        for await message in client.messages {
            guard let call = try? decoder.decode(StationCallMessage.self, from: message.payload) else { continue }
            take(call)
        }
    }

    /// Leaves the broker cleanly (its state says offline).
    public func stop() async {
        try? await publishState(.offline, detail: "stopped")
        await client.close()
    }

    static func sleep(until instant: Double, _ c: Configuration) async throws {
        let wait = (instant - c.now()) / c.timeScale
        if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
    }

    func goOffline(_ offline: Bool) async throws {
        isOffline = offline
        // Work under way is lost with the station.
        if offline { working = [] }
        try await publishState(offline ? .offline : .ready, detail: offline ? "offline spell" : nil)
    }

    func take(_ call: StationCallMessage) {
        let key = "\(call.tripId)#\(call.attempt)"
        guard !isOffline else {
            counts.ignoredWhileOffline += 1
            return
        }
        if let outcome = answered[key] {
            // The coordinator lost the result (it restarted): the same answer again.
            Task { try? await self.publishResult(call, outcome) }
            return
        }
        guard working.insert(key).inserted else { return }
        counts.calls += 1
        let dwell = configuration.station.dwell.quantile(Double.random(in: 0..<1, using: &random))
        let draw = Double.random(in: 0..<1, using: &random)
        Task { try? await self.work(call, key: key, dwell: dwell, draw: draw) }
    }

    func work(_ call: StationCallMessage, key: String, dwell: Double, draw: Double) async throws {
        let c = configuration
        try await publishState(.busy)
        var passed = true
        if let judge = c.judgePass {
            passed = await judge(call.truck)
        } else {
            try await Task.sleep(for: .seconds(dwell / c.timeScale))
        }
        // Gone offline meanwhile: the work is lost, the coordinator calls again.
        guard working.contains(key) else { return }
        let outcome: StationResultMessage.Outcome
        if c.station.activity != .scan {
            outcome = .done
        } else if !passed || draw < c.unreadableShare {
            outcome = .unreadable
        } else if draw < c.unreadableShare + c.suspiciousShare {
            outcome = .suspicious
        } else {
            outcome = .clear
        }
        working.remove(key)
        answered[key] = outcome
        try await publishResult(call, outcome, detail: passed ? nil : "speed out of the portal's band")
        if working.isEmpty && !isOffline { try await publishState(.ready) }
    }

    func publishResult(_ call: StationCallMessage, _ outcome: StationResultMessage.Outcome, detail: String? = nil) async throws {
        let topic = StationTopic.result(configuration.zone.rawValue)
        let result = StationResultMessage(
            headerId: header(topic), timestamp: WireTimestamp.format(secondsSince1970: configuration.now()), siteId: configuration.siteId,
            zone: configuration.zone.rawValue, truck: call.truck, tripId: call.tripId, result: outcome, detail: detail)
        counts.results[outcome, default: 0] += 1
        try await client.publish(MQTTOutbound(topic: topic, payload: try WireEncoder().encode(result), qos: .atLeastOnce))
    }

    func publishState(_ state: StationStateMessage.State, detail: String? = nil) async throws {
        let topic = StationTopic.state(configuration.zone.rawValue)
        let message = StationStateMessage(
            headerId: header(topic), timestamp: WireTimestamp.format(secondsSince1970: configuration.now()), siteId: configuration.siteId,
            zone: configuration.zone.rawValue, state: state, detail: detail)
        try await client.publish(MQTTOutbound(topic: topic, payload: try WireEncoder().encode(message), qos: .atLeastOnce, retain: true))
    }

    func header(_ topic: String) -> UInt64 {
        let next = (headers[topic] ?? 0) + 1
        headers[topic] = next
        return next
    }
}
