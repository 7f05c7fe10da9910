import Foundation
public import LaneAuditor
import LaneCore
public import LaneMQTT
public import LaneSimKit
public import LaneSite
public import LaneTruckAgent
import LaneWire
import Synchronization

/// The real-broker simulation: a fleet of driverless trucks (`TruckAgent`, VDA 5050 over MQTT)
/// shuttling between the yards of a site, and the yard system that dispatches their trips to the
/// coordinator over its dispatch topic, with customs channels drawn from a mix and station dwells
/// drawn from the site's distributions. The coordinator runs separately (another process, or in
/// the tests' process) on the same broker and the same site clock.
public struct BrokerSimulation: Sendable {
    /// What to simulate.
    public struct Configuration: Sendable {
        /// The site.
        public var site: Site
        /// The coordinator's site id.
        public var siteId: String
        /// The broker.
        public var broker: MQTTConfiguration
        /// Trucks `T001`… (the coordinator's fleet must list them).
        public var trucks: Int
        /// The number of the first truck: a large fleet is shared among several simulator
        /// processes (libmosquitto's network loop watches its sockets with `select()`, so one
        /// process holds about 150 clients), each driving `trucks` trucks from this number on.
        public var firstTruck = 1
        /// Simulated duration (site seconds).
        public var duration: Double
        /// Site seconds per real second (the coordinator must use the same).
        public var timeScale: Double
        /// The real instant at which site time equals real time (the coordinator's `clockOrigin`).
        public var clockOrigin: Double
        /// Shares of the green, yellow and red channels.
        public var channelMix: (green: Double, yellow: Double, red: Double)
        /// Time in a yard between two trips (unloading, loading), site seconds.
        public var turnaround: Double
        /// Seed of the channel and dwell draws.
        public var seed: UInt64
        /// VDA 5050 interface name.
        public var interfaceName: String
        /// Where the true positions are written (JSON Lines, every half simulated second) for the
        /// auditor; nil: not written.
        public var tracePath: String?
        /// Faults of every truck's radio link (each truck draws from its own seed).
        public var link: TruckAgent.LinkFaults
        /// Site seconds between two state reports of a truck.
        public var stateInterval = 0.25
        /// Real seconds between two kinematic steps of a truck.
        public var stepInterval = 0.02
        /// Real seconds between two trucks joining at the start.
        public var joinInterval = 0.2
        /// Faults that strike one truck at a set time.
        public var faults: [ScheduledFault] = []
        /// After `duration`, dispatch nothing more and wait up to this long (site seconds) for the
        /// trips under way to finish; 0: stop at once.
        public var drain: Double
        /// The trucks follow VDA 5050 3.0's zone requests strictly: none enters a zone without a
        /// granted lease (`TruckAgent.Configuration.obeysZoneGrants`).
        public var obeyZoneGrants = false
        /// How the station systems (every station the site file says is `released-by:
        /// station-system`) behave. Only the simulator process with the first truck plays them.
        public var stations = StationBehaviour()

        /// A configuration; the channel mix defaults to 85% green, 12% yellow, 3% red.
        public init(
            site: Site, siteId: String, broker: MQTTConfiguration, trucks: Int, duration: Double, timeScale: Double, clockOrigin: Double,
            channelMix: (green: Double, yellow: Double, red: Double) = (0.85, 0.12, 0.03), turnaround: Double = 60, seed: UInt64 = 1,
            interfaceName: String = "lanes", tracePath: String? = nil, link: TruckAgent.LinkFaults = .init(), drain: Double = 0
        ) {
            self.site = site
            self.siteId = siteId
            self.broker = broker
            self.trucks = trucks
            self.duration = duration
            self.timeScale = timeScale
            self.clockOrigin = clockOrigin
            self.channelMix = channelMix
            self.turnaround = turnaround
            self.seed = seed
            self.interfaceName = interfaceName
            self.tracePath = tracePath
            self.link = link
            self.drain = drain
        }

        /// The serial number of the fleet's truck at `index` (from `firstTruck`).
        public func serial(_ index: Int) -> String { String(format: "T%03d", firstTruck + index) }
    }

    /// One finished or refused trip.
    public struct Trip: Sendable, Equatable {
        /// The trip id.
        public var id: String
        /// The truck.
        public var truck: String
        /// The lane.
        public var lane: LaneID
        /// The customs channel.
        public var channel: CustomsChannel
        /// Dispatched (site seconds).
        public var dispatched: Double
        /// Finished (site seconds), nil if refused.
        public var finished: Double?
    }

