import ArgumentParser
import Foundation
import LaneWire

/// `lanectl dispatch`: a trip for a truck.
struct Dispatch: ShownRequest {
    static let configuration = CommandConfiguration(
        abstract: "Dispatch a trip: a truck to a destination yard with a container.",
        discussion: """
            The coordinator takes the driverless lane that leads to the yard (or the lane named \
            by --to) and admits the trip as it admits the yard system's; it answers with the trip \
            id. Example: lanectl dispatch T007 --to "Hữu Nghị yard (VN)" --container MSKU1234565 --channel green
            """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Argument(help: "The truck.") var truck: String
    @Option(name: .customLong("to"), help: "Destination yard (or lane id).") var destination: String
    @Option(help: "Container id.") var container: String
    @Option(help: "Customs channel.") var channel: ChannelArgument
    @Flag(help: "Perishable cargo: priority where the order of trucks may change.") var perishable = false
    @Option(help: "Trip id (default: made by the coordinator).") var trip: String?

    var request: OperatorRequest {
        .blank(
            .dispatch, truck: truck, trip: trip, destination: destination, container: container, channel: channel.wire,
            perishable: perishable)
    }

    func text(_ result: WireValue) -> String {
        "trip \(result["trip"]?.text ?? "?") admitted: \(truck) on lane \(result["lane"]?.text ?? "?") with \(container) (\(channel))"
    }
}

/// `lanectl cancel`: takes a trip back.
struct Cancel: ShownRequest {
    static let configuration = CommandConfiguration(
        abstract: "Cancel a trip whose truck has no authority onto its lane yet.",
        discussion: """
            A trip waiting in the yard (behind a held lane, a closed zone, a busy section) is \
            taken back and the truck told to drop its order. A truck that may have started keeps \
            its trip: stop it, or drain the lane.
            """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Argument(help: "The trip id.") var trip: String

    var request: OperatorRequest { .blank(.cancelTrip, trip: trip) }

    func text(_ result: WireValue) -> String { "trip \(trip) cancelled" }
}

/// What a stop or a release applies to: one truck, a lane or the whole site.
struct Target: ParsableArguments {
    @Argument(help: "The truck.") var truck: String?
    @Flag(help: "Every truck on the site.") var all = false
    @Option(help: "Every truck of this lane.") var lane: String?

    func validate() throws {
        let chosen = [truck != nil, all, lane != nil].filter { $0 }.count
        guard chosen == 1 else { throw ValidationError("name one truck, or --all, or --lane LANE") }
    }

    /// The request of the command named `truck`, `lane` or `all` for the target chosen.
    func request(
        truck truckCommand: OperatorCommandName, lane laneCommand: OperatorCommandName, all allCommand: OperatorCommandName
    )
        -> OperatorRequest
    {
        .blank(truck != nil ? truckCommand : lane != nil ? laneCommand : allCommand, truck: truck, lane: lane)
    }

