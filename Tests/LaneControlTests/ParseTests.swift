import ArgumentParser
import Foundation
import LaneControl
import LaneMQTT
import LaneTestKit
import LaneWire
import Testing

/// The command line as operators type it: what each command sends, what is refused before
/// anything is sent, and the exact help of every command.
@Suite("lanectl command line")
struct ParseTests {
    /// Parses `arguments` into the request the command would send.
    static func request(_ arguments: [String]) throws -> OperatorRequest {
        let command = try Lanectl.parseAsRoot(arguments)
        return try #require(command as? any OperatorRequestCommand, "\(arguments) sends a request").request
    }

    @Test(
        "each command sends the operator command and fields its arguments name",
        arguments: [
            (["status"], "status"), (["watch", "--count", "2"], "status"), (["trucks"], "status"), (["reservations"], "status"),
            (["plan", "--minutes", "3"], "status"), (["trips"], "trips"), (["stop", "T007"], "hold-truck"),
            (["stop", "--lane", "import"], "hold-lane"), (["stop", "--all"], "hold-all"), (["resume", "T007"], "release-truck"),
            (["resume", "--lane", "import"], "release-lane"), (["resume", "--all"], "release-all"), (["estop", "T007"], "emergency-stop"),
            (["estop", "--lane", "export", "--yes"], "emergency-stop-lane"), (["estop", "--all"], "emergency-stop-all"),
            (["close-zone", "import-xray", "--reason", "calibration"], "close-zone"), (["open-zone", "import-xray"], "open-zone"),
            (["drain", "export"], "drain-lane"), (["priority", "T007"], "set-priority"), (["cancel", "T007-3"], "cancel-trip"),
            (["history"], "history"),
        ])
    func commands(arguments: [String], command: String) throws {
        #expect(try Self.request(arguments).command.rawValue == command)
    }

    @Test("the fields of a request come from the arguments")
    func fields() throws {
        let dispatch = try Self.request([
            "dispatch", "T007", "--to", "Hữu Nghị yard (VN)", "--container", "MSKU1234565", "--channel", "yellow", "--perishable",
        ])
        #expect(dispatch.truck == "T007" && dispatch.destination == "Hữu Nghị yard (VN)" && dispatch.container == "MSKU1234565")
        #expect(dispatch.channel == .yellow && dispatch.perishable == true && dispatch.trip == nil)
        #expect(try Self.request(["dispatch", "T1", "--to", "x", "--container", "c", "--channel", "red", "--trip", "t-9"]).trip == "t-9")
        #expect(try Self.request(["dispatch", "T1", "--to", "x", "--container", "c", "--channel", "green"]).perishable == false)

        let close = try Self.request(["close-zone", "import-xray", "--reason", "calibration"])
        #expect(close.zone == "import-xray" && close.reason == "calibration")
        #expect(try Self.request(["stop", "T007", "--reason", "tyre"]).reason == "tyre")
        #expect(try Self.request(["stop", "--lane", "import"]).lane == "import")
        #expect(try Self.request(["estop", "T007"]).truck == "T007")
        #expect(try Self.request(["drain", "export"]).lane == "export")
        #expect(try Self.request(["priority", "T007"]).priority == true)
        #expect(try Self.request(["priority", "T007", "--off"]).priority == false)
        #expect(try Self.request(["cancel", "T007-3"]).trip == "T007-3")

        let history = try Self.request([
            "history", "--from", "2026-11-29T19:00:00Z", "--to", "2026-11-29T20:00:00+07:00", "--truck", "T007",
        ])
        #expect(history.from == "2026-11-29T19:00:00.000Z" && history.to == "2026-11-29T13:00:00.000Z" && history.truck == "T007")
    }

    @Test(
        "wrong usage is refused before anything is sent, with exit code 64",
        arguments: [
            ["estop"], ["estop", "T007", "--all"], ["stop", "--all", "--lane", "import"], ["resume"],
            ["dispatch", "T007", "--to", "south yard", "--container", "C1", "--channel", "blue"],
            ["dispatch", "T007", "--to", "south yard", "--container", "C1"],
            ["dispatch", "--to", "y", "--container", "c", "--channel", "red"],
            ["close-zone", "import-xray"], ["open-zone"], ["drain"], ["cancel"], ["history", "--from", "25:99"],
            ["watch", "--interval", "0"],
            ["plan", "--minutes", "0"], ["status", "--timeout", "0"], ["validate"],
            ["launch"],
        ])
    func refused(arguments: [String]) {
        do {
            _ = try Lanectl.parseAsRoot(arguments)
            Issue.record("\(arguments) was accepted")
        } catch {
            #expect(Lanectl.exitCode(for: error) == .validationFailure, "\(arguments): \(Lanectl.message(for: error))")
        }
    }

