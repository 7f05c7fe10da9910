#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// One pass over the raw payload for what json-c lets through: duplicate keys, single-quoted
/// strings, and nesting deeper than the limit. json-c parses the same bytes afterwards; this
/// scan only needs to find where strings and containers begin and end. It allocates nothing per
/// value: keys are remembered as byte ranges of the payload.
struct SyntaxScan {
    private struct Level {
        var isObject: Bool
        var expectingKey: Bool
        /// Where this level's keys start in `keys`.
        var firstKey: Int
        /// The key (a range of the payload) or the index under which this container sits.
        var nameStart: Int
        var nameLength: Int
        /// The index under which this container sits in its parent array.
        var position: Int
        /// This array's current element.
        var index: Int
    }

    /// The index of the quote that closes the string opened at `opening` (or `bytes.count` if it
    /// is never closed): the next quote not escaped by an odd number of backslashes.
    private static func closingQuote(_ bytes: UnsafeBufferPointer<UInt8>, after opening: Int) -> Int {
        guard let base = bytes.baseAddress else { return bytes.count }
        var from = opening + 1
        while from < bytes.count {
            guard let found = memchr(base + from, Int32(UInt8(ascii: "\"")), bytes.count - from) else { return bytes.count }
            let quote = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            var backslashes = 0
            while quote - backslashes - 1 > opening && bytes[quote - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes % 2 == 0 { return quote }
            from = quote + 1
        }
        return bytes.count
    }

    static func check(_ bytes: UnsafeBufferPointer<UInt8>, limits: WireLimits) throws(WireError) {
        var stack: [Level] = []
        stack.reserveCapacity(16)
        var keys: [(start: Int, length: Int)] = []
        keys.reserveCapacity(64)
        var lastKey = (start: 0, length: -1)
        var i = 0
        let n = bytes.count
        func same(_ a: (start: Int, length: Int), _ b: (start: Int, length: Int)) -> Bool {
            guard a.length == b.length else { return false }
            for k in 0..<a.length where bytes[a.start + k] != bytes[b.start + k] { return false }
            return true
        }
        func path(_ levels: [Level]) -> String {
            var text = ""
            for (depth, level) in levels.enumerated() where depth > 0 {
                if levels[depth - 1].isObject {
                    let name = String(
                        decoding: UnsafeBufferPointer(rebasing: bytes[level.nameStart..<(level.nameStart + max(0, level.nameLength))]),
                        as: UTF8.self)
                    text += text.isEmpty ? name : ".\(name)"
                } else {
                    text += "[\(level.position)]"
                }
            }
            return text
        }
        while i < n {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "\""):
                let start = i + 1
                i = closingQuote(bytes, after: i)
                if let top = stack.last, top.isObject, top.expectingKey, i <= n {
                    let key = (start: start, length: min(i, n) - start)
                    for k in top.firstKey..<keys.count where same(keys[k], key) {
                        throw .duplicateKey(
                            path: path(stack),
                            key: String(decoding: UnsafeBufferPointer(rebasing: bytes[key.start..<(key.start + key.length)]), as: UTF8.self)
                        )
                    }
                    keys.append(key)
                    stack[stack.count - 1].expectingKey = false
                    lastKey = key
                }
            case UInt8(ascii: "'"):
                throw .singleQuotes(offset: i)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if stack.count >= limits.maximumDepth { throw .tooDeep(limit: limits.maximumDepth) }
                let isObject = c == UInt8(ascii: "{")
                let parentIsObject = stack.last?.isObject ?? false
                stack.append(
                    Level(
                        isObject: isObject, expectingKey: isObject, firstKey: keys.count,
                        nameStart: parentIsObject ? lastKey.start : 0, nameLength: parentIsObject ? max(0, lastKey.length) : 0,
                        position: parentIsObject ? 0 : (stack.last?.index ?? 0), index: 0))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if let top = stack.popLast() { keys.removeSubrange(top.firstKey...) }
            case UInt8(ascii: ","):
                if !stack.isEmpty {
                    if stack[stack.count - 1].isObject {
                        stack[stack.count - 1].expectingKey = true
                    } else {
                        stack[stack.count - 1].index += 1
                    }
                }
            default:
                break
            }
            i += 1
        }
    }
}
