import Foundation

/// Site files of the tests, as YAML text.
public enum TestSites {
    /// A small gate for the coordinator's tests: one import lane from a yard gate over km 0 through the
    /// X-ray scanner, a green bypass or a red inspection bay, to the other yard.
    public static let gate = """
        site: test-gate
        zones:
          - { id: exit-gate, kind: station, length: 24, speed-limit-kmh: 10, station: { activity: gate-check, stop-offset: 22, dwell: { fixed: 2 } } }
          - { id: road, kind: following, length: 120, speed-limit-kmh: 30 }
          - { id: km0, kind: handover, length: 10, speed-limit-kmh: 20 }
          - { id: scan-queue, kind: following, length: 80, speed-limit-kmh: 20 }
          - { id: xray, kind: station, length: 22, speed-limit-kmh: 20, station: { activity: scan, stop-offset: 20.5, dwell: { fixed: 4 } } }
          - { id: scan-exit, kind: following, length: 20, speed-limit-kmh: 15 }
          - { id: inspection-bay, kind: station, length: 30, speed-limit-kmh: 10, station: { activity: inspection, stop-offset: 26, dwell: { fixed: 6 } } }
          - { id: bypass, kind: following, length: 30, speed-limit-kmh: 20 }
          - { id: merge, kind: following, length: 20, speed-limit-kmh: 15, sharing: merge }
          - { id: yard-road, kind: following, length: 60, speed-limit-kmh: 20 }
        lanes:
          - id: import
            direction: import
            driverless: true
            from: north yard
            to: south yard
            route:
              - exit-gate
              - road
              - km0
              - scan-queue
              - xray
              - scan-exit
              - { zone: inspection-bay, channels: [red] }
              - { zone: bypass, channels: [green, yellow] }
              - merge
              - yard-road
        """

    /// The test gate with station systems of their own on the broker at the scanner and the
    /// inspection bay: the coordinator releases trucks there on the station's word, not the truck's.
    public static let gateWithStationSystems =
        gate
        .replacingOccurrences(of: "activity: scan,", with: "activity: scan, released-by: station-system,")
        .replacingOccurrences(of: "activity: inspection,", with: "activity: inspection, released-by: station-system,")

    /// A test gate (`gate` or `gateWithStationSystems`) with its X-ray bay made a drive-through
    /// portal: 10 km/h, a 6 s headway, its entry at 234 m of the route.
    public static func withPortal(_ site: String) -> String {
        site.replacingOccurrences(of: "stop-offset: 20.5, dwell: { fixed: 4 } }", with: "drive-through: { speed-kmh: 10, headway-s: 6 } }")
    }
}
