import CMosquitto
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

// Every call into libmosquitto and every unsafe pointer of LaneMQTT is in this folder.

/// One libmosquitto client (`struct mosquitto`) and its network thread (`NetworkThread`). Its
/// callbacks reach the `ClientCore` through a retained reference passed as libmosquitto's user
/// data, released after `mosquitto_destroy`; they never touch this object, so the last reference
/// to it is never dropped on the network thread (which would join itself).
///
/// libmosquitto's calls are thread-safe in its threaded mode (`mosquitto_threaded_set`), which is
/// what `@unchecked Sendable` relies on.
final class Mosquitto: @unchecked Sendable {
    private let handle: OpaquePointer
    private let core: Unmanaged<ClientCore>
    private let configuration: MQTTConfiguration
    private let network: NetworkThread
    private let connectCalled = Atomic(false)

    private static let libraryReady: Void = { _ = mosquitto_lib_init() }()

    init(_ configuration: MQTTConfiguration, core: ClientCore) throws(MQTTError) {
        _ = Self.libraryReady
        self.configuration = configuration
        let retained = Unmanaged.passRetained(core)
        self.core = retained
        guard let handle = mosquitto_new(configuration.clientId, configuration.cleanStart, retained.toOpaque()) else {
            retained.release()
            throw .invalidConfiguration("libmosquitto refused the client (an empty client id needs a clean start)")
        }
        self.handle = handle
        network = NetworkThread(handle: handle, core: retained, configuration: configuration)
        // From here on a failure runs `deinit`, which destroys the handle and releases the core.
        try configure()
    }

    deinit {
        if network.isRunning {
            mosquitto_disconnect_v5(handle, 0, nil)
            network.stop()
        }
        mosquitto_destroy(handle)
        core.release()
    }

