import CJSONC

/// Decodes `Decodable` wire messages from JSON with json-c, strictly: no NaN or infinities, no
/// trailing data, no single quotes, no duplicate keys, no integer overflow, no type coercion
/// ("2" is not 2), valid UTF-8 only, no NUL in strings, and limits on size and nesting. Every
/// error is a `WireError` that names where in the document it is.
public struct WireDecoder: Sendable {
    /// The limits payloads are held to.
    public var limits: WireLimits

    /// Whether types with a direct mapping (`WireMapped`) are decoded through `Codable` instead:
    /// for the tests that hold both paths to the same results.
    var throughCodable = false

    /// A decoder with the given limits.
    public init(limits: WireLimits = WireLimits()) { self.limits = limits }

    /// Decodes a `T` from a JSON payload.
    public func decode<T: Decodable>(_ type: T.Type, from payload: [UInt8]) throws(WireError) -> T {
        guard payload.count <= limits.maximumBytes else { throw .tooLarge(bytes: payload.count, limit: limits.maximumBytes) }
        let root = try parse(payload)
        defer { json_object_put(root) }
        if !throughCodable, let mapped = T.self as? any WireMapped.Type {
            return try mapped.init(wire: root) as! T
        }
        do {
            return try T(from: DecoderNode(node: root, codingPath: []))
        } catch let error as WireError {
            throw error
        } catch let error as DecodingError {
            throw WireError(error)
        } catch {
            throw .invalidValue(path: "", reason: String(describing: error))
        }
    }

    /// Decodes a `T` from JSON text.
    public func decode<T: Decodable>(_ type: T.Type, from text: String) throws(WireError) -> T {
        try decode(type, from: Array(text.utf8))
    }

    private func parse(_ payload: [UInt8]) throws(WireError) -> OpaquePointer? {
        try payload.withUnsafeBufferPointer { (bytes) throws(WireError) -> OpaquePointer? in
            try SyntaxScan.check(bytes, limits: limits)
            guard let tokener = json_tokener_new_ex(Int32(limits.maximumDepth + 1)) else {
                throw WireError.malformed(reason: "out of memory", offset: 0)
            }
            defer { json_tokener_free(tokener) }
            // Trailing characters are allowed here only to be reported precisely below.
            json_tokener_set_flags(tokener, Int32(JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS | JSON_TOKENER_VALIDATE_UTF8))
            var root = bytes.withMemoryRebound(to: CChar.self) { json_tokener_parse_ex(tokener, $0.baseAddress, Int32($0.count)) }
            var status = json_tokener_get_error(tokener)
            var end = json_tokener_get_parse_end(tokener)
            if status == json_tokener_continue {
                // The whole payload was read: a bare top-level number is complete only at a
                // terminator, and anything else unfinished is reported at the end.
                root = json_tokener_parse_ex(tokener, "", 1)
                status = json_tokener_get_error(tokener)
                end = payload.count
            }
            guard status == json_tokener_success else {
                json_object_put(root)
                if status == json_tokener_error_depth { throw WireError.tooDeep(limit: limits.maximumDepth) }
                if status == json_tokener_error_parse_utf8_string { throw WireError.invalidUTF8 }
                let reason = json_tokener_error_desc(status).map { String(cString: $0) } ?? "parse error"
                throw WireError.malformed(reason: reason, offset: min(end, payload.count))
            }
            var i = end
            while i < payload.count {
                switch payload[i] {
                case 0x20, 0x09, 0x0A, 0x0D: i += 1
                default:
                    json_object_put(root)
                    throw WireError.trailingData(offset: i)
                }
            }
            return root
        }
    }
}

extension WireError {
    /// A `DecodingError` raised by synthesized `Decodable` code (an unknown enum value, say).
    init(_ error: DecodingError) {
        switch error {
        case .dataCorrupted(let context):
            self = .invalidValue(path: WirePath.render(context.codingPath), reason: context.debugDescription)
        case .keyNotFound(let key, let context):
            self = .missingKey(path: WirePath.render(context.codingPath), key: key.stringValue)
        case .typeMismatch(let type, let context):
            self = .typeMismatch(path: WirePath.render(context.codingPath), expected: "\(type)", found: "another type")
        case .valueNotFound(let type, let context):
            self = .typeMismatch(path: WirePath.render(context.codingPath), expected: "\(type)", found: "null")
        @unknown default:
            self = .invalidValue(path: "", reason: String(describing: error))
        }
    }
}

