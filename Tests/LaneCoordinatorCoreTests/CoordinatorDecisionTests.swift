import LaneCoordinatorCore
import LaneCore
import LaneSite
import LaneWire
import Testing

/// The zone-request lifecycle as a pure value, at memory speed: no broker, no clock.
@Suite("zone requests through VDA 5050 3.0's lifecycle")
struct ZoneRequestBookTests {
    /// A route of three zones: road [0, 100), scanner [100, 122), exit [122, 150).
    static func route(front: Meters?) -> ZoneRequestBook.Route {
        .init(entries: ["road": 0, "scanner": 100, "exit": 122], front: front)
    }

    static func authority(
        to end: Meters, zones: [ZoneID], expiry: Seconds, endZone: ZoneID? = nil, endOffset: Meters = 5
    )
        -> MovementAuthority
    {
        MovementAuthority(
            truck: "T1", sequence: 1, end: end, endZone: endZone ?? zones.last!, endOffset: endOffset, zones: zones, expiry: expiry,
            advisorySpeed: 5)
    }

    static func request(
        _ id: String, _ zone: String, _ status: StateMessage.ZoneRequest.Status = .requested
    )
        -> StateMessage.ZoneRequest
    {
        .init(requestId: id, zoneId: zone, zoneSetId: "site/import", requestStatus: status)
    }

    static func answers(_ responses: [ResponsesMessage.Response]) -> [String] {
        responses.map { "\($0.requestId) \($0.grantType.rawValue)\($0.leaseExpiry.map { " \($0)" } ?? "")" }
    }

    @Test("a covered zone is granted with the authority's expiry, one ahead is queued, one off the route rejected")
    func firstAnswers() {
        var book = ZoneRequestBook()
        let answers = book.take(
            [Self.request("a", "road"), Self.request("b", "scanner"), Self.request("c", "elsewhere")], route: Self.route(front: -2),
            authority: Self.authority(to: 60, zones: ["road"], expiry: 1000))
        #expect(
            Self.answers(answers) == [
                "c REJECTED", "a GRANTED \(WireTimestamp.format(secondsSince1970: 1000))", "b QUEUED",
            ])
        // The same requests in the next state: nothing new to say.
        #expect(
            book.take(
                [Self.request("a", "road", .granted), Self.request("b", "scanner")], route: Self.route(front: 0),
                authority: Self.authority(to: 60, zones: ["road"], expiry: 1000)
            ).isEmpty)
    }

    @Test("a queued request is granted when the authority comes to cover its zone; each renewal renews the lease")
    func grantAndRenew() {
        var book = ZoneRequestBook()
        _ = book.take(
            [Self.request("b", "scanner")], route: Self.route(front: 10), authority: Self.authority(to: 60, zones: ["road"], expiry: 1000))
        let granted = book.update(
            route: Self.route(front: 40), authority: Self.authority(to: 110, zones: ["road", "scanner"], expiry: 1010))
        #expect(Self.answers(granted) == ["b GRANTED \(WireTimestamp.format(secondsSince1970: 1010))"])
        #expect(
            book.update(route: Self.route(front: 41), authority: Self.authority(to: 110, zones: ["road", "scanner"], expiry: 1010)).isEmpty)
        let renewed = book.update(
            route: Self.route(front: 50), authority: Self.authority(to: 110, zones: ["road", "scanner"], expiry: 1020))
        #expect(Self.answers(renewed) == ["b GRANTED \(WireTimestamp.format(secondsSince1970: 1020))"])
    }

    @Test("an authority ending exactly at a zone's entry does not cover the zone")
    func endAtEntry() {
        var book = ZoneRequestBook()
        let answers = book.take(
            [Self.request("b", "scanner")], route: Self.route(front: 10),
            authority: Self.authority(to: 100, zones: ["road", "scanner"], expiry: 1000, endZone: "scanner", endOffset: 0))
        #expect(Self.answers(answers) == ["b QUEUED"])
    }

    @Test("a shortening revokes a grant the truck has not used yet, and keeps quiet about one it is using")
    func revoke() {
        var book = ZoneRequestBook()
        let covering = Self.authority(to: 130, zones: ["road", "scanner", "exit"], expiry: 1000)
        _ = book.take([Self.request("b", "scanner"), Self.request("e", "exit")], route: Self.route(front: 90), authority: covering)
        // Shortened to the scanner: the exit's grant is taken back; the truck has not entered it.
        let shortened = Self.authority(to: 110, zones: ["road", "scanner"], expiry: 1000)
        #expect(Self.answers(book.update(route: Self.route(front: 95), authority: shortened)) == ["e REVOKED"])
        #expect(book.records["e"] == nil, "a revoked request is over")
        // Past the scanner's entry, the authority moves on without it: the grant was used.
        let onward = Self.authority(to: 140, zones: ["exit"], expiry: 1005)
        #expect(book.update(route: Self.route(front: 123), authority: onward).isEmpty)
    }

    @Test("a request the truck no longer lists is forgotten")
    func forgotten() {
        var book = ZoneRequestBook()
        _ = book.take([Self.request("b", "scanner")], route: Self.route(front: 10), authority: nil)
        #expect(!book.isEmpty)
        _ = book.take([Self.request("b", "scanner", .expired)], route: Self.route(front: 10), authority: nil)
        #expect(book.isEmpty)
    }
}

/// Which ended trips' retained states are cleared, and when: a pure value, a manual clock.
@Suite("retained trip states")
struct TripStateRetentionTests {
    @Test("an ended trip's state is due after the retention, once; a trip under way or an id taken again is not")
    func retention() {
        var retention = TripStateRetention(retention: 60)
        retention.published(.accepted, of: "a", at: 0)
        retention.published(.finished, of: "a", at: 10)
        retention.published(.rejected, of: "b", at: 20)
        retention.published(.cancelled, of: "c", at: 30)
        #expect(retention.due(now: 69, underWay: { _ in false }).isEmpty)
        #expect(retention.due(now: 70, underWay: { _ in false }) == ["a"])
        #expect(retention.due(now: 95, underWay: { $0 == "b" }) == ["c"], "b was sent anew and is under way: its new state stays")
        #expect(retention.due(now: 1000, underWay: { _ in false }).isEmpty, "each is cleared once")
    }
}
