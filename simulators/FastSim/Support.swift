import Foundation
public import LaneCore
public import LaneSite

/// Something that coordinates trucks from events: the scheduler core, or a baseline to compare
/// it with.
public protocol LaneController {
    /// Applies one event at `now` and returns the commands it causes.
    mutating func handle(_ event: CoreEvent, now: Seconds) -> [CoreCommand]
}

extension SchedulerCore: LaneController {}

/// The faults a run injects, each switchable and drawn from the run's seed.
public struct FaultProfile: Sendable, Equatable {
    /// Probability that a state report is lost.
    public var reportLoss: Double = 0
    /// Probability that a state report arrives twice.
    public var reportDuplication: Double = 0
    /// Largest extra delay of a report (reports overtake each other: reordering).
    public var reportDelay: Seconds = 0
    /// Probability that an authority command is lost on its way to the truck.
    public var commandLoss: Double = 0
    /// Mean time between link losses of one truck (it neither reports nor hears), or nil.
    public var linkLossEvery: Seconds?
    /// How long a link loss lasts.
    public var linkLossDuration: ClosedRange<Seconds> = 4...12
    /// Mean time between breakdowns of one truck (it stops and stays stopped), or nil.
    public var breakdownEvery: Seconds?
    /// How long a breakdown lasts.
    public var breakdownDuration: ClosedRange<Seconds> = 20...120
    /// Mean time between operator holds of a random truck, or nil.
    public var operatorHoldEvery: Seconds?
    /// Mean time between closures of a random zone, or nil.
    public var zoneClosureEvery: Seconds?
    /// Mean time between green-to-red channel changes of a random truck, or nil.
    public var channelChangeEvery: Seconds?
    /// Mean time between an operator's attempts to cancel the trip of a random truck (half of
    /// them aimed at trucks still in their yard), or nil.
    public var tripCancelEvery: Seconds?
    /// Largest error of a reported position (uniform, one side); the report claims this
    /// uncertainty.
    public var positionNoise: Meters = 0.3
    /// Mean time between restarts of the controller, or nil: it goes down (the trucks' reports
    /// to it are lost; trips, stations' releases and operators' commands wait, as at the broker)
    /// and comes back rebuilt from its journal alone (`ControllerJournal`), while the trucks drive
    /// on with what they hold. Only for a run given a `restartController`.
    public var restartEvery: Seconds?
    /// How long the controller is down at a restart.
    public var restartDowntime: ClosedRange<Seconds> = 0...4
    /// A scanner's share of suspicious images: the truck is re-routed to the red channel.
    public var suspiciousScans: Double = 0
    /// A scanner's share of unreadable images: scanned again or sent on by the scanner's
    /// `unreadable` rule (`Station.unreadable`).
    public var unreadableScans: Double = 0
    /// Mean time between outages of a random station's system (its zone closes until it is
    /// back), or nil.
    public var stationOutageEvery: Seconds?
    /// How long a station's outage lasts.
    public var stationOutageDuration: ClosedRange<Seconds> = 120...600

    /// No faults.
    public init() {}

    /// Whether any fault that happens at random instants (link loss, breakdown, hold, closure,
    /// channel change, trip cancellation) is switched on.
    public var injectsEvents: Bool {
        [
            linkLossEvery, breakdownEvery, operatorHoldEvery, zoneClosureEvery, channelChangeEvery, tripCancelEvery, restartEvery,
            stationOutageEvery,
        ].contains { $0 != nil }
    }

    /// Every fault at once, at moderate rates: the profile of the randomized safety runs.
    public static var everything: FaultProfile {
        var f = FaultProfile()
        f.reportLoss = 0.05
        f.reportDuplication = 0.05
        f.reportDelay = 0.6
        f.commandLoss = 0.05
        f.linkLossEvery = 600
        f.breakdownEvery = 900
        f.operatorHoldEvery = 120
        f.zoneClosureEvery = 300
        f.channelChangeEvery = 120
        f.tripCancelEvery = 120
        f.positionNoise = 0.4
        f.restartEvery = 600
        return f
    }
}

/// How trips are demanded.
public struct DemandProfile: Sendable, Equatable {
    /// Trips released per hour on each lane, or nil for saturated demand (a truck leaves as
    /// soon as it is ready and the lane's start is clear).
    public var tripsPerHourPerLane: Double?
    /// Trips demanded per hour on each lane for each hour of the day (24 values, the first
    /// for 00:00-01:00); when set, it overrides `tripsPerHourPerLane`.
    public var hourly: [Double]?
    /// Share of shipments in each customs channel.
    public var channelMix: [CustomsChannel: Double] = [.green: 0.85, .yellow: 0.12, .red: 0.03]
    /// Share of perishable cargo.
    public var perishableShare: Double = 0.3
    /// Time a truck spends in a yard between trips (unload, reload).
    public var yardTurnaround: ClosedRange<Seconds> = 120...300

    /// Saturated demand with the default mix.
    public init(tripsPerHourPerLane: Double? = nil) { self.tripsPerHourPerLane = tripsPerHourPerLane }

    /// Trips demanded per hour on each lane at `time` (seconds since midnight of the first
    /// day), or nil for saturated demand.
    public func rate(at time: Seconds) -> Double? {
        if let hourly, hourly.count == 24 {
            let hour = Int(time / 3600) % 24
            return hourly[hour]
        }
        return tripsPerHourPerLane
    }

    /// Trips demanded per lane over one day, or nil for saturated demand.
    public var tripsPerDayPerLane: Double? {
        if let hourly, hourly.count == 24 { return hourly.reduce(0, +) }
        return tripsPerHourPerLane.map { $0 * 24 }
    }
}

/// A kind of truck in the fleet and its share of the fleet.
public struct TruckType: Sendable, Equatable {
    /// The type's name (e.g. `tractor-40ft`).
    public var name: String
    /// Share of the fleet, between 0 and 1.
    public var share: Double
    /// Kinematics.
    public var profile: TruckProfile

    /// A type with its share and kinematics.
    public init(name: String, share: Double, profile: TruckProfile) {
        self.name = name
        self.share = share
        self.profile = profile
    }
}

/// Counts per hour of a run (index 0 is the first simulated hour).
public struct HourlyCounts: Sendable, Equatable {
    /// Shipments that arrived for a trip (both lanes).
    public var offered: [Int] = []
    /// Trips that began.
    public var started: [Int] = []
    /// Trips that completed.
    public var completed: [Int] = []

    /// Adds one to the counter at `key` in the hour of `time`.
    public mutating func record(_ key: WritableKeyPath<HourlyCounts, [Int]>, at time: Seconds) {
        let hour = max(0, Int(time / 3600))
        if self[keyPath: key].count <= hour {
            self[keyPath: key].append(contentsOf: repeatElement(0, count: hour + 1 - self[keyPath: key].count))
        }
        self[keyPath: key][hour] += 1
    }

    /// The counter at `key` in `hour`, zero where nothing was counted.
    public func value(_ key: KeyPath<HourlyCounts, [Int]>, hour: Int) -> Int {
        let values = self[keyPath: key]
        return hour < values.count ? values[hour] : 0
    }
}

/// One sample of a truck's true position, for time-space diagrams.
public struct TrajectorySample: Sendable, Equatable {
    /// The truck.
    public var truck: TruckID
    /// Index of its lane in the site.
    public var lane: Int
    /// Site clock.
    public var time: Seconds
    /// Route position of its front.
    public var front: Meters
}
