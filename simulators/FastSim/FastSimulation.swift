import Foundation
import LaneCore
public import LaneSafetyCheck
import LaneSimKit
public import LaneSite

/// The settings of one fast in-process run.
public struct FastSimConfiguration: Sendable {
    /// Seed of every random draw; the same seed gives the same run.
    public var seed: UInt64
    /// Simulated time to run.
    public var duration: Seconds
    /// Time step of the kinematics.
    public var step: Seconds = 0.1
    /// Interval between two state reports of one truck (5 Hz).
    public var reportInterval: Seconds = 0.2
    /// Interval between two `tick` events.
    public var tickInterval: Seconds = 1
    /// Number of trucks in the fleet.
    public var fleetSize: Int
    /// The trucks' kinematics when the fleet has no types.
    public var profile: TruckProfile = TruckProfile()
    /// The fleet's truck types; truck *i* takes its type by the shares, in order. Empty: every
    /// truck has `profile`.
    public var truckTypes: [TruckType] = []
    /// Window of the site clock in which every truck's true position is sampled each second.
    public var trajectoryWindow: Range<Seconds>?
    /// Trip demand.
    public var demand: DemandProfile = DemandProfile()
    /// Faults to inject.
    public var faults: FaultProfile = FaultProfile()
    /// Whether the independent safety checker runs after every step.
    public var checkSafety = true
    /// Trips begun after this instant are not started (so a run can drain).
    public var stopDispatchingAt: Seconds?
    /// Measurement starts here (warm-up excluded from throughput).
    public var warmUp: Seconds = 0
    /// A truck whose events and commands are printed as they happen (for debugging a seed).
    public var trace: TruckID?

    /// A run of `duration` with `fleetSize` trucks.
    public init(seed: UInt64, duration: Seconds, fleetSize: Int) {
        self.seed = seed
        self.duration = duration
        self.fleetSize = fleetSize
    }

    /// The type of truck `index` (from 0): the types fill the fleet in order, each with its
    /// share rounded to whole trucks; nil when the fleet has no types.
    public func truckType(ofTruck index: Int) -> TruckType? {
        guard !truckTypes.isEmpty else { return nil }
        let total = truckTypes.map(\.share).reduce(0, +)
        var upTo = 0.0
        for type in truckTypes {
            upTo += type.share / total * Double(fleetSize)
            if Double(index) < upTo.rounded() { return type }
        }
        return truckTypes.last
    }

    /// The kinematics of truck `index` (from 0).
    public func profile(ofTruck index: Int) -> TruckProfile { truckType(ofTruck: index)?.profile ?? profile }
}

/// What a run produced.
public struct SimulationReport: Sendable {
    /// Trips admitted.
    public var tripsStarted = 0
    /// Trips completed.
    public var tripsCompleted = 0
    /// Trips an operator cancelled (fault injection) while their trucks waited in the yard.
    public var tripsCancelled = 0
    /// Trips still on a lane when the run ended.
    public var tripsUnfinished: [TruckID] = []
    /// Station releases in the measured period, per zone.
    public var stationReleases: [ZoneID: Int] = [:]
    /// Measured period (after warm-up).
    public var measuredSeconds: Seconds = 0
    /// Mean trip time from admission to completion.
    public var meanTripTime: Seconds = 0
    /// Stops not at a station, per completed trip.
    public var unplannedStopsPerTrip: Double = 0
    /// Events the controller refused, by reason.
    public var rejections: [String: Int] = [:]
    /// Circular waits the controller reported.
    public var gridlocks: [[TruckID]] = []
    /// Safety violations the independent checker found.
    public var violations: [SafetyViolation] = []
    /// Steps the checker checked.
    public var stepsChecked = 0
    /// Events handled by the controller.
    public var eventsHandled = 0
    /// Emergency stops the controller commanded.
    public var emergencyStops = 0
    /// Restarts of the controller (`FaultProfile.restartEvery`).
    public var restarts = 0
    /// State reports and ticks lost while the controller was down.
    public var eventsLostToRestarts = 0
    /// Shipments, trip starts and completions per simulated hour.
    public var hourly = HourlyCounts()
    /// Waits of shipments in the yard for a truck in the measured period (demand-driven runs).
    public var shipmentWaits: [Seconds] = []
    /// Trips completed in the measured period.
    public var tripsCompletedMeasured = 0
    /// Time spent dwelling at each station in the measured period.
    public var stationBusy: [ZoneID: Seconds] = [:]
    /// Samples of the true positions in the configured window.
    public var trajectories: [TrajectorySample] = []
    /// Passes through drive-through portals whose scan was spoiled (the truck's speed left the
    /// portal's band, or it stopped inside): each such truck was sent to manual inspection.
    public var spoiledScans = 0
    /// Scans whose image was suspicious (the truck went to the red channel).
    public var suspiciousScans = 0
    /// Scans taken again after an unreadable image.
    public var rescans = 0
    /// Outages of a station's system (its zone closed meanwhile).
    public var stationOutages = 0
    /// The most trucks standing on each lane at once (by lane index) in the measured period:
    /// past the lane's start, below 0.1 m/s, and not at a station's stop point (trucks waiting
    /// in the yard before the lane's start are not on the lane).
    public var maxTrucksWaitingOnLane: [Int: Int] = [:]
    /// Stops (in the measured period) with some part of the truck on the km 0 strip, a crossing
    /// or a merge, where no truck should ever wait.
    public var standsWhereNoneMayWait = 0

