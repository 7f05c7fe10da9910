import ArgumentParser
import Foundation
import LaneAuditor

/// `lane-sim audit`: the independent auditor over a true-position trace written by
/// `lane-sim broker --trace FILE`.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a true-position trace: separation, exclusive zones, driving past authority.",
        discussion: "Exit code 2: a violation was found.")

    @Argument(
        help: "Trace files (JSON Lines, from lane-sim broker --trace); the traces of the processes sharing one fleet are checked together.")
    var traces: [String]
    @Option(help: "Site file the trace was recorded on.") var site = defaultSite

    func run() throws {
        let site = try loadSite(site)
        let samples = try traces.flatMap(TraceAuditor.read)
        let violations = TraceAuditor(site: site).audit(samples)
        print(TraceAuditor.verdict(samples, violations))
        for violation in violations.prefix(20) { print("  \(violation)") }
        if !violations.isEmpty { throw ExitCode(2) }
    }
}
