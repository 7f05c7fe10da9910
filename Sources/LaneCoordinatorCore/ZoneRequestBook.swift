public import LaneCore
public import LaneSite
public import LaneWire

/// The zone requests of one truck that the coordinator follows through VDA 5050 3.0's lifecycle
/// (`state.zoneRequests` in, `responses` out). A pure value: no clock (a lease is the expiry of
/// the authority that covers the zone), no IO; the coordinator publishes what it returns.
///
/// - A new request for a zone of the truck's route is GRANTED when the authority covers the zone,
///   else QUEUED; a request for any other zone is REJECTED.
/// - A queued request is GRANTED as soon as an authority covers its zone; a granted one is
///   GRANTED again with the new lease whenever the authority's expiry changes.
/// - A granted request whose zone the authority no longer covers is REVOKED if the truck has not
///   entered the zone yet (inside or past it, the grant was used and nothing is said).
/// - A request the truck no longer lists as REQUESTED or GRANTED is forgotten.
public struct ZoneRequestBook: Sendable, Equatable {
    /// A followed request: its zone and the lease last granted (nil: queued).
    public struct Record: Sendable, Equatable {
        /// The zone asked for.
        public var zone: ZoneID
        /// The lease last granted (site seconds), nil while queued.
        public var lease: Seconds?
    }

    /// Where the truck stands against its route: the entry of each zone of the route (route
    /// position, metres) and the truck's front, if known.
    public struct Route: Sendable, Equatable {
        /// Each zone of the route and where it begins.
        public var entries: [ZoneID: Meters]
        /// The truck's front (route position), if it has reported one.
        public var front: Meters?

        /// A route with its zone entries and the truck's front.
        public init(entries: [ZoneID: Meters], front: Meters?) {
            self.entries = entries
            self.front = front
        }
    }

    /// The requests followed, by request id.
    public private(set) var records: [String: Record] = [:]

    /// An empty book.
    public init() {}

    /// Whether no request is followed.
    public var isEmpty: Bool { records.isEmpty }

    /// Takes the requests a state lists and answers the new ones (and any grant the authority
    /// changed since).
    public mutating func take(
        _ listed: [StateMessage.ZoneRequest], route: Route?, authority: MovementAuthority?
    ) -> [ResponsesMessage.Response] {
        let active = Set(listed.filter { $0.requestStatus == .requested || $0.requestStatus == .granted }.map(\.requestId))
        records = records.filter { active.contains($0.key) }
        var rejected: [ResponsesMessage.Response] = []
        var new: Set<String> = []
        for request in listed where request.requestStatus == .requested && records[request.requestId] == nil {
            let zone = ZoneID(request.zoneId)
            if route?.entries[zone] != nil {
                records[request.requestId] = Record(zone: zone)
                new.insert(request.requestId)
            } else {
                rejected.append(.init(requestId: request.requestId, grantType: .rejected))
            }
        }
        return rejected + update(route: route, authority: authority, answering: new)
    }

    /// Brings the followed requests up to date with the truck's authority (after every authority
    /// change); `answering` are new requests, which are answered even if only QUEUED.
    public mutating func update(
        route: Route?, authority: MovementAuthority?, answering: Set<String> = []
    ) -> [ResponsesMessage.Response] {
        // A zone whose entry is the end of authority is not covered: the truck may not enter it.
        let covered = Set(authority.map { a in a.zones.filter { $0 != a.endZone || a.endOffset > 0.005 } } ?? [])
        var responses: [ResponsesMessage.Response] = []
        for (id, record) in records.sorted(by: { $0.key < $1.key }) {
            if let authority, covered.contains(record.zone) {
                guard record.lease != authority.expiry else { continue }
                records[id]?.lease = authority.expiry
                responses.append(
                    .init(requestId: id, grantType: .granted, leaseExpiry: WireTimestamp.format(secondsSince1970: authority.expiry)))
            } else if record.lease != nil {
                let entry = route?.entries[record.zone] ?? -.infinity
                guard (route?.front ?? -.infinity) < entry else { continue }  // inside or past it: the grant was used
                records[id] = nil
                responses.append(.init(requestId: id, grantType: .revoked))
            } else if answering.contains(id) {
                responses.append(.init(requestId: id, grantType: .queued))
            }
        }
        return responses
    }
}

extension RouteNodes {
    /// Where each zone of the route begins (its first node).
    public var zoneEntries: [ZoneID: Meters] {
        var entries: [ZoneID: Meters] = [:]
        for node in nodes where entries[node.zone] == nil { entries[node.zone] = node.position }
        return entries
    }
}