    private func configure() throws(MQTTError) {
        guard configuration.keepalive >= 5 else {
            throw .invalidConfiguration("keepalive of \(configuration.keepalive) s: libmosquitto needs at least 5 s")
        }
        try check(mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5))
        try check(mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1))
        guard !configuration.endpoints.isEmpty else { throw .invalidConfiguration("no broker endpoint is configured") }
        try check(mosquitto_threaded_set(handle, true))
        if let credentials = configuration.credentials {
            try check(mosquitto_username_pw_set(handle, credentials.username, credentials.password))
        }
        if let tls = configuration.tls {
            let code = mosquitto_tls_set(handle, tls.caFile, nil, tls.certificateFile, tls.keyFile, nil)
            guard code == MOSQ_ERR_SUCCESS.rawValue else {
                throw .invalidConfiguration("TLS files cannot be used (CA \(tls.caFile)): \(Self.describe(code))")
            }
        }
        if let will = configuration.will?.message {
            var properties = PropertyList(will.properties)
            // On success libmosquitto takes the property list; on failure it stays ours.
            let code = will.payload.withUnsafeBytes {
                mosquitto_will_set_v5(
                    handle, will.topic, Int32($0.count), $0.baseAddress, Int32(will.qos.rawValue), will.retain, properties.list)
            }
            if code == MOSQ_ERR_SUCCESS.rawValue { properties.list = nil }
            try check(code)
        }
        mosquitto_connect_v5_callback_set(handle) { mosq, context, code, flags, _ in
            guard let mosq, let context else { return }
            let core = Unmanaged<ClientCore>.fromOpaque(context).takeUnretainedValue()
            let sessionPresent = flags & 1 != 0
            if code == 0 && !sessionPresent {
                for subscription in core.subscriptions {
                    mosquitto_subscribe_v5(mosq, nil, subscription.filter, Int32(subscription.qos.rawValue), 0, nil)
                }
            }
            core.connected(code: code, sessionPresent: sessionPresent)
        }
        mosquitto_disconnect_v5_callback_set(handle) { _, context, code, _ in
            guard let context else { return }
            let reason = code == 0 ? "disconnected" : Mosquitto.describeDisconnect(code)
            Unmanaged<ClientCore>.fromOpaque(context).takeUnretainedValue().disconnected(reason: reason)
        }
        mosquitto_publish_v5_callback_set(handle) { _, context, id, code, _ in
            guard let context else { return }
            Unmanaged<ClientCore>.fromOpaque(context).takeUnretainedValue().published(id: id, code: code)
        }
        mosquitto_subscribe_v5_callback_set(handle) { _, context, id, count, granted, _ in
            guard let context else { return }
            let codes = granted.map { Array(UnsafeBufferPointer(start: $0, count: Int(count))) } ?? []
            Unmanaged<ClientCore>.fromOpaque(context).takeUnretainedValue().subscribed(id: id, granted: codes)
        }
        mosquitto_unsubscribe_v5_callback_set(handle) { _, context, id, _ in
            guard let context else { return }
            Unmanaged<ClientCore>.fromOpaque(context).takeUnretainedValue().unsubscribed(id: id, code: 0)
        }
        mosquitto_message_v5_callback_set(handle) { _, context, message, properties in
            guard let context, let message else { return }
            let m = message.pointee
            // Topic and payload belong to libmosquitto: copied before the callback returns.
            let inbound = MQTTInboundMessage(
                topic: String(cString: m.topic),
                payload: m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(m.payloadlen))) } ?? [],
                qos: MQTTQoS(rawValue: Int(m.qos)) ?? .atMostOnce, retain: m.retain,
                properties: PropertyList.read(properties))
            Unmanaged<ClientCore>.fromOpaque(context).takeUnretainedValue().received(inbound)
        }
        mosquitto_log_callback_set(handle) { _, context, level, text in
            if getenv("LANE_MQTT_DEBUG") != nil, let text { print("mosquitto[\(level)]: \(String(cString: text))") }
            guard let context, let text, level & Int32(MOSQ_LOG_ERR) != 0 else { return }
            Unmanaged<ClientCore>.fromOpaque(context).takeUnretainedValue().logged(error: String(cString: text))
        }
    }

    /// Connects to the first endpoint that accepts the connection (blocking on DNS, TCP and TLS:
    /// run off the cooperative pool) and starts the network thread, which reads the CONNACK and
    /// reconnects from then on.
    func connect() throws(MQTTError) {
        guard !connectCalled.exchange(true, ordering: .acquiringAndReleasing) else {
            throw .invalidConfiguration("connect() was called twice")
        }
        try network.connectFirst()
        try network.start()
    }

    /// The endpoint the client is connected to, or is trying.
    var endpoint: MQTTEndpoint { network.endpoint }

    /// Sends DISCONNECT (the last will is not published) and waits for the network thread to end.
    func disconnect() {
        mosquitto_disconnect_v5(handle, 0, nil)
        network.stop()
    }

    /// Queues a PUBLISH; returns its message id. A QoS 1 or 2 message stays queued in
    /// libmosquitto while the connection is down and is sent on reconnection (libmosquitto then
    /// reports "no connection" but keeps it); a QoS 0 message is refused with `.notConnected`.
    func publish(_ message: MQTTOutbound) throws(MQTTError) -> Int32 {
        var id: Int32 = 0
        let properties = PropertyList(message.properties)
        let code = message.payload.withUnsafeBytes {
            mosquitto_publish_v5(
                handle, &id, message.topic, Int32($0.count), $0.baseAddress, Int32(message.qos.rawValue), message.retain, properties.list)
        }
        if code == MOSQ_ERR_NO_CONN.rawValue && message.qos > .atMostOnce { return id }
        try check(code)
        return id
    }

    /// Sends SUBSCRIBE; returns its message id.
    func subscribe(_ subscription: Subscription) throws(MQTTError) -> Int32 {
        var id: Int32 = 0
        try check(mosquitto_subscribe_v5(handle, &id, subscription.filter, Int32(subscription.qos.rawValue), 0, nil))
        return id
    }

    /// Sends UNSUBSCRIBE; returns its message id.
    func unsubscribe(_ filter: String) throws(MQTTError) -> Int32 {
        var id: Int32 = 0
        try check(mosquitto_unsubscribe_v5(handle, &id, filter, nil))
        return id
    }

    /// Cuts the connection under libmosquitto without a DISCONNECT, as a failing network would
    /// (for the tests of the last will and of reconnection).
    func severConnection() {
        let socket = mosquitto_socket(handle)
        if socket >= 0 { shutdown(socket, Int32(SHUT_RDWR)) }
    }

    private func check(_ code: Int32) throws(MQTTError) {
        switch code {
        case MOSQ_ERR_SUCCESS.rawValue: return
        case MOSQ_ERR_NO_CONN.rawValue: throw .notConnected
        default: throw .library(code: Int(code), reason: Self.describe(code))
        }
    }

    static func describe(_ code: Int32) -> String { mosquitto_strerror(code).map { String(cString: $0) } ?? "error \(code)" }

    /// The text of an MQTT 5 reason code (CONNACK, PUBACK, SUBACK).
    static func reason(_ code: Int32) -> String {
        mosquitto_reason_string(code).map { String(cString: $0) } ?? "reason \(code)"
    }

    /// Why a connection ended: an MQTT reason code from the broker, or a libmosquitto error.
    static func describeDisconnect(_ code: Int32) -> String {
        code >= 0x80 ? reason(code) : describe(code)
    }
}