    /// Releases per hour at `zone` over the measured period.
    public func throughputPerHour(at zone: ZoneID) -> Double {
        measuredSeconds > 0 ? Double(stationReleases[zone, default: 0]) * 3600 / measuredSeconds : 0
    }
}

/// A truck of a fast run, as the simulator (not the controller) knows it.
struct SimulatedTruck {
    let id: TruckID
    let profile: TruckProfile
    var yard: String
    var readyAt: Seconds
    var onLane = false
    var lane = 0
    var route: Route?
    var channel: CustomsChannel = .green
    var front: Meters = 0
    var speed: MetersPerSecond = 0
    var heldEnd: Meters = 0
    var heldSequence: UInt64 = 0
    var expiry: Seconds = -.infinity
    var advisory: MetersPerSecond = 0
    var paused = false
    var emergency = false
    var brokenUntil: Seconds = -.infinity
    var linkDownUntil: Seconds = -.infinity
    var nextReport: Seconds = 0
    var sequence: UInt64 = 0
    var dwellUntil: Seconds?
    var dwellStarted: Seconds = 0
    var cleared: Set<Int> = []
    var startedAt: Seconds = 0
    var wasMoving = false
    var unplannedStops = 0
    /// Whether the truck's speed left the band of the drive-through portal it is in.
    var scanSpoiled = false
    /// The scanner already scanned it again after an unreadable image (at its current station).
    var rescanned = false
}

/// An event on its way to the controller.
struct PendingEvent {
    var due: Seconds
    var order: Int
    var event: CoreEvent
}

/// A fast in-process run: a virtual clock, kinematic trucks, the controller in the same process,
/// faults drawn from a seed, and the independent safety checker after every step.
public struct FastSimulation<Controller: LaneController> {
    /// The site.
    public let site: Site
    /// The settings.
    public let configuration: FastSimConfiguration
    /// The controller under test.
    public private(set) var controller: Controller
    var random: SeededRandom
    var trucks: [SimulatedTruck] = []
    var byID: [TruckID: Int] = [:]
    var events: [PendingEvent] = []
    var eventOrder = 0
    var checker: SafetyChecker
    var report = SimulationReport()
    var now: Seconds = 0
    var lastPlacement: [Int: Int] = [:]
    var releaseCredit: [Double]
    var backlog: [[Seconds]]
    let zoneSpeedLimit: [MetersPerSecond]
    let zoneStopOffset: [Meters?]
    /// Every station zone (where station outages strike).
    let stationZones: [ZoneID]
    /// Per zone: its drive-through portal, if it is one.
    let zonePortal: [DriveThrough?]
    let hasPortals: Bool
    var shipmentWaits: [Seconds] = []
    var holds: [(until: Seconds, truck: TruckID)] = []
    var closures: [(until: Seconds, zone: ZoneID)] = []
    /// Stations whose system is out, and until when.
    var outages: [ZoneID: Seconds] = [:]
    var tripTimes: [Seconds] = []
    /// Trucks standing on each lane in this step (scratch of `moveTrucks`).
    var waitingNow: [Int]
    var unplannedStops = 0
    /// Called after every step with the clock; for live views.
    public var observer: ((Seconds, SimulationReport) -> Void)?
    /// A fresh controller, for restarts (`FaultProfile.restartEvery`); none, no restarts.
    public var restartController: (() -> Controller)?
    /// What the controller's journal keeps, for its restarts.
    var journal = ControllerJournal()
    /// While the controller is down: when it comes back.
    var downUntil: Seconds?
    /// Events that reached the broker while the controller was down, for when it is back.
    var keptWhileDown: [CoreEvent] = []

