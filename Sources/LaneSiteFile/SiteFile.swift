public import LaneSite
package import Yams

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A problem in a site file: which file, where in it (a path such as `zones[3].length` and the
/// line), and what is wrong.
public struct SiteFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file's name as given to the loader.
    public var file: String
    /// The path of the offending value, such as `lanes[0].route[4].zone`; empty for the whole file.
    public var path: String
    /// The 1-based line of the offending value, when known.
    public var line: Int?
    /// What is wrong.
    public var problem: String

    /// Describes a problem.
    public init(file: String, path: String, line: Int?, problem: String) {
        self.file = file
        self.path = path
        self.line = line
        self.problem = problem
    }

    /// `file:line: path: problem`, the form editors and terminals link to.
    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return path.isEmpty ? "\(location): \(problem)" : "\(location): \(path): \(problem)"
    }
}

/// Reads sites from YAML site files.
///
/// The format (see `simulators/sites/*.yaml` for complete examples):
/// ```yaml
/// site: name
/// rules: { standstill-gap: 2.0, minimum-position-uncertainty: 0.5, queue-budget: 2 }
/// zones:
///   - { id: km0, kind: handover, length: 10, speed-limit-kmh: 20 }
///   - id: scanner
///     kind: station
///     length: 22
///     speed-limit-kmh: 10
///     station: { activity: scan, stop-offset: 20.5, dwell: { triangular: [45, 60, 90] } }
/// lanes:
///   - id: import
///     direction: import
///     driverless: true
///     from: CN yard
///     to: VN yard
///     route: [km0, scanner, { zone: inspection-bay, channels: [red] }]
/// ```
/// Zone keys: `id`, `kind` (following, exclusive, station, handover), `length` (m),
/// `speed-limit-kmh`, `sharing` (none, exclusive, bidirectional, merge), `perishable-priority`,
/// `station` (`activity`, `stop-offset`, `dwell` as `fixed: D`, `uniform: [min, max]` or
/// `triangular: [min, mode, max]` in seconds; or, for a drive-through scanning portal,
/// `drive-through: { speed-kmh, headway-s, tolerance-kmh }`, with no stop point and no dwell: the
/// zone's speed limit becomes the portal's speed, `tolerance-kmh` defaults to 1.5; either kind
/// with `released-by` (`truck`, the default: its station-stop action finished; or
/// `station-system`: the station's own system on the broker says) and, for a scanner,
/// `unreadable` (`rescan`, the default where trucks stop; `inspection`, the default and only
/// other choice of a portal; or `{ manual-scan: zone }`)), `note` (free text, for assumptions).
public enum SiteFile {
    /// Reads and parses the site file at `path`.
    public static func load(path: String) throws(SiteFileError) -> Site {
        try parse(try readText(path: path), file: path)
    }

    /// Parses `text` (the contents of `file`) into a validated site.
    public static func parse(_ text: String, file: String) throws(SiteFileError) -> Site {
        try NodeReader(file: file, node: try compose(text, file: file), path: "").site()
    }

    /// The YAML tree of `text` (the contents of `file`).
    package static func compose(_ text: String, file: String) throws(SiteFileError) -> Node {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw SiteFileError(file: file, path: "", line: nil, problem: "the file is empty")
            }
            root = node
        } catch let error as SiteFileError {
            throw error
        } catch let error as YamlError {
            throw SiteFileError(file: file, path: "", line: yamlLine(error), problem: "not valid YAML: \(yamlProblem(error))")
        } catch {
            throw SiteFileError(file: file, path: "", line: nil, problem: "not valid YAML: \(error)")
        }
        return root
    }

    private static func yamlLine(_ error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _): mark.line
        default: nil
        }
    }

    private static func yamlProblem(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _): problem
        case .duplicatedKeysInMapping(let duplicates, _): "duplicated keys \(duplicates.joined(separator: ", "))"
        default: String(describing: error)
        }
    }
}

