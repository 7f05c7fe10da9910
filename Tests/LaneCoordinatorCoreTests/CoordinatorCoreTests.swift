import LaneCoordinatorCore
import LaneCore
import LaneSite
import LaneTestKit
import LaneWire
import Testing

/// Everything the coordinator service decides, at memory speed with a manual clock: admission and
/// refusals, authorities and their journal, stations, resends, channel changes, drains,
/// operator requests and their refusals, zone requests, retained states and the plan. The broker
/// tests (`LaneCoordinatorTests`) keep only what needs a broker.
@Suite("the coordinator core with a manual clock")
struct CoordinatorCoreTests {
    // MARK: admission

    @Test("a dispatched trip is accepted (retained state, journal, event) and the truck's first state brings its authority")
    func admission() throws {
        var desk = Desk()
        desk.report(desk.state("T1"))
        desk.dispatch("trip-1", truck: "T1")
        #expect(desk.tripStates("trip-1").map(\.state) == [.accepted])
        let accepted = try #require(Desk.publications(desk.last).first { if case .tripState = $0.message { true } else { false } })
        #expect(accepted.retain && accepted.delivery == .atLeastOnce)
        #expect(
            desk.journal(in: desk.last).contains {
                if case .tripAdmitted(_, "trip-1", "T1", "import", .green, _, _) = $0 { true } else { false }
            })
        #expect(desk.events(in: desk.last).contains { $0.kind == .tripAdmitted && $0.truck == "T1" })
        desk.advance(0.5)
        desk.report(desk.state("T1"))
        desk.advance(0.5)
        let order = try #require(desk.orders(to: "T1").last, "an authority onto the lane")
        #expect(order.orderId == "trip-1")
        #expect(order.nodes.contains { $0.released })
    }

    @Test("every authority is journaled before it is published, and dropped when the journal write fails; stops are sent anyway")
    func journalFirst() throws {
        var desk = Desk()
        desk.dispatch("trip-1", truck: "T1")
        desk.report(desk.state("T1"))
        desk.advance(1)
        var journaledAuthority = false
        for effect in desk.all {
            if case .journal(let entries) = effect, entries.contains(where: { if case .authority = $0 { true } else { false } }) {
                journaledAuthority = true
            }
            if case .publish(let p) = effect, case .order = p.message {
                #expect(journaledAuthority, "an order published before its journal entry")
                #expect(p.carriesAuthority)
            }
        }
        #expect(!desk.orders(to: "T1").isEmpty)
        // The journal fails: no further authority goes out, but a hold's stop does.
        var failing = Desk()
        failing.journalFails = true
        failing.dispatch("trip-2", truck: "T2")
        failing.report(failing.state("T2"))
        failing.advance(2)
        #expect(failing.orders(to: "T2").isEmpty, "an authority whose journal write failed was published")
        failing.journalFails = false
        failing.request(.holdTruck, truck: "T2")
        #expect(failing.instantActions(to: "T2").contains { $0.actionType == LaneActionType.stopPause.rawValue })
    }

    @Test("trips refused: unknown truck, another site, a truck on another trip, a drained lane; each counted with its reason")
    func refusals() {
        var desk = Desk()
        desk.dispatch("trip-x", truck: "T9")
        #expect(desk.tripStates("trip-x").last?.state == .rejected)
        #expect(desk.tripStates("trip-x").last?.reason == "unknown truck T9")
        desk.dispatch("trip-y", truck: "T1", siteId: "elsewhere")
        #expect(desk.tripStates("trip-y").isEmpty, "a trip for another site is not answered for this one")
        #expect(desk.core.counters.rejections["wrong-site"] == 1)
        desk.dispatch("trip-1", truck: "T1")
        desk.dispatch("trip-2", truck: "T1")
        #expect(desk.tripStates("trip-2").last?.reason == "truck T1 is on trip trip-1")
        desk.dispatch("trip-1", truck: "T1")
        #expect(desk.tripStates("trip-1").map(\.state) == [.accepted], "the same trip again changes nothing")
        #expect(desk.request(.drainLane, lane: "import")?.outcome == .done)
        desk.dispatch("trip-3", truck: "T2")
        #expect(desk.tripStates("trip-3").last?.reason == "lane import is being drained")
        #expect(desk.core.counters.tripsRejected == 3)
    }

    // MARK: a whole trip

    @Test(
        "a trip through the gate and the scanner: stations finish on the truck's word, once each; the trip finishes, its state is cleared later"
    )
    func wholeTrip() throws {
        var desk = Desk()
        desk.startTrip("trip-1", truck: "T1")
        let end = desk.drive("T1", from: -5)
        #expect(end >= 386, "the truck reached the yard: \(end)")
        desk.advance(1)
        #expect(desk.tripStates("trip-1").map(\.state) == [.accepted, .running, .finished])
        let stations = desk.journal().compactMap { if case .crossing(let c) = $0, c.kind == .station { c.zone.rawValue } else { nil } }
        #expect(stations == ["exit-gate", "xray"], "each station passed once: \(stations)")
        let km0 = desk.journal().filter { if case .crossing(let c) = $0, c.kind == .km0 { true } else { false } }
        #expect(km0.count == 1)
        #expect(desk.events().filter { $0.kind == .stationFinished }.count == 2)
        #expect(desk.core.counters.tripsCompleted == 1)
        #expect(desk.core.trip(of: "T1") == nil)
        // The retained state is cleared after the retention (20 s), with an empty retained message.
        desk.advance(21)
        let cleared = Desk.publications(desk.all).filter { $0.topic == CoordinatorTopic.tripState("trip-1") && $0.message.isCleared }
        #expect(cleared.count == 1 && cleared[0].retain)
    }

    @Test("a truck held at a station until the scan finishes; a finished action reported again is not counted again")
    func stationOnTheTrucksWord() {
        var desk = Desk()
        desk.startTrip("trip-1", truck: "T1")
        let held = desk.drive("T1", from: -5, within: 200) { action in !action.contains("xray") }
        #expect(abs(held - (234 + 20.5)) < 0.01, "the truck waits at the scanner's stop point: \(held)")
        #expect(desk.tripStates("trip-1").last?.state == .running)
        #expect(desk.events().filter { $0.kind == .stationFinished }.map(\.zone) == ["exit-gate"])
    }

    // MARK: stop and go

    @Test("a stop is sent again every second until the truck's state lists it, then no more")
    func resendUntilEchoed() throws {
        var desk = Desk()
        desk.startTrip("trip-1", truck: "T1")
        desk.drive("T1", from: -5, to: 30)
        #expect(desk.request(.holdTruck, truck: "T1")?.outcome == .done)
        let stop = try #require(desk.instantActions(to: "T1").last)
        #expect(stop.actionType == LaneActionType.stopPause.rawValue && stop.blockingType == .none)
        let sent = Desk.publications(desk.last).first { if case .instantActions = $0.message { true } else { false } }
        #expect(sent?.expiry == 2, "each copy carries the message expiry")
        desk.advance(3.5)
        #expect(desk.instantActions(to: "T1").filter { $0.actionId == stop.actionId }.count == 4, "sent and resent three times")
        #expect(desk.core.counters.instantResends == 3)
        desk.report(
            desk.state(
                "T1", node: "road@0", from: 24, at: 30, order: desk.orders(to: "T1").last,
                instantActionStates: [.init(actionId: stop.actionId, actionStatus: .finished)]))
        desk.advance(3)
        #expect(desk.instantActions(to: "T1").filter { $0.actionId == stop.actionId }.count == 4, "acknowledged: not sent again")
    }

    @Test("an operator's hold is journaled first; if the journal cannot be written it is refused and nothing is stopped")
    func holdNeedsTheJournal() {
        var desk = Desk()
        desk.report(desk.state("T1"))
        desk.journalFails = true
        let reply = desk.request(.holdLane, lane: "import")
        #expect(reply?.outcome == .rejected && reply?.reason == "the journal cannot be written")
        #expect(desk.core.scheduler.heldLaneIDs.isEmpty)
        desk.journalFails = false
        #expect(desk.request(.holdLane, lane: "import")?.outcome == .done)
        #expect(desk.core.scheduler.heldLaneIDs == ["import"])
        #expect(desk.journal().contains { if case .hold(_, .holdLane, "import", _, false) = $0 { true } else { false } })
        #expect(desk.events(in: desk.last).contains { $0.kind == .operatorCommand && $0.command == .holdLane && $0.operator == "desk" })
    }

    // MARK: operators

    @Test("operator requests that lack their target, name an unknown one, or are for another site are refused with the reason")
    func operatorRefusals() {
        var desk = Desk()
        #expect(desk.request(.holdTruck)?.reason == "'hold-truck' needs a truck")
        #expect(desk.request(.releaseLane)?.reason == "'release-lane' needs a lane")
        #expect(desk.request(.closeZone)?.reason == "'close-zone' needs a zone")
        #expect(desk.request(.drainLane, lane: "nowhere")?.reason == "unknown lane 'nowhere'")
        #expect(desk.request(.cancelTrip, trip: "trip-9")?.reason == "no trip 'trip-9' under way")
        #expect(desk.request(.status, siteId: "elsewhere")?.reason == "this coordinator serves site test-gate")
        #expect(desk.request(.dispatch, truck: "T1")?.reason == "dispatch needs a truck, a destination, a container and a channel")
        let unknownDestination = desk.request(.dispatch, truck: "T1", destination: "Hanoi", container: "C1", channel: .green)
        #expect(unknownDestination?.reason?.hasPrefix("no driverless lane leads to 'Hanoi'") == true)
        #expect(desk.core.counters.operatorRequests == 8)
        // A malformed request is answered too.
        desk.receive(CoordinatorTopic.operatorRequests, Array("{".utf8), replyTo: Desk.operatorReplies)
        #expect(desk.replies(in: desk.last).last?.outcome == .rejected)
        #expect(desk.core.counters.rejections["malformed"] == 1)
    }

    @Test("dispatch by destination, trips and status report what the core knows; cancel takes back a waiting trip")
    func operatorViews() throws {
        var desk = Desk()
        desk.report(desk.state("T1"))
        let dispatched = desk.request(.dispatch, truck: "T1", destination: "south yard", container: "C7", channel: .green)
        #expect(dispatched?.outcome == .done)
        let tripId = try #require(dispatched?.result?["trip"]?.text)
        let trips = desk.request(.trips)?.result?.items ?? []
        #expect(trips.count == 1 && trips[0]["container"]?.text == "C7" && trips[0]["state"]?.text == "accepted")
        let answer = desk.request(.status)?.result
        let status = try #require(answer)
        #expect(status["activeTrips"]?.number == 1)
        #expect(status["fleet"]?.items.first?["trip"]?.text == tripId)
        #expect(desk.request(.cancelTrip, trip: tripId)?.outcome == .done)
        #expect(desk.tripStates(tripId).last?.state == .cancelled)
        #expect(desk.instantActions(to: "T1").last?.actionType == LaneActionType.cancelOrder.rawValue)
        #expect(desk.journal().contains { if case .tripEnded(_, tripId, "cancelled") = $0 { true } else { false } })
    }

    @Test("history asks the journal: the effect names the span and the truck, and the reply goes to the request's address")
    func history() throws {
        var desk = Desk()
        desk.handle(
            .operatorRequest(
                OperatorRequest(
                    headerId: 1, timestamp: desk.timestamp, siteId: "test-gate", operator: "desk", command: .history, truck: "T1",
                    from: WireTimestamp.format(secondsSince1970: desk.now - 60)), replyTo: Desk.operatorReplies))
        let query = try #require(desk.last.compactMap { if case .history(let q) = $0 { q } else { nil } }.first)
        #expect(query.from == desk.now - 60 && query.to == .infinity && query.truck == "T1")
        let crossing = Crossing(at: desk.now - 10, truck: "T1", tripId: "t", containerId: "C", kind: .km0, zone: "km0", channel: .green)
        let other = Crossing(at: desk.now - 5, truck: "T2", tripId: "u", containerId: "D", kind: .km0, zone: "km0", channel: .green)
        let reply = try #require(query.reply(crossings: [crossing, other], entries: []))
        #expect(reply.topic == Desk.operatorReplies.topic && reply.correlationData == [7])
        guard case .reply(let answer) = reply.message else {
            Issue.record("not a reply")
            return
        }
        #expect(answer.result?.items.count == 1, "only T1's crossing")
    }

    // MARK: channel change

    @Test("a green-to-red change re-routes the truck through the inspection bay, journaled; the same channel again changes nothing")
    func channelChange() {
        var desk = Desk()
        desk.startTrip("trip-1", truck: "T1")
        desk.drive("T1", from: -5, to: 60)
        desk.dispatch("trip-1", truck: "T1", channel: .red)
        #expect(desk.journal(in: desk.last).contains { if case .channelChanged(_, "trip-1", .red) = $0 { true } else { false } })
        #expect(desk.core.trip(of: "T1")?.channel == .red)
        desk.drive("T1", from: 60, to: 70)
        let nodes = desk.orders(to: "T1").last?.nodes.map(\.nodeId) ?? []
        #expect(nodes.contains { $0.hasPrefix("inspection-bay@") } && !nodes.contains { $0.hasPrefix("bypass@") }, "\(nodes)")
        let before = desk.all.count
        desk.dispatch("trip-1", truck: "T1", channel: .red)
        #expect(desk.journal(in: Array(desk.all[before...])).isEmpty)
    }

    // MARK: drains

    @Test("a drained lane lets its truck finish, then is held and announced; release-lane opens it again")
    func drain() throws {
        var desk = Desk()
        desk.startTrip("trip-1", truck: "T1")
        let drained = desk.request(.drainLane, lane: "import")
        let reply = try #require(drained)
        #expect(reply.result?["trucksOnLane"]?.items.compactMap(\.text) == ["T1"])
        #expect(desk.events(in: desk.last).contains { $0.kind == .laneDraining })
        desk.drive("T1", from: -5)
        desk.advance(1)
        #expect(desk.events().contains { $0.kind == .laneDrained && $0.lane == "import" })
        #expect(desk.core.scheduler.heldLaneIDs == ["import"])
        #expect(desk.journal().contains { if case .hold(_, .holdLane, "import", "drained", false) = $0 { true } else { false } })
        #expect(desk.request(.releaseLane, lane: "import")?.outcome == .done)
        desk.dispatch("trip-2", truck: "T2")
        #expect(desk.tripStates("trip-2").last?.state == .accepted)
    }

    // MARK: inbound checks

    @Test("messages that are not what the coordinator serves are refused by reason before they reach a decision")
    func inboundRefusals() throws {
        var desk = Desk()
        let state = try WireEncoder().encode(desk.state("T1"))
        func reason(_ topic: String, _ payload: [UInt8]) -> InboundRejection? {
            if case .refused(let reason, _, _, _) = desk.core.input(from: InboundMessage(topic: topic, payload: payload)) {
                reason
            } else {
                nil
            }
        }
        #expect(reason("lanes/v3/sim/T1/state", Array("{\"headerId\":".utf8)) == .malformed)
        #expect(reason("lanes/v3/sim/T1/order", state) == .unknownTopic)
        #expect(reason("other/v3/sim/T1/state", state) == .unknownTopic)
        #expect(reason("lanes/v2/sim/T1/state", state) == .versionMismatch)
        #expect(reason("lanes/v3/sim/T7/state", state) == .unknownVehicle)
        #expect(reason("lanes/v3/sim/T2/state", state) == .topicMismatch)
        #expect(reason("weather/today", state) == .unknownTopic)
        #expect(reason(CoordinatorTopic.dispatch, state) == .malformed)
        if case .truckState(let decoded, _) = desk.core.input(from: InboundMessage(topic: "lanes/v3/sim/T1/state", payload: state)) {
            #expect(decoded.serialNumber == "T1")
        } else {
            Issue.record("a good state is decoded")
        }
    }

    @Test("a state whose last node is not on the truck's route is refused as off-route; a connection header id not newer is refused")
    func offRouteAndReordered() {
        var desk = Desk()
        desk.dispatch("trip-1", truck: "T1")
        desk.report(desk.state("T1", node: "nowhere@0", at: 10))
        #expect(desk.core.counters.rejections["off-route"] == 1)
        let connection = ConnectionMessage(
            headerId: 5, timestamp: desk.timestamp, manufacturer: "sim", serialNumber: "T1", connectionState: .online)
        desk.handle(.truckConnection(connection, topic: "lanes/v3/sim/T1/connection"))
        #expect(desk.journal(in: desk.last).contains { if case .truck(_, "T1", .truckOnline, _) = $0 { true } else { false } })
        desk.handle(.truckConnection(connection, topic: "lanes/v3/sim/T1/connection"))
        #expect(desk.core.counters.rejections["stale-or-reordered"] == 1)
        var broken = connection
        broken.connectionState = .connectionBroken
        desk.handle(.truckConnection(broken, topic: "lanes/v3/sim/T1/connection"))
        #expect(desk.events(in: desk.last).contains { $0.kind == .truckConnectionBroken })
    }

    // MARK: zone requests, staleness, plan

    @Test("zone requests in a state are answered on the truck's responses topic: covered granted, ahead queued, elsewhere rejected")
    func zoneRequests() throws {
        var desk = Desk()
        desk.startTrip("trip-1", truck: "T1")
        desk.report(
            desk.state(
                "T1", order: desk.orders(to: "T1").last,
                zoneRequests: [
                    .init(requestId: "a", zoneId: "exit-gate", zoneSetId: "test-gate/import", requestStatus: .requested),
                    .init(requestId: "b", zoneId: "nowhere", zoneSetId: "test-gate/import", requestStatus: .requested),
                ]))
        let responses = Desk.publications(desk.last).compactMap { if case .responses(let r) = $0.message { r } else { nil } }
        let answers = try #require(responses.first).responses.map { "\($0.requestId) \($0.grantType.rawValue)" }
        #expect(answers.sorted() == ["a GRANTED", "b REJECTED"])
    }

    @Test("a truck that falls silent is declared stale (journal, event); the plan is published every second, retained with its expiry")
    func staleAndPlan() throws {
        var desk = Desk()
        desk.startTrip("trip-1", truck: "T1")
        desk.drive("T1", from: -5, to: 40)
        desk.advance(4)
        #expect(desk.events().contains { $0.kind == .truckStale && $0.truck == "T1" })
        #expect(desk.journal().contains { if case .truck(_, "T1", .truckStale, _) = $0 { true } else { false } })
        #expect(desk.core.counters.staleDeclarations == 1)
        let plans = Desk.publications(desk.all).filter { if case .plan = $0.message { true } else { false } }
        #expect(plans.allSatisfy { $0.retain && $0.expiry == CoordinatorCore.planExpiry && $0.delivery == .atMostOnce })
        let span = desk.now - 1_800_000_000
        #expect(abs(Double(plans.count) - span) <= 2, "\(plans.count) plans in \(span) s")
    }

    @Test("shutdown holds every truck and says offline")
    func shutdown() {
        var desk = Desk()
        desk.report(desk.state("T1"))
        desk.handle(.shutdown)
        #expect(desk.core.state == .offline && desk.statuses(in: desk.last).last?.state == .offline)
        #expect(desk.core.scheduler.isSiteHeld)
    }
}