    /// A run of `controller` on `site`.
    public init(site: Site, controller: Controller, configuration: FastSimConfiguration) {
        self.site = site
        self.controller = controller
        self.configuration = configuration
        self.random = SeededRandom(seed: configuration.seed)
        self.checker = SafetyChecker(site: site)
        self.checker.stepTolerance = configuration.step + 0.01
        self.releaseCredit = Array(repeating: 0, count: site.lanes.count)
        self.backlog = Array(repeating: [], count: site.lanes.count)
        self.zoneSpeedLimit = site.zones.map(\.speedLimit)
        self.zoneStopOffset = site.zones.map { $0.station?.stops == true ? $0.station?.stopOffset : nil }
        self.stationZones = site.zones.filter { $0.station != nil }.map(\.id)
        self.zonePortal = site.zones.map { $0.station?.driveThrough }
        self.hasPortals = site.zones.contains { $0.station?.driveThrough != nil }
        self.waitingNow = Array(repeating: 0, count: site.lanes.count)
    }

    // MARK: Running

    /// Runs to the end and returns the report.
    public mutating func run() -> SimulationReport {
        let driverless = site.lanes.indices.filter { site.lanes[$0].driverless }
        for i in 0..<configuration.fleetSize {
            let id = TruckID("T\(String(i + 1).leftPadded(to: 3))")
            let lane = driverless[i % driverless.count]
            let profile = configuration.profile(ofTruck: i)
            trucks.append(SimulatedTruck(id: id, profile: profile, yard: site.lanes[lane].origin, readyAt: 0))
            byID[id] = i
            deliver(.truckJoined(id, profile))
        }
        var nextTick: Seconds = 0
        let steps = Int((configuration.duration / configuration.step).rounded())
        for n in 0...steps {
            now = Double(n) * configuration.step
            processEvents()
            if now >= nextTick {
                deliver(.tick)
                nextTick += configuration.tickInterval
            }
            dispatchTrips(driverless)
            injectFaults()
            moveTrucks()
            sendReports()
            if configuration.checkSafety {
                checker.check(at: now, truth: truth())
            }
            observer?(now, report)
        }
        report.measuredSeconds = configuration.duration - configuration.warmUp
        report.tripsUnfinished = trucks.filter(\.onLane).map(\.id)
        report.meanTripTime = tripTimes.isEmpty ? 0 : tripTimes.reduce(0, +) / Double(tripTimes.count)
        report.unplannedStopsPerTrip =
            report.tripsCompleted > 0 ? Double(unplannedStops) / Double(report.tripsCompleted) : 0
        report.shipmentWaits = shipmentWaits
        report.violations = checker.violations
        report.stepsChecked = checker.stepsChecked
        return report
    }

    func truth() -> [TruckID: TruckTruth] {
        var result: [TruckID: TruckTruth] = Dictionary(minimumCapacity: trucks.count)
        for t in trucks.indices where trucks[t].onLane {
            result[trucks[t].id] = TruckTruth(
                front: trucks[t].front, speed: trucks[t].speed, heldEnd: trucks[t].heldEnd, profile: trucks[t].profile)
        }
        return result
    }

    // MARK: Events to the controller

    mutating func schedule(_ event: CoreEvent, at due: Seconds) {
        eventOrder += 1
        // Kept in delivery order (due, then scheduling order): after every event due no later.
        var low = events.startIndex
        var high = events.endIndex
        while low < high {
            let mid = (low + high) / 2
            if events[mid].due <= due { low = mid + 1 } else { high = mid }
        }
        events.insert(PendingEvent(due: due, order: eventOrder, event: event), at: low)
    }

    /// Delivers the events due by now, in order; those they schedule wait for the next step.
    mutating func processEvents() {
        var count = 0
        while count < events.count && events[count].due <= now { count += 1 }
        guard count > 0 else { return }
        let due = Array(events[..<count])
        events.removeFirst(count)
        for pending in due { deliver(pending.event) }
    }

