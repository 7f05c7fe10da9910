import Foundation
public import LaneMQTT

/// A recorder of every message published on a test broker, for the test command's check of what
/// the running system puts on the broker (`Tests/conformance/check_capture.py`): a `mosquitto_sub`
/// on `#` (a client independent of the project's own), subscribed at QoS 2 with *retain as
/// published*, so that each line holds the QoS, the retain flag and the MQTT 5 properties as the
/// publisher sent them.
///
/// It records only when `LANE_CAPTURE_DIR` names a folder (the test command sets it); each broker
/// writes its own file there, one message a line:
/// `topic TAB qos TAB retain TAB expiry TAB content-type TAB user-properties TAB payload-hex`.
public struct BrokerCapture: Sendable {
    /// The folder the captures go to, if capturing is on.
    public static var folder: String? { ProcessInfo.processInfo.environment["LANE_CAPTURE_DIR"].flatMap { $0.isEmpty ? nil : $0 } }

    /// The user name of the capture on brokers with accounts (it may read every topic).
    static let account = "lane-capture"

    /// The user property a test puts on a message it publishes *as bad input on purpose* (a
    /// malformed state, a forged header): the conformance check leaves those out of the
    /// validation and counts them apart. Nothing but a test may carry it.
    public static let deliberatelyInvalid = MQTTUserProperty("lane-test", "bad-input")

    /// The capture's client id (unique per capture, so that the broker log shows its subscription).
    let clientId: String
    let child: ChildProcess

    /// Starts `mosquitto_sub` against the broker at `host:port`.
    init(
        host: String, port: Int, tls: (ca: String, certificate: String, key: String)?, account: (name: String, password: String)?,
        brokerFolder: String
    ) throws {
        guard let folder = Self.folder else { throw TestKitError.missing("LANE_CAPTURE_DIR") }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        clientId = "lane-capture-\(UUID().uuidString.prefix(8))"
        var arguments = [
            "-h", host, "-p", "\(port)", "-V", "5", "-i", clientId, "-q", "2", "--retain-as-published", "-t", "#",
            "-F", "%t\t%q\t%r\t%E\t%C\t%P\t%x",
        ]
        if let tls { arguments += ["--cafile", tls.ca, "--cert", tls.certificate, "--key", tls.key] }
        if let account { arguments += ["-u", account.name, "-P", account.password] }
        let file = "\(folder)/\(clientId).capture"
        child = try ChildProcess(
            try ChildProcess.locate("mosquitto_sub"), arguments, log: file, errors: "\(brokerFolder)/capture-errors.log")
    }

    /// Stops recording (each message is flushed to the file as it arrives).
    func stop() { child.stop() }
}

extension MQTTProperties {
    /// Properties of a message a test publishes as bad input on purpose (`BrokerCapture.deliberatelyInvalid`).
    public static var deliberatelyInvalid: MQTTProperties { MQTTProperties(userProperties: [BrokerCapture.deliberatelyInvalid]) }
}
