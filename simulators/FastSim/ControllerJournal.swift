public import LaneCore
import LaneSite

/// What a journal keeps of a controller's run, at the core's level: the fleet, the open trips
/// with their last authority (and the reach of that trip's authorities), the stations passed and
/// an emergency stop not yet released, and the operators' holds and closures in force. A
/// restarted controller is rebuilt from it alone (`replay()`), as the coordinator service is
/// rebuilt from its journal.
public struct ControllerJournal: Sendable {
    var fleet: [(TruckID, TruckProfile)] = []
    var trips: [TruckID: ResumedTrip] = [:]
    var admitted: [TruckID] = []
    var heldTrucks: Set<TruckID> = []
    var heldLanes: Set<LaneID> = []
    var siteHeld = false
    var closedZones: [ZoneID: String] = [:]

    /// Nothing kept yet.
    public init() {}

    /// Keeps what `event` and the `commands` it caused change.
    public mutating func record(_ event: CoreEvent, _ commands: [CoreCommand]) {
        let refused = commands.contains { if case .rejected = $0 { true } else { false } }
        switch event {
        case .truckJoined(let id, let profile) where !refused && !fleet.contains(where: { $0.0 == id }): fleet.append((id, profile))
        case .tripAssigned(let request) where !refused:
            trips[request.truck] = ResumedTrip(request: request, sequence: 0, end: -.infinity, reach: -.infinity, expiry: -.infinity)
            admitted.append(request.truck)
        case .stationFinished(let id, let zone) where !refused: trips[id]?.clearedStations.insert(zone)
        case .operatorCommand(let command) where !refused: record(command)
        case .tripResumed: return  // a replay: nothing new
        default: break
        }
        for command in commands {
            switch command {
            case .authority(let authority, _):
                guard var trip = trips[authority.truck] else { continue }
                trip.sequence = authority.sequence
                trip.end = authority.end
                trip.expiry = authority.expiry
                trip.reach = max(trip.reach, authority.end)
                trips[authority.truck] = trip
            case .emergencyStop(let id, _): trips[id]?.emergencyStopped = true
            case .resume(let id): trips[id]?.emergencyStopped = false
            case .notice(.rerouted(let id, let channel)): trips[id]?.request.channel = channel
            case .notice(.tripCompleted(let id, _)), .notice(.tripCancelled(let id, _)):
                trips[id] = nil
                admitted.removeAll { $0 == id }
            default: break
            }
        }
    }

    mutating func record(_ command: OperatorCommand) {
        switch command {
        case .holdTruck(let id): heldTrucks.insert(id)
        case .releaseTruck(let id): heldTrucks.remove(id)
        case .holdLane(let lane): heldLanes.insert(lane)
        case .releaseLane(let lane): heldLanes.remove(lane)
        case .holdAll: siteHeld = true
        case .releaseAll: siteHeld = false
        case .closeZone(let zone, let reason): closedZones[zone] = reason
        case .openZone(let zone): closedZones[zone] = nil
        case .emergencyStop, .emergencyStopLane, .emergencyStopAll, .setPriority, .cancelTrip: break
        }
    }

    /// The events that rebuild a fresh controller: the fleet, the holds and closures, then each
    /// open trip resumed with what its truck may hold.
    public func replay() -> [CoreEvent] {
        var events: [CoreEvent] = fleet.map { .truckJoined($0.0, $0.1) }
        events += heldTrucks.sorted().map { .operatorCommand(.holdTruck($0)) }
        events += heldLanes.sorted().map { .operatorCommand(.holdLane($0)) }
        if siteHeld { events.append(.operatorCommand(.holdAll)) }
        events += closedZones.keys.sorted().map { .operatorCommand(.closeZone($0, reason: closedZones[$0]!)) }
        events += admitted.compactMap { trips[$0] }.map { .tripResumed($0) }
        return events
    }
}
