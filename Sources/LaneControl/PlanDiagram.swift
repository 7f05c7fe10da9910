import Foundation
import LaneCharts
public import LaneWire

/// The time-space diagram of the coming minutes, from the coordinator's status: time across,
/// the site's zones down in site order; each reservation a bar in its zone's row, a line
/// through each truck's bars in time order, a dot for the zone each truck is in now.
public enum PlanDiagram {
    /// The SVG picture of the next `minutes`.
    public static func svg(_ status: WireValue, minutes: Double) -> String {
        let zones = (status["zones"]?.items ?? []).compactMap { $0["zone"]?.text }
        let row = Dictionary(zones.enumerated().map { ($0.element, Double($0.offset)) }, uniquingKeysWith: { a, _ in a })
        let rows = Double(max(1, zones.count))
        let slots = Views.slotList(status, horizon: minutes * 60)
        var chart = Chart(width: 960, height: 120 + rows * 22, xMax: minutes, yMax: rows)
        chart.left = 170
        chart.title("Reservations of the next \(LanectlError.seconds(minutes)) minutes at \(status["now"]?.text ?? "?")")
        // Rows: zone names down the left, a band per zone.
        for (index, zone) in zones.enumerated() {
            let top = chart.y(rows - Double(index))
            let bottom = chart.y(rows - Double(index) - 1)
            if index % 2 == 0 { chart.rect(x: chart.x(0), y: top, width: chart.plotWidth, height: bottom - top, fill: "#f4f4f4") }
            chart.text(zone, x: chart.x(0) - 6, y: (top + bottom) / 2 + 4, anchor: "end", size: 11)
        }
        // Time: a tick every minute (every 5 beyond 20).
        let step = minutes > 20 ? 5.0 : 1.0
        var tick = 0.0
        while tick <= minutes + 1e-9 {
            chart.line(x1: chart.x(tick), y1: chart.y(0), x2: chart.x(tick), y2: chart.y(rows), stroke: "#dddddd")
            chart.text("+\(Int(tick)) min", x: chart.x(tick), y: chart.y(0) + 15, anchor: "middle", size: 10)
            tick += step
        }
        func centre(_ zone: String) -> Double? { row[zone].map { rows - $0 - 0.5 } }
        var byTruck: [String: [(minute: Double, row: Double)]] = [:]
        for slot in slots {
            guard let y = centre(slot.zone) else { continue }
            let opens = max(0, slot.opens / 60)
            let closes = min(minutes, slot.closes / 60)
            let colour = Self.colour(slot.truck)
            chart.rect(
                x: chart.x(opens), y: chart.y(y + 0.35), width: chart.x(closes) - chart.x(opens),
                height: chart.y(y - 0.35) - chart.y(y + 0.35), fill: colour)
            chart.text(slot.truck, x: chart.x(opens) + 3, y: chart.y(y) + 4, anchor: "start", size: 10)
            byTruck[slot.truck, default: []] += [(opens, y), (closes, y)]
        }
        for truck in status["fleet"]?.items ?? [] {
            guard let id = truck["truck"]?.text, let zone = truck["zone"]?.text, let y = centre(zone) else { continue }
            byTruck[id, default: []].insert((0, y), at: 0)
            chart.text("●", x: chart.x(0), y: chart.y(y) + 4, anchor: "middle", size: 12)
        }
        for (truck, points) in byTruck.sorted(by: { $0.key < $1.key }) where points.count > 1 {
            chart.polyline(points.sorted { $0.minute < $1.minute }.map { ($0.minute, $0.row) }, stroke: Self.colour(truck))
        }
        if slots.isEmpty {
            chart.text("no reservation in these minutes", x: chart.x(minutes / 2), y: chart.y(rows / 2), anchor: "middle", size: 14)
        }
        return chart.svg()
    }

    /// A steady colour per truck.
    static func colour(_ truck: String) -> String {
        let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
        let sum = truck.unicodeScalars.reduce(0) { $0 &+ Int($1.value) }
        return palette[sum % palette.count]
    }
}
