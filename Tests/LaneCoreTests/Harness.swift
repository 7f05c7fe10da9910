import LaneCore
import LaneSite

/// Small sites built in code, for scenario tests.
enum TestSites {
    /// One import lane: 100 m road, a 24 m scanner station (stop at 20 m), 100 m road.
    static func straight() throws -> Site {
        try Site(
            name: "straight",
            zones: [
                Zone(id: "road-a", kind: .following, length: 100, speedLimit: 8),
                Zone(
                    id: "scanner", kind: .station, length: 24, speedLimit: 5,
                    station: Station(activity: .scan, dwell: .fixed(30), stopOffset: 20)),
                Zone(id: "road-b", kind: .following, length: 100, speedLimit: 8),
            ],
            lanes: [
                Lane(
                    id: "import", direction: .import, origin: "cn", destination: "vn",
                    steps: [LaneStep(zone: "road-a"), LaneStep(zone: "scanner"), LaneStep(zone: "road-b")])
            ])
    }

    /// An import and an export lane that cross at an exclusive crossing and share a
    /// bidirectional single-lane section; the import lane branches by channel and merges again.
    static func shared() throws -> Site {
        try Site(
            name: "shared",
            zones: [
                Zone(id: "in-road", kind: .following, length: 80, speedLimit: 8),
                Zone(id: "crossing", kind: .exclusive, length: 12, speedLimit: 5, sharing: .exclusive),
                Zone(id: "in-mid", kind: .following, length: 60, speedLimit: 8),
                Zone(id: "bridge", kind: .following, length: 50, speedLimit: 6, sharing: .bidirectional),
                Zone(id: "in-green", kind: .following, length: 40, speedLimit: 6),
                Zone(
                    id: "in-inspection", kind: .station, length: 30, speedLimit: 4,
                    station: Station(activity: .inspection, dwell: .fixed(300), stopOffset: 26)),
                Zone(id: "in-merge", kind: .following, length: 30, speedLimit: 5, sharing: .merge, perishablePriority: true),
                Zone(id: "in-end", kind: .following, length: 60, speedLimit: 8),
                Zone(id: "out-road", kind: .following, length: 80, speedLimit: 8),
                Zone(id: "out-mid", kind: .following, length: 60, speedLimit: 8),
                Zone(id: "out-end", kind: .following, length: 60, speedLimit: 8),
            ],
            lanes: [
                Lane(
                    id: "import", direction: .import, origin: "cn", destination: "vn",
                    steps: [
                        LaneStep(zone: "in-road"), LaneStep(zone: "crossing"), LaneStep(zone: "in-mid"),
                        LaneStep(zone: "bridge"), LaneStep(zone: "in-green", channels: [.green, .yellow]),
                        LaneStep(zone: "in-inspection", channels: [.red]), LaneStep(zone: "in-merge"),
                        LaneStep(zone: "in-end"),
                    ]),
                Lane(
                    id: "export", direction: .export, origin: "vn", destination: "cn",
                    steps: [
                        LaneStep(zone: "out-road"), LaneStep(zone: "bridge"), LaneStep(zone: "out-mid"),
                        LaneStep(zone: "crossing"), LaneStep(zone: "out-end"),
                    ]),
            ])
    }
}

/// Drives a core by hand: a clock, trucks that join and report, and the commands they got.
struct Harness {
    var core: SchedulerCore
    var now: Seconds = 0
    var sequence: [TruckID: UInt64] = [:]
    var acknowledged: [TruckID: UInt64] = [:]
    var log: [CoreCommand] = []

    init(site: Site, configuration: CoreConfiguration = CoreConfiguration()) {
        core = SchedulerCore(site: site, configuration: configuration)
    }

    @discardableResult
    mutating func send(_ event: CoreEvent) -> [CoreCommand] {
        let commands = core.handle(event, now: now)
        log += commands
        for case .authority(let authority, _) in commands where !dropAuthorities {
            acknowledged[authority.truck] = max(acknowledged[authority.truck] ?? 0, authority.sequence)
        }
        return commands
    }

    /// When set, authorities are "lost": the trucks never echo them.
    var dropAuthorities = false

    /// A truck joins and starts a trip.
    mutating func start(_ id: TruckID, lane: LaneID = "import", channel: CustomsChannel = .green, perishable: Bool = false) {
        send(.truckJoined(id, TruckProfile()))
        send(.tripAssigned(TripRequest(truck: id, lane: lane, channel: channel, perishable: perishable)))
    }

    /// A state report from `id`, measured now, echoing the last authority it received.
    @discardableResult
    mutating func report(
        _ id: TruckID, _ zone: ZoneID, _ offset: Meters, speed: MetersPerSecond = 0, uncertainty: Meters = 0.5
    ) -> [CoreCommand] {
        let next = (sequence[id] ?? 0) + 1
        sequence[id] = next
        return send(
            .stateReport(
                TruckStateReport(
                    truck: id, sequence: next, measuredAt: now, zone: zone, offset: offset, speed: speed,
                    uncertainty: uncertainty, acknowledgedAuthority: acknowledged[id] ?? 0)))
    }

    func authority(_ id: TruckID) -> MovementAuthority? { core.snapshot(of: id)?.authority }

    func end(_ id: TruckID) -> Meters { authority(id)?.end ?? -.infinity }

    static func rejections(_ commands: [CoreCommand]) -> [RejectionReason] {
        commands.compactMap { if case .rejected(let r) = $0 { r.reason } else { nil } }
    }
}
