import Foundation
import LaneTestKit
import LaneWire
import Testing

/// The words of the protocol in `LaneWire` and in the schemas of `protocols/schemas` are the same
/// words: a kind the schema does not list cannot be written, and the schema lists no kind the
/// coordinator never writes.
@Suite("the protocol's vocabulary")
struct VocabularyTests {
    /// The `enum` of `property` in the coordinator's schema `name`.
    static func schemaWords(_ name: String, _ property: String) throws -> Set<String> {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.path("protocols/schemas/\(name).schema.json")))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let properties = try #require(schema["properties"] as? [String: Any])
        let field = try #require(properties[property] as? [String: Any], "\(name) has no property \(property)")
        return Set(try #require(field["enum"] as? [String]))
    }

    @Test("event kinds: CoordinatorEventKind is the schema's kind enum")
    func eventKinds() throws {
        #expect(Set(CoordinatorEventKind.allCases.map(\.rawValue)) == (try Self.schemaWords("coordinator-event", "kind")))
        #expect(Set(OperatorCommandName.allCases.map(\.rawValue)) == (try Self.schemaWords("coordinator-event", "command")))
    }

    @Test("operator commands: OperatorCommandName is the request schema's command enum")
    func operatorCommands() throws {
        #expect(Set(OperatorCommandName.allCases.map(\.rawValue)) == (try Self.schemaWords("coordinator-operator-request", "command")))
    }

    @Test("an event or request with a word outside the vocabulary is refused by the decoder")
    func unknownWordsRefused() throws {
        let event = #"{"headerId":1,"timestamp":"2026-12-03T08:00:00.000Z","siteId":"s","kind":"operator-hold-truck"}"#
        #expect(throws: WireError.self) { try WireDecoder().decode(CoordinatorEvent.self, from: Array(event.utf8)) }
        let request = #"{"headerId":1,"timestamp":"2026-12-03T08:00:00.000Z","siteId":"s","operator":"op","command":"reboot"}"#
        #expect(throws: WireError.self) { try WireDecoder().decode(OperatorRequest.self, from: Array(request.utf8)) }
    }

    @Test("node names: zone@offset both ways, to the centimetre")
    func nodeNames() {
        #expect(LaneNodeName.make(zone: "xray", offset: 20.5) == "xray@20.5")
        #expect(LaneNodeName.make(zone: "road", offset: 0) == "road@0")
        #expect(LaneNodeName.parse("km0-import@6")?.zone == "km0-import")
        #expect(LaneNodeName.parse("km0-import@6")?.offset == 6)
        #expect(LaneNodeName.parse("no-offset") == nil)
        #expect(LaneNodeName.parse("zone@nan") == nil)
    }

    @Test("a whole number in a free-form value is written as one (a count is 3, not 3.0)")
    func wholeNumbers() throws {
        let value = WireValue.object(["trucks": .number(3), "speed": .number(4.25)])
        let text = String(decoding: try WireEncoder().encode(value), as: UTF8.self)
        #expect(text.contains(#""trucks":3"#) && !text.contains("3.0"), "\(text)")
        #expect(text.contains(#""speed":4.25"#), "\(text)")
    }
}
