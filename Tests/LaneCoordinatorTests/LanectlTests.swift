import Foundation
import LaneCoordinator
import LaneCoordinatorCore
import LaneCore
import LaneMQTT
import LaneSite
import LaneSiteFile
import LaneTestKit
import LaneWire
import Synchronization
import Testing

/// One run of the `lanectl` executable: exit code, standard output and error, wall time.
struct LanectlRun: CustomStringConvertible {
    var code: Int32
    var output: String
    var errors: String
    var seconds: Double

    /// Standard output as JSON (for `--json`).
    var json: WireValue? { try? WireDecoder().decode(WireValue.self, from: output.trimmingCharacters(in: .whitespacesAndNewlines)) }

    var description: String { "exit \(code) after \(String(format: "%.1f", seconds)) s\nstdout: \(output)\nstderr: \(errors)" }
}

/// Runs `lanectl` with `arguments` (and, with `broker`, the options that reach it) to its end;
/// a run that outlives `limit` is a hang, killed and reported as exit -1.
func lanectl(
    _ arguments: [String], broker: TestBroker? = nil, environment: [String: String] = [:], limit: Duration = .seconds(30)
) async throws -> LanectlRun {
    let folder = broker?.folder ?? FileManager.default.temporaryDirectory.path
    let name = "lanectl-\(UUID().uuidString)"
    let (out, err) = ("\(folder)/\(name).out", "\(folder)/\(name).err")
    let connection = broker.map { ["--host", $0.host, "--port", "\($0.port)"] } ?? []
    let started = ContinuousClock.now
    let child = try ChildProcess(
        ChildProcess.product("lanectl"), arguments + connection, log: out, errors: err,
        environment: ["TZ": "UTC"].merging(environment) { $1 })
    let code = await child.exitCode(within: limit)
    if code == nil { child.stop(signal: SIGKILL) }
    let elapsed = ContinuousClock.now - started
    return LanectlRun(
        code: code ?? -1, output: (try? String(contentsOfFile: out, encoding: .utf8)) ?? "",
        errors: (try? String(contentsOfFile: err, encoding: .utf8)) ?? "",
        seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

/// The operators' tool against a real broker and coordinator: each command's effect is checked
/// in the coordinator's state and in the commands the trucks receive.
@Suite("lanectl against a real broker and coordinator", .serialized, .timeLimit(.minutes(3)))
struct LanectlTests {
    @Test("dispatch, trips, status, trucks, reservations, plan and history show what the coordinator knows")
    func viewsOfATrip() async throws {
        try await Gate.with(fleet: ["T001", "T002"], journal: true) { gate in
            try await gate.startTruck("T001", at: -2)
            let dispatched = try await lanectl(
                ["dispatch", "T001", "--to", "south yard", "--container", "MSKU1234565", "--channel", "red", "--trip", "trip-1", "--json"],
                broker: gate.broker)
            #expect(dispatched.code == 0, "\(dispatched)")
            #expect(dispatched.json?["lane"]?.text == "import")
            try await gate.waitForTrip("trip-1", .accepted, timeout: .seconds(5))

            let trips = try await lanectl(["trips", "--json"], broker: gate.broker)
            #expect(trips.json?.items.first?["trip"]?.text == "trip-1", "\(trips)")
            #expect(trips.json?.items.first?["channel"]?.text == "red")

            try await gate.waitForTrip("trip-1", .running)
            let status = try await lanectl(["status", "--json"], broker: gate.broker)
            let fleet = status.json?["fleet"]?.items ?? []
            let t001 = fleet.first { $0["truck"]?.text == "T001" }
            #expect(t001?["trip"]?.text == "trip-1", "\(status)")
            #expect(t001?["authorityEnd"]?.number != nil && t001?["stateAge"]?.number != nil)
            #expect(fleet.first { $0["truck"]?.text == "T002" }?["trip"] == nil, "T002 has no trip")
            #expect(status.json?["zones"]?.items.map { $0["zone"]?.text ?? "" }.contains("inspection-bay") == true)
            let snapshot = await gate.coordinator.snapshot(of: TruckID("T001"))
            #expect(snapshot?.trip?.channel == .red, "the coordinator admitted the channel lanectl sent")

            let trucks = try await lanectl(["trucks"], broker: gate.broker)
            #expect(trucks.code == 0 && trucks.output.contains("trip-1") && trucks.output.contains("STATE AGE"), "\(trucks)")
            let reservations = try await lanectl(["reservations", "--json"], broker: gate.broker)
            #expect(reservations.json?.items.contains { $0["truck"]?.text == "T001" } == true, "\(reservations)")
            let svg = "\(gate.broker.folder)/plan.svg"
            let plan = try await lanectl(["plan", "--minutes", "5", "--svg", svg], broker: gate.broker)
            #expect(plan.code == 0, "\(plan)")
            let picture = (try? String(contentsOfFile: svg, encoding: .utf8)) ?? ""
            #expect(
                picture.hasPrefix("<svg") && picture.contains(">T001<") && picture.contains(">inspection-bay<"), "\(picture.prefix(300))")

            try await gate.waitForTrip("trip-1", .finished)
            let crossings = try await lanectl(["history", "--truck", "T001", "--kind", "km0", "--json"], broker: gate.broker)
            #expect(crossings.json?.items.count == 1, "\(crossings)")
            #expect(crossings.json?.items.first?["container"]?.text == "MSKU1234565")
            let everything = try await lanectl(["history", "--truck", "T001"], broker: gate.broker)
            for kind in ["trip-admitted", "station", "km0", "trip-ended"] {
                #expect(everything.output.contains(kind), "history lists \(kind): \(everything)")
            }
            let before = try await lanectl(["history", "--to", "2000-01-01T00:00:00Z", "--json"], broker: gate.broker)
            #expect(before.json?.items.isEmpty == true, "nothing before 2000: \(before)")

            let nowhere = try await lanectl(
                ["dispatch", "T002", "--to", "the moon", "--container", "C1", "--channel", "green"], broker: gate.broker)
            #expect(nowhere.code == 1 && nowhere.errors.contains("no driverless lane leads to 'the moon'"), "\(nowhere)")
        }
    }

    @Test("stop holds a truck and the truck is told to pause; resume lets it go; priority is set")
    func stopResumePriority() async throws {
        try await Gate.with(fleet: ["T001"]) { gate in
            let truck = try await gate.startTruck("T001", at: -2)
            try await gate.dispatch("trip-1", truck: "T001")
            try await gate.waitForTrip("trip-1", .running)
            let stop = try await lanectl(["stop", "T001", "--reason", "tyre check"], broker: gate.broker)
            #expect(stop.code == 0, "\(stop)")
            #expect(await gate.coordinator.snapshot(of: TruckID("T001"))?.held == true)
            try await eventually("T001 paused") { await truck.paused }
            try await eventually("T001 standing") { await truck.speed == 0 }

            let resume = try await lanectl(["resume", "T001"], broker: gate.broker)
            #expect(resume.code == 0, "\(resume)")
            #expect(await gate.coordinator.snapshot(of: TruckID("T001"))?.held == false)
            try await eventually("T001 going again") { await !truck.paused }

            let priority = try await lanectl(["priority", "T001"], broker: gate.broker)
            #expect(priority.code == 0 && priority.output.contains("priority on"), "\(priority)")
            #expect(await gate.coordinator.snapshot(of: TruckID("T001"))?.priority == true)
            _ = try await lanectl(["priority", "T001", "--off"], broker: gate.broker)
            #expect(await gate.coordinator.snapshot(of: TruckID("T001"))?.priority == false)
            try await gate.waitForTrip("trip-1", .finished)
        }
    }

    @Test("estop --all asks for confirmation; with --yes every truck stops within its authority; resume --all releases them")
    func emergencyStopAll() async throws {
        try await Gate.with(fleet: ["T001", "T002"]) { gate in
            let orders = gate.observed
            try await gate.operatorClient.subscribe("lanes/v3/+/+/order")
            try await gate.operatorClient.subscribe("lanes/v3/+/+/instantActions")
            let trucks = [try await gate.startTruck("T001", at: -2), try await gate.startTruck("T002", at: -2)]
            try await gate.dispatch("trip-1", truck: "T001")
            try await gate.waitForTrip("trip-1", .running)
            try await gate.dispatch("trip-2", truck: "T002")
            try await gate.waitForTrip("trip-2", .running)
            try await eventually("both trucks moving") {
                var moving = true
                for truck in trucks where await truck.speed <= 1 { moving = false }
                return moving
            }

            // No terminal and no --yes: nothing is sent.
            let unconfirmed = try await lanectl(["estop", "--all"], broker: gate.broker)
            #expect(unconfirmed.code == 8 && unconfirmed.errors.contains("--yes"), "\(unconfirmed)")
            #expect(await gate.coordinator.snapshot(of: TruckID("T001"))?.emergencyStopped == false)

            let estop = try await lanectl(["estop", "--all", "--yes"], broker: gate.broker)
            #expect(estop.code == 0, "\(estop)")
            for (serial, truck) in zip(["T001", "T002"], trucks) {
                #expect(await gate.coordinator.snapshot(of: TruckID(serial))?.emergencyStopped == true)
                try await eventually("\(serial) told to stop") {
                    orders.elements.contains { message in
                        message.topic.hasSuffix("/\(serial)/instantActions")
                            && ((try? WireDecoder().decode(InstantActionsMessage.self, from: message.payload))?.actions.contains {
                                $0.actionType == "laneEmergencyStop"
                            } ?? false)
                    }
                }
                try await eventually("\(serial) standing") { await truck.speed == 0 }
                // Within the authority of the last order it received (seen on the broker).
                let last = orders.elements.last { $0.topic.hasSuffix("/\(serial)/order") }
                let order = try WireDecoder().decode(OrderMessage.self, from: try #require(last).payload)
                let end = try #require(order.nodes.last(where: \.released)?.nodePosition?.x)
                let position = await truck.position
                #expect(position <= end + 0.05, "\(serial) stands at \(position) m, its authority ends at \(end) m")
            }

            let resume = try await lanectl(["resume", "--all", "--json"], broker: gate.broker)
            #expect(resume.code == 0, "\(resume)")
            #expect(Set(resume.json?["released"]?.items.compactMap(\.text) ?? []) == ["T001", "T002"], "\(resume)")
            #expect(await gate.coordinator.snapshot(of: TruckID("T001"))?.emergencyStopped == false)
            try await gate.waitForTrip("trip-1", .finished)
            try await gate.waitForTrip("trip-2", .finished)
        }
    }

    @Test("close-zone keeps trucks out and shows the reason; cancel takes back a waiting trip, not one under way; open-zone")
    func closeZoneAndCancel() async throws {
        try await Gate.with(fleet: ["T001"]) { gate in
            try await gate.startTruck("T001", at: -2)
            let close = try await lanectl(["close-zone", "exit-gate", "--reason", "gate maintenance"], broker: gate.broker)
            #expect(close.code == 0, "\(close)")
            let status = try await lanectl(["status", "--json"], broker: gate.broker)
            #expect(status.json?["closedZones"]?["exit-gate"]?.text == "gate maintenance", "\(status)")
            let text = try await lanectl(["status"], broker: gate.broker)
            #expect(text.output.contains("gate maintenance"), "\(text)")

            try await gate.dispatch("trip-waiting", truck: "T001")
            try await gate.waitForTrip("trip-waiting", .accepted)
            try await Task.sleep(for: .milliseconds(500))
            #expect(
                await gate.coordinator.snapshot(of: TruckID("T001"))?.authority.map { $0.end <= 0 } ?? true,
                "no authority into a closed zone")
            let cancel = try await lanectl(["cancel", "trip-waiting"], broker: gate.broker)
            #expect(cancel.code == 0, "\(cancel)")
            try await gate.waitForTrip("trip-waiting", .cancelled)
            #expect(await gate.coordinator.snapshot(of: TruckID("T001"))?.trip == nil)
            let unknown = try await lanectl(["cancel", "no-such-trip"], broker: gate.broker)
            #expect(unknown.code == 1 && unknown.errors.contains("no trip 'no-such-trip' under way"), "\(unknown)")
            let none = try await lanectl(["trips", "--json"], broker: gate.broker)
            #expect(none.json?.items.isEmpty == true, "\(none)")

            let open = try await lanectl(["open-zone", "exit-gate"], broker: gate.broker)
            #expect(open.code == 0, "\(open)")
            let reopened = try await lanectl(["status", "--json"], broker: gate.broker)
            #expect(reopened.json?["closedZones"] == .object([:]), "\(reopened)")
            try await gate.dispatch("trip-2", truck: "T001")
            try await gate.waitForTrip("trip-2", .running)
            let late = try await lanectl(["cancel", "trip-2"], broker: gate.broker)
            #expect(late.code == 1 && late.errors.contains("authority onto its lane"), "\(late)")
            try await gate.waitForTrip("trip-2", .finished)
        }
    }

    @Test("drain takes no new trip, lets the trucks on the lane finish, then holds it; resume --lane opens it")
    func drainLane() async throws {
        try await Gate.with(fleet: ["T001", "T002"]) { gate in
            try await gate.startTruck("T001", at: -2)
            try await gate.startTruck("T002", at: -2)
            try await gate.dispatch("trip-1", truck: "T001")
            try await gate.waitForTrip("trip-1", .running)
            let drain = try await lanectl(["drain", "import", "--json"], broker: gate.broker)
            #expect(drain.code == 0 && drain.json?["trucksOnLane"] == .array([.string("T001")]), "\(drain)")
            let refused = try await lanectl(
                ["dispatch", "T002", "--to", "import", "--container", "C2", "--channel", "green"], broker: gate.broker)
            #expect(refused.code == 1 && refused.errors.contains("drained"), "\(refused)")
            try await gate.waitForTrip("trip-1", .finished)
            try await eventually("the lane held once drained") {
                let status = try await lanectl(["status", "--json"], broker: gate.broker)
                return status.json?["lanes"]?.items.first?["held"]?.flag == true
            }
            let resume = try await lanectl(["resume", "--lane", "import"], broker: gate.broker)
            #expect(resume.code == 0, "\(resume)")
            let open = try await lanectl(
                ["dispatch", "T002", "--to", "import", "--container", "C2", "--channel", "green", "--trip", "trip-2"], broker: gate.broker)
            #expect(open.code == 0, "\(open)")
            try await gate.waitForTrip("trip-2", .finished)
        }
    }

    @Test(
        "an account that is not an operator is refused by the broker's ACL and lanectl says so; credentials come from the environment or a file"
    )
    func accountsAndACL() async throws {
        let accounts = ["coordinator": "c-secret", "operator": "o-secret", "observer": "v-secret", "yard": "y-secret"]
        let acl = try String(contentsOfFile: Repository.path("protocols/broker/acl"), encoding: .utf8)
        let broker = try await TestBroker.start(.passwords(accounts, acl: acl), capture: true)
        var mqtt = broker.configuration(clientId: "lane-coordinator")
        mqtt.credentials = MQTTCredentials(username: "coordinator", password: "c-secret")
        let coordinator = try Coordinator(
            configuration: CoordinatorConfiguration(siteId: "test-gate", siteFile: "", broker: mqtt, fleet: ["T001": TruckProfile()]),
            site: try SiteFile.parse(TestSites.gate, file: "test-gate.yaml"))
        let running = Task { try await coordinator.run() }
        defer { running.cancel() }
        try await eventually("the coordinator online") { await coordinator.statistics.published > 0 }

        let passwordFile = "\(broker.folder)/operator.password"
        try "o-secret\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        let allowed = try await lanectl(
            ["status", "--json"], broker: broker, environment: ["LANECTL_USERNAME": "operator", "LANECTL_PASSWORD_FILE": passwordFile])
        #expect(allowed.code == 0 && allowed.json?["state"]?.text == "online", "\(allowed)")

        for account in ["observer", "yard"] {
            let refused = try await lanectl(
                ["stop", "T001"], broker: broker, environment: ["LANECTL_USERNAME": account, "LANECTL_PASSWORD": accounts[account]!])
            #expect(refused.code == 4, "\(refused)")
            #expect(refused.errors.contains("not authorised") && refused.errors.contains("account '\(account)'"), "\(refused)")
            #expect(refused.seconds < 4, "refused at once, not after the timeout: \(refused)")
        }
        #expect(await coordinator.snapshot(of: TruckID("T001"))?.held == false, "no refused request reached the coordinator")

        let wrong = try await lanectl(
            ["status"], broker: broker, environment: ["LANECTL_USERNAME": "operator", "LANECTL_PASSWORD": "guess"])
        #expect(wrong.code == 4 && wrong.errors.contains("refused account 'operator'"), "\(wrong)")
        await coordinator.shutdown()
    }

    @Test("over TLS with a client certificate, named in the environment; an untrusted broker certificate is refused plainly")
    func tls() async throws {
        let gate = try await Gate(fleet: ["T001"], security: .tls(requireClientCertificate: true))
        let certificates = try #require(gate.broker.certificates)
        let tls = [
            "LANECTL_TLS_CA": certificates.caFile, "LANECTL_TLS_CERT": certificates.clientCertificateFile,
            "LANECTL_TLS_KEY": certificates.clientKeyFile,
        ]
        let status = try await lanectl(["status", "--json"], broker: gate.broker, environment: tls)
        #expect(status.code == 0 && status.json?["state"]?.text == "online", "\(status)")
        let untrusted = try await lanectl(
            ["status", "--timeout", "2"], broker: gate.broker, environment: tls.merging(["LANECTL_TLS_CA": certificates.otherCAFile]) { $1 }
        )
        #expect(untrusted.code == 3 && untrusted.errors.contains("TLS"), "\(untrusted)")
        let plain = try await lanectl(["status", "--timeout", "2"], broker: gate.broker)
        #expect(plain.code == 3 || plain.code == 6, "plain MQTT to a TLS listener fails: \(plain)")
        #expect(plain.seconds < 8, "and does not hang: \(plain)")
        await gate.stop()
    }

    @Test("a stopped coordinator gives a timeout or an offline error and a non-zero exit code, never a hang")
    func coordinatorStopped() async throws {
        let process = try await CoordinatorProcess()
        let coordinator = try process.start()
        try await eventually("the coordinator answers", timeout: .seconds(20)) {
            try await lanectl(["status", "--timeout", "1"], broker: process.broker).code == 0
        }
        // Frozen: the broker still holds its session, its status still says online.
        kill(coordinator.pid, SIGSTOP)
        let frozen = try await lanectl(["status", "--timeout", "2"], broker: process.broker)
        kill(coordinator.pid, SIGCONT)
        #expect(frozen.code == 6 && frozen.errors.contains("no answer within 2 s"), "\(frozen)")
        #expect(frozen.seconds < 5, "\(frozen)")

        // Stopped: its retained status says offline.
        coordinator.stop(signal: SIGTERM)
        let offline = try await lanectl(["estop", "--all", "--yes", "--timeout", "5"], broker: process.broker)
        #expect(offline.code == 5 && offline.errors.contains("offline"), "\(offline)")
        #expect(offline.seconds < 3, "the retained status answers at once: \(offline)")

        // No coordinator ever ran on this broker, or no broker at all.
        let empty = try await TestBroker.start(capture: true)
        let nothing = try await lanectl(["status", "--timeout", "1"], broker: empty)
        #expect(nothing.code == 6 && nothing.errors.contains("no coordinator status"), "\(nothing)")
        let unreachable = try await lanectl(["status", "--port", "1", "--timeout", "1"])
        #expect(unreachable.code == 3 && unreachable.errors.contains("cannot reach the broker"), "\(unreachable)")
    }

    @Test("validate checks a site file offline; a bad file exits 7 with the place of the error")
    func offlineCommands() async throws {
        let site = Repository.path("simulators/sites/huu-nghi-1119-1120.yaml")
        let valid = try await lanectl(["validate", site])
        #expect(
            valid.code == 0 && valid.output.contains("valid site huu-nghi-1119-1120") && valid.output.contains("bottleneck of import"),
            "\(valid)")
        let broken = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString).yaml").path
        try TestSites.gate.replacingOccurrences(of: "      - merge\n", with: "      - marge\n").write(
            toFile: broken, atomically: true, encoding: .utf8)
        let invalid = try await lanectl(["validate", broken])
        #expect(invalid.code == 7 && invalid.errors.contains("marge"), "\(invalid)")
        #expect(invalid.errors.range(of: "\(broken):[0-9]+: ", options: .regularExpression) != nil, "file and line: \(invalid)")
    }
}