    mutating func deliver(_ event: CoreEvent) {
        if downUntil != nil {
            // Reports and ticks are lost; the rest waits at the broker.
            switch event {
            case .stateReport, .tick: report.eventsLostToRestarts += 1
            default: keptWhileDown.append(event)
            }
            return
        }
        report.eventsHandled += 1
        let commands = controller.handle(event, now: now)
        if restartController != nil { journal.record(event, commands) }
        if let traced = configuration.trace { printTrace(traced, event, commands) }
        if configuration.checkSafety {
            // The checker needs the true states only to judge a shortened authority.
            let shortens = commands.contains {
                if case .authority(_, .shorten) = $0 { return true }
                return false
            }
            checker.observe(commands, at: now, truth: shortens ? truth() : [:])
        }
        for command in commands { apply(command) }
        // A station's release refused because the controller has no report of the truck yet
        // (just after a restart) is told again with the truck's next state, as a VDA 5050
        // truck's state repeats the finished action.
        if case .stationFinished(let id, _) = event, restartController != nil,
            commands.contains(where: { if case .rejected(let r) = $0, case .notAtStation = r.reason { true } else { false } }),
            let t = byID[id], trucks[t].onLane, trucks[t].speed < 0.01
        {
            schedule(event, at: now + configuration.reportInterval)
        }
    }

    func printTrace(_ traced: TruckID, _ event: CoreEvent, _ commands: [CoreCommand]) {
        let mentions = { (text: String) in text.contains(traced.rawValue) }
        let eventText = String(describing: event)
        let relevant = commands.map { String(describing: $0) }.filter(mentions)
        guard mentions(eventText) || !relevant.isEmpty else { return }
        let truth = byID[traced].map { "front=\(trucks[$0].front) v=\(trucks[$0].speed) held=\(trucks[$0].heldEnd)" } ?? ""
        print("t=\(now) \(truth)\n  <- \(eventText)")
        for line in relevant { print("  -> \(line)") }
    }

    // MARK: Commands to the trucks

    mutating func apply(_ command: CoreCommand) {
        switch command {
        case .authority(let authority, _):
            guard let t = byID[authority.truck], trucks[t].onLane, trucks[t].linkDownUntil <= now else { return }
            if random.chance(configuration.faults.commandLoss) { return }
            if authority.sequence > trucks[t].heldSequence {
                trucks[t].heldSequence = authority.sequence
                trucks[t].heldEnd = authority.end
                trucks[t].expiry = authority.expiry
                trucks[t].advisory = authority.advisorySpeed
            }
        case .stop(let id, _):
            if let t = byID[id] { trucks[t].paused = true }
        case .resume(let id):
            if let t = byID[id] {
                trucks[t].paused = false
                trucks[t].emergency = false
            }
        case .emergencyStop(let id, _):
            report.emergencyStops += 1
            if let t = byID[id] { trucks[t].emergency = true }
        case .rejected(let rejection):
            report.rejections[rejection.reason.code, default: 0] += 1
        case .notice(.tripCompleted(let id, _)):
            guard let t = byID[id] else { return }
            finishTrip(t)
        case .notice(.tripCancelled(let id, _)):
            // Only a truck that truly never got authority past its yard goes back into it; any
            // other stays where it is, on its trip as far as the safety checker knows, so that
            // a wrong cancellation shows up as a violation.
            guard let t = byID[id], trucks[t].onLane, trucks[t].front <= 0, trucks[t].heldEnd <= 0 else { return }
            leaveLane(t, for: site.lanes[trucks[t].lane].origin, readyAt: now + configuration.demand.yardTurnaround.lowerBound)
            report.tripsCancelled += 1
        case .notice(.rerouted(let id, let channel)):
            guard let t = byID[id], let route = trucks[t].route else { return }
            trucks[t].channel = channel
            trucks[t].route = site.route(lane: site.lanes[route.lane].id, channel: channel)
        case .notice(.gridlock(let ids)):
            report.gridlocks.append(ids)
        case .slotPlan, .notice:
            break
        }
    }

    mutating func finishTrip(_ t: Int) {
        guard trucks[t].onLane else { return }
        let turnaround = configuration.demand.yardTurnaround
        leaveLane(
            t, for: site.lanes[trucks[t].lane].destination,
            readyAt: now + turnaround.lowerBound + random.unit() * (turnaround.upperBound - turnaround.lowerBound))
        trucks[t].paused = false
        trucks[t].emergency = false
        report.tripsCompleted += 1
        report.hourly.record(\.completed, at: now)
        if now >= configuration.warmUp { report.tripsCompletedMeasured += 1 }
        tripTimes.append(now - trucks[t].startedAt)
        unplannedStops += trucks[t].unplannedStops
    }