    /// What the run produced.
    public struct Summary: Sendable {
        /// Every trip dispatched, in dispatch order.
        public var trips: [Trip]
        /// Simulated seconds (before the drain).
        public var duration: Double
        /// Trips the coordinator refused.
        public var rejected: Int
        /// Per truck: site seconds it stood at a zone's entry only for want of a zone grant, and
        /// the grants it received (with `obeyZoneGrants`).
        public var zoneGrants: [String: (heldFor: Double, grants: Int)] = [:]
        /// What each station system did.
        public var stations: [ZoneID: StationSystem.Counts] = [:]
        /// Trips neither finished nor refused at the end.
        public var unfinished: [Trip] { trips.filter { $0.finished == nil } }
        /// Trips finished per lane.
        public func finished(on lane: LaneID) -> Int { trips.filter { $0.lane == lane && $0.finished != nil }.count }
        /// Mean dispatch-to-finish time per lane (site seconds).
        public func meanTripTime(on lane: LaneID) -> Double {
            let times = trips.filter { $0.lane == lane }.compactMap { t in t.finished.map { $0 - t.dispatched } }
            return times.isEmpty ? 0 : times.reduce(0, +) / Double(times.count)
        }
    }

    /// The configuration.
    public let configuration: Configuration

    /// A simulation.
    public init(_ configuration: Configuration) { self.configuration = configuration }

    /// The site clock shared with the coordinator.
    public var now: @Sendable () -> Double {
        let clock = SiteClock(scale: configuration.timeScale, origin: configuration.clockOrigin)
        return { clock.now() }
    }

