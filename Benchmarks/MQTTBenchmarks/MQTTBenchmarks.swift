import Benchmark
import CMQTTReference
import LaneMQTT
import LaneTestKit
import Synchronization

// The Swift MQTT client (LaneMQTT) against a minimal C client on the same libmosquitto
// (CMQTTReference), through one local mosquitto started for the run: round trip (publish, and
// wait for the message to come back from the broker) and throughput (1,000 messages published
// without waiting, until all have come back), at QoS 0 and 1, 300-byte payloads.

/// The broker and the clients, made once for the run.
final class Fixture: Sendable {
    let broker: TestBroker
    let swiftClients: [MQTTQoS: MQTTClient]
    /// Swift clients whose consumer suspends at once when no message waits (`consumerSpin` zero).
    let suspendingClients: [MQTTQoS: MQTTClient]
    let cClients: [MQTTQoS: ReferenceClient]

    init() async throws {
        broker = try await TestBroker.start()
        var swiftClients: [MQTTQoS: MQTTClient] = [:]
        var suspendingClients: [MQTTQoS: MQTTClient] = [:]
        var cClients: [MQTTQoS: ReferenceClient] = [:]
        for qos in [MQTTQoS.atMostOnce, .atLeastOnce] {
            for spin in [true, false] {
                var configuration = broker.configuration(clientId: "bench-swift-\(qos.rawValue)-\(spin)")
                if !spin { configuration.consumerSpin = .zero }
                let client = try MQTTClient(configuration)
                try await client.connect()
                try await client.subscribe("bench/swift/\(qos.rawValue)/\(spin)", qos: qos)
                if spin { swiftClients[qos] = client } else { suspendingClients[qos] = client }
            }
            cClients[qos] = try ReferenceClient(port: broker.port, topic: "bench/c/\(qos.rawValue)", qos: qos)
        }
        self.swiftClients = swiftClients
        self.suspendingClients = suspendingClients
        self.cClients = cClients
    }
}

/// The C reference client.
final class ReferenceClient: @unchecked Sendable {
    let handle: OpaquePointer

    init(port: Int, topic: String, qos: MQTTQoS) throws {
        guard let handle = lane_reference_connect("127.0.0.1", Int32(port), "bench-c-\(qos.rawValue)", topic, Int32(qos.rawValue)) else {
            throw TestKitError.failed("the C reference client", "could not connect")
        }
        self.handle = handle
    }

    deinit { lane_reference_close(handle) }

    func roundTrip(_ payload: [UInt8]) {
        _ = payload.withUnsafeBytes { lane_reference_round_trip(handle, $0.baseAddress, Int32($0.count)) }
    }

    func flood(_ count: Int, _ payload: [UInt8]) {
        _ = payload.withUnsafeBytes { lane_reference_flood(handle, Int32(count), $0.baseAddress, Int32($0.count)) }
    }
}

let fixture = Mutex<Fixture?>(nil)
let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 300)
let floodSize = 1_000

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput], timeUnits: .microseconds, warmupIterations: 200, maxDuration: .seconds(4),
        maxIterations: 20_000)
    Benchmark.setup = {
        let made = try await Fixture()
        fixture.withLock { $0 = made }
    }
    Benchmark.teardown = {
        let made = fixture.withLock { $0 }
        for client in Array(made?.swiftClients.values ?? [:].values) + Array(made?.suspendingClients.values ?? [:].values) {
            await client.close()
        }
        fixture.withLock { $0 = nil }
    }
    func current() -> Fixture { fixture.withLock { $0! } }

    for qos in [MQTTQoS.atMostOnce, .atLeastOnce] {
        for spin in [true, false] {
            Benchmark("round trip QoS \(qos.rawValue), Swift client\(spin ? "" : ", consumer without spin")") { benchmark async throws in
                let client = spin ? current().swiftClients[qos]! : current().suspendingClients[qos]!
                var messages = client.messages.makeAsyncIterator()
                let message = MQTTOutbound(topic: "bench/swift/\(qos.rawValue)/\(spin)", payload: payload, qos: qos)
                for _ in benchmark.scaledIterations {
                    try client.send(message)
                    blackHole(await messages.next())
                }
            }
        }
        Benchmark("round trip QoS \(qos.rawValue), C client") { benchmark in
            let client = current().cClients[qos]!
            for _ in benchmark.scaledIterations { client.roundTrip(payload) }
        }
        Benchmark(
            "throughput QoS \(qos.rawValue), Swift client (1,000 messages)",
            configuration: .init(warmupIterations: 3, maxIterations: 200)
        ) { benchmark async throws in
            let client = current().swiftClients[qos]!
            var messages = client.messages.makeAsyncIterator()
            let message = MQTTOutbound(topic: "bench/swift/\(qos.rawValue)/true", payload: payload, qos: qos)
            for _ in benchmark.scaledIterations {
                for _ in 0..<floodSize { try client.send(message) }
                for _ in 0..<floodSize { blackHole(await messages.next()) }
            }
        }
        Benchmark(
            "throughput QoS \(qos.rawValue), C client (1,000 messages)",
            configuration: .init(warmupIterations: 3, maxIterations: 200)
        ) { benchmark in
            let client = current().cClients[qos]!
            for _ in benchmark.scaledIterations { client.flood(floodSize, payload) }
        }
    }
}
