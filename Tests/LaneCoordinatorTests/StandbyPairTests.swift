import Foundation
import LaneCoordinator
import LaneCoordinatorCore
import LaneMQTT
import LanePostgres
import LaneTestKit
import LaneTruckAgent
import LaneWire
import Testing

/// Two `lane-coordinator` processes on one site, the journal and the lease in a real PostgreSQL:
/// the active killed, or paused past its lease and resumed, under a truck moving at speed.
@Suite("a standby pair of coordinators", .serialized, .timeLimit(.minutes(3)))
struct StandbyPairTests {
    /// How long the lease runs in these tests (real seconds): short, since the site clock runs
    /// five times faster than real time and the truck's authority lasts ten site seconds.
    static let leaseDuration = 0.6

    /// The pair, a broker that captures, an observer of every topic the test reads, one truck.
    struct Pair {
        let process: CoordinatorProcess
        let database: String
        let observer: MQTTClient
        let seen: Collector<MQTTInboundMessage>
        let truck: TruckAgent

        init() async throws {
            database = try await TestPostgres.shared().newDatabase()
            process = try await CoordinatorProcess(extra: "database: \"\(database)\"\nleaseDuration: \(StandbyPairTests.leaseDuration)")
            observer = try MQTTClient(process.broker.configuration(clientId: "observer"))
            try await observer.connect()
            seen = Collector(messagesOf: observer)
            try await observer.subscribe(CoordinatorTopic.status)
            try await observer.subscribe(CoordinatorTopic.everyInstanceStatus)
            try await observer.subscribe("lanes/v3/lane-fleet/T001/#", qos: .atMostOnce)
            try await observer.subscribe(CoordinatorTopic.tripState("r1"))
            truck = try process.truck("T001")
        }

        /// The statuses seen on `topic`, with their index among every message seen.
        func statuses(on topic: String, from start: Int = 0) -> [(index: Int, status: CoordinatorStatus)] {
            seen.elements.enumerated().compactMap { index, message in
                guard index >= start, message.topic == topic,
                    let status = try? WireDecoder().decode(CoordinatorStatus.self, from: message.payload)
                else { return nil }
                return (index, status)
            }
        }

        /// The truck's orders seen from `start` on, with their epochs.
        func orders(from start: Int = 0) -> [(order: OrderMessage, epoch: UInt64)] {
            seen.elements[start...].filter { $0.topic.hasSuffix("/T001/order") }.compactMap {
                guard let order = try? WireDecoder().decode(OrderMessage.self, from: $0.payload) else { return nil }
                return (order, LaneAuthorityParameter.epoch(of: order))
            }
        }

        /// The stops and emergency stops sent to the truck.
        var stops: [String] {
            seen.elements.filter { $0.topic.hasSuffix("/T001/instantActions") }.flatMap {
                (try? WireDecoder().decode(InstantActionsMessage.self, from: $0.payload).actions.map(\.actionType)) ?? []
            }.filter { $0 == LaneActionType.stopPause.rawValue || $0 == LaneActionType.laneEmergencyStop.rawValue }
        }

        /// Waits until instance `name` says it has `role`.
        func waitFor(_ name: String, _ role: CoordinatorStatus.Role) async throws {
            try await eventually("instance \(name) \(role.rawValue)", timeout: .seconds(20)) {
                statuses(on: CoordinatorTopic.instanceStatus(name)).last?.status.role == role
            }
        }

        /// Starts a, then b; dispatches a trip and waits for the truck on the road at speed.
        func startAtSpeed() async throws -> (a: ChildProcess, b: ChildProcess) {
            let a = try process.start(instance: "a")
            try await waitFor("a", .active)
            let b = try process.start(instance: "b")
            try await waitFor("b", .standby)
            try await observer.publish(try process.trip("r1", truck: "T001", container: "MSKU7654321"))
            try await eventually("the truck on the road at speed", timeout: .seconds(40)) {
                let (position, speed) = (await truck.position, await truck.speed)
                return position > 60 && speed > 3
            }
            return (a, b)
        }

        /// The slowest speed of the truck until it is past km 0 and its first station.
        func slowestUntilPastKm0() async throws -> Double {
            var slowest = Double.infinity
            let deadline = ContinuousClock.now + .seconds(40)
            while await truck.position < 160 && ContinuousClock.now < deadline {
                slowest = min(slowest, await truck.speed)
                try await Task.sleep(for: .milliseconds(20))
            }
            return slowest
        }

        /// Waits for the trip to finish, and checks the audit record: the km 0 crossing once.
        func finishesWithOneCrossing() async throws {
            try await eventually("the trip finished after the takeover", timeout: .seconds(60)) {
                seen.elements.contains {
                    $0.topic == CoordinatorTopic.tripState("r1")
                        && (try? WireDecoder().decode(TripStateMessage.self, from: $0.payload).state) == .finished
                }
            }
            let journal = try Journal(postgres: PostgresConnection(database), lease: nil)
            let crossings = try journal.crossings().filter { $0.containerId == "MSKU7654321" }
            #expect(crossings.filter { $0.kind == .km0 }.count == 1, "km 0 journaled once: \(crossings)")
            #expect(crossings.filter { $0.kind == .station && $0.zone == "xray" }.count == 1, "the scan once: \(crossings)")
        }
    }