    var description: String {
        if let truck { return truck }
        if let lane { return "every truck of lane \(lane)" }
        return "every truck on the site"
    }
}

/// `lanectl stop`: an operator hold.
struct Stop: ShownRequest {
    static let configuration = CommandConfiguration(
        abstract: "Stop a truck (or a lane, or the site) with service braking and hold it.",
        discussion: """
            The authority is shortened to where the truck can stop comfortably; it stays until \
            `lanectl resume`. A held lane or site admits no new trip.
            """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup var target: Target
    @Option(help: "Why (kept in the audit log).") var reason: String?

    var request: OperatorRequest {
        var request = target.request(truck: .holdTruck, lane: .holdLane, all: .holdAll)
        request.reason = reason
        return request
    }

    func text(_ result: WireValue) -> String { "\(target.description): held; `lanectl resume` lets it go" }
}

/// `lanectl resume`: ends holds and emergency stops.
struct Resume: OperatorRequestCommand {
    static let configuration = CommandConfiguration(
        abstract: "Let a held or emergency-stopped truck go (or lift a lane or site hold).",
        discussion: """
            With --lane or --all the hold is lifted and then every held or emergency-stopped \
            truck there is released one by one, each after the coordinator's answer.
            """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup var target: Target

    var request: OperatorRequest { target.request(truck: .releaseTruck, lane: .releaseLane, all: .releaseAll) }

    func run() async throws {
        let (truck, lane, all) = (target.truck, target.lane, target.all)
        try await operate {
            let result = try await connection.send(request)
            if let truck { return connection.present(result, "\(truck): released") }
            let status = try await connection.send(.blank(.status)) ?? .object([:])
            var released: [String] = []
            for entry in status["fleet"]?.items ?? [] {
                guard let id = entry["truck"]?.text, all || entry["lane"]?.text == lane,
                    entry["emergencyStopped"]?.flag == true || entry["held"]?.flag == true
                else { continue }
                _ = try await connection.send(.blank(.releaseTruck, truck: id))
                released.append(id)
            }
            connection.present(
                .object(["released": .array(released.map { .string($0) })]),
                "\(target.description): hold lifted; released \(released.isEmpty ? "no truck" : released.joined(separator: " "))")
        }
    }
}

/// `lanectl estop`: emergency stop.
struct Estop: ShownRequest {
    static let configuration = CommandConfiguration(
        abstract: "Emergency-stop a truck, a lane or every truck on the site.",
        discussion: """
            The trucks brake at once, within their authority. --all and --lane ask for \
            confirmation on the terminal unless --yes is given; without a terminal they need \
            --yes. `lanectl resume` releases the trucks.
            """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup var target: Target
    @Flag(help: "Do not ask for confirmation.") var yes = false

    var request: OperatorRequest { target.request(truck: .emergencyStop, lane: .emergencyStopLane, all: .emergencyStopAll) }

    func text(_ result: WireValue) -> String { "\(target.description): EMERGENCY STOP sent; `lanectl resume` releases" }

    func run() async throws {
        if target.truck == nil && !yes { try await operate { try confirm("Emergency-stop \(target.description)?") } }
        try await sendAndShow()
    }

    /// Asks on the terminal; anything but "yes" is a no.
    func confirm(_ question: String) throws {
        guard isatty(STDIN_FILENO) == 1 else {
            throw LanectlError.notConfirmed(
                "no terminal to confirm on: give --yes to emergency-stop \(target.description); nothing was sent")
        }
        FileHandle.standardError.write(Data("\(question) Type yes to confirm: ".utf8))
        guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" else {
            throw LanectlError.notConfirmed("not confirmed; nothing was sent")
        }
    }
}

/// `lanectl close-zone`.
struct CloseZone: ShownRequest {
    static let configuration = CommandConfiguration(
        abstract: "Close a zone (maintenance, an incident): no truck may enter it.",
        discussion: "A truck that can no longer stop before the zone is emergency-stopped. The reason is shown in the status.")

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Argument(help: "The zone.") var zone: String
    @Option(help: "Why (shown in the status, kept in the audit log).") var reason: String

    var request: OperatorRequest { .blank(.closeZone, zone: zone, reason: reason) }

    func text(_ result: WireValue) -> String { "zone \(zone) closed: \(reason)" }
}

/// `lanectl open-zone`.
struct OpenZone: ShownRequest {
    static let configuration = CommandConfiguration(abstract: "Open a closed zone again.")

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Argument(help: "The zone.") var zone: String

    var request: OperatorRequest { .blank(.openZone, zone: zone) }

    func text(_ result: WireValue) -> String { "zone \(zone) open" }
}

/// `lanectl drain`.
struct Drain: ShownRequest {
    static let configuration = CommandConfiguration(
        abstract: "Drain a lane: no new trip; the trucks on it finish theirs, then the lane is held.",
        discussion: "`lanectl resume --lane LANE` opens it again.")

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Argument(help: "The lane.") var lane: String

    var request: OperatorRequest { .blank(.drainLane, lane: lane) }

    func text(_ result: WireValue) -> String {
        let trucks = result["trucksOnLane"]?.items.compactMap(\.text) ?? []
        return "lane \(lane) draining: " + (trucks.isEmpty ? "no truck on it" : "waiting for \(trucks.joined(separator: " ")) to finish")
    }
}

/// `lanectl priority`.
struct Priority: ShownRequest {
    static let configuration = CommandConfiguration(
        abstract: "Give a truck priority where the order of trucks may change (or take it back).",
        discussion: "Priority decides who goes first where the order of trucks may change (a merge); it never overrides a safety rule.")

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @Argument(help: "The truck.") var truck: String
    @Flag(help: "Take the priority back.") var off = false

    var request: OperatorRequest { .blank(.setPriority, truck: truck, priority: !off) }

    func text(_ result: WireValue) -> String { "\(truck): priority \(off ? "off" : "on")" }
}
