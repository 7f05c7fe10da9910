import LaneCore
public import LaneSite
public import LaneWire

/// Which ended trips' retained states (`lanes/coordinator/trips/{tripId}`) are due to be cleared
/// from the broker: those that ended at least `retention` site seconds ago and whose id is not
/// under way again (a refused trip sent anew keeps its new state). A pure value: time is passed in.
public struct TripStateRetention: Sendable {
    /// How long an ended trip's state stays retained (site seconds).
    public let retention: Seconds
    private var ended: [(tripId: String, at: Seconds)] = []

    /// A retention of `retention` site seconds.
    public init(retention: Seconds) { self.retention = retention }

    /// Whether `state` ends a trip (its retained state is then cleared after the retention).
    public static func ends(_ state: TripStateMessage.State) -> Bool {
        switch state {
        case .finished, .rejected, .cancelled, .failed: true
        case .accepted, .running: false
        }
    }

    /// Notes a trip state published at `now`.
    public mutating func published(_ state: TripStateMessage.State, of tripId: String, at now: Seconds) {
        if Self.ends(state) { ended.append((tripId, now)) }
    }

    /// The trips whose retained state is to be cleared now, oldest first; `underWay` tells whether
    /// a trip id is under way again.
    public mutating func due(now: Seconds, underWay: (String) -> Bool) -> [String] {
        var due: [String] = []
        while let first = ended.first, now - first.at >= retention {
            ended.removeFirst()
            if !underWay(first.tripId) { due.append(first.tripId) }
        }
        return due
    }
}
