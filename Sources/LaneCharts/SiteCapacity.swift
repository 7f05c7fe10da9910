public import LaneSite

/// What a site's stations can pass: the bottleneck of each driverless lane and the site's
/// capacity, from the site geometry and the trucks' physics (DOMAIN.md's station capacity).
public enum SiteCapacity {
    /// Per driverless lane of `site`: its bottleneck station and what that station passes per
    /// hour at full use with trucks of `profile` (DOMAIN.md's station capacity).
    public static func bottlenecks(of site: Site, profile: TruckProfile) -> [(lane: LaneID, zone: ZoneID, perHour: Double)] {
        site.lanes.filter(\.driverless).compactMap { lane in
            guard let zone = site.bottleneck(of: lane.id, profile: profile), let perHour = site.stationCapacity(zone, profile: profile)
            else { return nil }
            return (lane.id, zone.id, perHour)
        }
    }

    /// Vehicles per hour the bottlenecks pass together; a station shared by two lanes counts once.
    public static func perHour(_ bottlenecks: [(lane: LaneID, zone: ZoneID, perHour: Double)]) -> Double {
        var byZone: [ZoneID: Double] = [:]
        for b in bottlenecks { byZone[b.zone] = b.perHour }
        return byZone.values.reduce(0, +)
    }
}
