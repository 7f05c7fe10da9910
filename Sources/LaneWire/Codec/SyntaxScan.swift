/// One pass over the raw payload for what json-c lets through: duplicate keys, single-quoted
/// strings, and nesting deeper than the limit. json-c parses the same bytes afterwards; this
/// scan only needs to find where strings and containers begin and end.
struct SyntaxScan {
    private struct Level {
        var isObject: Bool
        var expectingKey: Bool
        var keys: Set<[UInt8]>
        var path: String
        var index: Int
    }

    static func check(_ bytes: UnsafeBufferPointer<UInt8>, limits: WireLimits) throws(WireError) {
        var stack: [Level] = []
        var i = 0
        let n = bytes.count
        var pendingKey: String?
        func childPath(_ level: Level) -> String {
            if level.isObject { return level.path.isEmpty ? (pendingKey ?? "") : "\(level.path).\(pendingKey ?? "")" }
            return "\(level.path)[\(level.index)]"
        }
        while i < n {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "\""):
                let start = i + 1
                i += 1
                while i < n && bytes[i] != UInt8(ascii: "\"") {
                    if bytes[i] == UInt8(ascii: "\\") { i += 1 }
                    i += 1
                }
                if var top = stack.last, top.isObject, top.expectingKey, i <= n {
                    let key = Array(bytes[start..<min(i, n)])
                    if !top.keys.insert(key).inserted {
                        throw .duplicateKey(path: top.path, key: String(decoding: key, as: UTF8.self))
                    }
                    top.expectingKey = false
                    stack[stack.count - 1] = top
                    pendingKey = String(decoding: key, as: UTF8.self)
                }
            case UInt8(ascii: "'"):
                throw .singleQuotes(offset: i)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if stack.count >= limits.maximumDepth { throw .tooDeep(limit: limits.maximumDepth) }
                let path = stack.last.map(childPath) ?? ""
                stack.append(Level(isObject: c == UInt8(ascii: "{"), expectingKey: c == UInt8(ascii: "{"), keys: [], path: path, index: 0))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
            case UInt8(ascii: ","):
                if var top = stack.last {
                    if top.isObject { top.expectingKey = true } else { top.index += 1 }
                    stack[stack.count - 1] = top
                }
            default:
                break
            }
            i += 1
        }
    }
}
