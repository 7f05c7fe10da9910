import Foundation
import LaneAuditor
import LaneBrokerSim
import LaneCore
import LaneSite

/// The live terminal view of a run over the broker: per lane a strip of the route with its
/// stations and the trucks on it, then throughput and progress. Redrawn in place on a terminal.
struct LiveView {
    let site: Site
    let duration: Double
    let capacityPerHour: [LaneID: Double]
    let width = 100
    /// Whether standard output is a terminal (else the view prints nothing; progress lines do).
    let enabled = isatty(STDOUT_FILENO) == 1

    /// One frame.
    func frame(elapsed: Double, trucks: [TraceSample], trips: [BrokerSimulation.Trip]) -> String {
        var lines: [String] = []
        let progress = min(1, elapsed / duration)
        let bar = String(repeating: "█", count: Int(progress * 40)) + String(repeating: "░", count: 40 - Int(progress * 40))
        lines.append(
            "\(site.name)  simulated \(clock(elapsed)) of \(clock(duration))  \(bar) \(Int(progress * 100))%")
        lines.append("")
        for lane in site.lanes where lane.driverless {
            guard let route = site.route(lane: lane.id, channel: .green) else { continue }
            let scale = Double(width) / route.length
            var strip = Array(repeating: Character("·"), count: width)
            var marks = Array(repeating: Character(" "), count: width)
            for leg in route.legs {
                let zone = site.zones[leg.zone]
                let from = min(width - 1, Int(leg.start * scale))
                let to = max(from, min(width - 1, Int(leg.end * scale) - 1))
                let symbol: Character? =
                    switch zone.station?.activity {
                    case .scan: "X"
                    case .gateCheck: "G"
                    case .documentCheck: "D"
                    case .inspection: "I"
                    default: zone.kind == .handover ? "|" : zone.isExclusive ? "+" : nil
                    }
                if let symbol { for i in from...to { marks[i] = symbol } }
            }
            let here = trucks.filter { $0.lane == lane.id.rawValue && $0.front > -1 && $0.front <= route.length + 30 }
            for truck in here {
                let i = max(0, min(width - 1, Int(max(0, truck.front) * scale)))
                strip[i] = truck.speed > 0.3 ? "▶" : "■"
            }
            let finished = trips.filter { $0.lane == lane.id && $0.finished != nil }
            let perHour = elapsed > 0 ? Double(finished.count) * 3600 / elapsed : 0
            let capacity = capacityPerHour[lane.id] ?? 0
            lines.append(
                "\(lane.id.rawValue) (\(lane.origin) → \(lane.destination)): \(here.count) trucks on the lane, "
                    + "\(finished.count) trips done, \(String(format: "%.1f", perHour)) trucks/h"
                    + (capacity > 0 ? String(format: " (%.0f%% of the bottleneck's %.1f/h)", 100 * perHour / capacity, capacity) : ""))
            lines.append("  " + String(strip))
            lines.append("  " + String(marks))
        }
        let waiting = trucks.filter { $0.lane == nil }.count
        let moving = trucks.filter { $0.lane != nil && $0.speed > 0.3 }.count
        lines.append("")
        lines.append(
            "trucks: \(trucks.count) in all, \(moving) moving, \(waiting) in a yard    ▶ moving  ■ standing   X scanner  G gate  D documents  I inspection  | km 0  + crossing"
        )
        return lines.joined(separator: "\n")
    }

    /// Draws a frame over the previous one.
    func draw(_ text: String) {
        guard enabled else { return }
        print("\u{1B}[H\u{1B}[2J" + text)
        fflush(nil)
    }

    func clock(_ seconds: Double) -> String {
        String(format: "%d:%02d", Int(seconds) / 60, Int(seconds) % 60)
    }
}