/// Renders a coding path as `a.b[2].c`.
enum WirePath {
    static func render(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue, key.stringValue.hasPrefix("Index") || key.stringValue == "\(index)" {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    static func render(_ path: [any CodingKey], _ key: any CodingKey) -> String { render(path + [key]) }
}

/// A position in an array, as a coding key.
struct IndexKey: CodingKey {
    var stringValue: String { "Index \(intValue!)" }
    var intValue: Int?
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

/// The JSON type of a json-c node, by name.
func typeName(_ node: OpaquePointer?) -> String {
    guard let node else { return "null" }
    switch json_object_get_type(node) {
    case json_type_boolean: return "a boolean"
    case json_type_double, json_type_int: return "a number"
    case json_type_object: return "an object"
    case json_type_array: return "an array"
    case json_type_string: return "a string"
    default: return "null"
    }
}

/// The decoder over a parsed json-c tree. One instance serves the whole document: decoding a
/// nested value moves it to the child node and pushes the key on its coding path, and moves it
/// back afterwards (no allocation per level). The tree is owned by `WireDecoder.decode` and
/// outlives the decoder.
final class DecoderNode: Decoder {
    var node: OpaquePointer?
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(node: OpaquePointer?, codingPath: [any CodingKey]) {
        self.node = node
        self.codingPath = codingPath
        self.codingPath.reserveCapacity(16)
    }

    var path: String { WirePath.render(codingPath) }

    /// Decodes a `T` from `child`, found under `key` (or, with `extra`, under a nested container's keys).
    func decodeNested<T: Decodable>(_ type: T.Type, node child: OpaquePointer?, extra: [any CodingKey], key: any CodingKey) throws -> T {
        let saved = node
        let depth = codingPath.count
        node = child
        codingPath.append(contentsOf: extra)
        codingPath.append(key)
        defer {
            codingPath.removeSubrange(depth...)
            node = saved
        }
        return try T(from: self)
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        try keyed(node, extra: [])
    }

    func keyed<Key: CodingKey>(_ node: OpaquePointer?, extra: [any CodingKey]) throws -> KeyedDecodingContainer<Key> {
        guard let node, json_object_get_type(node) == json_type_object else {
            throw WireError.typeMismatch(path: WirePath.render(codingPath + extra), expected: "an object", found: typeName(node))
        }
        return KeyedDecodingContainer(KeyedNode<Key>(object: node, decoder: self, extra: extra))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { try unkeyed(node, extra: []) }

    func unkeyed(_ node: OpaquePointer?, extra: [any CodingKey]) throws -> any UnkeyedDecodingContainer {
        guard let node, json_object_get_type(node) == json_type_array else {
            throw WireError.typeMismatch(path: WirePath.render(codingPath + extra), expected: "an array", found: typeName(node))
        }
        return UnkeyedNode(array: node, decoder: self, extra: extra)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleNode(node: node, decoder: self) }
}

/// Reading scalars out of json-c nodes, with the strict rules.
enum Scalar {
    static func bool(_ node: OpaquePointer?, _ path: @autoclosure () -> String) throws(WireError) -> Bool {
        guard let node, json_object_get_type(node) == json_type_boolean else {
            throw WireError.typeMismatch(path: path(), expected: "a boolean", found: typeName(node))
        }
        return json_object_get_boolean(node) != 0
    }

    static func string(_ node: OpaquePointer?, _ path: @autoclosure () -> String) throws(WireError) -> String {
        guard let node, json_object_get_type(node) == json_type_string else {
            throw WireError.typeMismatch(path: path(), expected: "a string", found: typeName(node))
        }
        let length = Int(json_object_get_string_len(node))
        guard let start = json_object_get_string(node) else { return "" }
        let bytes = UnsafeRawBufferPointer(start: start, count: length)
        if bytes.contains(0) { throw WireError.nulInString(path: path()) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func double(_ node: OpaquePointer?, _ path: @autoclosure () -> String) throws(WireError) -> Double {
        guard let node else { throw WireError.typeMismatch(path: path(), expected: "a number", found: "null") }
        let type = json_object_get_type(node)
        if type == json_type_int { return Double(try int64(node, path())) }
        guard type == json_type_double else {
            throw WireError.typeMismatch(path: path(), expected: "a number", found: typeName(node))
        }
        let value = json_object_get_double(node)
        guard value.isFinite else { throw WireError.nonFiniteNumber(path: path()) }
        return value
    }

    static func int64(_ node: OpaquePointer?, _ path: @autoclosure () -> String) throws(WireError) -> Int64 {
        guard let node, json_object_get_type(node) == json_type_int else {
            throw WireError.typeMismatch(path: path(), expected: "an integer", found: typeName(node))
        }
        let value = json_object_get_int64(node)
        // json-c clamps out-of-range integers to the bounds.
        guard value != Int64.max && value != Int64.min else { throw WireError.integerOverflow(path: path()) }
        return value
    }

    static func uint64(_ node: OpaquePointer?, _ path: @autoclosure () -> String) throws(WireError) -> UInt64 {
        guard let node, json_object_get_type(node) == json_type_int else {
            throw WireError.typeMismatch(path: path(), expected: "an integer", found: typeName(node))
        }
        if json_object_get_int64(node) < 0 {
            throw WireError.invalidValue(path: path(), reason: "negative value for an unsigned integer")
        }
        let value = json_object_get_uint64(node)
        guard value != UInt64.max else { throw WireError.integerOverflow(path: path()) }
        return value
    }

    static func integer<T: FixedWidthInteger>(
        _ type: T.Type, _ node: OpaquePointer?, _ path: @autoclosure () -> String
    ) throws(WireError) -> T {
        if T.isSigned {
            let value = try int64(node, path())
            guard let exact = T(exactly: value) else { throw WireError.integerOverflow(path: path()) }
            return exact
        }
        let value = try uint64(node, path())
        guard let exact = T(exactly: value) else { throw WireError.integerOverflow(path: path()) }
        return exact
    }

    /// Decodes a `T` found under `key`: scalars directly, anything else through the decoder.
    static func decode<T: Decodable>(
        _ type: T.Type, _ node: OpaquePointer?, decoder: DecoderNode, extra: [any CodingKey], key: any CodingKey
    ) throws -> T {
        // The path is rendered only for an error.
        var path: String { WirePath.render(decoder.codingPath + extra + [key]) }
        switch type {
        case is Bool.Type: return try bool(node, path) as! T
        case is String.Type: return try string(node, path) as! T
        case is Double.Type: return try double(node, path) as! T
        case is Float.Type:
            let value = Float(try double(node, path))
            guard value.isFinite else { throw WireError.integerOverflow(path: path) }
            return value as! T
        case is Int.Type: return try integer(Int.self, node, path) as! T
        case is Int64.Type: return try integer(Int64.self, node, path) as! T
        case is Int32.Type: return try integer(Int32.self, node, path) as! T
        case is UInt.Type: return try integer(UInt.self, node, path) as! T
        case is UInt64.Type: return try integer(UInt64.self, node, path) as! T
        case is UInt32.Type: return try integer(UInt32.self, node, path) as! T
        default: return try decoder.decodeNested(type, node: node, extra: extra, key: key)
        }
    }
}

struct KeyedNode<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: OpaquePointer
    let decoder: DecoderNode
    /// Keys of nested containers between the decoder's path and this container.
    let extra: [any CodingKey]

    var codingPath: [any CodingKey] { decoder.codingPath + extra }

    func path(_ key: Key) -> String { WirePath.render(codingPath + [key]) }

    var allKeys: [Key] {
        var keys: [Key] = []
        var iterator = json_object_iter_begin(object)
        let end = json_object_iter_end(object)
        var last = end
        while json_object_iter_equal(&iterator, &last) == 0 {
            if let name = json_object_iter_peek_name(&iterator), let key = Key(stringValue: String(cString: name)) {
                keys.append(key)
            }
            json_object_iter_next(&iterator)
        }
        return keys
    }

    func lookup(_ key: Key) -> (found: Bool, node: OpaquePointer?) {
        var value: OpaquePointer?
        // withCString borrows a native string's bytes; the implicit conversion would copy them.
        let found = key.stringValue.withCString { json_object_object_get_ex(object, $0, &value) } != 0
        return (found, value)
    }

    func contains(_ key: Key) -> Bool { lookup(key).found }

    func require(_ key: Key) throws -> OpaquePointer? {
        let (found, node) = lookup(key)
        guard found else { throw WireError.missingKey(path: WirePath.render(codingPath), key: key.stringValue) }
        return node
    }

    func decodeNil(forKey key: Key) throws -> Bool { try require(key) == nil }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try Scalar.decode(type, try require(key), decoder: decoder, extra: extra, key: key)
    }

    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try Scalar.string(try require(key), path(key))
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try Scalar.bool(try require(key), path(key))
    }

    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try Scalar.double(try require(key), path(key))
    }

    func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
        try Scalar.integer(Int.self, try require(key), path(key))
    }

    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 {
        try Scalar.uint64(try require(key), path(key))
    }

    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        let (found, node) = lookup(key)
        guard found, node != nil else { return nil }
        return try Scalar.string(node, path(key))
    }

    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        let (found, node) = lookup(key)
        guard found, node != nil else { return nil }
        return try Scalar.double(node, path(key))
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        let (found, node) = lookup(key)
        guard found, node != nil else { return nil }
        return try Scalar.bool(node, path(key))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder.keyed(try require(key), extra: extra + [key])
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder.unkeyed(try require(key), extra: extra + [key])
    }

    func superDecoder() throws -> any Decoder { DecoderNode(node: object, codingPath: codingPath) }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        DecoderNode(node: try require(key), codingPath: codingPath + [key])
    }
}

