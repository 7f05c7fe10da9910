/// Reading a value of unknown shape (an action parameter, an operator reply's result) without
/// pattern matching at every step: each accessor is nil when the value is of another JSON type.
extension WireValue {
    /// The field `key` of an object.
    public subscript(key: String) -> WireValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    /// The string, if it is one.
    public var text: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The number, if it is one.
    public var number: Double? {
        if case .number(let n) = self { return n }
        return nil
    }

    /// The boolean, if it is one.
    public var flag: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements, if it is an array (else none).
    public var items: [WireValue] {
        if case .array(let a) = self { return a }
        return []
    }

    /// The value as one line of JSON.
    public var json: String { (try? WireEncoder().encodeText(self)) ?? "null" }
}
