import Foundation
import LaneWire
import Testing

/// A message shaped like the VDA 5050 ones: a header, nested objects, arrays, enums, optionals.
struct Sample: Codable, Equatable {
    enum Mode: String, Codable { case automatic = "AUTOMATIC", manual = "MANUAL" }
    struct Position: Codable, Equatable {
        var x: Double
        var y: Double
        var mapId: String
    }
    var headerId: UInt64
    var timestamp: String
    var serialNumber: String
    var mode: Mode
    var driving: Bool
    var batteryCharge: Double?
    var position: Position
    var nodes: [Position]
    var errors: [String]
}

@Suite("json-c codec")
struct CodecTests {
    let sample = Sample(
        headerId: 42, timestamp: "2026-11-29T21:00:00.123Z", serialNumber: "truck-07 ưu tiên", mode: .automatic, driving: true,
        batteryCharge: 87.5, position: .init(x: 1065.9271446770017, y: -3.25, mapId: "huu-nghi"),
        nodes: [.init(x: 0, y: 0, mapId: "a"), .init(x: 27.7777, y: 1e-5, mapId: "b")], errors: [])

    @Test("decode(encode(x)) == x")
    func roundTrip() throws {
        let bytes = try WireEncoder().encode(sample)
        #expect(try WireDecoder().decode(Sample.self, from: bytes) == sample)
        var noBattery = sample
        noBattery.batteryCharge = nil
        #expect(try WireDecoder().decode(Sample.self, from: try WireEncoder().encode(noBattery)) == noBattery)
    }

    @Test("doubles are written in their shortest form, whole numbers with a fraction")
    func shortestDoubles() throws {
        let text = try WireEncoder().encodeText(sample.nodes[1])
        #expect(text.contains("\"x\":27.7777"))
        #expect(try WireEncoder().encodeText(sample.nodes[0]).contains("\"x\":0.0"))
    }

    @Test("NaN and infinities are refused when encoding, with the path")
    func encodeNaN() {
        var bad = sample
        bad.nodes[1].y = .nan
        #expect(throws: WireError.nonFiniteNumber(path: "nodes[1].y")) { try WireEncoder().encode(bad) }
        bad.nodes[1].y = .infinity
        #expect(throws: WireError.nonFiniteNumber(path: "nodes[1].y")) { try WireEncoder().encode(bad) }
    }

