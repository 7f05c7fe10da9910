import LaneCore
import LaneSite
import Testing

/// Scenario tests of the interlocking on small sites: one rule per test, checked through the
/// commands the core sends and the authorities it holds.
@Suite("Interlocking")
struct InterlockingTests {
    let gap = 2.0 + 0.5  // standstill gap + the follower's position uncertainty

    @Test("a lone truck gets authority up to the stop point of the station ahead, with an expiry")
    func firstAuthority() throws {
        var h = Harness(site: try TestSites.straight())
        h.start("A")
        let commands = h.report("A", "road-a", 0)
        let granted = commands.compactMap { if case .authority(let a, .grant) = $0 { a } else { nil } }
        #expect(granted.count == 1)
        #expect(granted.first?.end == 120)
        #expect(granted.first?.endZone == "scanner")
        #expect(granted.first?.zones == ["road-a", "scanner"])
        #expect(granted.first?.expiry == h.now + CoreConfiguration().authorityLifetime)
    }

    @Test("a follower's authority ends a safety gap short of the leader's confirmed rear")
    func movingBlock() throws {
        var h = Harness(site: try TestSites.straight())
        h.start("A")
        h.start("B")
        h.report("A", "road-a", 60, speed: 5)
        h.report("B", "road-a", 10)
        let leaderRear = 60.0 - 18 - 0.5
        #expect(abs(h.end("B") - (leaderRear - gap)) < 1e-9)
        // The leader moves on; the follower follows.
        h.now = 1
        h.report("A", "road-a", 70, speed: 5)
        h.report("B", "road-a", 12, speed: 1)
        #expect(abs(h.end("B") - (70 - 18 - 0.5 - gap)) < 1e-9)
    }

    @Test("one truck at a time in a station; the next enters when the holder's rear has left")
    func exclusiveStation() throws {
        var h = Harness(site: try TestSites.straight())
        h.start("A")
        h.start("B")
        h.report("A", "scanner", 20)
        h.report("B", "road-a", 60)
        #expect(h.end("B") <= 100 - gap)
        #expect(h.core.snapshot(of: "B")?.blockedBy == "A")
        h.now = 40
        h.report("A", "scanner", 20)
        h.report("B", "road-a", 60)
        h.send(.stationFinished("A", "scanner"))
        #expect(h.end("A") > 124)
        // Still inside: B waits.
        h.now = 45
        h.report("A", "road-b", 10, speed: 3)
        h.report("B", "road-a", 60)
        #expect(h.end("B") < 100)
        // A's rear (less uncertainty) is out of the scanner: B may enter, up to the stop point.
        h.now = 50
        h.report("A", "road-b", 30, speed: 5)
        h.report("B", "road-a", 60)
        #expect(h.end("B") == 120)
    }

    @Test("a truck busy at a station holds the next one back by its run-up distance (timed approach)")
    func timedApproach() throws {
        var h = Harness(site: try TestSites.straight())
        h.start("A")
        h.start("B")
        h.report("A", "scanner", 20)
        h.report("B", "road-a", 10)
        let held = h.end("B")
        #expect(held < 100 - gap - 5)
        // Without the timed approach B would wait right at the entry.
        var plain = Harness(site: try TestSites.straight(), configuration: CoreConfiguration(timedApproach: false))
        plain.start("A")
        plain.start("B")
        plain.report("A", "scanner", 20)
        plain.report("B", "road-a", 10)
        #expect(abs(plain.end("B") - (100 - gap)) < 1e-9)
        // When the station releases A, B is let roll up to the entry.
        h.now = 30
        h.report("A", "scanner", 20)
        h.report("B", "road-a", held - 1)
        h.send(.stationFinished("A", "scanner"))
        #expect(abs(h.end("B") - (100 - gap)) < 1e-9)
    }

