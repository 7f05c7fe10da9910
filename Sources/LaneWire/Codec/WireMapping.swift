import CJSONC

/// The direct mapping of the hot messages (`state` in, `order` out, several times a second per
/// truck), beside their `Codable` conformance: read field by field from the json-c tree, and
/// written field by field as compact JSON text, without the generic `Decoder`/`Encoder`
/// machinery. `WireDecoder` and `WireEncoder` take this path for every type that has it, so the
/// strict rules, the limits and the error paths are those of the `Codable` path; the tests hold
/// both paths to the same values, the same bytes and the same errors (see
/// `docs/decisions/0006-direct-mapping-of-hot-messages.md`).
///
/// A conforming type reads itself from one json-c node (`nil` is JSON `null`) and writes itself
/// to the text. Errors carry the path below the node; the caller puts its key in front.
protocol WireMapped {
    /// Reads the value from a node of the parsed payload.
    init(wire node: OpaquePointer?) throws(WireError)
    /// Appends the value's JSON text.
    func write(to text: inout WireText) throws(WireError)
}

extension WireError {
    /// The same error, one level further down: `component` (a key, or `[i]`) goes in front of
    /// the path. Errors without a path (syntax, size) are unchanged.
    func under(_ component: String) -> WireError {
        func join(_ path: String) -> String {
            if path.isEmpty { return component }
            return path.hasPrefix("[") ? component + path : component + "." + path
        }
        switch self {
        case .duplicateKey(let path, let key): return .duplicateKey(path: join(path), key: key)
        case .nonFiniteNumber(let path): return .nonFiniteNumber(path: join(path))
        case .integerOverflow(let path): return .integerOverflow(path: join(path))
        case .nulInString(let path): return .nulInString(path: join(path))
        case .typeMismatch(let path, let expected, let found): return .typeMismatch(path: join(path), expected: expected, found: found)
        case .missingKey(let path, let key): return .missingKey(path: join(path), key: key)
        case .invalidValue(let path, let reason): return .invalidValue(path: join(path), reason: reason)
        case .tooLarge, .tooDeep, .malformed, .trailingData, .invalidUTF8, .singleQuotes: return self
        }
    }
}

/// A JSON object of the parsed payload, read by key. Keys are static strings: their bytes go to
/// json-c's lookup without a copy.
struct WireObject {
    private let object: OpaquePointer

    /// The object at `node`, or a type mismatch.
    init(_ node: OpaquePointer?) throws(WireError) {
        guard let node, json_object_get_type(node) == json_type_object else {
            throw .typeMismatch(path: "", expected: "an object", found: typeName(node))
        }
        object = node
    }

    private func lookup(_ key: StaticString) -> (found: Bool, node: OpaquePointer?) {
        var node: OpaquePointer?
        let name = UnsafeRawPointer(key.utf8Start).assumingMemoryBound(to: CChar.self)
        return (json_object_object_get_ex(object, name, &node) != 0, node)
    }

    /// The value under `key`, which must be present.
    func get<T: WireMapped>(_ key: StaticString) throws(WireError) -> T {
        let (found, node) = lookup(key)
        guard found else { throw .missingKey(path: "", key: key.description) }
        do { return try T(wire: node) } catch { throw error.under(key.description) }
    }

    /// The value under `key`, or nil when the key is absent or `null`.
    func get<T: WireMapped>(_ key: StaticString) throws(WireError) -> T? {
        let (found, node) = lookup(key)
        guard found, node != nil else { return nil }
        do { return try T(wire: node) } catch { throw error.under(key.description) }
    }
}

extension Array: WireMapped where Element: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        guard let node, json_object_get_type(node) == json_type_array else {
            throw .typeMismatch(path: "", expected: "an array", found: typeName(node))
        }
        let count = json_object_array_length(node)
        self.init()
        reserveCapacity(count)
        for index in 0..<count {
            do { append(try Element(wire: json_object_array_get_idx(node, index))) } catch { throw error.under("[\(index)]") }
        }
    }

    func write(to text: inout WireText) throws(WireError) {
        text.openArray()
        for (index, element) in enumerated() {
            text.separate()
            do { try element.write(to: &text) } catch { throw error.under("[\(index)]") }
        }
        text.closeArray()
    }
}

extension Dictionary: WireMapped where Key == String, Value: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        guard let node, json_object_get_type(node) == json_type_object else {
            throw .typeMismatch(path: "", expected: "an object", found: typeName(node))
        }
        self.init()
        var iterator = json_object_iter_begin(node)
        var end = json_object_iter_end(node)
        while json_object_iter_equal(&iterator, &end) == 0 {
            let name = json_object_iter_peek_name(&iterator).map { String(cString: $0) } ?? ""
            do { self[name] = try Value(wire: json_object_iter_peek_value(&iterator)) } catch { throw error.under(name) }
            json_object_iter_next(&iterator)
        }
    }

    func write(to text: inout WireText) throws(WireError) {
        text.openObject()
        for (key, value) in self {
            text.separate()
            text.string(key)
            text.colon()
            do { try value.write(to: &text) } catch { throw error.under(key) }
        }
        text.closeObject()
    }
}