    static let valid =
        #"{"headerId":1,"timestamp":"t","serialNumber":"s","mode":"MANUAL","driving":false,"position":{"x":1,"y":2.5,"mapId":"m"},"nodes":[],"errors":[]}"#

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var payload: [UInt8]
        var expected: WireError
        var testDescription: String { name }
        init(_ name: String, _ text: String, _ expected: WireError) {
            self.name = name
            self.payload = Array(text.utf8)
            self.expected = expected
        }
        init(_ name: String, bytes: [UInt8], _ expected: WireError) {
            self.name = name
            self.payload = bytes
            self.expected = expected
        }
    }

    static func replacing(_ old: String, _ new: String) -> String { valid.replacingOccurrences(of: old, with: new) }

    static let cases: [Case] = [
        Case("malformed JSON", #"{"headerId":1,"#, .malformed(reason: "unexpected end of data", offset: 14)),
        Case("empty payload", "", .malformed(reason: "unexpected end of data", offset: 0)),
        Case(
            "a string where a number belongs", replacing(#""headerId":1"#, #""headerId":"1""#),
            .typeMismatch(path: "headerId", expected: "an integer", found: "a string")),
        Case(
            "a number where a boolean belongs", replacing(#""driving":false"#, #""driving":0"#),
            .typeMismatch(path: "driving", expected: "a boolean", found: "a number")),
        Case(
            "a fraction where an integer belongs", replacing(#""headerId":1"#, #""headerId":1.5"#),
            .typeMismatch(path: "headerId", expected: "an integer", found: "a number")),
        Case(
            "null where an object belongs", replacing(#""position":{"x":1,"y":2.5,"mapId":"m"}"#, #""position":null"#),
            .typeMismatch(path: "position", expected: "an object", found: "null")),
        Case("a missing required key", replacing(#""serialNumber":"s","#, ""), .missingKey(path: "", key: "serialNumber")),
        Case("a missing nested key", replacing(#""mapId":"m""#, #""map":"m""#), .missingKey(path: "position", key: "mapId")),
        Case(
            "an unknown enum value", replacing(#""MANUAL""#, #""SEMIAUTOMATIC""#),
            .invalidValue(path: "mode", reason: "Cannot initialize Mode from invalid String value SEMIAUTOMATIC")),
        Case(
            "a duplicate key", replacing(#""driving":false"#, #""driving":false,"driving":true"#), .duplicateKey(path: "", key: "driving")),
        Case("a duplicate nested key", replacing(#""x":1"#, #""x":1,"x":2"#), .duplicateKey(path: "position", key: "x")),
        // Found by the fuzzer: a container where a key belongs, then a duplicate key inside it.
        Case("an object where a key belongs, with a duplicate inside", #"{{"a":1,"a":2}}"#, .duplicateKey(path: "", key: "a")),
        Case("a duplicate key deep in arrays", #"[[1],[2,{"a":1,"a":2}]]"#, .duplicateKey(path: "[1][1]", key: "a")),
        Case("NaN", replacing(#""y":2.5"#, #""y":NaN"#), .nonFiniteNumber(path: "position.y")),
        Case("Infinity", replacing(#""y":2.5"#, #""y":Infinity"#), .nonFiniteNumber(path: "position.y")),
        Case(
            "a huge integer", replacing(#""headerId":1"#, #""headerId":123456789012345678901234567890"#), .integerOverflow(path: "headerId")
        ),
        Case(
            "a negative header id", replacing(#""headerId":1"#, #""headerId":-1"#),
            .invalidValue(path: "headerId", reason: "negative value for an unsigned integer")),
        Case("NUL inside a string", replacing(#""serialNumber":"s""#, #""serialNumber":"s\u0000t""#), .nulInString(path: "serialNumber")),
        Case(
            "invalid UTF-8", bytes: Array(#"{"headerId":1,"timestamp":""#.utf8) + [0xC3, 0x28] + Array(#"","serialNumber":"s"}"#.utf8),
            .invalidUTF8),
        Case("trailing data", valid + "x", .trailingData(offset: valid.utf8.count)),
        Case("two documents", valid + valid, .trailingData(offset: valid.utf8.count)),
        Case("single quotes", replacing(#""serialNumber":"s""#, #""serialNumber":'s'"#), .singleQuotes(offset: 45)),
        Case("64 levels of nesting", String(repeating: "[", count: 64) + String(repeating: "]", count: 64), .tooDeep(limit: 32)),
        Case("100,000 levels of nesting", String(repeating: "[", count: 100_000), .tooDeep(limit: 32)),
    ]

    @Test("bad input is refused with a typed error naming where", arguments: cases)
    func refused(_ bad: Case) {
        #expect(throws: bad.expected) { try WireDecoder().decode(Sample.self, from: bad.payload) }
    }

    @Test("a payload over the size limit is refused before it is parsed")
    func tooLarge() {
        let big = [UInt8](repeating: 0x20, count: 10 * 1024 * 1024 + 1)
        #expect(throws: WireError.tooLarge(bytes: big.count, limit: 10 * 1024 * 1024)) { try WireDecoder().decode(Sample.self, from: big) }
    }

    @Test("whitespace around the document is fine; a bare number decodes")
    func lenientWhereJSONIs() throws {
        #expect(try WireDecoder().decode(Sample.self, from: "  \n" + Self.valid + "\r\n\t").headerId == 1)
        #expect(try WireDecoder().decode(Int.self, from: "42") == 42)
        #expect(try WireDecoder().decode([Double].self, from: "[1, 2.5, -3e2]") == [1, 2.5, -300])
    }

    @Test("errors read as sentences with the place")
    func descriptions() {
        #expect(
            WireError.typeMismatch(path: "a.b[2]", expected: "a string", found: "a number").description
                == "a.b[2]: expected a string, found a number")
        #expect(WireError.duplicateKey(path: "", key: "x").description == "key 'x' appears twice")
    }
}
