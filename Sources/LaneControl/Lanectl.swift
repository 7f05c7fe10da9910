public import ArgumentParser
import Foundation
import LaneWire

/// `lanectl`: the operators' command-line tool. It talks to the coordinator over MQTT (the
/// operator request topic, MQTT 5 request/response), runs scenarios in fast mode and checks
/// site files.
public struct Lanectl: AsyncParsableCommand {
    /// The command tree and the exit codes.
    public static let configuration = CommandConfiguration(
        commandName: "lanectl",
        abstract: "See and steer the driverless truck lanes of the border gate through their coordinator.",
        discussion: """
            Connection options come from the command line or the environment: LANECTL_HOST, \
            LANECTL_PORT, LANECTL_USERNAME, LANECTL_PASSWORD or LANECTL_PASSWORD_FILE, \
            LANECTL_TLS_CA, LANECTL_TLS_CERT, LANECTL_TLS_KEY, LANECTL_SITE. Times are local \
            (TZ) unless written in ISO 8601 with a zone.

            Exit codes: 0 done; 1 refused by the coordinator; 3 broker unreachable; 4 not \
            authorised (broker ACL or coordinator); 5 coordinator offline; 6 no answer within \
            --timeout; 7 invalid site or scenario file; 8 emergency stop not confirmed; \
            64 wrong usage.
            """,
        subcommands: [
            Status.self, Watch.self, Trucks.self, Reservations.self, Trips.self, Dispatch.self, Cancel.self, Stop.self, Resume.self,
            Estop.self, CloseZone.self, OpenZone.self, Drain.self, Priority.self, History.self, Plan.self, Validate.self,
        ])

    /// The root command (ArgumentParser).
    public init() {}
}

extension ConnectionOptions {
    /// Opens a session, sends one request and closes; never waits longer than about twice the
    /// timeout, whatever the broker does.
    func send(_ request: OperatorRequest) async throws -> WireValue? {
        let options = self
        let deadline = ContinuousClock.now + .seconds(2 * timeout + 1)
        return try await withDeadline(deadline, seconds: 2 * timeout + 1, detail: "the broker stopped answering") {
            let session = try await OperatorSession.open(options)
            do {
                let result = try await session.send(request)
                await session.close()
                return result
            } catch {
                await session.close()
                throw error
            }
        }
    }

    /// Prints `json` as one line of JSON with `--json`, else `text`.
    func present(_ json: WireValue?, _ text: @autoclosure () -> String) {
        print(self.json ? (json ?? .object([:])).json : text())
    }
}

/// Runs a command's body; a `LanectlError` becomes its message on standard error and its exit
/// code.
func operate(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as LanectlError {
        FileHandle.standardError.write(Data("lanectl: \(error)\n".utf8))
        throw ExitCode(error.exitCode)
    }
}

/// The customs channels, as typed on the command line.
public enum ChannelArgument: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// Documents only.
    case green
    /// Documents and a scan.
    case yellow
    /// Physical inspection.
    case red

    var wire: WireChannel { WireChannel(rawValue: rawValue)! }
}
