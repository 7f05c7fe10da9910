/// The physical limits every throughput figure is compared with (DOMAIN.md, "Physics of a lane").
public enum LanePhysics {
    /// The clearance time from a standing queue: the next truck, standing its length plus the
    /// standstill gap behind the stop point, accelerates and brakes into place:
    /// t_c = sqrt(2 · (L + s0) · (1/a + 1/b)).
    public static func standingQueueClearance(profile: TruckProfile, standstillGap: Meters) -> Seconds {
        (2 * (profile.length + standstillGap) * (1 / profile.acceleration + 1 / profile.serviceBraking)).squareRoot()
    }

    /// Trucks per hour a station with mean dwell `dwell` can pass: 3600 / (D + t_c).
    public static func stationCapacity(dwell: Seconds, profile: TruckProfile, standstillGap: Meters) -> Double {
        3600 / (dwell + standingQueueClearance(profile: profile, standstillGap: standstillGap))
    }

    /// Single-lane capacity of a following segment: 3600 / (τ + (L + s0) / v).
    public static func laneCapacity(timeGap: Seconds, profile: TruckProfile, standstillGap: Meters, speed: MetersPerSecond) -> Double {
        3600 / (timeGap + (profile.length + standstillGap) / speed)
    }
}

extension Site {
    /// Trucks of `profile` per hour station zone `zone` passes at most: a stop-and-scan station
    /// 3600 / (D + t_c), a drive-through portal one truck at a time at its speed, within its
    /// headway (`DriveThrough.capacity`). Nil for a zone that is not a station.
    public func stationCapacity(_ zone: Zone, profile: TruckProfile = TruckProfile()) -> Double? {
        guard let station = zone.station else { return nil }
        if let portal = station.driveThrough {
            return portal.capacity(portalLength: zone.length, profile: profile, standstillGap: rules.standstillGap)
        }
        return LanePhysics.stationCapacity(dwell: station.dwell.mean, profile: profile, standstillGap: rules.standstillGap)
    }

    /// The station every truck of `lane` passes that passes the fewest trucks an hour: the lane's
    /// bottleneck.
    public func bottleneck(of lane: LaneID, profile: TruckProfile = TruckProfile()) -> Zone? {
        guard let spec = self.lane(lane) else { return nil }
        return spec.steps.filter { $0.channels.isEmpty }.compactMap { zone($0.zone) }
            .filter { $0.station != nil }
            .min { stationCapacity($0, profile: profile)! < stationCapacity($1, profile: profile)! }
    }
}