    /// Runs the fleet and the yard system for `duration`; `progress` is called about every
    /// simulated minute with the trips so far, `view` every simulated half second with the
    /// trucks' true states and the trips so far.
    public func run(
        progress: @escaping @Sendable (_ elapsed: Double, _ trips: [Trip]) -> Void = { _, _ in },
        view: (@Sendable (_ elapsed: Double, _ trucks: [TraceSample], _ trips: [Trip]) -> Void)? = nil
    ) async throws -> Summary {
        let c = configuration
        let lanes = c.site.lanes.filter(\.driverless).map(\.id)
        guard !lanes.isEmpty else { return Summary(trips: [], duration: 0, rejected: 0) }
        let random = Locked(SeededRandom(seed: c.seed &+ UInt64(c.firstTruck - 1)))
        let site = c.site
        let dwell: @Sendable (String, String) -> Double = { _, zone in
            guard let station = site.zone(ZoneID(zone))?.station else { return 1 }
            // A station system of its own dwells; the truck only stops and waits for its word.
            if station.release == .stationSystem { return 0 }
            return station.dwell.quantile(random.withLock { Double.random(in: 0..<1, using: &$0) })
        }
        let yard = try MQTTClient(
            {
                var broker = c.broker
                broker.clientId = c.firstTruck == 1 ? "yard-\(c.siteId)" : "yard-\(c.siteId)-\(c.serial(0))"
                return broker
            }())
        try await yard.connect()
        /// The latest published state of each trip.
        let states = Locked<[String: TripStateMessage.State]>([:])
        /// The end of authority of the last order the coordinator sent each truck, seen on the
        /// broker: the trace's authority, independent of the trucks' own code.
        let authorities = Locked<[String: (orderId: String, update: UInt64, end: Double)]>([:])
        let trips = Locked<[Trip]>([])
        /// Each truck's current trip (lane, channel), nil in a yard between trips.
        let current = Locked<[String: (lane: String, channel: String)]>([:])
        let listening = Task {
            let decoder = WireDecoder()
            for await message in yard.messages {
                if (try? VDA5050Topic(parsing: message.topic))?.kind == .order {
                    guard let order = try? decoder.decode(OrderMessage.self, from: message.payload),
                        let end = order.nodes.last(where: \.released)?.nodePosition?.x
                    else { continue }
                    authorities.withLock { known in
                        if let last = known[order.serialNumber], last.orderId == order.orderId, last.update >= order.orderUpdateId {
                            return
                        }
                        known[order.serialNumber] = (order.orderId, order.orderUpdateId, end)
                    }
                } else if let state = try? decoder.decode(TripStateMessage.self, from: message.payload) {
                    states.withLock { $0[state.tripId] = state.state }
                    // A station re-routed the trip: the trace follows its new route.
                    if let channel = state.channel, state.state == .running,
                        trips.withLock({ $0.last(where: { $0.truck == state.truck })?.id }) == state.tripId
                    {
                        current.withLock { now in
                            if let trip = now[state.truck] { now[state.truck] = (trip.lane, channel.rawValue) }
                        }
                    }
                }
            }
        }
        try await yard.subscribe(CoordinatorTopic.everyTripState, qos: .atLeastOnce)
        try await yard.subscribe(VDA5050Topic.everyTruck(interfaceName: c.interfaceName, kind: .order), qos: .atLeastOnce)
        let start = now()
        let end = start + c.duration
        let finalEnd = end + c.drain
        let now = self.now
        var agents: [TruckAgent] = []
        var tasks: [Task<Void, any Error>] = []
        for index in 0..<c.trucks {
            let serial = c.serial(index)
            var truck = TruckAgent.Configuration(
                serialNumber: serial, interfaceName: c.interfaceName, stateInterval: c.stateInterval, timeScale: c.timeScale, now: now,
                dwell: dwell, initialPosition: -2,
                link: TruckAgent.LinkFaults(
                    loss: c.link.loss, duplication: c.link.duplication, delay: c.link.delay,
                    seed: c.link.seed &+ UInt64(c.firstTruck - 1 + index)))
            truck.stepInterval = c.stepInterval
            truck.obeysZoneGrants = c.obeyZoneGrants
            let agent = try TruckAgent(truck, broker: c.broker)
            agents.append(agent)
            tasks.append(Task { try await agent.run() })
            let firstLane = index % lanes.count
            tasks.append(
                Task {
                    var lane = firstLane
                    var number = 0
                    try await Task.sleep(for: .seconds(Double(index) * c.joinInterval))  // the fleet joins over a few seconds
                    while now() < end {
                        await agent.enterYard(at: -2)
                        number += 1
                        let tripId = "\(serial)-\(number)"
                        let channel: CustomsChannel = random.withLock {
                            let u = Double.random(in: 0..<1, using: &$0)
                            return u < c.channelMix.green ? .green : u < c.channelMix.green + c.channelMix.yellow ? .yellow : .red
                        }
                        current.withLock { $0[serial] = (lanes[lane].rawValue, channel.rawValue) }
                        authorities.withLock { $0[serial] = nil }
                        let dispatched = now()
                        let trip = TripDispatch(
                            headerId: UInt64(number), timestamp: WireTimestamp.format(secondsSince1970: dispatched), siteId: c.siteId,
                            tripId: tripId, truck: serial, lane: lanes[lane].rawValue, containerId: "CONT\(serial)\(number)",
                            perishable: false, channel: WireChannel(rawValue: channel.rawValue)!)
                        try await yard.publish(
                            MQTTOutbound(topic: CoordinatorTopic.dispatch, payload: try WireEncoder().encode(trip), qos: .atLeastOnce))
                        let index = trips.withLock {
                            $0.append(Trip(id: tripId, truck: serial, lane: lanes[lane], channel: channel, dispatched: dispatched))
                            return $0.count - 1
                        }
                        while now() < finalEnd {
                            let state = states.withLock { $0[tripId] }
                            if state == .finished {
                                trips.withLock { $0[index].finished = now() }
                                current.withLock { $0[serial] = nil }
                                break
                            }
                            if state == .rejected { break }
                            try await Task.sleep(for: .milliseconds(50))
                        }
                        if states.withLock({ $0[tripId] }) == .rejected {
                            current.withLock { $0[serial] = nil }
                            try await Task.sleep(for: .seconds(10 / c.timeScale))
                            continue
                        }
                        try await Task.sleep(for: .seconds(c.turnaround / c.timeScale))
                        lane = (lane + 1) % lanes.count
                    }
                })
        }
        let stations = c.firstTruck == 1 ? try startStations(agents: agents, current: current, start: start) : []
        for station in stations { tasks.append(Task { try await station.run() }) }
        let trace = try c.tracePath.map { path -> FileHandle in
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            return try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        }
        let encoder = JSONEncoder()
        var pendingFaults = c.faults.sorted { $0.at < $1.at }
        var lastReport = start
        var lastSample = start
        @Sendable func refused(_ trip: Trip) -> Bool { states.withLock { $0[trip.id] } == .rejected }
        while now() < end || (now() < finalEnd && trips.withLock { $0 }.contains { $0.finished == nil && !refused($0) }) {
            // Wake at the next half second of site time: every simulator process sharing a fleet
            // samples the same instants, so their traces merge for the auditor.
            let nextSample = ((now() / 0.5).rounded(.down) + 1) * 0.5
            try await Task.sleep(for: .milliseconds(Int(max(10, 1000 * (nextSample - now()) / c.timeScale))))
            while let fault = pendingFaults.first, now() - start >= fault.at {
                pendingFaults.removeFirst()
                guard let index = Int(fault.truck.dropFirst()).map({ $0 - c.firstTruck }), agents.indices.contains(index) else { continue }
                let agent = agents[index]
                switch fault.kind {
                case .linkDown(let seconds): await agent.loseLink(until: now() + seconds)
                case .breakdown(let seconds): await agent.breakDown(until: now() + seconds)
                case .overrun(let metres): await agent.overrun(by: metres)
                }
            }
            if trace != nil || view != nil, (now() / 0.5).rounded(.down) > (lastSample / 0.5).rounded(.down) {
                lastSample = now()
                var samples: [TraceSample] = []
                for (index, agent) in agents.enumerated() {
                    let serial = c.serial(index)
                    let trip = current.withLock { $0[serial] }
                    let front = await agent.position
                    let speed = await agent.speed
                    let sample = TraceSample(
                        t: now(), truck: serial, lane: trip?.lane, channel: trip?.channel, front: front, speed: speed,
                        authorityEnd: authorities.withLock { $0[serial]?.end }, length: agent.configuration.length)
                    samples.append(sample)
                }
                if let trace {
                    var lines = Data()
                    for sample in samples {
                        lines.append(try encoder.encode(sample))
                        lines.append(UInt8(ascii: "\n"))
                    }
                    trace.write(lines)
                }
                view?(lastSample - start, samples, trips.withLock { $0 })
            }
            if now() - lastReport >= 60 {
                lastReport = now()
                progress(lastReport - start, trips.withLock { $0 })
            }
        }
        try trace?.close()
        for task in tasks { task.cancel() }
        var stationCounts: [ZoneID: StationSystem.Counts] = [:]
        for station in stations {
            stationCounts[station.configuration.zone] = await station.counts
            await station.stop()
        }
        var grants: [String: (heldFor: Double, grants: Int)] = [:]
        for (index, agent) in agents.enumerated() {
            await agent.stop()
            if c.obeyZoneGrants { grants[c.serial(index)] = (await agent.heldByGrants, await agent.grantsReceived) }
        }
        listening.cancel()
        await yard.close()
        var summary = Summary(
            trips: trips.withLock { $0 }, duration: c.duration, rejected: trips.withLock { $0 }.filter(refused).count)
        summary.zoneGrants = grants
        summary.stations = stationCounts
        return summary
    }