    @Test("a stale truck keeps its space and gets no authority; its follower stays short of it")
    func staleTruck() throws {
        var h = Harness(site: try TestSites.straight())
        h.start("A")
        h.start("B")
        h.report("A", "road-a", 60, speed: 0)
        h.report("B", "road-a", 10)
        let aEnd = h.end("A")
        let bEnd = h.end("B")
        for second in 1...5 {
            h.now = Double(second)
            h.report("B", "road-a", 10)
            h.send(.tick)
        }
        #expect(h.log.contains(.notice(.truckStale("A"))))
        #expect(h.core.snapshot(of: "A")?.stale == true)
        #expect(h.end("A") == aEnd)
        #expect(h.end("B") == bEnd)
        // A reports again from further on: fresh, and B may follow.
        h.now = 6
        h.report("A", "road-a", 80, speed: 0)
        #expect(h.log.contains(.notice(.truckFresh("A"))))
        h.report("B", "road-a", 10)
        #expect(h.end("B") > bEnd)
    }

    @Test("silence never extends authority, even when the space ahead frees")
    func silenceNeverExtends() throws {
        var h = Harness(site: try TestSites.straight())
        h.start("A")
        h.start("B")
        h.report("A", "road-a", 40)
        h.report("B", "road-a", 0)
        var bEnd = h.end("B")
        for second in 1...12 {
            h.now = Double(second)
            h.report("A", "road-a", 40 + Double(second) * 4, speed: 4)
            h.send(.tick)
            if second == 4 {
                #expect(h.core.snapshot(of: "B")?.stale == true)
                bEnd = h.end("B")
            }
        }
        // A drove on by 32 m after B fell silent; B's authority did not follow.
        #expect(h.core.snapshot(of: "B")?.stale == true)
        #expect(h.end("B") == bEnd)
        #expect(h.end("B") < 40 + 12 * 4 - 18 - 0.5 - gap - 20)
    }

    @Test("an operator hold stops the truck where it can stop; a release resumes it")
    func operatorHold() throws {
        var h = Harness(site: try TestSites.straight())
        h.start("A")
        h.report("A", "road-a", 10, speed: 8)
        #expect(h.end("A") == 120)
        let commands = h.send(.operatorCommand(.holdTruck("A")))
        #expect(commands.contains(.stop("A", .operatorHold)))
        let stopping = 10 + 0.5 + TruckProfile().stoppingDistance(from: 8)
        #expect(h.end("A") >= stopping - 1e-9)
        #expect(h.end("A") < 120)
        #expect(commands.contains { if case .authority(_, .shorten) = $0 { true } else { false } })
        h.now = 5
        h.report("A", "road-a", 25)
        #expect(h.core.snapshot(of: "A")?.held == true)
        let released = h.send(.operatorCommand(.releaseTruck("A")))
        #expect(released.contains(.resume("A")))
        #expect(h.end("A") == 120)
    }

    @Test("a lane hold stops every truck of the lane and refuses new trips; stop-all likewise")
    func laneAndSiteHolds() throws {
        var h = Harness(site: try TestSites.straight())
        h.start("A")
        h.report("A", "road-a", 10, speed: 4)
        let commands = h.send(.operatorCommand(.holdLane("import")))
        #expect(commands.contains(.stop("A", .laneHold)))
        h.send(.truckJoined("C", TruckProfile()))
        let refused = h.send(.tripAssigned(TripRequest(truck: "C", lane: "import", channel: .green)))
        #expect(Harness.rejections(refused) == [.laneClosed("import")])
        h.send(.operatorCommand(.releaseLane("import")))
        let all = h.send(.operatorCommand(.holdAll))
        #expect(all.contains(.stop("A", .siteHold)))
    }

