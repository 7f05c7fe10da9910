import LaneSite

/// The journal's meaning, folded entry by entry: the open trips with what they crossed, each
/// truck's last authority (with the reach of its order) and the holds in force. It is the
/// reference reading that every journal store is held to (`Journal.recover()` reads the same
/// from SQLite), and it can follow a journal as it grows.
public struct JournalReading: Sendable, Equatable {
    var trips: [String: JournalRecovery.OpenTrip] = [:]
    var admitted: [String] = []
    var authorities: [TruckID: JournalRecovery.Authority] = [:]
    var holds: [String: JournalRecovery.Hold] = [:]
    var holdOrder: [String] = []

    /// Nothing read yet.
    public init() {}

    /// Reads `entries` from the start.
    public init(_ entries: [JournalEntry]) {
        for entry in entries { read(entry) }
    }

    /// Takes one more entry into account.
    public mutating func read(_ entry: JournalEntry) {
        switch entry {
        case .tripAdmitted(_, let id, let truck, let lane, let channel, let container, let perishable):
            if trips[id] == nil { admitted.append(id) }
            trips[id] = .init(tripId: id, truck: truck, lane: lane, channel: channel, containerId: container, perishable: perishable)
        case .channelChanged(_, let id, let channel): trips[id]?.channel = channel
        case .tripEnded(_, let id, _):
            trips[id] = nil
            admitted.removeAll { $0 == id }
        case .authority(_, let truck, let orderId, let sequence, let end, let expiry, _):
            let reach = authorities[truck].map { $0.orderId == orderId ? max($0.reach, end) : end } ?? end
            authorities[truck] = .init(orderId: orderId, sequence: sequence, end: end, expiry: expiry, reach: reach)
        case .crossing(let crossing):
            if let id = crossing.tripId { trips[id]?.passed.insert(.init(crossing.kind, crossing.zone)) }
        case .hold(_, let kind, let target, let reason, let released):
            let key = "\(kind.rawValue):\(target)"
            if released {
                holds[key] = nil
                holdOrder.removeAll { $0 == key }
            } else {
                if holds[key] == nil { holdOrder.append(key) }
                holds[key] = .init(kind: kind, target: target, reason: reason)
            }
        case .command(_, let truck, let kind, _):
            guard kind == .emergencyStop || kind == .resume, let id = admitted.first(where: { trips[$0]?.truck == truck }) else { break }
            trips[id]?.emergencyStopped = kind == .emergencyStop
        case .truck: break
        }
    }

    /// What a coordinator starting run `run` on this journal takes back.
    public func recovery(run: Int) -> JournalRecovery {
        JournalRecovery(
            run: run, openTrips: admitted.compactMap { trips[$0] }, authorities: authorities, holds: holdOrder.compactMap { holds[$0] })
    }
}