/// A node of the site file and where it is.
package struct NodeReader {
    package init(file: String, node: Node, path: String) {
        self.file = file
        self.node = node
        self.path = path
    }

    package let file: String
    package let node: Node
    package let path: String

    package var line: Int? { node.mark?.line }

    package func fail(_ problem: String) -> SiteFileError {
        SiteFileError(file: file, path: path, line: line, problem: problem)
    }

    package func child(_ key: String) -> NodeReader? {
        guard let mapping = node.mapping, let value = mapping[key] else { return nil }
        return NodeReader(file: file, node: value, path: path.isEmpty ? key : "\(path).\(key)")
    }

    package func required(_ key: String) throws(SiteFileError) -> NodeReader {
        guard node.mapping != nil else { throw fail("expected a mapping") }
        guard let value = child(key) else { throw fail("missing key '\(key)'") }
        return value
    }

    package func items() throws(SiteFileError) -> [NodeReader] {
        guard let sequence = node.sequence else { throw fail("expected a list") }
        return sequence.enumerated().map { NodeReader(file: file, node: $1, path: "\(path)[\($0)]") }
    }

    package func checkKeys(_ allowed: Set<String>) throws(SiteFileError) {
        guard let mapping = node.mapping else { throw fail("expected a mapping") }
        for key in mapping.keys {
            guard let name = key.string, allowed.contains(name) else {
                throw SiteFileError(
                    file: file, path: path, line: key.mark?.line,
                    problem: "unknown key '\(key.string ?? "?")' (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
        }
    }

    package func string() throws(SiteFileError) -> String {
        guard let scalar = node.scalar, !scalar.string.isEmpty else { throw fail("expected text") }
        return scalar.string
    }

    package func number() throws(SiteFileError) -> Double {
        guard let scalar = node.scalar, let value = Double(scalar.string), value.isFinite else {
            throw fail("expected a number, found '\(node.scalar?.string ?? "a structure")'")
        }
        return value
    }

    package func bool() throws(SiteFileError) -> Bool {
        guard let value = node.bool else { throw fail("expected true or false") }
        return value
    }

    package func choice<T: RawRepresentable & CaseIterable>(_: T.Type) throws(SiteFileError) -> T where T.RawValue == String {
        let text = try string()
        guard let value = T(rawValue: text) else {
            throw fail("'\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    package func numbers(_ count: Int) throws(SiteFileError) -> [Double] {
        let list = try items()
        guard list.count == count else { throw fail("expected \(count) numbers") }
        var values: [Double] = []
        for item in list { values.append(try item.number()) }
        return values
    }

    // MARK: The site

    func site() throws(SiteFileError) -> Site {
        try checkKeys(["site", "note", "rules", "zones", "lanes", "assumptions"])
        let name = try required("site").string()
        var rules = SiteRules()
        if let r = child("rules") {
            try r.checkKeys(["standstill-gap", "minimum-position-uncertainty", "queue-budget", "note"])
            if let gap = r.child("standstill-gap") { rules.standstillGap = try gap.number() }
            if let u = r.child("minimum-position-uncertainty") { rules.minimumPositionUncertainty = try u.number() }
            if let q = r.child("queue-budget") {
                if q.node.scalar?.string == "none" {
                    rules.queueBudget = nil
                } else {
                    let budget = try q.number()
                    guard budget == budget.rounded(), budget >= 0, budget < 1000 else {
                        throw q.fail("expected a whole number of trucks, or none (trips are not metered)")
                    }
                    rules.queueBudget = Int(budget)
                }
            }
        }
        var zones: [Zone] = []
        var zoneLines: [ZoneID: NodeReader] = [:]
        for item in try required("zones").items() {
            let zone = try item.zone()
            zones.append(zone)
            zoneLines[zone.id] = item
        }
        var lanes: [Lane] = []
        var laneLines: [LaneID: NodeReader] = [:]
        for item in try required("lanes").items() {
            let lane = try item.lane()
            lanes.append(lane)
            laneLines[lane.id] = item
        }
        do {
            return try Site(name: name, rules: rules, zones: zones, lanes: lanes)
        } catch {
            let at: NodeReader? =
                switch error {
                case .duplicateZone(let z), .nonPositiveLength(let z), .nonPositiveSpeed(let z),
                    .stationWithoutDwell(let z), .dwellOnNonStation(let z), .stopOutsideZone(let z),
                    .invalidDwell(let z), .sharedWithoutRule(let z, _), .mergeAgainstTraffic(let z),
                    .priorityWhereOrderIsFixed(let z), .stopTooCloseToSharedZone(let z, _), .invalidDriveThrough(let z, _),
                    .stationTooCloseAfterPortal(_, let z), .stationTooCloseBeforePortal(let z, _), .invalidUnreadableRule(let z, _):
                    zoneLines[z]
                case .duplicateLane(let l), .unknownZone(let l, _), .emptyLane(let l), .routeCycle(let l, _),
                    .noRoute(let l, _):
                    laneLines[l]
                case .circularWait(let ls, _): ls.first.flatMap { laneLines[$0] }
                case .invalidRule: child("rules")
                }
            throw SiteFileError(file: file, path: at?.path ?? "", line: at?.line, problem: error.description)
        }
    }

    func zone() throws(SiteFileError) -> Zone {
        try checkKeys(["id", "kind", "length", "speed-limit-kmh", "sharing", "station", "perishable-priority", "note"])
        let id = ZoneID(try required("id").string())
        let kind = try required("kind").choice(ZoneKind.self)
        let length = try required("length").number()
        var speed = try required("speed-limit-kmh").number() / 3.6
        let sharing = try child("sharing")?.choice(ZoneSharing.self) ?? ZoneSharing.none
        let priority = try child("perishable-priority")?.bool() ?? false
        var station: Station?
        if let s = child("station") {
            if let p = s.child("drive-through") {
                // A portal: trucks pass at its speed, which becomes the zone's speed limit.
                try s.checkKeys(["activity", "drive-through", "released-by", "unreadable", "note"])
                let activity = try s.child("activity")?.choice(StationActivity.self) ?? .scan
                guard activity == .scan else { throw p.fail("a drive-through portal is a scanner: its activity is scan") }
                let portal = try p.driveThrough(zoneSpeedLimit: speed)
                speed = portal.speed
                station = Station(
                    driveThrough: portal, length: length, release: try s.child("released-by")?.choice(StationRelease.self) ?? .truck,
                    unreadable: try s.child("unreadable")?.unreadableScan() ?? .inspection)
            } else {
                try s.checkKeys(["activity", "stop-offset", "dwell", "released-by", "unreadable", "note"])
                let activity = try s.required("activity").choice(StationActivity.self)
                if activity != .scan, let u = s.child("unreadable") { throw u.fail("only a scanner has an unreadable-scan rule") }
                station = Station(
                    activity: activity, dwell: try s.required("dwell").dwell(), stopOffset: try s.required("stop-offset").number(),
                    release: try s.child("released-by")?.choice(StationRelease.self) ?? .truck,
                    unreadable: try s.child("unreadable")?.unreadableScan() ?? .rescan)
            }
        }
        return Zone(
            id: id, kind: kind, length: length, speedLimit: speed, sharing: sharing, station: station,
            perishablePriority: priority)
    }

    /// A drive-through portal's settings (`speed-kmh`, `headway-s`, `tolerance-kmh`, default
    /// 1.5) in a zone whose speed limit is `zoneSpeedLimit` (m/s), which the speed may not exceed.
    package func driveThrough(zoneSpeedLimit: MetersPerSecond) throws(SiteFileError) -> DriveThrough {
        try checkKeys(["speed-kmh", "headway-s", "tolerance-kmh", "note"])
        let kmh = try required("speed-kmh").number()
        let portal = DriveThrough(
            speed: kmh / 3.6, headway: try required("headway-s").number(), tolerance: (try child("tolerance-kmh")?.number() ?? 1.5) / 3.6)
        if portal.speed > zoneSpeedLimit + 1e-9 {
            throw fail("the portal's speed-kmh \(kmh) is above the zone's speed limit \((zoneSpeedLimit * 36).rounded() / 10)")
        }
        return portal
    }

    /// A scanner's rule for an unreadable image: `rescan`, `inspection` or `{ manual-scan: zone }`.
    package func unreadableScan() throws(SiteFileError) -> UnreadableScan {
        if node.scalar != nil {
            switch try string() {
            case "rescan": return .rescan
            case "inspection": return .inspection
            default: throw fail("unreadable must be rescan, inspection or { manual-scan: zone }")
            }
        }
        try checkKeys(["manual-scan"])
        return .manualScan(ZoneID(try required("manual-scan").string()))
    }

    package func dwell() throws(SiteFileError) -> DwellDistribution {
        try checkKeys(["fixed", "uniform", "triangular"])
        if let fixed = child("fixed") { return .fixed(try fixed.number()) }
        if let uniform = child("uniform") {
            let v = try uniform.numbers(2)
            return .uniform(min: v[0], max: v[1])
        }
        if let triangular = child("triangular") {
            let v = try triangular.numbers(3)
            return .triangular(min: v[0], mode: v[1], max: v[2])
        }
        throw fail("a dwell needs one of fixed, uniform or triangular")
    }

    func lane() throws(SiteFileError) -> Lane {
        try checkKeys(["id", "direction", "driverless", "from", "to", "route", "note"])
        var steps: [LaneStep] = []
        for item in try required("route").items() {
            if item.node.scalar != nil {
                steps.append(LaneStep(zone: ZoneID(try item.string())))
                continue
            }
            try item.checkKeys(["zone", "channels", "note"])
            var channels: Set<CustomsChannel> = []
            if let list = item.child("channels") {
                for channel in try list.items() { channels.insert(try channel.choice(CustomsChannel.self)) }
                if channels.isEmpty { throw list.fail("an empty channel list would take no truck through this zone") }
            }
            steps.append(LaneStep(zone: ZoneID(try item.required("zone").string()), channels: channels))
        }
        return Lane(
            id: LaneID(try required("id").string()), direction: try required("direction").choice(LaneDirection.self),
            driverless: try child("driverless")?.bool() ?? true, origin: try required("from").string(),
            destination: try required("to").string(), steps: steps)
    }
}
