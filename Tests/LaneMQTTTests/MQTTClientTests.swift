import LaneTestKit
import Testing

@testable import LaneMQTT

/// The MQTT client against a real mosquitto broker, one broker per test.
@Suite("MQTT client against a real broker")
struct MQTTClientTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// A connection event that reports the broker lost (the first connection's `.connected` is
    /// still in the buffer of a collector started after it).
    static func isLoss(_ event: MQTTConnectionEvent) -> Bool { if case .disconnected = event { true } else { false } }

    static func connected(
        _ broker: TestBroker, _ id: String, _ change: (inout MQTTConfiguration) -> Void = { _ in }
    ) async throws
        -> MQTTClient
    {
        var configuration = broker.configuration(clientId: id)
        change(&configuration)
        let client = try MQTTClient(configuration)
        try await client.connect()
        return client
    }

    @Test("publish and subscribe at QoS 0, 1 and 2, with every MQTT 5 property carried")
    func publishSubscribe() async throws {
        let broker = try await TestBroker.start()
        let subscriber = try await Self.connected(broker, "sub")
        let received = Collector(messagesOf: subscriber)
        #expect(try await subscriber.subscribe("lane/test/#", qos: .exactlyOnce) == .exactlyOnce)
        let publisher = try await Self.connected(broker, "pub")
        let properties = MQTTProperties(
            messageExpiry: 60, contentType: "application/json", responseTopic: "lane/reply/pub", correlationData: [0, 1, 254, 255],
            userProperties: [MQTTUserProperty("lane", "import"), MQTTUserProperty("lane", "export"), MQTTUserProperty("truck", "T007")])
        for qos in MQTTQoS.allCases {
            try await publisher.publish(
                MQTTOutbound(
                    topic: "lane/test/\(qos.rawValue)", payload: Self.bytes("{\"q\":\(qos.rawValue)}"), qos: qos, properties: properties))
        }
        try await received.waitFor(3)
        #expect(received.elements.map(\.topic) == ["lane/test/0", "lane/test/1", "lane/test/2"])
        #expect(received.elements.map(\.qos) == [.atMostOnce, .atLeastOnce, .exactlyOnce])
        for message in received.elements {
            #expect(message.properties.contentType == properties.contentType)
            #expect(message.properties.responseTopic == properties.responseTopic)
            #expect(message.properties.correlationData == properties.correlationData)
            #expect(message.properties.userProperties == properties.userProperties)
            #expect((message.properties.messageExpiry ?? 0) > 0 && (message.properties.messageExpiry ?? 0) <= 60)
        }
        await publisher.close()
        await subscriber.close()
    }

    @Test("10,000 QoS 1 messages arrive, each exactly once, in order")
    func tenThousandAtLeastOnce() async throws {
        let broker = try await TestBroker.start()
        let subscriber = try await Self.connected(broker, "sub")
        let received = Collector(messagesOf: subscriber)
        try await subscriber.subscribe("lane/flood", qos: .atLeastOnce)
        let publisher = try await Self.connected(broker, "pub")
        let count = 10_000
        try await withThrowingTaskGroup(of: Void.self) { group in
            for window in stride(from: 0, to: count, by: 500) {
                for sequence in window..<min(count, window + 500) {
                    group.addTask {
                        try await publisher.publish(
                            MQTTOutbound(topic: "lane/flood", payload: Self.bytes("\(sequence)"), qos: .atLeastOnce))
                    }
                }
                try await group.waitForAll()
            }
        }
        try await received.waitFor(count, timeout: .seconds(60))
        try await Task.sleep(for: .milliseconds(200))  // a duplicate would arrive now
        let sequences = received.elements.map { Int(String(decoding: $0.payload, as: UTF8.self))! }
        #expect(sequences.count == count, "no duplicates")
        #expect(Set(sequences) == Set(0..<count), "no loss")
        #expect(subscriber.droppedMessages == 0)
        #expect(publisher.core.state.withLock { $0.publishes.earlyCount } == 0, "no acknowledgement record left behind")
        await publisher.close()
        await subscriber.close()
    }

    @Test("a persistent session receives the QoS 1 messages published while it was offline")
    func persistentSession() async throws {
        let broker = try await TestBroker.start()
        let first = try await Self.connected(broker, "truck-T007") {
            $0.cleanStart = false
            $0.sessionExpiry = 300
        }
        try await first.subscribe("lane/orders/T007", qos: .atLeastOnce)
        await first.close()
        let publisher = try await Self.connected(broker, "coordinator")
        for sequence in 0..<50 {
            try await publisher.publish(MQTTOutbound(topic: "lane/orders/T007", payload: Self.bytes("\(sequence)"), qos: .atLeastOnce))
        }
        let second = try MQTTClient(
            {
                var configuration = broker.configuration(clientId: "truck-T007", cleanStart: false, sessionExpiry: 300)
                configuration.keepalive = 5
                return configuration
            }())
        let events = Collector(eventsOf: second)
        let received = Collector(messagesOf: second)
        try await second.connect()
        try await received.waitFor(50)
        #expect(received.elements.map { String(decoding: $0.payload, as: UTF8.self) } == (0..<50).map { "\($0)" })
        try await events.waitFor("the session kept") { $0 == .connected(sessionPresent: true) }
        await second.close()
        await publisher.close()
    }

    @Test("the last will is published when the connection dies, not on a clean disconnect")
    func lastWill() async throws {
        let broker = try await TestBroker.start()
        let observer = try await Self.connected(broker, "observer")
        let wills = Collector(messagesOf: observer)
        try await observer.subscribe("lane/connection/+", qos: .atLeastOnce)
        func withWill(_ id: String) -> (inout MQTTConfiguration) -> Void {
            {
                $0.will = MQTTWill(
                    MQTTOutbound(
                        topic: "lane/connection/\(id)", payload: Self.bytes("CONNECTION_BROKEN"), qos: .atLeastOnce,
                        properties: MQTTProperties(contentType: "application/json")))
            }
        }
        let clean = try await Self.connected(broker, "clean", withWill("clean"))
        await clean.close()
        let dying = try await Self.connected(broker, "dying", withWill("dying"))
        dying.simulateConnectionLoss()
        let will = try await wills.waitFor("the will of the dying client") { $0.topic == "lane/connection/dying" }
        #expect(will.payload == Self.bytes("CONNECTION_BROKEN"))
        #expect(will.properties.contentType == "application/json")
        try await Task.sleep(for: .milliseconds(500))
        #expect(!wills.elements.contains { $0.topic == "lane/connection/clean" }, "no will after a clean disconnect")
        await dying.close()
        await observer.close()
    }

    @Test("an expired message is never delivered")
    func messageExpiry() async throws {
        let broker = try await TestBroker.start()
        let offline = try await Self.connected(broker, "late") {
            $0.cleanStart = false
            $0.sessionExpiry = 300
        }
        try await offline.subscribe("lane/expiry", qos: .atLeastOnce)
        await offline.close()
        let publisher = try await Self.connected(broker, "pub")
        try await publisher.publish(
            MQTTOutbound(topic: "lane/expiry", payload: Self.bytes("stale"), properties: MQTTProperties(messageExpiry: 1)))
        try await publisher.publish(
            MQTTOutbound(topic: "lane/expiry", payload: Self.bytes("fresh"), properties: MQTTProperties(messageExpiry: 600)))
        try await Task.sleep(for: .milliseconds(2500))
        let late = try MQTTClient(broker.configuration(clientId: "late", cleanStart: false, sessionExpiry: 300))
        let received = Collector(messagesOf: late)
        try await late.connect()
        try await received.waitFor(1)
        try await Task.sleep(for: .milliseconds(300))
        #expect(received.elements.map { String(decoding: $0.payload, as: UTF8.self) } == ["fresh"])
        #expect((received.elements.first?.properties.messageExpiry ?? 0) <= 598, "the broker counts the time waited")
        await late.close()
        await publisher.close()
    }

    @Test("after a broker restart the client reconnects, restores its subscriptions and reports both events")
    func reconnectAfterRestart() async throws {
        let broker = try await TestBroker.start()
        let subscriber = try await Self.connected(broker, "sub")
        let events = Collector(eventsOf: subscriber)
        let received = Collector(messagesOf: subscriber)
        try await subscriber.subscribe("lane/after-restart", qos: .atLeastOnce)
        try await broker.restart()
        // The client's delay doubles with each fruitless attempt while the broker is down: on a
        // loaded machine the broker's restart can take it to several seconds.
        try await events.waitFor("the reconnection after the loss", timeout: .seconds(40), after: Self.isLoss) {
            $0 == .connected(sessionPresent: false)
        }
        let publisher = try await Self.connected(broker, "pub")
        try await eventually("the restored subscription to deliver") {
            try await publisher.publish(MQTTOutbound(topic: "lane/after-restart", payload: Self.bytes("hello")))
            return received.count > 0
        }
        #expect(subscriber.isConnected)
        await publisher.close()
        await subscriber.close()
        try await events.waitFor("the closed event") { $0 == .closed }
    }

    @Test("with two broker endpoints, the client moves to the second when the first is gone, and back")
    func endpointList() async throws {
        let first = try await TestBroker.start()
        let second = try await TestBroker.start()
        var configuration = first.configuration(clientId: "coordinator")
        configuration.endpoints.append(MQTTEndpoint(host: second.host, port: second.port))
        let client = try MQTTClient(configuration)
        let events = Collector(eventsOf: client)
        let received = Collector(messagesOf: client)
        try await client.connect()
        #expect(client.endpoint.port == first.port)
        try await client.subscribe("lane/cluster")
        first.kill()
        try await events.waitFor("the reconnection to the second broker", after: Self.isLoss) {
            $0 == .connected(sessionPresent: false)
        }
        #expect(client.endpoint.port == second.port)
        // The subscription is restored on the second broker, and what the client publishes goes there.
        let observer = try await Self.connected(second, "observer")
        let seen = Collector(messagesOf: observer)
        try await observer.subscribe("lane/from-client")
        try await eventually("the restored subscription on the second broker") {
            try await observer.publish(MQTTOutbound(topic: "lane/cluster", payload: Self.bytes("via second")))
            return received.count > 0
        }
        try await client.publish(MQTTOutbound(topic: "lane/from-client", payload: Self.bytes("hello")))
        try await seen.waitFor(1)
        await observer.close()
        // When the second goes too, the client goes round the list to the first, back meanwhile.
        try await first.restart()
        let reconnections = events.elements.filter { $0 == .connected(sessionPresent: false) }.count
        second.kill()
        try await eventually("a reconnection to the first broker") {
            events.elements.filter { $0 == .connected(sessionPresent: false) }.count > reconnections
        }
        #expect(client.endpoint.port == first.port)
        await client.close()
    }

    @Test("a first endpoint with no broker: the client connects to the next; none answering is a clear error")
    func firstEndpointDown() async throws {
        let gone = try await TestBroker.start()
        gone.kill()
        let live = try await TestBroker.start()
        var configuration = gone.configuration(clientId: "lanectl")
        configuration.endpoints.append(MQTTEndpoint(host: live.host, port: live.port))
        let client = try MQTTClient(configuration)
        try await client.connect()
        #expect(client.endpoint.port == live.port)
        await client.close()
        live.kill()
        var none = gone.configuration(clientId: "lanectl")
        none.endpoints.append(MQTTEndpoint(host: live.host, port: live.port))
        await #expect {
            try await MQTTClient(none).connect()
        } throws: { error in
            guard case .unreachable(let reason) = error as? MQTTError else { return false }
            return reason.contains("\(live.port)") && reason.contains("refused")
        }
    }

    @Test("broker endpoints read from host:port text")
    func endpointText() {
        #expect(MQTTEndpoint(parsing: "broker-a", defaultPort: 8883) == MQTTEndpoint(host: "broker-a", port: 8883))
        #expect(MQTTEndpoint(parsing: " 10.0.0.6:1884 ", defaultPort: 8883) == MQTTEndpoint(host: "10.0.0.6", port: 1884))
        #expect(MQTTEndpoint(parsing: "[fd00::6]:1884", defaultPort: 8883) == MQTTEndpoint(host: "fd00::6", port: 1884))
        #expect(MQTTEndpoint(parsing: "fd00::6", defaultPort: 8883) == MQTTEndpoint(host: "fd00::6", port: 8883))
        #expect(MQTTEndpoint(host: "fd00::6", port: 1884).description == "[fd00::6]:1884")
        for bad in ["", ":1884", "broker:0", "broker:70000", "broker:x", "[fd00::6]x"] {
            #expect(MQTTEndpoint(parsing: bad, defaultPort: 1883) == nil, "\(bad)")
        }
    }

    @Test("after a broker crash (SIGKILL) the client reports the loss and reconnects when it is back")
    func reconnectAfterCrash() async throws {
        let broker = try await TestBroker.start()
        let client = try await Self.connected(broker, "survivor")
        let events = Collector(eventsOf: client)
        let received = Collector(messagesOf: client)
        try await client.subscribe("lane/after-crash")
        broker.kill()
        try await events.waitFor("the loss", where: Self.isLoss)
        #expect(!client.isConnected)
        try await broker.restart()
        try await events.waitFor("the reconnection after the loss", after: Self.isLoss) {
            $0 == .connected(sessionPresent: false)
        }
        try await client.publish(MQTTOutbound(topic: "lane/after-crash", payload: Self.bytes("back")))
        try await received.waitFor(1)
        await client.close()
    }

    @Test("a QoS 1 publish made while the broker is down completes once it is back, and is delivered")
    func publishAcrossOutage() async throws {
        let broker = try await TestBroker.start(persistence: true)
        let subscriber = try await Self.connected(broker, "sub") {
            $0.cleanStart = false
            $0.sessionExpiry = 300
        }
        let received = Collector(messagesOf: subscriber)
        try await subscriber.subscribe("lane/outage", qos: .atLeastOnce)
        let publisher = try await Self.connected(broker, "pub")
        broker.stop()
        try await eventually("the publisher to see the loss") { !publisher.isConnected }
        let pending = Task { try await publisher.publish(MQTTOutbound(topic: "lane/outage", payload: Self.bytes("held"))) }
        try await broker.restart(after: .milliseconds(300))
        try await pending.value
        try await received.waitFor(1)
        #expect(received.elements.map(\.payload) == [Self.bytes("held")])
        await publisher.close()
        await subscriber.close()
    }

    @Test("request and response: the answer goes to the response topic with the correlation data")
    func requestResponse() async throws {
        let broker = try await TestBroker.start()
        let responder = try await Self.connected(broker, "coordinator")
        try await responder.subscribe("lane/operator/request", qos: .atLeastOnce)
        let serving = Task {
            for await request in responder.messages {
                guard let topic = request.properties.responseTopic else { continue }
                try await responder.publish(
                    MQTTOutbound(
                        topic: topic, payload: Self.bytes("ok:" + String(decoding: request.payload, as: UTF8.self)),
                        properties: MQTTProperties(correlationData: request.properties.correlationData)))
            }
        }
        let requester = try await Self.connected(broker, "lanectl")
        let replies = Collector(messagesOf: requester)
        try await requester.subscribe("lane/operator/reply/lanectl", qos: .atLeastOnce)
        for (index, command) in ["hold T007", "release T007"].enumerated() {
            try await requester.publish(
                MQTTOutbound(
                    topic: "lane/operator/request", payload: Self.bytes(command),
                    properties: MQTTProperties(responseTopic: "lane/operator/reply/lanectl", correlationData: [UInt8(index), 0xAB])))
        }
        try await replies.waitFor(2)
        #expect(replies.elements.map(\.properties.correlationData) == [[0, 0xAB], [1, 0xAB]])
        #expect(replies.elements.map(\.payload) == [Self.bytes("ok:hold T007"), Self.bytes("ok:release T007")])
        await requester.close()
        await responder.close()
        _ = await serving.result
    }

    @Test("a wrong password is refused with the broker's reason; an ACL refusal is reported per publish")
    func passwords() async throws {
        let acl = "user coordinator\ntopic readwrite lane/#\n\nuser observer\ntopic read lane/#\n"
        let broker = try await TestBroker.start(.passwords(["coordinator": "s3cret", "observer": "look"], acl: acl))
        let wrong = try MQTTClient(
            {
                var configuration = broker.configuration(clientId: "intruder")
                configuration.credentials = MQTTCredentials(username: "coordinator", password: "guess")
                return configuration
            }())
        do {
            try await wrong.connect()
            Issue.record("a wrong password was accepted")
        } catch {
            // mosquitto 2.0 answers "not authorized" (135) rather than "bad user name or password" (134).
            guard case .refused(let code, let reason) = error else { throw error }
            #expect([134, 135].contains(code), "\(reason)")
        }
        let anonymous = try MQTTClient(broker.configuration(clientId: "anonymous"))
        await #expect(throws: MQTTError.self) { try await anonymous.connect() }
        let observer = try await Self.connected(broker, "observer") {
            $0.credentials = MQTTCredentials(username: "observer", password: "look")
        }
        let coordinator = try await Self.connected(broker, "coordinator") {
            $0.credentials = MQTTCredentials(username: "coordinator", password: "s3cret")
        }
        let seen = Collector(messagesOf: coordinator)
        try await coordinator.subscribe("lane/#")
        try await coordinator.publish(MQTTOutbound(topic: "lane/ok", payload: Self.bytes("1")))
        try await seen.waitFor(1)
        // The observer may read but not write: mosquitto acknowledges and drops the message.
        try? await observer.publish(MQTTOutbound(topic: "lane/forged", payload: Self.bytes("2")))
        try await Task.sleep(for: .milliseconds(300))
        #expect(seen.elements.map(\.topic) == ["lane/ok"])
        await observer.close()
        await coordinator.close()
    }

    @Test("TLS: a client with the broker's CA and its certificate connects; a wrong CA or certificate is refused clearly")
    func tls() async throws {
        let broker = try await TestBroker.start(.tls(requireClientCertificate: true))
        let certificates = try #require(broker.certificates)
        let client = try await Self.connected(broker, "tls-client")
        let received = Collector(messagesOf: client)
        try await client.subscribe("lane/tls")
        try await client.publish(MQTTOutbound(topic: "lane/tls", payload: Self.bytes("secure")))
        try await received.waitFor(1)
        await client.close()

        let wrongCA = try MQTTClient(
            {
                var configuration = broker.configuration(clientId: "wrong-ca")
                configuration.tls?.caFile = certificates.otherCAFile
                return configuration
            }())
        do {
            try await wrongCA.connect()
            Issue.record("a broker certificate from an untrusted CA was accepted")
        } catch {
            guard case .tls(let reason) = error else { throw error }
            #expect(reason.contains("certificate verify failed"), "\(reason)")
        }

        let wrongCertificate = try MQTTClient(
            {
                var configuration = broker.configuration(clientId: "rogue")
                configuration.tls?.certificateFile = certificates.otherClientCertificateFile
                configuration.tls?.keyFile = certificates.otherClientKeyFile
                return configuration
            }())
        await #expect(throws: MQTTError.self, "a client certificate from another CA is refused") { try await wrongCertificate.connect() }

        let missingFile = broker.configuration(clientId: "missing")
        var missing = missingFile
        missing.tls?.caFile = "/nonexistent/ca.crt"
        #expect(throws: MQTTError.self) { try MQTTClient(missing) }
    }

    @Test("a slow consumer: QoS 0 beyond the buffer is dropped and counted, QoS 1 never")
    func boundedInbound() async throws {
        let broker = try await TestBroker.start()
        let slow = try await Self.connected(broker, "slow") { $0.inboundCapacity = 10 }
        try await slow.subscribe("lane/burst/#", qos: .atLeastOnce)
        let publisher = try await Self.connected(broker, "pub")
        for sequence in 0..<100 {
            try await publisher.publish(MQTTOutbound(topic: "lane/burst/0", payload: Self.bytes("\(sequence)"), qos: .atMostOnce))
        }
        for sequence in 0..<100 {
            try await publisher.publish(MQTTOutbound(topic: "lane/burst/1", payload: Self.bytes("\(sequence)"), qos: .atLeastOnce))
        }
        try await eventually("the burst to arrive") { slow.droppedMessages + slow.peakBacklog >= 110 }
        let received = Collector(messagesOf: slow)
        try await received.waitFor(100 + (100 - slow.droppedMessages))
        #expect(slow.droppedMessages == 90, "the buffer held 10 QoS 0 messages")
        #expect(received.elements.filter { $0.qos == .atLeastOnce }.count == 100, "every QoS 1 message was kept")
        await publisher.close()
        await slow.close()
    }

    @Test("unsubscribe stops delivery; close fails waiting operations and ends the sequences")
    func unsubscribeAndClose() async throws {
        let broker = try await TestBroker.start()
        let client = try await Self.connected(broker, "c")
        let received = Collector(messagesOf: client)
        try await client.subscribe("lane/a")
        try await client.publish(MQTTOutbound(topic: "lane/a", payload: [1]))
        try await received.waitFor(1)
        try await client.unsubscribe("lane/a")
        try await client.publish(MQTTOutbound(topic: "lane/a", payload: [2]))
        try await Task.sleep(for: .milliseconds(300))
        #expect(received.count == 1)
        broker.stop()
        try await eventually("the loss to be seen") { !client.isConnected }
        await #expect(throws: MQTTError.notConnected) {
            try await client.publish(MQTTOutbound(topic: "lane/a", payload: [3], qos: .atMostOnce))
        }
        let waiting = Task { try await client.publish(MQTTOutbound(topic: "lane/a", payload: [4], qos: .atLeastOnce)) }
        try await Task.sleep(for: .milliseconds(100))
        await client.close()
        await #expect(throws: MQTTError.closed) { try await waiting.value }
        var iterator = client.messages.makeAsyncIterator()
        #expect(await iterator.next() == nil)
    }

    @Test("an unreachable broker is a clear error")
    func unreachable() async throws {
        let port = try await {
            let broker = try await TestBroker.start()
            return broker.port
        }()  // the broker is gone: nothing listens there now
        let client = try MQTTClient(MQTTConfiguration(port: port, clientId: "nobody-home"))
        await #expect(throws: MQTTError.unreachable("127.0.0.1:\(port): Connection refused")) { try await client.connect() }
        #expect(throws: MQTTError.invalidConfiguration("keepalive of 2 s: libmosquitto needs at least 5 s")) {
            try MQTTClient(MQTTConfiguration(port: port, clientId: "impatient", keepalive: 2))
        }
    }
}