extension String: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) { self = try Scalar.string(node, "") }
    func write(to text: inout WireText) { text.string(self) }
}

extension Bool: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) { self = try Scalar.bool(node, "") }
    func write(to text: inout WireText) { text.raw(self ? "true" : "false") }
}

extension Double: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) { self = try Scalar.double(node, "") }
    func write(to text: inout WireText) throws(WireError) { text.raw(try WireNumber.text(self, path: "")) }
}

extension Int: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) { self = try Scalar.integer(Int.self, node, "") }
    func write(to text: inout WireText) { text.raw(String(self)) }
}

extension UInt64: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) { self = try Scalar.uint64(node, "") }
    func write(to text: inout WireText) { text.raw(String(self)) }
}

extension WireMapped where Self: RawRepresentable, RawValue == String {
    /// A string enum reads its raw value; an unknown value is refused as the `Codable` path does.
    init(wire node: OpaquePointer?) throws(WireError) {
        let raw = try Scalar.string(node, "")
        guard let value = Self(rawValue: raw) else {
            throw .invalidValue(path: "", reason: "Cannot initialize \(Self.self) from invalid String value \(raw)")
        }
        self = value
    }

    func write(to text: inout WireText) { text.string(rawValue) }
}

/// How numbers are written: the one place both encoding paths take their number text from.
enum WireNumber {
    /// Swift's shortest form; whole numbers keep a fraction so that they read back as doubles in
    /// any parser. NaN and infinities are refused.
    static func text(_ value: Double, path: @autoclosure () -> String) throws(WireError) -> String {
        guard value.isFinite else { throw .nonFiniteNumber(path: path()) }
        let whole = abs(value) < 1e15 && Double(Int64(value)) == value
        return whole ? "\(Int64(value)).0" : "\(value)"
    }
}

/// Compact JSON text under construction, as json-c writes it with `JSON_C_TO_STRING_PLAIN |
/// JSON_C_TO_STRING_NOSLASHESCAPE`: no spaces, `"`, `\` and control characters escaped
/// (`\b \f \n \r \t`, the others as lower-case `\u00xx`), everything else as it is.
struct WireText {
    /// The bytes so far.
    private(set) var bytes: [UInt8] = []
    /// Whether the next member or element needs a comma before it.
    private var afterValue = false

    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    mutating func openObject() {
        bytes.append(UInt8(ascii: "{"))
        afterValue = false
    }

    mutating func closeObject() {
        bytes.append(UInt8(ascii: "}"))
        afterValue = true
    }

    mutating func openArray() {
        bytes.append(UInt8(ascii: "["))
        afterValue = false
    }

    mutating func closeArray() {
        bytes.append(UInt8(ascii: "]"))
        afterValue = true
    }

    /// A comma, if a member or element precedes.
    mutating func separate() {
        if afterValue { bytes.append(UInt8(ascii: ",")) }
        afterValue = false
    }

    mutating func colon() {
        bytes.append(UInt8(ascii: ":"))
        afterValue = false
    }

    /// Text that needs no escaping (numbers, literals).
    mutating func raw(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
        afterValue = true
    }

    /// A JSON string, escaped.
    mutating func string(_ value: String) {
        var value = value
        bytes.append(UInt8(ascii: "\""))
        value.withUTF8 { utf8 in
            var clean = 0  // start of the run of bytes that need no escape
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean..<index]))
                clean = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x20...: bytes.append(byte)
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [
                        UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)],
                    ])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean...]))
        }
        bytes.append(UInt8(ascii: "\""))
        afterValue = true
    }

    /// A member of the open object: its key (a static identifier, never escaped) and its value.
    mutating func member<T: WireMapped>(_ key: StaticString, _ value: T) throws(WireError) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        do { try value.write(to: &self) } catch { throw error.under(key.description) }
    }

    /// A member of the open object if `value` is present (absent optionals are left out, as the
    /// `Codable` path does).
    mutating func member<T: WireMapped>(_ key: StaticString, _ value: T?) throws(WireError) {
        if let value { try member(key, value) }
    }

    /// An object whose members `body` writes.
    mutating func object(_ body: (inout WireText) throws(WireError) -> Void) throws(WireError) {
        openObject()
        try body(&self)
        closeObject()
    }
}

/// The JSON type of a node of the parsed payload.
enum WireJSONType {
    case null, boolean, number, string, array, object

    init(_ node: OpaquePointer?) {
        guard let node else {
            self = .null
            return
        }
        switch json_object_get_type(node) {
        case json_type_boolean: self = .boolean
        case json_type_double, json_type_int: self = .number
        case json_type_string: self = .string
        case json_type_array: self = .array
        case json_type_object: self = .object
        default: self = .null
        }
    }
}
