import Benchmark
import LaneCore
import LaneSite

/// A site that grows with the fleet: one 100 km driverless lane (fifty 2 km following zones)
/// per ten trucks, so that every truck has the same neighbourhood whatever the fleet size.
func benchmarkSite(trucks: Int) -> Site {
    var zones: [Zone] = []
    var lanes: [Lane] = []
    for l in 0..<max(1, trucks / 10) {
        var steps: [LaneStep] = []
        for z in 0..<50 {
            let id = ZoneID("l\(l)-z\(z)")
            zones.append(Zone(id: id, kind: .following, length: 2000, speedLimit: 8))
            steps.append(LaneStep(zone: id))
        }
        lanes.append(Lane(id: LaneID("lane\(l)"), direction: .import, origin: "a", destination: "b", steps: steps))
    }
    return try! Site(name: "benchmark-\(trucks)", zones: zones, lanes: lanes)
}

/// A core with `count` trucks on their trips, 60 m apart, each having reported once. A class, so
/// that the benchmark's setup builds it once and every sample goes on driving the same fleet.
final class Fleet {
    var core: SchedulerCore
    var ids: [TruckID]
    var zoneOfLane: [[ZoneID]]
    var front: [Double]
    var sequence: [UInt64]
    var lane: [Int]
    var now: Double = 0
    var next = 0

    init(count: Int) {
        let site = benchmarkSite(trucks: count)
        core = SchedulerCore(site: site)
        zoneOfLane = site.lanes.map { $0.steps.map(\.zone) }
        ids = (0..<count).map { TruckID("T\($0)") }
        front = []
        sequence = []
        lane = []
        for (i, id) in ids.enumerated() {
            let l = i % site.lanes.count
            let position = Double(10 - i / site.lanes.count) * 60 + 1000
            _ = core.handle(.truckJoined(id, TruckProfile()), now: 0)
            _ = core.handle(.tripAssigned(TripRequest(truck: id, lane: site.lanes[l].id, channel: .green)), now: 0)
            front.append(position)
            sequence.append(0)
            lane.append(l)
        }
        for i in ids.indices { _ = report(i) }
    }

    /// The next state report, round robin over the fleet: each truck 0.3 m further on.
    func report(_ i: Int) -> [CoreCommand] {
        sequence[i] += 1
        front[i] += 0.3
        let zone = Int(front[i] / 2000)
        let event = CoreEvent.stateReport(
            TruckStateReport(
                truck: ids[i], sequence: sequence[i], measuredAt: now, zone: zoneOfLane[lane[i]][zone],
                offset: front[i] - Double(zone) * 2000, speed: 6, acknowledgedAuthority: UInt64.max))
        return core.handle(event, now: now)
    }

    func step() -> Int {
        let i = next
        next = (next + 1) % ids.count
        if next == 0 { now += 0.05 }
        return report(i).count
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 2000,
        maxDuration: .seconds(4),
        maxIterations: 400_000)

    // One state report per iteration: the percentiles are the time per event.
    for count in [10, 100, 1000] {
        Benchmark("state report, \(count) active trucks") { benchmark, fleet in
            for _ in benchmark.scaledIterations {
                blackHole(fleet.step())
            }
        } setup: {
            Fleet(count: count)
        }
    }
}