    @Test("kill -9 of the active under a truck at speed: the standby takes over within the lease, the truck never slows, nothing doubled")
    func killOfTheActive() async throws {
        let pair = try await Pair()
        let driving = Task { try await pair.truck.run() }
        var processes: [ChildProcess] = []
        do {
            let (a, b) = try await pair.startAtSpeed()
            processes = [a, b]
            let firstEpoch = try #require(pair.orders().last?.epoch)
            let killedAt = ContinuousClock.now
            let killIndex = pair.seen.count
            a.stop(signal: SIGKILL)
            try await eventually("an order of the new active", timeout: .seconds(10)) {
                pair.orders(from: killIndex).contains { $0.epoch > firstEpoch }
            }
            let takeover = ContinuousClock.now - killedAt
            print("takeover after kill -9: \(takeover) from the kill to the new active's first order")
            #expect(takeover < .seconds(3), "takeover took \(takeover)")
            let slowest = try await pair.slowestUntilPastKm0()
            #expect(slowest > 2, "the truck slowed to \(slowest) m/s across the failover")
            try await pair.finishesWithOneCrossing()
            #expect(pair.stops.isEmpty, "stops sent to a truck nothing stood in the way of: \(pair.stops)")
            // The site never says offline: a's last will is on a's own topic; b names itself.
            #expect(!pair.statuses(on: CoordinatorTopic.status, from: killIndex).contains { $0.status.state == .offline })
            #expect(pair.statuses(on: CoordinatorTopic.status).last?.status.instance == "b")
            #expect(pair.statuses(on: CoordinatorTopic.instanceStatus("a")).last?.status.state == .offline, "a's last will")
            let standby = try #require(pair.statuses(on: CoordinatorTopic.instanceStatus("b")).last?.status)
            #expect(standby.role == .active && (standby.epoch ?? 0) > firstEpoch)
            #expect(await pair.truck.fencedOrders == 0)
        } catch {
            print(pair.process.log(instance: "a"), pair.process.log(instance: "b"))
            for process in processes { process.stop(signal: SIGKILL) }
            throw error
        }
        for process in processes { process.stop() }
        await pair.truck.stop()
        driving.cancel()
        await pair.observer.close()
    }

    @Test("the active paused past its lease (SIGSTOP) and resumed: fenced, it sends nothing and exits; the standby runs the truck through")
    func pausedPastTheLease() async throws {
        let pair = try await Pair()
        let driving = Task { try await pair.truck.run() }
        var processes: [ChildProcess] = []
        do {
            let (a, b) = try await pair.startAtSpeed()
            processes = [a, b]
            let firstEpoch = try #require(pair.orders().last?.epoch)
            let pausedAt = ContinuousClock.now
            kill(a.pid, SIGSTOP)
            let pauseIndex = pair.seen.count
            try await eventually("an order of the new active", timeout: .seconds(10)) {
                pair.orders(from: pauseIndex).contains { $0.epoch > firstEpoch }
            }
            print("takeover after SIGSTOP: \(ContinuousClock.now - pausedAt) from the pause to the new active's first order")
            try await Task.sleep(for: .seconds(StandbyPairTests.leaseDuration * 2))
            let resumeIndex = pair.seen.count
            kill(a.pid, SIGCONT)
            #expect(await a.exitCode(within: .seconds(10)) == 3, "a fenced coordinator exits with status 3")
            // Whatever a decided after its resume, it sent nothing: no order of its epoch, no stop.
            #expect(pair.orders(from: resumeIndex).allSatisfy { $0.epoch > firstEpoch })
            let slowest = try await pair.slowestUntilPastKm0()
            #expect(slowest > 2, "the truck slowed to \(slowest) m/s across the pause")
            try await pair.finishesWithOneCrossing()
            #expect(pair.stops.isEmpty, "stops sent to a truck nothing stood in the way of: \(pair.stops)")
            #expect(!pair.statuses(on: CoordinatorTopic.status, from: pauseIndex).contains { $0.status.state == .offline })
            #expect(pair.statuses(on: CoordinatorTopic.status).last?.status.instance == "b")
            #expect(pair.process.log(instance: "a").contains("fenced"))
            processes = [b]
        } catch {
            print(pair.process.log(instance: "a"), pair.process.log(instance: "b"))
            for process in processes {
                kill(process.pid, SIGCONT)
                process.stop(signal: SIGKILL)
            }
            throw error
        }
        for process in processes { process.stop() }
        await pair.truck.stop()
        driving.cancel()
        await pair.observer.close()
    }
}
