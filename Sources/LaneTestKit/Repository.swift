/// Files of this repository, for tests that read the site files, the golden examples or the broker
/// template: found from this source file's own path (`Sources/LaneTestKit/Repository.swift`).
public enum Repository {
    /// The repository's root folder.
    public static var root: String {
        var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }

    /// The absolute path of `relative` (such as `simulators/sites/huu-nghi-1119-1120.yaml`).
    public static func path(_ relative: String) -> String { "\(root)/\(relative)" }
}
