import ArgumentParser
import Foundation
import LaneWire

/// `lanectl status`: the lanes, zones, trucks and reservations at a glance.
struct Status: ShownRequest {
    static let configuration = CommandConfiguration(
        abstract: "Show the lanes, the zones, every truck and the reservations.",
        discussion: """
            Trucks: trip, lane, channel, zone, front and speed, end of authority and the seconds \
            until it expires, the age of the last state, what the truck is doing, which truck \
            it waits for and its next slot.
            """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions

    var request: OperatorRequest { .blank(.status) }

    func text(_ status: WireValue) -> String { Views.status(status) }
}

/// `lanectl watch`: the status, refreshed.
struct Watch: OperatorRequestCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the status and refresh it until Ctrl-C.",
        discussion: "On a terminal the screen is redrawn; otherwise each view follows the last one.")

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Option(help: "Seconds between two views.") var interval = 1.0
    @Option(help: "Stop after this many views (0: until Ctrl-C).") var count = 0

    var request: OperatorRequest { .blank(.status) }

    func validate() throws {
        guard interval >= 0.1 else { throw ValidationError("--interval must be at least 0.1 s") }
        guard count >= 0 else { throw ValidationError("--count cannot be negative") }
    }

    func run() async throws {
        try await operate {
            let terminal = isatty(STDOUT_FILENO) == 1
            var shown = 0
            while count == 0 || shown < count {
                let status = try await connection.send(request) ?? .object([:])
                if terminal && !connection.json { print("\u{1B}[H\u{1B}[2J", terminator: "") }
                connection.present(status, Views.status(status))
                if !terminal && !connection.json { print("") }
                fflush(nil)
                shown += 1
                if count == 0 || shown < count { try await Task.sleep(for: .seconds(interval)) }
            }
        }
    }
}

/// `lanectl trucks`.
struct Trucks: ShownRequest {
    static let configuration = CommandConfiguration(abstract: "Show every truck: position, speed, authority, slot, state age.")

    @OptionGroup(title: "Connection") var connection: ConnectionOptions

    var request: OperatorRequest { .blank(.status) }

    func json(_ status: WireValue) -> WireValue { status["fleet"] ?? .array([]) }

    func text(_ status: WireValue) -> String { Views.trucks(status) }
}

/// `lanectl reservations`.
struct Reservations: ShownRequest {
    static let configuration = CommandConfiguration(abstract: "Show the slot reservations on the exclusive zones.")

    @OptionGroup(title: "Connection") var connection: ConnectionOptions

    var request: OperatorRequest { .blank(.status) }

    func json(_ status: WireValue) -> WireValue { Views.slots(status) }

    func text(_ status: WireValue) -> String { Views.reservations(status) }
}

/// `lanectl trips`.
struct Trips: ShownRequest {
    static let configuration = CommandConfiguration(abstract: "Show the trips under way.")

    @OptionGroup(title: "Connection") var connection: ConnectionOptions

    var request: OperatorRequest { .blank(.trips) }

    func text(_ trips: WireValue) -> String { Views.trips(trips) }
}

/// `lanectl history`: the audit log.
struct History: ShownRequest {
    static let configuration = CommandConfiguration(
        abstract: "Show the audit log: crossings, scans, trips, stops and holds.",
        discussion: """
            Times are local (TZ) unless written in ISO 8601 with a zone: 02:00, 2026-11-30 02:00, \
            2026-11-29T19:00:00Z. Kinds: km0 (the border line), zone, station (scans, inspections, \
            gate checks), trip-admitted, trip-ended, stop, resume, emergency-stop, hold-truck, \
            hold-lane, hold-all, close-zone, release-… and truck-… (stale, fresh, overrun).

            Which trucks crossed km 0 between 02:00 and 03:00:
              lanectl history --from 02:00 --to 03:00 --kind km0
            """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Option(help: "From this instant.") var from: String?
    @Option(help: "Up to this instant.") var to: String?
    @Option(help: "Only this truck.") var truck: String?
    @Option(help: "Only this kind (repeat for several).") var kind: [String] = []

    func validate() throws {
        for (name, value) in [("--from", from), ("--to", to)] {
            if let value, LocalTime.parse(value) == nil {
                throw ValidationError("\(name) '\(value)': write a time as 02:00, 2026-11-30 02:00 or 2026-11-29T19:00:00Z")
            }
        }
    }

    var request: OperatorRequest {
        func instant(_ text: String?) -> String? {
            text.flatMap { LocalTime.parse($0) }.map { WireTimestamp.format(secondsSince1970: $0) }
        }
        return .blank(.history, truck: truck, from: instant(from), to: instant(to))
    }

    /// The entries of the kinds asked for (all without `--kind`).
    func json(_ entries: WireValue) -> WireValue {
        .array(entries.items.filter { kind.isEmpty || kind.contains($0["kind"]?.text ?? "") })
    }

    func text(_ entries: WireValue) -> String { Views.history(json(entries)) }
}

/// `lanectl plan`: the reservations of the coming minutes, and their time-space diagram.
struct Plan: OperatorRequestCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the reservations of the coming minutes; with --svg, draw them as a time-space diagram.",
        discussion: """
            The diagram has time across and the zones of the site down, in site order: each \
            reservation is a bar in its zone's row, a line joins each truck's bars, and a dot \
            marks the zone each truck is in now.
            """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Option(help: "Minutes ahead.") var minutes = 10.0
    @Option(help: "Write the time-space diagram to this SVG file.") var svg: String?

    var request: OperatorRequest { .blank(.status) }

    func validate() throws {
        guard minutes > 0 else { throw ValidationError("--minutes must be above zero") }
    }

    func run() async throws {
        try await operate {
            let status = try await connection.send(request) ?? .object([:])
            if let svg {
                do {
                    try PlanDiagram.svg(status, minutes: minutes).write(toFile: svg, atomically: true, encoding: .utf8)
                } catch {
                    throw ValidationError("cannot write \(svg): \(error.localizedDescription)")
                }
            }
            let horizon = minutes * 60
            connection.present(
                Views.slots(status, horizon: horizon),
                Views.reservations(status, horizon: horizon)
                    + (svg.map { "\ntime-space diagram of the next \(LanectlError.seconds(minutes)) minutes: \($0)" } ?? ""))
        }
    }
}