    @Test("a trip is cancelled only while its truck has no authority onto the lane; a truck that may have moved keeps it")
    func cancelTrip() throws {
        var h = Harness(site: try TestSites.straight())
        h.send(.operatorCommand(.closeZone("road-a", reason: "gate maintenance")))
        h.start("B")
        h.report("B", "road-a", -2)  // on its spot in the yard, short of the lane
        #expect(h.end("B") <= 0, "no authority into a closed first zone")
        let cancelled = h.send(.operatorCommand(.cancelTrip("B")))
        #expect(cancelled.contains(.notice(.tripCancelled("B", "import"))))
        #expect(h.core.snapshot(of: "B")?.trip == nil && h.core.activeTrips == 0)
        #expect(Harness.rejections(h.send(.operatorCommand(.cancelTrip("B")))) == [.noTrip])
        #expect(Harness.rejections(h.send(.operatorCommand(.cancelTrip("X")))) == [.unknownTruck])
        let again = h.send(.tripAssigned(TripRequest(truck: "B", lane: "import", channel: .green)))
        #expect(Harness.rejections(again).isEmpty, "the truck takes a new trip")

        // With authority onto the lane: still in the yard (it may be rolling), or on the lane.
        var open = Harness(site: try TestSites.straight())
        open.start("A")
        open.report("A", "road-a", -2)
        #expect(open.end("A") > 0)
        #expect(Harness.rejections(open.send(.operatorCommand(.cancelTrip("A")))) == [.tripUnderWay])
        open.report("A", "road-a", 10, speed: 5)
        let claim = open.core.snapshot(of: "A")?.claim
        #expect(Harness.rejections(open.send(.operatorCommand(.cancelTrip("A")))) == [.tripUnderWay])
        #expect(open.core.snapshot(of: "A")?.trip != nil && open.core.snapshot(of: "A")?.claim == claim, "its space stays blocked")
    }

    @Test("closing a zone shortens authorities before it, or emergency-stops a truck too close to stop")
    func zoneClosure() throws {
        var h = Harness(site: try TestSites.straight())
        h.start("A")
        h.report("A", "road-a", 10)
        h.send(.operatorCommand(.closeZone("scanner", reason: "maintenance")))
        #expect(abs(h.end("A") - (100 - 0.5)) < 1e-9)
        #expect(h.core.closedZoneReasons["scanner"] == "maintenance")
        h.send(.operatorCommand(.openZone("scanner")))
        h.report("A", "road-a", 10)
        #expect(h.end("A") == 120)

        var fast = Harness(site: try TestSites.straight())
        fast.start("F")
        fast.report("F", "road-a", 0)
        fast.now = 1
        fast.report("F", "road-a", 90, speed: 8)
        let commands = fast.send(.operatorCommand(.closeZone("scanner", reason: "incident")))
        #expect(commands.contains(.emergencyStop("F", .zoneClosedTooLate)))
        #expect(fast.end("F") == 120)
    }

    @Test("space given up by a shortened authority is not granted to another truck until the truck echoes it")
    func shortenedSpaceWaitsForEcho() throws {
        var h = Harness(site: try TestSites.shared())
        h.start("I", lane: "import")
        h.report("I", "in-road", 40)
        #expect(h.end("I") > 92)  // through the crossing
        h.start("E", lane: "export")
        h.report("E", "out-mid", 30)
        let eBefore = h.end("E")
        h.dropAuthorities = true
        h.send(.operatorCommand(.holdTruck("I")))
        #expect(h.end("I") < 80)
        h.now = 0.5
        h.report("E", "out-mid", 30)
        #expect(h.end("E") == eBefore)
        // I echoes the shortened authority: the crossing is free for E.
        h.dropAuthorities = false
        h.acknowledged["I"] = h.authority("I")?.sequence
        h.now = 1
        h.report("I", "in-road", 40)
        h.report("E", "out-mid", 30)
        #expect(h.end("E") > eBefore)
    }

    @Test("a single-lane section holds one direction at a time")
    func directionLock() throws {
        var h = Harness(site: try TestSites.shared())
        h.start("I", lane: "import")
        h.report("I", "bridge", 20, speed: 5)
        h.start("E", lane: "export")
        h.report("E", "out-road", 40)
        let bridgeEntry = 80.0
        #expect(h.end("E") <= bridgeEntry - gap + 1e-9)
        #expect(h.core.snapshot(of: "E")?.blockedBy == "I")
        h.now = 10
        h.report("I", "in-merge", 25, speed: 5)
        h.report("E", "out-road", 40)
        #expect(h.end("E") > bridgeEntry + 50)
    }

