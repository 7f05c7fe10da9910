import Foundation
import PropertyBased
import Testing

@testable import LaneWire

/// The hot messages (`state`, `order`, `instantActions`) are decoded and encoded by a direct
/// mapping beside their `Codable` conformance. These tests hold the two paths to the same values,
/// the same bytes and the same errors, over the golden examples, random messages and a table of
/// bad input; and they check the direct path's text with an independent parser (Foundation's).
@Suite("direct mapping of the hot messages")
struct DirectMappingTests {
    static let direct = WireDecoder()
    static let codable: WireDecoder = {
        var decoder = WireDecoder()
        decoder.throughCodable = true
        return decoder
    }()
    static let directEncoder = WireEncoder()
    static let codableEncoder: WireEncoder = {
        var encoder = WireEncoder()
        encoder.throughCodable = true
        return encoder
    }()

    /// Both decoders give the same value and the same error; both encoders the same bytes.
    static func expectSamePaths<M: VDA5050Message & WireMapped>(_ type: M.Type, _ payload: [UInt8]) throws {
        let viaDirect = Result { () throws(WireError) in try direct.decode(M.self, from: payload) }
        let viaCodable = Result { () throws(WireError) in try codable.decode(M.self, from: payload) }
        #expect(viaDirect == viaCodable, "\(String(decoding: payload, as: UTF8.self))")
        if case .success(let message) = viaDirect { try expectSameBytes(message) }
    }

    static func expectSameBytes<M: VDA5050Message & WireMapped>(_ message: M) throws {
        let bytes = try directEncoder.encode(message)
        #expect(bytes == (try codableEncoder.encode(message)), "\(String(decoding: bytes, as: UTF8.self))")
        #expect(try JSONDecoder().decode(M.self, from: Data(bytes)) == message, "Foundation reads the direct text back")
    }

    @Test("the golden state, order and instant actions: same values, same bytes on both paths")
    func golden() throws {
        try Self.expectSamePaths(StateMessage.self, try VDA5050Tests.golden("state"))
        try Self.expectSamePaths(OrderMessage.self, try VDA5050Tests.golden("order"))
        try Self.expectSamePaths(InstantActionsMessage.self, try VDA5050Tests.golden("instantActions"))
    }

