import Foundation
import Synchronization

/// Certificates made with openssl for the TLS tests, once per test process: a CA, a broker
/// certificate for 127.0.0.1 signed by it, a client certificate signed by it, and a second CA
/// that signed nothing the broker uses (for the mismatch tests).
public struct TestCertificates: Sendable {
    /// The folder that holds them.
    public let folder: String
    /// The CA that signed the broker's and the client's certificates.
    public var caFile: String { "\(folder)/ca.crt" }
    /// The broker's certificate and key.
    public var serverCertificateFile: String { "\(folder)/server.crt" }
    /// The broker's key.
    public var serverKeyFile: String { "\(folder)/server.key" }
    /// A client certificate signed by the CA.
    public var clientCertificateFile: String { "\(folder)/client.crt" }
    /// The client's key.
    public var clientKeyFile: String { "\(folder)/client.key" }
    /// A CA unrelated to the broker.
    public var otherCAFile: String { "\(folder)/other-ca.crt" }
    /// A client certificate signed by the unrelated CA.
    public var otherClientCertificateFile: String { "\(folder)/other-client.crt" }
    /// Its key.
    public var otherClientKeyFile: String { "\(folder)/other-client.key" }

    private static let made = Mutex<TestCertificates?>(nil)

    /// The process's certificates, made on first use.
    public static func shared() throws -> TestCertificates {
        try made.withLock { made in
            if let made { return made }
            let certificates = try make()
            made = certificates
            return certificates
        }
    }

    private static func make() throws -> TestCertificates {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lane-certificates-\(getpid())").path
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let openssl = try ChildProcess.locate("openssl")
        let log = "\(folder)/openssl.log"
        func run(_ arguments: String...) throws { try ChildProcess.run(openssl, arguments, log: log) }
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        func authority(_ name: String, _ subject: String) throws {
            try ChildProcess.run(
                openssl,
                ["req", "-x509"] + key + [
                    "-keyout", "\(folder)/\(name).key", "-out", "\(folder)/\(name).crt", "-days", "3", "-subj", subject,
                ],
                log: log)
        }
        func signed(_ name: String, by authority: String, subject: String, extensions: String) throws {
            try ChildProcess.run(
                openssl, ["req"] + key + ["-keyout", "\(folder)/\(name).key", "-out", "\(folder)/\(name).csr", "-subj", subject], log: log)
            try extensions.write(toFile: "\(folder)/\(name).ext", atomically: true, encoding: .utf8)
            try run(
                "x509", "-req", "-in", "\(folder)/\(name).csr", "-CA", "\(folder)/\(authority).crt", "-CAkey", "\(folder)/\(authority).key",
                "-CAcreateserial", "-out", "\(folder)/\(name).crt", "-days", "3", "-extfile", "\(folder)/\(name).ext")
        }
        try authority("ca", "/CN=Lane test CA")
        try authority("other-ca", "/CN=Unrelated test CA")
        try signed("server", by: "ca", subject: "/CN=127.0.0.1", extensions: "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        try signed("client", by: "ca", subject: "/CN=lane-test-client", extensions: "extendedKeyUsage=clientAuth\n")
        try signed("other-client", by: "other-ca", subject: "/CN=lane-rogue-client", extensions: "extendedKeyUsage=clientAuth\n")
        // The broker may run as another user: let it read the files.
        for file in try FileManager.default.contentsOfDirectory(atPath: folder) {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: "\(folder)/\(file)")
        }
        return TestCertificates(folder: folder)
    }
}