struct UnkeyedNode: UnkeyedDecodingContainer {
    let array: OpaquePointer
    let decoder: DecoderNode
    let extra: [any CodingKey]
    var currentIndex = 0

    init(array: OpaquePointer, decoder: DecoderNode, extra: [any CodingKey]) {
        self.array = array
        self.decoder = decoder
        self.extra = extra
    }

    var codingPath: [any CodingKey] { decoder.codingPath + extra }
    var count: Int? { Int(json_object_array_length(array)) }
    var isAtEnd: Bool { currentIndex >= count! }

    mutating func next() throws -> (OpaquePointer?, IndexKey) {
        guard !isAtEnd else {
            throw WireError.invalidValue(path: WirePath.render(codingPath), reason: "array has only \(count!) elements")
        }
        let node = json_object_array_get_idx(array, currentIndex)
        let key = IndexKey(currentIndex)
        currentIndex += 1
        return (node, key)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if json_object_array_get_idx(array, currentIndex) == nil {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (node, key) = try next()
        return try Scalar.decode(type, node, decoder: decoder, extra: extra, key: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (node, key) = try next()
        return try decoder.keyed(node, extra: extra + [key])
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (node, key) = try next()
        return try decoder.unkeyed(node, extra: extra + [key])
    }

    mutating func superDecoder() throws -> any Decoder {
        let (node, key) = try next()
        return DecoderNode(node: node, codingPath: codingPath + [key])
    }
}

struct SingleNode: SingleValueDecodingContainer {
    let node: OpaquePointer?
    let decoder: DecoderNode
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { node == nil }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        var path: String { WirePath.render(codingPath) }
        switch type {
        case is Bool.Type: return try Scalar.bool(node, path) as! T
        case is String.Type: return try Scalar.string(node, path) as! T
        case is Double.Type: return try Scalar.double(node, path) as! T
        case is Int.Type: return try Scalar.integer(Int.self, node, path) as! T
        case is Int64.Type: return try Scalar.integer(Int64.self, node, path) as! T
        case is UInt64.Type: return try Scalar.integer(UInt64.self, node, path) as! T
        default:
            // A nested value at the same place (a wrapper type): decode it from this node.
            let saved = decoder.node
            decoder.node = node
            defer { decoder.node = saved }
            return try T(from: decoder)
        }
    }
}