    @Test("random messages: same bytes, read back equal by both paths and by Foundation", .shrinking(false))
    func random() async {
        await propertyCheck(count: 300, input: Gen.uint64(in: 1...UInt64.max / 2)) { seed in
            var random = Xoshiro(seed: (seed, seed ^ 0x9E37_79B9_7F4A_7C15, ~seed, seed &* 31))
            do {
                let state = RandomMessages.state(&random)
                try Self.expectSameBytes(state)
                #expect(try Self.direct.decode(StateMessage.self, from: try Self.directEncoder.encode(state)) == state, "seed \(seed)")
                let order = RandomMessages.order(&random)
                try Self.expectSameBytes(order)
                #expect(try Self.direct.decode(OrderMessage.self, from: try Self.directEncoder.encode(order)) == order, "seed \(seed)")
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
    }

    /// Edits of the golden messages, each of which must be refused, with the same error on both paths.
    static let badEdits: [(golden: String, from: String, to: String)] = [
        ("state", #""headerId": 40211"#, #""headerId": "40211""#),
        ("state", #""headerId": 40211"#, #""headerId": -1"#),
        ("state", #""headerId": 40211"#, #""headerId": 123456789012345678901234567890"#),
        ("state", #""driving": true"#, #""driving": 1"#),
        ("state", #""driving": true"#, #""driving": null"#),
        ("state", #""orderUpdateId": 4,"#, ""),
        ("state", #""operatingMode": "AUTOMATIC""#, #""operatingMode": "AUTOPILOT""#),
        ("state", #""requestStatus": "GRANTED""#, #""requestStatus": "granted""#),
        ("state", #""x": 871.38"#, #""x": "871.38""#),
        ("state", #""sequenceId": 4"#, #""sequenceId": 4.5"#),
        ("state", #""nodeId": "import-xray@20.5""#, #""nodeId": "import\u0000xray""#),
        ("state", #""nodeStates": ["#, #""nodeStates": [7, "#),
        ("state", #""safetyState": {"#, #""safetyState": ["#),
        ("order", #""released": true"#, #""released": "yes""#),
        ("order", #""value": 4.2"#, #""value": null"#),
        ("order", #""value": 4.2"#, #""value": [1, "two", {"three": null}]"#),
        ("order", #""value": 4.2"#, #""value": "tab\u0000""#),
        ("order", #""blockingType": "HARD""#, #""blockingType": "FIRM""#),
        ("order", #""maximumSpeed": 5.556"#, #""maximumSpeed": true"#),
        ("order", #""edges": ["#, #""edges": {"#),
    ]

    @Test("bad input: the same typed error, at the same place, on both paths", arguments: 0..<badEdits.count)
    func badInput(_ index: Int) throws {
        let edit = Self.badEdits[index]
        let text = String(decoding: try VDA5050Tests.golden(edit.golden), as: UTF8.self)
        #expect(text.contains(edit.from), "the edit must apply to the golden \(edit.golden)")
        var edited = text
        if let range = text.range(of: edit.from) { edited.replaceSubrange(range, with: edit.to) }
        let payload = Array(edited.utf8)
        if edit.golden == "state" {
            try Self.expectSamePaths(StateMessage.self, payload)
            #expect(throws: WireError.self) { try Self.direct.decode(StateMessage.self, from: payload) }
        } else {
            try Self.expectSamePaths(OrderMessage.self, payload)
            #expect(throws: WireError.self) { try Self.direct.decode(OrderMessage.self, from: payload) }
        }
    }

    @Test("strings that need escaping are written as json-c writes them")
    func escaping() throws {
        var order = try Self.direct.decode(OrderMessage.self, from: try VDA5050Tests.golden("order"))
        order.orderDescription = "quote \" backslash \\ slash / tab \t newline \n bell \u{07} del \u{7F} Lạng Sơn 凭祥 🚛"
        try Self.expectSameBytes(order)
        let text = try Self.directEncoder.encodeText(order)
        #expect(text.contains(#"quote \" backslash \\ slash / tab \t newline \n bell \u0007 del "#))
    }
}

/// Random messages over the whole range of their fields: optional fields present or absent,
/// strings with characters that need escaping, numbers large, small, negative and whole.
enum RandomMessages {
    static func text(_ random: inout Xoshiro) -> String {
        let pieces = ["T007", "import-xray@20.5", "a\"b", "back\\slash", "tab\t", "\u{01}", "Móng Cái", "凭祥", "🚛", "", " ", "/"]
        return (0..<Int.random(in: 0...3, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    static func number(_ random: inout Xoshiro) -> Double {
        switch Int.random(in: 0..<5, using: &random) {
        case 0: Double(Int.random(in: -5000...5000, using: &random))
        case 1: Double.random(in: -1...1, using: &random)
        case 2: Double.random(in: -1e6...1e6, using: &random)
        case 3: Double.random(in: 1e15...1e300, using: &random)
        default: Double.random(in: 1e-300...1e-5, using: &random)
        }
    }

    static func maybe<T>(_ random: inout Xoshiro, _ make: (inout Xoshiro) -> T) -> T? {
        Bool.random(using: &random) ? make(&random) : nil
    }

    static func list<T>(_ random: inout Xoshiro, _ make: (inout Xoshiro) -> T) -> [T] {
        (0..<Int.random(in: 0...3, using: &random)).map { _ in make(&random) }
    }

    static func value(_ random: inout Xoshiro, depth: Int = 0) -> WireValue {
        switch Int.random(in: 0..<(depth < 2 ? 5 : 3), using: &random) {
        case 0: .string(text(&random))
        case 1: .number(number(&random))
        case 2: .bool(Bool.random(using: &random))
        case 3: .array(list(&random) { value(&$0, depth: depth + 1) })
        default: .object(Dictionary(list(&random) { (text(&$0), value(&$0, depth: depth + 1)) }, uniquingKeysWith: { a, _ in a }))
        }
    }

    static func action(_ random: inout Xoshiro) -> Action {
        Action(
            actionType: text(&random), actionId: text(&random), actionDescriptor: maybe(&random, text),
            blockingType: [.none, .soft, .single, .hard].randomElement(using: &random)!,
            actionParameters: maybe(&random) { r in list(&r) { ActionParameter(key: text(&$0), value: value(&$0)) } },
            retriable: maybe(&random) { Bool.random(using: &$0) })
    }

    static func position(_ random: inout Xoshiro) -> NodePosition {
        NodePosition(x: number(&random), y: number(&random), theta: maybe(&random, number), mapId: text(&random))
    }

    static func order(_ random: inout Xoshiro) -> OrderMessage {
        OrderMessage(
            headerId: UInt64.random(in: 0...UInt64.max - 1, using: &random), timestamp: text(&random), version: text(&random),
            manufacturer: text(&random), serialNumber: text(&random), orderId: text(&random),
            orderUpdateId: UInt64.random(in: 0...1000, using: &random), orderDescription: maybe(&random, text),
            nodes: list(&random) { r in
                OrderNode(
                    nodeId: text(&r), sequenceId: Int.random(in: -100...Int(Int32.max), using: &r), nodeDescriptor: maybe(&r, text),
                    released: Bool.random(using: &r), nodePosition: maybe(&r, position), actions: list(&r, action))
            },
            edges: list(&random) { r in
                OrderEdge(
                    edgeId: text(&r), sequenceId: Int.random(in: 0...1000, using: &r), edgeDescriptor: maybe(&r, text),
                    released: Bool.random(using: &r), maximumSpeed: maybe(&r, number), length: maybe(&r, number),
                    actions: list(&r, action))
            })
    }

    static func state(_ random: inout Xoshiro) -> StateMessage {
        StateMessage(
            headerId: UInt64.random(in: 0...UInt64.max - 1, using: &random), timestamp: text(&random), version: text(&random),
            manufacturer: text(&random), serialNumber: text(&random), orderId: text(&random),
            orderUpdateId: UInt64.random(in: 0...1000, using: &random), lastNodeId: text(&random),
            lastNodeSequenceId: Int.random(in: 0...1000, using: &random),
            nodeStates: list(&random) { r in
                .init(
                    nodeId: text(&r), sequenceId: Int.random(in: 0...1000, using: &r), nodeDescriptor: maybe(&r, text),
                    released: Bool.random(using: &r), nodePosition: maybe(&r, position))
            },
            edgeStates: list(&random) { r in
                .init(
                    edgeId: text(&r), sequenceId: Int.random(in: 0...1000, using: &r), edgeDescriptor: maybe(&r, text),
                    released: Bool.random(using: &r))
            },
            mobileRobotPosition: maybe(&random) { r in
                .init(
                    x: number(&r), y: number(&r), theta: number(&r), mapId: text(&r), localized: Bool.random(using: &r),
                    localizationScore: maybe(&r, number), deviationRange: maybe(&r, number))
            },
            velocity: maybe(&random) { r in .init(vx: maybe(&r, number), vy: maybe(&r, number), omega: maybe(&r, number)) },
            driving: Bool.random(using: &random), paused: maybe(&random) { Bool.random(using: &$0) },
            newBaseRequest: maybe(&random) { Bool.random(using: &$0) },
            zoneRequests: maybe(&random) { r in
                list(&r) { r in
                    .init(
                        requestId: text(&r), requestType: [.access, .replanning].randomElement(using: &r)!, zoneId: text(&r),
                        zoneSetId: text(&r), requestStatus: [.requested, .granted, .revoked, .expired].randomElement(using: &r)!)
                }
            },
            distanceSinceLastNode: maybe(&random, number),
            actionStates: list(&random, actionState), instantActionStates: list(&random, actionState),
            powerSupply: .init(stateOfCharge: number(&random), charging: Bool.random(using: &random), range: maybe(&random, number)),
            operatingMode: [.startup, .automatic, .semiautomatic, .intervened, .manual, .service, .teachIn].randomElement(using: &random)!,
            errors: list(&random) { r in
                .init(
                    errorType: text(&r), errorDescription: maybe(&r, text),
                    errorLevel: [.warning, .urgent, .critical, .fatal].randomElement(using: &r)!)
            },
            safetyState: .init(
                activeEmergencyStop: [.manual, .remote, .none].randomElement(using: &random)!, fieldViolation: Bool.random(using: &random)))
    }

    static func actionState(_ random: inout Xoshiro) -> StateMessage.ActionState {
        .init(
            actionId: text(&random), actionType: maybe(&random, text), actionDescriptor: maybe(&random, text),
            actionStatus: [.waiting, .initializing, .running, .paused, .retriable, .finished, .failed].randomElement(using: &random)!,
            actionResult: maybe(&random, text))
    }
}
