import CJSONC

/// Encodes `Encodable` wire messages to compact JSON with json-c. Doubles are written in Swift's
/// shortest form (27.7777, not 27.777699999999999); NaN and infinities are refused.
public struct WireEncoder: Sendable {
    /// Whether types with a direct mapping (`WireMapped`) are encoded through `Codable` and a
    /// json-c tree instead: for the tests that hold both paths to the same bytes.
    var throughCodable = false

    /// An encoder.
    public init() {}

    /// The JSON bytes of `value`.
    public func encode<T: Encodable>(_ value: T) throws(WireError) -> [UInt8] {
        if !throughCodable, let mapped = value as? any WireMapped {
            var text = WireText()
            try mapped.write(to: &text)
            return text.bytes
        }
        let root = EncoderNode(codingPath: [])
        defer { json_object_put(root.value) }
        do {
            try value.encode(to: root)
        } catch let error as WireError {
            throw error
        } catch {
            throw .invalidValue(path: "", reason: String(describing: error))
        }
        var length = 0
        guard let text = json_object_to_json_string_length(root.value, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &length)
        else {
            throw .invalidValue(path: "", reason: "json-c could not serialise the value")
        }
        // The text belongs to the tree: copy it before the tree is released.
        return Array(UnsafeRawBufferPointer(start: text, count: length))
    }

    /// The JSON text of `value`.
    public func encodeText<T: Encodable>(_ value: T) throws(WireError) -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }
}

/// Builds one json-c node. `value` holds a +1 reference until it is handed to a parent (which
/// takes it) or released by `WireEncoder.encode`.
final class EncoderNode: Encoder {
    var value: OpaquePointer?
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(codingPath: [any CodingKey]) { self.codingPath = codingPath }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if value == nil || json_object_get_type(value) != json_type_object {
            json_object_put(value)
            value = json_object_new_object()
        }
        return KeyedEncodingContainer(KeyedWriter<Key>(object: value!, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if value == nil || json_object_get_type(value) != json_type_array {
            json_object_put(value)
            value = json_object_new_array()
        }
        return UnkeyedWriter(array: value!, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleWriter(node: self) }

    /// A new json-c node for `value` (+1, owned by the caller).
    static func make<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> OpaquePointer? {
        let path = { WirePath.render(codingPath) }
        switch value {
        case let v as Bool: return json_object_new_boolean(v ? 1 : 0)
        case let v as String: return string(v)
        case let v as Double: return try double(v, path())
        case let v as Float: return try double(Double(v), path())
        case let v as Int: return json_object_new_int64(Int64(v))
        case let v as Int64: return json_object_new_int64(v)
        case let v as Int32: return json_object_new_int64(Int64(v))
        case let v as UInt64: return json_object_new_uint64(v)
        case let v as UInt: return json_object_new_uint64(UInt64(v))
        case let v as UInt32: return json_object_new_uint64(UInt64(v))
        default:
            let child = EncoderNode(codingPath: codingPath)
            do {
                try value.encode(to: child)
            } catch {
                json_object_put(child.value)
                throw error
            }
            return child.value
        }
    }

    /// A json-c string node (its length given, so that the string is never cut at a NUL).
    static func string(_ v: String) -> OpaquePointer? { v.withCString { json_object_new_string_len($0, Int32(v.utf8.count)) } }

    static func double(_ v: Double, _ path: @autoclosure () -> String) throws -> OpaquePointer? {
        json_object_new_double_s(v, try WireNumber.text(v, path: path()))
    }
}

struct KeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: OpaquePointer
    let codingPath: [any CodingKey]

    func put(_ node: OpaquePointer?, _ key: Key) { _ = json_object_object_add(object, key.stringValue, node) }

    mutating func encodeNil(forKey key: Key) throws { put(nil, key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        put(try EncoderNode.make(value, codingPath: codingPath + [key]), key)
    }

    // The scalars synthesized code calls directly: no dynamic casts on the hot path.
    mutating func encode(_ value: String, forKey key: Key) throws {
        put(EncoderNode.string(value), key)
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws { put(json_object_new_boolean(value ? 1 : 0), key) }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        put(try EncoderNode.double(value, WirePath.render(codingPath, key)), key)
    }

    mutating func encode(_ value: Int, forKey key: Key) throws { put(json_object_new_int64(Int64(value)), key) }

    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(json_object_new_uint64(value), key) }

    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) }
    }

    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) }
    }

    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let child = json_object_new_object()!
        put(child, key)
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(object: child, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let child = json_object_new_array()!
        put(child, key)
        return UnkeyedWriter(array: child, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { SuperEncoder(object: object, key: "super", codingPath: codingPath) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        SuperEncoder(object: object, key: key.stringValue, codingPath: codingPath + [key])
    }
}

struct UnkeyedWriter: UnkeyedEncodingContainer {
    let array: OpaquePointer
    let codingPath: [any CodingKey]
    var count: Int { Int(json_object_array_length(array)) }

    mutating func encodeNil() throws { _ = json_object_array_add(array, nil) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        _ = json_object_array_add(array, try EncoderNode.make(value, codingPath: codingPath + [IndexKey(count)]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = json_object_new_object()!
        let path = codingPath + [IndexKey(count)]
        _ = json_object_array_add(array, child)
        return KeyedEncodingContainer(KeyedWriter<NestedKey>(object: child, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let child = json_object_new_array()!
        let path = codingPath + [IndexKey(count)]
        _ = json_object_array_add(array, child)
        return UnkeyedWriter(array: child, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let child = json_object_new_object()!
        let path = codingPath + [IndexKey(count)]
        _ = json_object_array_add(array, child)
        return SuperEncoder(object: child, key: nil, codingPath: path)
    }
}

struct SingleWriter: SingleValueEncodingContainer {
    let node: EncoderNode
    var codingPath: [any CodingKey] { node.codingPath }

    func set(_ value: OpaquePointer?) {
        json_object_put(node.value)
        node.value = value
    }

    mutating func encodeNil() throws { set(nil) }

    mutating func encode<T: Encodable>(_ value: T) throws { set(try EncoderNode.make(value, codingPath: codingPath)) }
}

/// An encoder whose result goes into `object` under `key` (or replaces the object's content when
/// `key` is nil), for class hierarchies that encode their superclass separately.
final class SuperEncoder: Encoder {
    let object: OpaquePointer
    let key: String?
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(object: OpaquePointer, key: String?, codingPath: [any CodingKey]) {
        self.object = object
        self.key = key
        self.codingPath = codingPath
    }

    func target() -> OpaquePointer {
        guard let key else { return object }
        let child = json_object_new_object()!
        _ = json_object_object_add(object, key, child)
        return child
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedWriter<Key>(object: target(), codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let array = json_object_new_array()!
        if let key { _ = json_object_object_add(object, key, array) }
        return UnkeyedWriter(array: array, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        let node = EncoderNode(codingPath: codingPath)
        return SuperSingleWriter(node: node, object: object, key: key ?? "super")
    }
}

/// A single value written through a super encoder: stored under the key as soon as it is set.
struct SuperSingleWriter: SingleValueEncodingContainer {
    let node: EncoderNode
    let object: OpaquePointer
    let key: String
    var codingPath: [any CodingKey] { node.codingPath }

    mutating func encodeNil() throws { _ = json_object_object_add(object, key, nil) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        _ = json_object_object_add(object, key, try EncoderNode.make(value, codingPath: codingPath))
    }
}
