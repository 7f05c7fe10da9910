/// The path of one truck through a site: the zones of its lane that its customs channel takes,
/// laid end to end. Positions on a route are metres from the start of its first zone.
public struct Route: Sendable, Equatable {
    /// One zone of a route.
    public struct Leg: Sendable, Equatable {
        /// Index of the zone in `Site.zones`.
        public var zone: Int
        /// Route position of the zone's entry.
        public var start: Meters
        /// The zone's length.
        public var length: Meters
        /// Whether the route drives the zone against its own orientation (export lanes through
        /// a bidirectional section); zone-local positions then count from the zone's far end.
        public var reversed: Bool
        /// Route position of the zone's exit.
        public var end: Meters { start + length }

        /// The zone-local position of route position `s` on this leg.
        @inlinable public func local(_ s: Meters) -> Meters { reversed ? length - (s - start) : s - start }
    }

    /// Index of the lane in `Site.lanes`.
    public var lane: Int
    /// The customs channel the route was built for.
    public var channel: CustomsChannel
    /// The zones in driving order.
    public var legs: [Leg]

    /// Total length from the first zone's entry to the last zone's exit.
    public var length: Meters { legs.last.map(\.end) ?? 0 }

    /// The leg containing route position `s` (the later leg at a boundary), or nil outside the route.
    public func legIndex(at s: Meters) -> Int? {
        guard s >= 0, s < length else { return nil }
        var lo = 0
        var hi = legs.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if legs[mid].start <= s { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// The leg whose zone is `zone`, if the route passes it.
    public func legIndex(ofZone zone: Int) -> Int? { legs.firstIndex { $0.zone == zone } }

    /// The route position of zone-local position `offset` in the zone of leg `leg`.
    public func position(leg: Int, offset: Meters) -> Meters {
        let l = legs[leg]
        return l.reversed ? l.start + (l.length - offset) : l.start + offset
    }
}