    /// The truck's trip is over: it waits in `yard` until `readyAt`, and the safety checker
    /// forgets the trip.
    mutating func leaveLane(_ t: Int, for yard: String, readyAt: Seconds) {
        trucks[t].onLane = false
        trucks[t].yard = yard
        trucks[t].readyAt = readyAt
        checker.tripEnded(trucks[t].id)
    }

    // MARK: Demand

    mutating func dispatchTrips(_ driverless: [Int]) {
        if let stop = configuration.stopDispatchingAt, now >= stop { return }
        let rate = configuration.demand.rate(at: now)
        for lane in driverless {
            if let rate {
                // Shipments arrive at the demand's rate and wait in the yard for a truck.
                releaseCredit[lane] += rate * configuration.step / 3600
                while releaseCredit[lane] >= 1 {
                    releaseCredit[lane] -= 1
                    backlog[lane].append(now)
                    report.hourly.record(\.offered, at: now)
                }
                guard !backlog[lane].isEmpty else { continue }
            }
            // The lane's start must be clear of the truck placed there last.
            if let last = lastPlacement[lane], trucks[last].onLane, trucks[last].lane == lane,
                trucks[last].front < trucks[last].profile.length + site.rules.standstillGap + 2
            {
                continue
            }
            let origin = site.lanes[lane].origin
            var chosen: Int?
            for i in trucks.indices where !trucks[i].onLane && trucks[i].readyAt <= now && trucks[i].yard == origin {
                if chosen.map({ trucks[i].readyAt < trucks[$0].readyAt }) ?? true { chosen = i }
            }
            guard let t = chosen else { continue }
            if rate != nil {
                let wait = now - backlog[lane].removeFirst()
                if now >= configuration.warmUp { shipmentWaits.append(wait) }
            }
            startTrip(t, lane: lane)
        }
    }

    mutating func drawChannel() -> CustomsChannel {
        let u = random.unit()
        var sum = 0.0
        for channel in CustomsChannel.allCases {
            sum += configuration.demand.channelMix[channel, default: 0]
            if u < sum { return channel }
        }
        return .green
    }

    mutating func startTrip(_ t: Int, lane: Int) {
        let channel = drawChannel()
        let perishable = random.chance(configuration.demand.perishableShare)
        var truck = trucks[t]
        truck.onLane = true
        truck.lane = lane
        truck.channel = channel
        truck.route = site.route(lane: site.lanes[lane].id, channel: channel)
        // The truck waits in the origin yard, its front just short of the lane's first zone.
        truck.front = -(configuration.faults.positionNoise + 0.5)
        truck.speed = 0
        truck.heldEnd = truck.front
        truck.expiry = -.infinity
        truck.paused = false
        truck.emergency = false
        truck.cleared = []
        truck.dwellUntil = nil
        truck.startedAt = now
        truck.nextReport = now
        truck.unplannedStops = 0
        truck.wasMoving = false
        trucks[t] = truck
        lastPlacement[lane] = t
        report.tripsStarted += 1
        report.hourly.record(\.started, at: now)
        checker.tripStarted(truck.id, lane: site.lanes[lane].id, channel: channel)
        deliver(.tripAssigned(TripRequest(truck: truck.id, lane: site.lanes[lane].id, channel: channel, perishable: perishable)))
    }

    // MARK: Faults

