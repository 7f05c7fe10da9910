import LaneWire
import Testing

@Suite("Topics and timestamps")
struct TopicTests {
    @Test("a topic reads back into its parts and prints as it was")
    func topic() throws {
        let topic = try VDA5050Topic(parsing: "lanes/v3/lane-fleet/T007/state")
        #expect(topic == VDA5050Topic(interfaceName: "lanes", manufacturer: "lane-fleet", serialNumber: "T007", kind: .state))
        #expect(topic.description == "lanes/v3/lane-fleet/T007/state")
        #expect(VDA5050Topic.everyTruck(interfaceName: "lanes", kind: .connection) == "lanes/v3/+/+/connection")
    }

    @Test(
        "a malformed topic is refused",
        arguments: [
            "lanes/v3/lane-fleet/state", "lanes/v3/lane-fleet/+/state", "lanes/v3/lane-fleet/T007/weather", "lanes/v3//T007/state",
            "a/b/c/d/e/f",
        ])
    func badTopic(_ text: String) {
        #expect(throws: WireError.self) { try VDA5050Topic(parsing: text) }
    }

    @Test("a message whose serial number does not match its topic is refused")
    func topicMismatch() throws {
        let topic = try VDA5050Topic(parsing: "lanes/v3/lane-fleet/T007/connection")
        let own = ConnectionMessage(
            headerId: 1, timestamp: "2026-11-29T08:00:00.000Z", manufacturer: "lane-fleet", serialNumber: "T007", connectionState: .online)
        try topic.check(own)
        var other = own
        other.serialNumber = "T008"
        #expect(throws: WireError.self) { try topic.check(other) }
    }

    @Test(
        "timestamps are ISO 8601 UTC with milliseconds, both ways",
        arguments: [
            (0.0, "1970-01-01T00:00:00.000Z"), (1_796_000_043.123, "2026-11-30T00:54:03.123Z"), (951_782_400.5, "2000-02-29T00:00:00.500Z"),
            (-1.0, "1969-12-31T23:59:59.000Z"),
        ])
    func timestamps(_ seconds: Double, _ text: String) throws {
        #expect(WireTimestamp.format(secondsSince1970: seconds) == text)
        #expect(abs(try WireTimestamp.parse(text) - seconds) < 0.001)
    }

    @Test(
        "a timestamp in another form is refused",
        arguments: ["2026-11-29T08:00:00Z", "2026-11-29 08:00:00.000Z", "2026-13-29T08:00:00.000Z", "2026-11-29T08:00:00.000+07:00"])
    func badTimestamp(_ text: String) {
        #expect(throws: WireError.self) { try WireTimestamp.parse(text) }
    }
}
