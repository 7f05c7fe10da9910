import CMosquitto
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The client's network thread: it runs libmosquitto's loop (`mosquitto_loop`, in libmosquitto's
/// threaded mode) and, when the connection is lost, reconnects itself, moving round the
/// configured broker endpoints. libmosquitto's own thread (`mosquitto_loop_start`) reconnects
/// only to the host it was first given, and gives up for good after a TLS error.
///
/// Reconnection: after the loss of a working connection the next endpoint is tried after the
/// first delay; each attempt that finds no broker (refused, unreachable, or dropped before the
/// CONNACK) moves on to the next endpoint, and the delay doubles after every round of the list
/// that found none, up to the longest delay. A connection that comes up resets the delay.
///
/// The thread holds this object (retained for its life) but not the `Mosquitto` that owns the
/// handle: `Mosquitto.deinit` stops and joins the thread before it destroys the handle.
final class NetworkThread: @unchecked Sendable {
    private let handle: OpaquePointer
    private let core: Unmanaged<ClientCore>
    private let configuration: MQTTConfiguration
    private let current = Atomic(0)
    private let stopping = Atomic(false)
    private let thread = Mutex<pthread_t?>(nil)

    init(handle: OpaquePointer, core: Unmanaged<ClientCore>, configuration: MQTTConfiguration) {
        self.handle = handle
        self.core = core
        self.configuration = configuration
    }

    /// The endpoint the client is connected to, or is trying.
    var endpoint: MQTTEndpoint { configuration.endpoints[current.load(ordering: .relaxed)] }

    /// Whether the thread runs.
    var isRunning: Bool { thread.withLock { $0 != nil } }

    /// Opens the connection to the first endpoint that accepts it (blocking on DNS, TCP and TLS)
    /// and sends CONNECT; the CONNACK is read by the thread. Throws the last endpoint's failure
    /// when none accepts.
    func connectFirst() throws(MQTTError) {
        var failure = MQTTError.invalidConfiguration("no broker endpoint is configured")
        for index in configuration.endpoints.indices {
            do throws(MQTTError) {
                try open(index)
                return
            } catch {
                failure = error
            }
        }
        throw failure
    }

    /// Starts the thread.
    func start() throws(MQTTError) {
        let context = Unmanaged.passRetained(self).toOpaque()
        var created = pthread_t()
        let code = pthread_create(
            &created, nil,
            { context in
                let loop = Unmanaged<NetworkThread>.fromOpaque(context!)
                loop.takeUnretainedValue().run()
                loop.release()
                return nil
            }, context)
        guard code == 0 else {
            Unmanaged<NetworkThread>.fromOpaque(context).release()
            throw .library(code: Int(code), reason: "the network thread could not start: \(String(cString: strerror(code)))")
        }
        thread.withLock { $0 = created }
    }

    /// Asks the thread to end once DISCONNECT is sent (the caller sends it) and waits for it.
    func stop() {
        stopping.store(true, ordering: .releasing)
        let running = thread.withLock { state -> pthread_t? in
            defer { state = nil }
            return state
        }
        guard let running else { return }
        pthread_join(running, nil)
    }

    private var isStopping: Bool { stopping.load(ordering: .acquiring) }

    private func run() {
        let count = configuration.endpoints.count
        let (first, longest) = (Double(max(1, configuration.reconnectDelay.first)), Double(configuration.reconnectDelay.longest))
        var delay = first
        var failures = 0
        var up = false
        func failed() {
            failures += 1
            if failures % count == 0 { delay = min(delay * 2, max(first, longest)) }
        }
        // Ends on a clean stop; a DISCONNECT queued by `stop()`'s caller is written first.
        let stopGrace = 2.0
        var stopSeenAt: Double?
        while true {
            let code = mosquitto_loop(handle, 1000, 1)
            if isStopping {
                if code != MOSQ_ERR_SUCCESS.rawValue { return }
                let now = Self.seconds()
                if now - (stopSeenAt ?? now) > stopGrace { return }
                stopSeenAt = stopSeenAt ?? now
                continue
            }
            if code == MOSQ_ERR_SUCCESS.rawValue {
                if !up && core.takeUnretainedValue().state.withLock({ $0.connected }) {
                    up = true
                    delay = first
                    failures = 0
                }
                continue
            }
            if up { up = false } else { failed() }
            while true {
                guard sleep(delay) else { return }
                let next = (current.load(ordering: .relaxed) + 1) % count
                do throws(MQTTError) {
                    try open(next)
                    break
                } catch {
                    failed()
                }
            }
        }
    }

    /// Connects to endpoint `index` and queues CONNECT (with the session expiry).
    private func open(_ index: Int) throws(MQTTError) {
        let endpoint = configuration.endpoints[index]
        current.store(index, ordering: .relaxed)
        var properties: OpaquePointer?
        defer { mosquitto_property_free_all(&properties) }
        if configuration.sessionExpiry > 0 {
            mosquitto_property_add_int32(&properties, Int32(MQTT_PROP_SESSION_EXPIRY_INTERVAL.rawValue), configuration.sessionExpiry)
        }
        errno = 0
        let code = mosquitto_connect_bind_v5(
            handle, endpoint.host, Int32(endpoint.port), Int32(configuration.keepalive), nil, properties)
        let error = errno
        guard code == MOSQ_ERR_SUCCESS.rawValue else {
            switch code {
            case MOSQ_ERR_TLS.rawValue:
                throw .tls(core.takeUnretainedValue().state.withLock { $0.lastLoggedError } ?? Mosquitto.describe(code))
            case MOSQ_ERR_ERRNO.rawValue: throw .unreachable("\(endpoint): \(String(cString: strerror(error)))")
            case MOSQ_ERR_EAI.rawValue: throw .unreachable("host \(endpoint.host) not found")
            default: throw .library(code: Int(code), reason: Mosquitto.describe(code))
            }
        }
    }

    /// Sleeps `seconds` in short steps; false when asked to stop meanwhile.
    private func sleep(_ seconds: Double) -> Bool {
        let end = Self.seconds() + seconds
        while Self.seconds() < end {
            if isStopping { return false }
            usleep(50_000)
        }
        return !isStopping
    }

    private static func seconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