    mutating func injectFaults() {
        let faults = configuration.faults
        let step = configuration.step
        guard faults.injectsEvents || !holds.isEmpty || !closures.isEmpty || !outages.isEmpty else { return }
        if let makeController = restartController, let every = faults.restartEvery {
            if let until = downUntil, until <= now {
                // Back, rebuilt from the journal alone.
                downUntil = nil
                controller = makeController()
                for event in journal.replay() { deliver(event) }
                // The stations' retained states reach it again at once.
                for zone in outages.keys.sorted() { deliver(.stationAvailability(zone, available: false)) }
                // What the broker kept for it meanwhile (trips, stations, operators: QoS 1 on a
                // persistent session), in order, after the trucks' first reports (a station's
                // release is judged against the truck's reported position).
                for event in keptWhileDown { schedule(event, at: now + configuration.reportInterval + 0.2) }
                keptWhileDown = []
            } else if downUntil == nil, random.chance(step / every) {
                downUntil = now + draw(faults.restartDowntime)
                report.restarts += 1
            }
        }
        var onLane: [Int] = []
        onLane.reserveCapacity(trucks.count)
        for t in trucks.indices where trucks[t].onLane { onLane.append(t) }
        for t in onLane {
            if let every = faults.linkLossEvery, trucks[t].linkDownUntil < now, random.chance(step / every) {
                trucks[t].linkDownUntil = now + draw(faults.linkLossDuration)
            }
            if let every = faults.breakdownEvery, trucks[t].brokenUntil < now, random.chance(step / every) {
                trucks[t].brokenUntil = now + draw(faults.breakdownDuration)
            }
        }
        if let every = faults.operatorHoldEvery, !onLane.isEmpty, random.chance(step / every) {
            let t = onLane[Int(random.next() % UInt64(onLane.count))]
            deliver(.operatorCommand(.holdTruck(trucks[t].id)))
            holds.append((now + 5 + random.unit() * 30, trucks[t].id))
        }
        for hold in holds where hold.until <= now { deliver(.operatorCommand(.releaseTruck(hold.truck))) }
        holds.removeAll { $0.until <= now }
        if let every = faults.zoneClosureEvery, random.chance(step / every) {
            let zone = site.zones[Int(random.next() % UInt64(site.zones.count))].id
            deliver(.operatorCommand(.closeZone(zone, reason: "fault injection")))
            closures.append((now + 10 + random.unit() * 60, zone))
        }
        for closure in closures where closure.until <= now {
            deliver(.operatorCommand(.openZone(closure.zone)))
            // Trucks emergency-stopped by a late closure are released by the operator.
            for t in trucks.indices where trucks[t].emergency { deliver(.operatorCommand(.releaseTruck(trucks[t].id))) }
        }
        closures.removeAll { $0.until <= now }
        // No new outage once the run drains its trips (the liveness runs' trucks must all finish).
        let draining = configuration.stopDispatchingAt.map { now >= $0 } ?? false
        if let every = faults.stationOutageEvery, !draining, random.chance(step / every), !stationZones.isEmpty {
            let zone = stationZones[Int(random.next() % UInt64(stationZones.count))]
            if outages[zone] == nil {
                outages[zone] = now + draw(faults.stationOutageDuration)
                report.stationOutages += 1
                deliver(.stationAvailability(zone, available: false))
            }
        }
        for (zone, until) in outages.sorted(by: { $0.key < $1.key }) where until <= now {
            outages[zone] = nil
            deliver(.stationAvailability(zone, available: true))
        }
        if let every = faults.tripCancelEvery, !onLane.isEmpty, random.chance(step / every) {
            let waiting = onLane.filter { trucks[$0].front <= 0 }
            let pool = !waiting.isEmpty && random.chance(0.5) ? waiting : onLane
            deliver(.operatorCommand(.cancelTrip(trucks[pool[Int(random.next() % UInt64(pool.count))]].id)))
        }
        if let every = faults.channelChangeEvery, !onLane.isEmpty, random.chance(step / every) {
            let t = onLane[Int(random.next() % UInt64(onLane.count))]
            if trucks[t].channel == .green { deliver(.channelAssigned(trucks[t].id, .red)) }
        }
    }

    mutating func draw(_ range: ClosedRange<Seconds>) -> Seconds {
        range.lowerBound + random.unit() * (range.upperBound - range.lowerBound)
    }

    // MARK: Kinematics

    mutating func moveTrucks() {
        let dt = configuration.step
        let measuring = now >= configuration.warmUp
        for lane in waitingNow.indices { waitingNow[lane] = 0 }
        let sample = configuration.trajectoryWindow.map { $0.contains(now) && (now - $0.lowerBound).remainder(dividingBy: 1) == 0 } ?? false
        for t in trucks.indices where trucks[t].onLane {
            guard let route = trucks[t].route else { continue }
            // The truck is moved out of the array and back, so that it is not copied.
            var truck = trucks[t]
            trucks[t].route = nil
            move(&truck, on: route, dt: dt)
            if sample { report.trajectories.append(TrajectorySample(truck: truck.id, lane: truck.lane, time: now, front: truck.front)) }
            if measuring, truck.front > 0, truck.speed < 0.1, truck.dwellUntil == nil, !atStation(truck, route) {
                waitingNow[truck.lane] += 1
            }
            trucks[t] = truck
        }
        for (lane, count) in waitingNow.enumerated() where count > report.maxTrucksWaitingOnLane[lane, default: 0] {
            report.maxTrucksWaitingOnLane[lane] = count
        }
    }

