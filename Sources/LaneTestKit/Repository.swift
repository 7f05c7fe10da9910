import Foundation

/// Files of this repository, for tests that read the site files, the golden examples or the broker
/// template: found from this source file's own path (`Sources/LaneTestKit/Repository.swift`, or
/// its link in `Tests/Sanitized`), as the nearest folder above it that holds `protocols/asyncapi.yaml`.
public enum Repository {
    /// The repository's root folder (found once).
    public static let root: String = {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        while parts.count > 1, !FileManager.default.fileExists(atPath: parts.joined(separator: "/") + "/protocols/asyncapi.yaml") {
            parts.removeLast()
        }
        return parts.joined(separator: "/")
    }()

    /// The absolute path of `relative` (such as `simulators/sites/huu-nghi-1119-1120.yaml`).
    public static func path(_ relative: String) -> String { "\(root)/\(relative)" }
}
