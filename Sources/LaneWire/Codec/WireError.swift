/// Why a payload was refused or a value could not be encoded. Every case names where in the
/// document the problem is (`path`, such as `nodes[2].nodePosition.x`) and what it is.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The payload is larger than the limit.
    case tooLarge(bytes: Int, limit: Int)
    /// The payload nests objects and arrays deeper than the limit.
    case tooDeep(limit: Int)
    /// The payload is not JSON; `offset` is the byte where the parser stopped.
    case malformed(reason: String, offset: Int)
    /// Something follows the JSON document.
    case trailingData(offset: Int)
    /// The payload is not valid UTF-8.
    case invalidUTF8
    /// A single-quoted string, which JSON does not allow.
    case singleQuotes(offset: Int)
    /// An object names the same key twice.
    case duplicateKey(path: String, key: String)
    /// NaN or an infinity, which JSON does not allow.
    case nonFiniteNumber(path: String)
    /// An integer outside the 64-bit range.
    case integerOverflow(path: String)
    /// A string holding a NUL character.
    case nulInString(path: String)
    /// A value of the wrong JSON type ("2" for 2, 1 for true).
    case typeMismatch(path: String, expected: String, found: String)
    /// A required key is absent.
    case missingKey(path: String, key: String)
    /// A value that is not one of those allowed (an unknown enum value), or out of range.
    case invalidValue(path: String, reason: String)

    /// A sentence naming the problem and where it is.
    public var description: String {
        switch self {
        case .tooLarge(let bytes, let limit): "payload of \(bytes) bytes exceeds the limit of \(limit)"
        case .tooDeep(let limit): "payload nests deeper than \(limit) levels"
        case .malformed(let reason, let offset): "not JSON at byte \(offset): \(reason)"
        case .trailingData(let offset): "data after the JSON document at byte \(offset)"
        case .invalidUTF8: "payload is not valid UTF-8"
        case .singleQuotes(let offset): "single-quoted string at byte \(offset)"
        case .duplicateKey(let path, let key): "\(at(path))key '\(key)' appears twice"
        case .nonFiniteNumber(let path): "\(at(path))NaN or infinity is not a JSON number"
        case .integerOverflow(let path): "\(at(path))integer out of range"
        case .nulInString(let path): "\(at(path))string holds a NUL character"
        case .typeMismatch(let path, let expected, let found): "\(at(path))expected \(expected), found \(found)"
        case .missingKey(let path, let key): "\(at(path))missing key '\(key)'"
        case .invalidValue(let path, let reason): "\(at(path))\(reason)"
        }
    }

    private func at(_ path: String) -> String { path.isEmpty ? "" : "\(path): " }
}

/// Limits every decoded payload is held to.
public struct WireLimits: Sendable, Equatable {
    /// Largest payload accepted, in bytes (10 MB).
    public var maximumBytes: Int
    /// Deepest nesting of objects and arrays accepted.
    public var maximumDepth: Int

    /// The limits; the defaults suit VDA 5050 traffic.
    public init(maximumBytes: Int = 10 * 1024 * 1024, maximumDepth: Int = 32) {
        self.maximumBytes = maximumBytes
        self.maximumDepth = maximumDepth
    }
}