    mutating func move(_ truck: inout SimulatedTruck, on route: Route, dt: Seconds) {
        let p = truck.profile
        var limit = min(speedLimit(route, front: truck.front, length: p.length), p.maxSpeed)
        if truck.advisory > 0 { limit = min(limit, max(truck.advisory, 1)) }
        if hasPortals { limit = min(limit, portalApproach(route, front: truck.front, braking: p.serviceBraking)) }
        let mode: VehicleMotion.Mode =
            if truck.emergency {
                .emergency
            } else if truck.paused || now > truck.expiry || truck.brokenUntil > now || truck.dwellUntil != nil {
                .brake
            } else {
                .drive
            }
        var motion = VehicleMotion(front: truck.front, speed: truck.speed)
        motion.step(
            mode, target: truck.heldEnd, speedLimit: limit,
            physics: .init(acceleration: p.acceleration, serviceBraking: p.serviceBraking, emergencyBraking: p.emergencyBraking), dt: dt)
        truck.front = motion.front
        truck.speed = motion.speed
        let v = motion.speed
        if hasPortals { passPortals(&truck, route) }
        if v < 0.01 && truck.wasMoving && !atStation(truck, route) {
            truck.unplannedStops += 1
            if now >= configuration.warmUp && standsWhereNoneMayWait(truck, route) { report.standsWhereNoneMayWait += 1 }
        }
        truck.wasMoving = v > 0.3
        // Stations: a truck standing at an uncleared stop point dwells, then is released.
        if let until = truck.dwellUntil {
            guard now >= until else { return }
            guard let leg = stationLeg(truck, route) else {
                truck.dwellUntil = nil
                return
            }
            let station = site.zones[route.legs[leg].zone].station!
            let zone = site.zones[route.legs[leg].zone].id
            // A station whose system is out releases nobody until it is back.
            guard outages[zone] == nil else { return }
            truck.dwellUntil = nil
            switch scanOutcome(station) {
            case .unreadable where station.unreadable == .rescan && !truck.rescanned:
                // Scanned again where it stands.
                truck.rescanned = true
                truck.dwellUntil = now + station.dwell.quantile(random.unit())
                report.rescans += 1
                return
            case .unreadable:
                reroute(&truck, to: site.channelAfterUnreadableScan(at: zone, lane: site.lanes[route.lane].id) ?? .red)
            case .suspicious: reroute(&truck, to: .red)
            case .clear: break
            }
            truck.rescanned = false
            truck.cleared.insert(leg)
            if now >= configuration.warmUp {
                report.stationReleases[zone, default: 0] += 1
                report.stationBusy[zone, default: 0] += now - truck.dwellStarted
            }
            schedule(.stationFinished(truck.id, zone), at: now)
        } else if v < 0.01, let leg = stationLeg(truck, route) {
            let station = site.zones[route.legs[leg].zone].station!
            truck.dwellStarted = now
            truck.dwellUntil = now + station.dwell.quantile(random.unit())
        }
    }

    /// The speed from which service braking brings a truck down to the speed of the next
    /// drive-through portal ahead at its entry (a truck holds a portal's speed exactly).
    func portalApproach(_ route: Route, front: Meters, braking: Double) -> MetersPerSecond {
        for leg in route.legs where leg.start > front {
            guard let portal = zonePortal[leg.zone] else { continue }
            return (portal.speed * portal.speed + 2 * braking * max(0, leg.start - front - 0.3)).squareRoot()
        }
        return .infinity
    }

    /// Drive-through portals: the scanner watches a truck's speed while it is in the portal and
    /// releases it once its rear has left; a truck whose speed left the band gets a spoiled scan
    /// and is sent to manual inspection (the red channel).
    mutating func passPortals(_ truck: inout SimulatedTruck, _ route: Route) {
        for (i, leg) in route.legs.enumerated() where leg.start < truck.front {
            guard let portal = zonePortal[leg.zone], !truck.cleared.contains(i) else { continue }
            let rear = truck.front - truck.profile.length
            if rear < leg.end {
                if abs(truck.speed - portal.speed) > portal.tolerance + 1e-9 { truck.scanSpoiled = true }
                continue
            }
            truck.cleared.insert(i)
            let zone = site.zones[leg.zone].id
            // Re-routed first, then released: the portal leg is common to both routes.
            let outcome = truck.scanSpoiled ? .unreadable : scanOutcome(site.zones[leg.zone].station!)
            if truck.scanSpoiled { report.spoiledScans += 1 }
            switch outcome {
            case .unreadable: reroute(&truck, to: site.channelAfterUnreadableScan(at: zone, lane: site.lanes[route.lane].id) ?? .red)
            case .suspicious: reroute(&truck, to: .red)
            case .clear: break
            }
            if !truck.scanSpoiled && now >= configuration.warmUp { report.stationReleases[zone, default: 0] += 1 }
            schedule(.stationFinished(truck.id, zone), at: now)
            truck.scanSpoiled = false
        }
    }