/// An MQTT 5 property list built from `MQTTProperties`, freed with the value.
private struct PropertyList: ~Copyable {
    var list: OpaquePointer?

    init() {}

    init(_ properties: MQTTProperties) {
        if let expiry = properties.messageExpiry {
            mosquitto_property_add_int32(&list, Int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue), expiry)
        }
        if let type = properties.contentType {
            mosquitto_property_add_string(&list, Int32(MQTT_PROP_CONTENT_TYPE.rawValue), type)
        }
        if let topic = properties.responseTopic {
            mosquitto_property_add_string(&list, Int32(MQTT_PROP_RESPONSE_TOPIC.rawValue), topic)
        }
        if let data = properties.correlationData {
            data.withUnsafeBytes {
                _ = mosquitto_property_add_binary(
                    &list, Int32(MQTT_PROP_CORRELATION_DATA.rawValue), $0.baseAddress, UInt16(clamping: $0.count))
            }
        }
        for property in properties.userProperties {
            mosquitto_property_add_string_pair(&list, Int32(MQTT_PROP_USER_PROPERTY.rawValue), property.name, property.value)
        }
    }

    deinit {
        var list = self.list
        mosquitto_property_free_all(&list)
    }

    /// The properties of a received message. The strings and bytes libmosquitto returns are
    /// copies that are ours to free.
    static func read(_ list: OpaquePointer?) -> MQTTProperties {
        var properties = MQTTProperties()
        guard let list else { return properties }
        var expiry: UInt32 = 0
        if mosquitto_property_read_int32(list, Int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue), &expiry, false) != nil {
            properties.messageExpiry = expiry
        }
        properties.contentType = readString(list, MQTT_PROP_CONTENT_TYPE)
        properties.responseTopic = readString(list, MQTT_PROP_RESPONSE_TOPIC)
        var data: UnsafeMutableRawPointer?
        var length: UInt16 = 0
        if mosquitto_property_read_binary(list, Int32(MQTT_PROP_CORRELATION_DATA.rawValue), &data, &length, false) != nil {
            properties.correlationData = data.map { Array(UnsafeRawBufferPointer(start: $0, count: Int(length))) } ?? []
            free(data)
        }
        var cursor: OpaquePointer? = list
        var skipFirst = false
        while true {
            var name: UnsafeMutablePointer<CChar>?
            var value: UnsafeMutablePointer<CChar>?
            cursor = mosquitto_property_read_string_pair(cursor, Int32(MQTT_PROP_USER_PROPERTY.rawValue), &name, &value, skipFirst)
            guard cursor != nil else { break }
            properties.userProperties.append(
                MQTTUserProperty(name.map { String(cString: $0) } ?? "", value.map { String(cString: $0) } ?? ""))
            free(name)
            free(value)
            skipFirst = true
        }
        return properties
    }

    private static func readString(_ list: OpaquePointer, _ identifier: mqtt5_property) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard mosquitto_property_read_string(list, Int32(identifier.rawValue), &value, false) != nil, let value else { return nil }
        defer { free(value) }
        return String(cString: value)
    }
}
