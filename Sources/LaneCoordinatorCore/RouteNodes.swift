import LaneCore
public import LaneSite
public import LaneWire

/// A route as VDA 5050 sees it: a chain of nodes, one at every zone entry, one at every station's
/// stop point and one at the route's end, named `zone@offset` (the offset from the zone's entry
/// in the direction of travel, in metres). Orders are built on this chain and a truck's state
/// (`lastNodeId` + `distanceSinceLastNode`) is read back onto it (`protocols/README.md`).
public struct RouteNodes: Sendable {
    /// One node of the chain.
    public struct Node: Sendable, Equatable {
        /// `zone@offset`.
        public var id: String
        /// Route position (metres from the route's start).
        public var position: Meters
        /// The zone the node is in (for the route's end: the last zone).
        public var zone: ZoneID
        /// The station whose stop point this is, if any.
        public var station: Station?
    }

    /// The route.
    public let route: Route
    /// The nodes in driving order.
    public let nodes: [Node]
    private let site: Site

    /// The chain of `route` on `site`.
    public init(route: Route, site: Site) {
        self.route = route
        self.site = site
        var nodes: [Node] = []
        for (index, leg) in route.legs.enumerated() {
            let zone = site.zones[leg.zone]
            nodes.append(Node(id: Self.id(zone.id, 0), position: leg.start, zone: zone.id, station: nil))
            // A drive-through portal has no stop point: trucks pass it at its speed (the edges'
            // maximum speed, the zone's speed limit).
            if let station = zone.station, station.stops {
                let position = route.position(leg: index, offset: station.stopOffset)
                nodes.append(Node(id: Self.id(zone.id, position - leg.start), position: position, zone: zone.id, station: station))
            }
        }
        if let last = route.legs.last {
            let zone = site.zones[last.zone].id
            nodes.append(Node(id: Self.id(zone, last.length), position: last.end, zone: zone, station: nil))
        }
        self.nodes = nodes.sorted { $0.position < $1.position }
    }

    /// The node name of a point `offset` metres into `zone`, to the centimetre ("xray@20.5",
    /// "road@0").
    public static func id(_ zone: ZoneID, _ offset: Meters) -> String { LaneNodeName.make(zone: zone.rawValue, offset: offset) }

    /// Where a state puts the truck's front on its route: its last node's position plus the
    /// distance driven since (negative before the first node: the truck waits in the origin
    /// yard); with no node yet (no order), `mobileRobotPosition.x` on the lane's map.
    public func routePosition(of state: StateMessage) throws(RouteError) -> Meters {
        guard !state.lastNodeId.isEmpty else { return state.mobileRobotPosition?.x ?? 0 }
        guard let node = position(of: state.lastNodeId) else { throw RouteError.nodeNotOnRoute(state.lastNodeId) }
        return node + (state.distanceSinceLastNode ?? 0)
    }

    /// The route position of a node name, if it names a point of this route.
    public func position(of nodeId: String) -> Meters? {
        guard let (name, offset) = LaneNodeName.parse(nodeId) else { return nil }
        let zone = ZoneID(name)
        guard let number = site.zoneIndex[zone], let leg = route.legIndex(ofZone: number) else { return nil }
        return route.legs[leg].start + offset
    }

    /// The zone and offset (in the direction of travel) of route position `s`, as the core's
    /// state reports take them: before the route the first zone with a negative offset (the
    /// origin yard), past it the last zone with an offset beyond its length (the destination yard).
    public func place(_ s: Meters) -> (zone: ZoneID, offset: Meters) {
        let leg = route.legIndex(at: s) ?? (s < 0 ? 0 : route.legs.count - 1)
        return (site.zones[route.legs[leg].zone].id, s - route.legs[leg].start)
    }

    /// The index of the last node at or behind route position `s` (0 before the first).
    public func lastNode(atOrBefore s: Meters) -> Int {
        var last = 0
        for (index, node) in nodes.enumerated() where node.position <= s + 0.005 { last = index }
        return last
    }
}