    /// The station systems of the site, each on its own MQTT connection; a drive-through portal
    /// watches the true motion of the trucks that pass it.
    func startStations(
        agents: [TruckAgent], current: Locked<[String: (lane: String, channel: String)]>, start: Double
    ) throws -> [StationSystem] {
        let c = configuration
        let site = c.site
        var byTruck: [String: TruckAgent] = [:]
        for (index, agent) in agents.enumerated() { byTruck[c.serial(index)] = agent }
        let fleet = byTruck
        let now = self.now
        var systems: [StationSystem] = []
        for (number, zone) in site.zones.enumerated() {
            guard let station = zone.station, station.release == .stationSystem else { continue }
            var judge: (@Sendable (String) async -> Bool)?
            if let portal = station.driveThrough {
                let id = zone.id
                judge = { serial in
                    guard let agent = fleet[serial], let trip = current.withLock({ $0[serial] }),
                        let channel = CustomsChannel(rawValue: trip.channel),
                        let route = site.route(lane: LaneID(trip.lane), channel: channel),
                        let leg = route.legIndex(ofZone: site.zoneIndex[id]!).map({ route.legs[$0] })
                    else { return true }
                    return await Self.watchPass(agent, through: leg, portal: portal, now: now, timeScale: c.timeScale)
                }
            }
            let behaviour = c.stations
            let config = StationSystem.Configuration(
                zone: zone.id, station: station, siteId: c.siteId, timeScale: c.timeScale, now: now, seed: c.seed &+ UInt64(1000 + number),
                suspiciousShare: station.activity == .scan ? behaviour.suspiciousShare : 0,
                unreadableShare: station.activity == .scan ? behaviour.unreadableShare : 0,
                offline: (behaviour.offline[zone.id] ?? []).map { (start + $0.lowerBound)..<(start + $0.upperBound) }, judgePass: judge)
            var broker = c.broker
            if let credentials = behaviour.credentials[zone.id] { broker.credentials = credentials }
            systems.append(try StationSystem(config, broker: broker))
        }
        return systems
    }

