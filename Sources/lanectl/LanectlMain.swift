import LaneControl

/// The operators' command-line tool (see `Lanectl`).
@main
struct LanectlMain {
    static func main() async { await Lanectl.main() }
}