    @Test("connection options come from the command line, else the environment; the password never needs the command line")
    func connection() throws {
        let folder = FileManager.default.temporaryDirectory.path
        let passwordFile = "\(folder)/lanectl-password-\(UUID().uuidString)"
        try "s3cret\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let environment = [
            "LANECTL_HOST": "broker.gate", "LANECTL_PORT": "1884", "LANECTL_USERNAME": "op-nguyen", "LANECTL_PASSWORD_FILE": passwordFile,
        ]
        let fromEnvironment = try ConnectionOptions.parse([]).mqtt(environment: environment)
        #expect(fromEnvironment.host == "broker.gate" && fromEnvironment.port == 1884)
        #expect(fromEnvironment.credentials == MQTTCredentials(username: "op-nguyen", password: "s3cret"))
        #expect(fromEnvironment.clientId.hasPrefix("lanectl-op-nguyen-"), "the reply topic is per client")
        #expect(fromEnvironment.tls == nil)

        let overridden = try ConnectionOptions.parse(["--host", "10.0.0.5", "--port", "1885", "--username", "op-tran"]).mqtt(
            environment: environment.merging(["LANECTL_PASSWORD": "ignored"]) { $1 })
        #expect(overridden.host == "10.0.0.5" && overridden.port == 1885)
        #expect(overridden.credentials == MQTTCredentials(username: "op-tran", password: "s3cret"), "the file wins over the variable")

        let tls = try ConnectionOptions.parse(["--tls-ca", "/etc/lanes/ca.pem"]).mqtt(environment: ["LANECTL_PASSWORD": "p"])
        #expect(tls.port == 8883 && tls.tls?.caFile == "/etc/lanes/ca.pem" && tls.credentials == nil)
        #expect(try ConnectionOptions.parse([]).mqtt(environment: [:]).port == 1883)
        #expect(throws: (any Error).self) { try ConnectionOptions.parse([]).mqtt(environment: ["LANECTL_PORT": "http"]) }
        #expect(throws: (any Error).self) { try ConnectionOptions.parse(["--password-file", "/nonexistent"]).mqtt(environment: [:]) }
    }

    @Test("--host (or LANECTL_HOST) takes the nodes of a clustered broker, each with --port unless it names its own")
    func brokerNodes() throws {
        let nodes = try ConnectionOptions.parse(["--host", "mqtt-a,mqtt-b:1884", "--port", "1885"]).mqtt(environment: [:])
        #expect(nodes.endpoints == [MQTTEndpoint(host: "mqtt-a", port: 1885), MQTTEndpoint(host: "mqtt-b", port: 1884)])
        let fromEnvironment = try ConnectionOptions.parse([]).mqtt(environment: ["LANECTL_HOST": "10.0.0.5,10.0.0.6"])
        #expect(fromEnvironment.endpoints.map(\.description) == ["10.0.0.5:1883", "10.0.0.6:1883"])
        for bad in ["mqtt-a,", "mqtt-a:port", ",mqtt-b"] {
            #expect(throws: ValidationError.self, "\(bad)") { try ConnectionOptions.parse(["--host", bad]).mqtt(environment: [:]) }
        }
    }

    /// Every command and its help file in `Tests/LaneControlTests/help/`.
    static var helpPages: [(name: String, command: any ParsableCommand.Type)] {
        [("lanectl", Lanectl.self)]
            + Lanectl.configuration.subcommands.map { ($0._commandName, $0) }
    }

    @Test("the help of every command is exactly the reviewed text (help/<command>.txt)")
    func help() throws {
        for (name, command) in Self.helpPages {
            let shown = Lanectl.helpMessage(for: command, columns: 100)
            let path = Repository.path("Tests/LaneControlTests/help/\(name).txt")
            if ProcessInfo.processInfo.environment["LANECTL_WRITE_HELP"] == "1" {
                try (shown + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            }
            let reviewed = try String(contentsOfFile: path, encoding: .utf8)
            #expect(shown + "\n" == reviewed, "lanectl \(name) --help changed; review it and write it to \(path)")
        }
        #expect(Self.helpPages.count == 18, "the root and its 17 commands")
    }
}