    @Test("trucks waiting at the two ends of a two-zone single-lane section: one of them goes")
    func sectionOfTwoZones() throws {
        // A bridge and the km 0 strip on it form one single-lane section; the import lane enters
        // it at the bridge, the export lane at km 0. Ranking the two waiting trucks per zone
        // let each give way to the other for ever (found on road 1088/2-1089).
        let site = try Site(
            name: "two-zone-section",
            zones: [
                Zone(id: "in-road", kind: .following, length: 100, speedLimit: 8),
                Zone(id: "bridge", kind: .following, length: 50, speedLimit: 6, sharing: .bidirectional),
                Zone(id: "km0", kind: .handover, length: 10, speedLimit: 6, sharing: .bidirectional),
                Zone(id: "in-end", kind: .following, length: 100, speedLimit: 8),
                Zone(id: "out-road", kind: .following, length: 100, speedLimit: 8),
                Zone(id: "out-end", kind: .following, length: 100, speedLimit: 8),
            ],
            lanes: [
                Lane(
                    id: "import", direction: .import, origin: "cn", destination: "vn",
                    steps: [LaneStep(zone: "in-road"), LaneStep(zone: "bridge"), LaneStep(zone: "km0"), LaneStep(zone: "in-end")]),
                Lane(
                    id: "export", direction: .export, origin: "vn", destination: "cn",
                    steps: [LaneStep(zone: "out-road"), LaneStep(zone: "km0"), LaneStep(zone: "bridge"), LaneStep(zone: "out-end")]),
            ])
        for order in [["I", "E"], ["E", "I"]] {
            // X (export) is in the section; I and E queue at its two ends behind it.
            var h = Harness(site: site)
            h.start("X", lane: "export")
            h.report("X", "km0", 5, speed: 5)
            h.start("I", lane: "import")
            h.start("E", lane: "export")
            for id in order { h.report(TruckID(id), id == "I" ? "in-road" : "out-road", 70) }
            h.now = 1
            for id in order { h.report(TruckID(id), id == "I" ? "in-road" : "out-road", 70) }
            #expect(h.end("I") <= 100 - gap + 1e-9)
            // X leaves the section; one of the two waiting trucks must now get through it.
            h.now = 2
            h.report("X", "out-end", 40, speed: 5)
            for id in order { h.report(TruckID(id), id == "I" ? "in-road" : "out-road", 70) }
            // Entries at 100 m on both routes; the section ends at 160 m.
            let through = ["I", "E"].filter { h.end(TruckID($0)) > 160 }
            let waiting = ["I", "E"].filter { h.end(TruckID($0)) <= 100 - gap + 1e-9 }
            #expect(through.count == 1, "arrival order \(order): \(through) through, \(waiting) waiting")
            #expect(waiting.count == 1, "arrival order \(order)")
        }
    }

    @Test("a channel change re-routes a truck that can still stop before the branch, and is refused after it")
    func channelChange() throws {
        var h = Harness(site: try TestSites.shared())
        h.start("R", lane: "import", channel: .green)
        h.report("R", "in-road", 5)
        let commands = h.send(.channelAssigned("R", .red))
        #expect(commands.contains(.notice(.rerouted("R", .red))))
        #expect(h.core.route(of: "R").map { $0.legs.count } == 7)
        #expect(h.core.snapshot(of: "R")?.trip?.channel == .red)
        h.report("R", "in-road", 6)
        #expect(h.authority("R")?.endZone == "in-inspection")

        h.start("G", lane: "import", channel: .green)
        h.now = 1
        h.report("G", "in-green", 10, speed: 5)
        let refused = h.send(.channelAssigned("G", .red))
        #expect(Harness.rejections(refused) == [.tooLateToReroute])
        #expect(h.core.snapshot(of: "G")?.trip?.channel == .green)
    }

    @Test("a truck past its end of authority is emergency-stopped, with every truck it endangers")
    func overrun() throws {
        var h = Harness(site: try TestSites.straight())
        h.start("A")
        h.start("B")
        h.report("A", "road-a", 60)
        h.report("B", "road-a", 10)
        let bEnd = h.end("B")
        h.now = 1
        let commands = h.report("B", "road-a", bEnd + 5, speed: 6)
        #expect(commands.contains(.emergencyStop("B", .overrun)))
        #expect(commands.contains(.emergencyStop("A", .endangeredByOverrun)))
        #expect(commands.contains { if case .notice(.overrun("B", _)) = $0 { true } else { false } })
        #expect(h.core.snapshot(of: "B")?.emergencyStopped == true)
    }