    /// What a scanner's image shows, by the scenario's shares (every other station: done).
    /// Draws nothing when the shares are zero, so that a run without them is unchanged.
    mutating func scanOutcome(_ station: Station) -> ScanOutcome {
        let faults = configuration.faults
        guard station.activity == .scan, faults.suspiciousScans + faults.unreadableScans > 0 else { return .clear }
        let u = random.unit()
        if u < faults.unreadableScans { return .unreadable }
        if u < faults.unreadableScans + faults.suspiciousScans {
            report.suspiciousScans += 1
            return .suspicious
        }
        return .clear
    }

    /// Customs' new channel for a truck after its scan, unless it has that channel already.
    mutating func reroute(_ truck: inout SimulatedTruck, to channel: CustomsChannel) {
        if truck.channel != channel { schedule(.channelAssigned(truck.id, channel), at: now) }
    }

    func speedLimit(_ route: Route, front: Meters, length: Meters) -> MetersPerSecond {
        var limit = Double.infinity
        for leg in route.legs where leg.end > front - length && leg.start <= front {
            limit = min(limit, zoneSpeedLimit[leg.zone])
        }
        return limit.isFinite ? limit : zoneSpeedLimit[route.legs.last!.zone]
    }

    /// Whether some part of the truck is on the km 0 strip, a crossing (an exclusive zone that
    /// is no station) or a merge.
    func standsWhereNoneMayWait(_ truck: SimulatedTruck, _ route: Route) -> Bool {
        route.legs.contains { leg in
            let zone = site.zones[leg.zone]
            guard zone.kind == .handover || zone.sharing == .merge || (zone.isExclusive && zone.station == nil) else { return false }
            return leg.start < truck.front && leg.end > truck.front - truck.profile.length
        }
    }

    func stationLeg(_ truck: SimulatedTruck, _ route: Route) -> Int? {
        for (i, leg) in route.legs.enumerated() {
            if let stopOffset = zoneStopOffset[leg.zone], abs(leg.start + stopOffset - truck.front) < 0.6, !truck.cleared.contains(i) {
                return i
            }
        }
        return nil
    }

    func atStation(_ truck: SimulatedTruck, _ route: Route) -> Bool { stationLeg(truck, route) != nil || truck.dwellUntil != nil }

    // MARK: Reports

    mutating func sendReports() {
        let faults = configuration.faults
        for t in trucks.indices where trucks[t].onLane && trucks[t].nextReport <= now {
            trucks[t].nextReport = now + configuration.reportInterval
            guard trucks[t].linkDownUntil <= now, let route = trucks[t].route else { continue }
            trucks[t].sequence += 1
            let noise = faults.positionNoise > 0 ? (random.unit() * 2 - 1) * faults.positionNoise : 0
            let reported = trucks[t].front + noise
            let leg = route.legIndex(at: max(0, reported)) ?? (reported >= route.length ? route.legs.count - 1 : 0)
            let report = TruckStateReport(
                truck: trucks[t].id, sequence: trucks[t].sequence, measuredAt: now,
                zone: site.zones[route.legs[leg].zone].id, offset: reported - route.legs[leg].start,
                speed: trucks[t].speed, uncertainty: max(faults.positionNoise, 0.01),
                acknowledgedAuthority: trucks[t].heldSequence)
            if random.chance(faults.reportLoss) { continue }
            let delay = 0.02 + (faults.reportDelay > 0 ? random.unit() * faults.reportDelay : 0)
            schedule(.stateReport(report), at: now + delay)
            if random.chance(faults.reportDuplication) {
                schedule(.stateReport(report), at: now + delay + random.unit() * max(faults.reportDelay, 0.1))
            }
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// What a scanner's image shows.
enum ScanOutcome {
    /// Nothing to see: the truck goes on.
    case clear
    /// Something to inspect: the red channel.
    case suspicious
    /// It cannot be read.
    case unreadable
}