    /// A drive-through portal's sensors: follows the truck until its rear has left the portal
    /// (`leg` of its route) and says whether its speed stayed within the band all through.
    static func watchPass(
        _ agent: TruckAgent, through leg: Route.Leg, portal: DriveThrough, now: @Sendable () -> Double, timeScale: Double
    ) async -> Bool {
        let length = agent.configuration.length
        let deadline = now() + 600
        var inBand = true
        while now() < deadline {
            let front = await agent.position
            let speed = await agent.speed
            if front - length >= leg.end { return inBand }
            if front > leg.start && abs(speed - portal.speed) > portal.tolerance + 1e-6 { inBand = false }
            try? await Task.sleep(for: .seconds(max(0.005, 0.1 / timeScale)))
        }
        return false
    }
}

/// How the simulated station systems behave: the scanners' image outcomes, offline spells, and
/// the accounts they log in with.
public struct StationBehaviour: Sendable {
    /// A scanner's share of suspicious images.
    public var suspiciousShare: Double
    /// A scanner's share of unreadable images.
    public var unreadableShare: Double
    /// Offline spells per station zone, in site seconds from the start of the run.
    public var offline: [ZoneID: [Range<Double>]]
    /// The broker account of each station (user name = zone id), where the broker asks for one.
    public var credentials: [ZoneID: MQTTCredentials]

    /// Offline spells drawn for the station systems of `site` over `duration` site seconds: one
    /// every `every` seconds on average on a random station (nil: none), each lasting a time
    /// drawn from `lasting`.
    public static func outages(
        of site: Site, every: Double?, lasting: ClosedRange<Double>, over duration: Double, seed: UInt64
    ) -> [ZoneID: [Range<Double>]] {
        let stations = site.zones.filter { $0.station?.release == .stationSystem }.map(\.id)
        guard let every, !stations.isEmpty else { return [:] }
        var random = SeededRandom(seed: seed &+ 77)
        var spells: [ZoneID: [Range<Double>]] = [:]
        var t = -every * log(1 - Double.random(in: 0..<1, using: &random))
        while t < duration {
            let zone = stations[Int.random(in: 0..<stations.count, using: &random)]
            let length = Double.random(in: lasting, using: &random)
            if !(spells[zone] ?? []).contains(where: { $0.overlaps(t..<(t + length)) }) {
                spells[zone, default: []].append(t..<(t + length))
            }
            t += -every * log(1 - Double.random(in: 0..<1, using: &random))
        }
        return spells
    }

    /// Station behaviour; by default every image is clear and no station goes offline.
    public init(
        suspiciousShare: Double = 0, unreadableShare: Double = 0, offline: [ZoneID: [Range<Double>]] = [:],
        credentials: [ZoneID: MQTTCredentials] = [:]
    ) {
        self.suspiciousShare = suspiciousShare
        self.unreadableShare = unreadableShare
        self.offline = offline
        self.credentials = credentials
    }
}

/// A fault that strikes one truck at a set time of a broker simulation.
public struct ScheduledFault: Sendable, Equatable {
    /// What happens.
    public enum Kind: Sendable, Equatable {
        /// The truck's radio link is down for this many site seconds (nothing out, nothing in).
        case linkDown(Double)
        /// The truck breaks down and stands for this many site seconds.
        case breakdown(Double)
        /// The truck drives this many metres past its end of authority.
        case overrun(Double)
    }

    /// The truck (`T001`…).
    public var truck: String
    /// Site seconds after the start of the run.
    public var at: Double
    /// What happens.
    public var kind: Kind

    /// A fault of `truck` at `at` seconds into the run.
    public init(truck: String, at: Double, kind: Kind) {
        self.truck = truck
        self.at = at
        self.kind = kind
    }
}

/// A value shared between tasks under a lock.
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    /// A value under a lock.
    public init(_ value: Value) { mutex = Mutex(value) }

    /// Runs `body` with the value, holding the lock.
    public func withLock<R: Sendable>(_ body: (inout sending Value) -> sending R) -> R { mutex.withLock(body) }
}