    @Test("perishable cargo goes first into a merge among trucks waiting for it")
    func perishablePriority() throws {
        var h = Harness(site: try TestSites.shared())
        // M stands in the merge; G (green, ordinary) and P (red, perishable, inspected) wait for it.
        h.start("M", lane: "import")
        h.report("M", "in-merge", 20)
        h.start("P", lane: "import", channel: .red, perishable: true)
        h.report("P", "in-inspection", 26)
        h.send(.stationFinished("P", "in-inspection"))
        h.start("G", lane: "import", channel: .green)
        h.report("G", "in-green", 30)
        h.report("P", "in-inspection", 26)
        // M leaves the merge, far enough for a truck to clear the merge behind it (no truck may
        // stop in a merge).
        h.now = 10
        h.report("M", "in-end", 50, speed: 5)
        h.report("G", "in-green", 30)
        h.report("P", "in-inspection", 26)
        let mergeStartForP = 80.0 + 12 + 60 + 50 + 30
        #expect(h.end("P") > mergeStartForP)
        let mergeStartForG = 80.0 + 12 + 60 + 50 + 40
        #expect(h.end("G") <= mergeStartForG - gap + 1e-9)
    }

    @Test("a trip completes when the truck's rear has left its route; its space is released")
    func tripCompletion() throws {
        var h = Harness(site: try TestSites.straight())
        h.start("A")
        h.report("A", "road-a", 0)
        h.report("A", "scanner", 20)
        h.send(.stationFinished("A", "scanner"))
        let commands = h.report("A", "road-b", 100 + 18 + 1, speed: 2)
        #expect(commands.contains(.notice(.tripCompleted("A", "import"))))
        #expect(h.core.snapshot(of: "A")?.trip == nil)
        #expect(h.core.activeTrips == 0)
        #expect(h.core.statistics.tripsCompleted == 1)
    }

    @Test("every shortened authority leaves the truck room to stop, however old its last report", arguments: [0.0, 0.2, 1.0, 2.5])
    func shorteningIsStoppable(age: Seconds) throws {
        let profile = TruckProfile()
        for speed in stride(from: 0.0, through: 8, by: 1) {
            var h = Harness(site: try TestSites.straight())
            h.start("A")
            h.report("A", "road-a", 5)
            h.now = 0.3
            h.report("A", "road-a", 10, speed: speed)
            h.now = 0.3 + age  // the truck may have sped up since
            let commands = h.send(.operatorCommand(.holdTruck("A")))
            // The worst case, stepped through in small steps: full acceleration to top speed.
            var front = 10.0 + 0.5
            var v = speed
            for _ in 0..<Int((age * 1000).rounded()) {
                let next = min(max(v, profile.maxSpeed), v + profile.acceleration * 0.001)
                front += (v + next) / 2 * 0.001
                v = next
            }
            let worst = front + profile.stoppingDistance(from: v)
            let shortenings = commands.compactMap { if case .authority(let a, .shorten) = $0 { a } else { nil } }
            // The hold must shorten the authority (its end at 120 m is beyond any stopping point),
            // so that there is something to check.
            #expect(shortenings.count == 1, "speed \(speed), age \(age)")
            for authority in shortenings {
                #expect(authority.end >= worst - 1e-3, "speed \(speed), age \(age)")
            }
        }
    }

    @Test("a shortened authority the truck did not hear is resent only while the truck can still stop before it")
    func unheardShortening() throws {
        var h = Harness(site: try TestSites.straight())
        h.start("A")
        h.report("A", "road-a", 10)
        h.dropAuthorities = true
        h.send(.operatorCommand(.holdTruck("A")))
        let shortened = h.end("A")
        #expect(shortened < 12)
        // Still standing, a second later: the shortened authority is sent again.
        h.now = 1.1
        let resent = h.report("A", "road-a", 10)
        #expect(resent.contains { if case .authority(let a, .resend) = $0 { a.end == shortened } else { false } })
        // It never heard it and is driving off: it can no longer stop before that end.
        h.now = 2.2
        let commands = h.report("A", "road-a", 10.3, speed: 3)
        #expect(commands.contains(.emergencyStop("A", .shorteningNotEchoed)))
        #expect(!commands.contains { if case .authority(_, .resend) = $0 { true } else { false } })
    }
}
