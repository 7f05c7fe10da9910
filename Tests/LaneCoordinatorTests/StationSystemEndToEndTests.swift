import Foundation
import LaneAuditor
import LaneBrokerSim
import LaneCoordinator
import LaneCore
import LaneMQTT
import LaneSite
import LaneSiteFile
import LaneTestKit
import LaneWire
import Synchronization
import Testing

/// The station systems over a real broker: the simulator plays the scanner and the inspection
/// bay of the test gate as clients of their own (`StationSystem`), the coordinator releases
/// trucks on their word. A suspicious scan sends the truck to inspection; a scanner offline for
/// five simulated minutes holds its lane and loses nothing; a drive-through portal is passed at
/// its speed. The auditor checks every run's true positions.
@Suite("station systems over a real broker", .serialized, .timeLimit(.minutes(6)))
struct StationSystemEndToEndTests {
    static let site: Site = { try! SiteFile.parse(TestSites.gateWithStationSystems, file: "test-gate.yaml") }()
    /// The test gate with a drive-through portal for a scanner (10 km/h, 6 s headway), its own system.
    static let portalSite: Site = {
        try! SiteFile.parse(TestSites.withPortal(TestSites.gateWithStationSystems), file: "test-gate-portal.yaml")
    }()
    static let xrayEntry: Meters = 234

    /// Collects what the coordinator publishes on `filter` during a run.
    final class Watch: Sendable {
        let messages = Mutex<[MQTTInboundMessage]>([])

        func follow(_ broker: TestBroker, _ filter: String) async throws {
            let client = try MQTTClient(broker.configuration(clientId: "watch-\(UUID().uuidString.prefix(8))"))
            try await client.connect()
            _ = try await client.subscribe(filter, qos: .atLeastOnce)
            for await message in client.messages { messages.withLock { $0.append(message) } }
        }

        func decoded<M: Decodable>(_ type: M.Type) -> [M] {
            messages.withLock { $0 }.compactMap { try? WireDecoder().decode(M.self, from: $0.payload) }
        }
    }

    /// When trucks' fronts crossed route position `at` in the trace (site time, per truck).
    static func crossings(of at: Meters, in samples: [TraceSample]) -> [(t: Double, truck: String)] {
        var out: [(t: Double, truck: String)] = []
        for (truck, trace) in Dictionary(grouping: samples, by: \.truck) {
            let sorted = trace.sorted { $0.t < $1.t }
            for (a, b) in zip(sorted, sorted.dropFirst()) where a.lane != nil && a.lane == b.lane && a.front < at && b.front >= at {
                out.append((b.t, truck))
            }
        }
        return out.sorted { $0.t < $1.t }
    }

    @Test("a suspicious scan re-routes the truck to the inspection bay: its trip says red, the bay releases it, every trip finishes")
    func suspiciousToInspection() async throws {
        let trips = Watch()
        let outcome = try await BrokerSimulationTests.run(
            trucks: 2, minutes: 3, drain: 600, channelMix: (1, 0, 0), site: Self.site, stations: StationBehaviour(suspiciousShare: 1),
            alongside: { broker, _, _ in try await trips.follow(broker, CoordinatorTopic.everyTripState) })
        BrokerSimulationTests.expectAllRecovered(outcome, minimumTrips: 2)
        let states = trips.decoded(TripStateMessage.self)
        for trip in outcome.summary.trips {
            #expect(
                states.contains { $0.tripId == trip.id && $0.channel == .red && ($0.reason ?? "").contains("suspicious scan at xray") },
                "trip \(trip.id) re-routed to red")
        }
        let scanner = try #require(outcome.summary.stations["xray"])
        let bay = try #require(outcome.summary.stations["inspection-bay"])
        #expect(scanner.results[.suspicious] == outcome.summary.trips.count, "\(scanner)")
        #expect(bay.results[.done] == outcome.summary.trips.count, "every truck released by the bay: \(bay)")
        #expect(outcome.statistics?.emergencyStops == 0)
    }

    @Test("the scanner offline for five minutes: no truck enters it meanwhile, none is emergency-stopped, every trip finishes")
    func scannerOfflineFiveMinutes() async throws {
        let events = Watch()
        let spell = 60.0..<360.0
        let outcome = try await BrokerSimulationTests.run(
            trucks: 4, minutes: 8, drain: 600, channelMix: (1, 0, 0), site: Self.site,
            stations: StationBehaviour(offline: ["xray": [spell]]),
            alongside: { broker, _, _ in try await events.follow(broker, CoordinatorTopic.events) })
        BrokerSimulationTests.expectAllRecovered(outcome, minimumTrips: 6)
        #expect(outcome.statistics?.emergencyStops == 0)
        let seen = events.decoded(CoordinatorEvent.self)
        let offline = try #require(seen.first { $0.kind == .stationOffline && $0.zone == "xray" })
        let online = try #require(seen.first { $0.kind == .stationOnline && $0.zone == "xray" })
        let from = try WireTimestamp.parse(offline.timestamp)
        let to = try WireTimestamp.parse(online.timestamp)
        #expect(to - from > 290 && to - from < 320, "out for five minutes: \(to - from) s")
        // From true positions: nobody entered the scanner while it was out (a truck at most a
        // few seconds of authority away may already have been committed).
        let samples = outcome.trace
        let entries = Self.crossings(of: Self.xrayEntry, in: samples).filter { $0.t > from + 10 && $0.t < to }
        #expect(entries.isEmpty, "entries into the scanner while it was out: \(entries)")
        let after = Self.crossings(of: Self.xrayEntry, in: samples).filter { $0.t >= to }
        #expect(after.count >= 3, "the lane moves again once the scanner is back: \(after.count) entries")
    }

    @Test("a drive-through portal: every truck passes it at its speed without stopping, the portal's scans are all clear")
    func driveThroughPass() async throws {
        let outcome = try await BrokerSimulationTests.run(
            trucks: 4, minutes: 5, drain: 300, channelMix: (1, 0, 0), site: Self.portalSite)
        BrokerSimulationTests.expectAllRecovered(outcome, minimumTrips: 6)
        let portal = try #require(outcome.summary.stations["xray"])
        #expect(portal.calls >= outcome.summary.trips.count)
        #expect(portal.results[.clear] == portal.calls && portal.results[.unreadable] == nil, "\(portal)")
        // From true positions: inside the portal every truck rolls at 10 km/h ± 1.5.
        let samples = outcome.trace
        let inside = samples.filter {
            $0.lane != nil && $0.front > Self.xrayEntry + 0.5 && $0.front - $0.length < Self.xrayEntry + 22 - 0.5
        }
        #expect(inside.count > 20, "the trace sees trucks in the portal: \(inside.count)")
        let off = inside.filter { abs($0.speed - 10 / 3.6) > 1.5 / 3.6 }
        #expect(off.isEmpty, "speeds out of the band: \(off.prefix(5).map { String(format: "%@ %.2f m/s", $0.truck, $0.speed) })")
    }
}
