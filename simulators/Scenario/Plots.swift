import Foundation
public import LaneCore
import LaneFastSim

/// The report's plots as SVG text.
extension CapacityReport {
    /// Vehicles offered and served in each hour, with the bottleneck capacity as a line.
    public func throughputSVG() -> String {
        let hourCount = max(1, Int(hours.rounded(.up)))
        let capacity = Self.capacityPerHour(bottlenecks)
        let offered = (0..<hourCount).map { Double(run.hourly.value(\.offered, hour: $0)) }
        let served = (0..<hourCount).map { Double(run.hourly.value(\.completed, hour: $0)) }
        let top = niceCeiling(max(capacity, offered.max() ?? 0, served.max() ?? 0) * 1.1)
        var chart = Chart(width: 760, height: 360, xMax: Double(hourCount), yMax: top)
        chart.title("\(scenario): vehicles per hour, offered and served")
        chart.axes(xLabel: "hour of day", yLabel: "vehicles per hour", xStep: hourCount > 12 ? 2 : 1, yStep: top / 5)
        let bar = chart.plotWidth / Double(hourCount) / 2.6
        for hour in 0..<hourCount {
            let x = chart.x(Double(hour) + 0.5)
            chart.rect(x: x - bar, y: chart.y(offered[hour]), width: bar, height: chart.y(0) - chart.y(offered[hour]), fill: "#9bbbd9")
            chart.rect(x: x, y: chart.y(served[hour]), width: bar, height: chart.y(0) - chart.y(served[hour]), fill: "#2f6f3e")
        }
        chart.line(
            x1: chart.x(0), y1: chart.y(capacity), x2: chart.x(Double(hourCount)), y2: chart.y(capacity), stroke: "#c0392b", dash: true)
        chart.legend([
            ("#9bbbd9", "offered (shipments arriving)"), ("#2f6f3e", "served (trips completed)"),
            ("#c0392b", "bottleneck capacity, both lanes"),
        ])
        return chart.svg()
    }

    /// The trucks' true positions along each driverless lane over the report's chosen hour:
    /// time across, route position up, station zones shaded.
    public func timeSpaceSVG(site: Site) -> String {
        let lanes = site.lanes.indices.filter { site.lanes[$0].driverless }
        let start = Double(timeSpaceHour) * 3600
        let panelHeight = 300.0
        var body = ""
        var maxRoute: [Int: Double] = [:]
        for lane in lanes {
            maxRoute[lane] = site.route(lane: site.lanes[lane].id, channel: .red)?.length ?? 1
        }
        var charts: [String] = []
        for (panel, lane) in lanes.enumerated() {
            let top = niceCeiling(maxRoute[lane]! + 20)
            var chart = Chart(width: 760, height: panelHeight, xMax: 60, yMax: top, offsetY: Double(panel) * panelHeight)
            chart.title(
                "lane \(site.lanes[lane].id), \(String(format: "%02d:00–%02d:00", timeSpaceHour, (timeSpaceHour + 1) % 24)): true front positions"
            )
            chart.axes(xLabel: "minute", yLabel: "route position (m)", xStep: 5, yStep: top / 5)
            // Station zones of the green route, shaded where trucks stop.
            if let route = site.route(lane: site.lanes[lane].id, channel: .green) {
                for leg in route.legs where site.zones[leg.zone].station != nil {
                    chart.rect(
                        x: chart.x(0), y: chart.y(leg.end), width: chart.plotWidth, height: chart.y(leg.start) - chart.y(leg.end),
                        fill: "#f3e2c7")
                    chart.text(site.zones[leg.zone].id.rawValue, x: chart.x(60) - 4, y: chart.y(leg.end) + 10, anchor: "end", size: 9)
                }
            }
            var tracks: [TruckID: [(Double, Double)]] = [:]
            var order: [TruckID] = []
            for sample in run.trajectories where sample.lane == lane {
                if tracks[sample.truck] == nil { order.append(sample.truck) }
                tracks[sample.truck, default: []].append(((sample.time - start) / 60, sample.front))
            }
            for truck in order {
                // A new trip starts a new polyline (time jumps or the truck is back at the start).
                var segment: [(Double, Double)] = []
                for point in tracks[truck]! {
                    if let last = segment.last, point.0 - last.0 > 0.05 || point.1 < last.1 - 1 {
                        chart.polyline(segment, stroke: "#1f4e79")
                        segment = []
                    }
                    segment.append(point)
                }
                chart.polyline(segment, stroke: "#1f4e79")
            }
            charts.append(chart.content)
        }
        body = charts.joined()
        let height = panelHeight * Double(lanes.count)
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="760" height="\(Int(height))" viewBox="0 0 760 \(Int(height))" font-family="sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            \(body)</svg>

            """
    }
}

/// A round number at or above `value` (1, 2 or 5 times a power of ten).
func niceCeiling(_ value: Double) -> Double {
    guard value > 0 else { return 1 }
    var power = 1.0
    while power * 10 <= value { power *= 10 }
    while power > value { power /= 10 }
    for step in [1.0, 2, 5, 10] where step * power >= value { return step * power }
    return 10 * power
}

/// A minimal SVG chart: a plot area with axes, and marks in data coordinates.
public struct Chart: Sendable {
    /// Width of the picture (px).
    public let width: Double
    /// Height of the picture (px).
    public let height: Double
    /// The largest x value (at the right edge of the plot area).
    public let xMax: Double
    /// The largest y value (at the top of the plot area).
    public let yMax: Double
    /// Where the chart starts down the picture (px), for charts stacked in one picture.
    public var offsetY = 0.0
    /// Margin left of the plot area (px), for the y labels.
    public var left = 64.0
    let right = 16.0
    let topMargin = 34.0
    let bottom = 46.0
    var content = ""

    /// A chart of `width` × `height` px showing x from 0 to `xMax` and y from 0 to `yMax`.
    public init(width: Double, height: Double, xMax: Double, yMax: Double, offsetY: Double = 0) {
        self.width = width
        self.height = height
        self.xMax = xMax
        self.yMax = yMax
        self.offsetY = offsetY
    }

    /// Width of the plot area (px).
    public var plotWidth: Double { width - left - right }
    /// Height of the plot area (px).
    public var plotHeight: Double { height - topMargin - bottom }

    /// The picture x of a data x.
    public func x(_ value: Double) -> Double { left + value / xMax * plotWidth }
    /// The picture y of a data y.
    public func y(_ value: Double) -> Double { offsetY + topMargin + (1 - value / yMax) * plotHeight }

    /// A title above the plot area.
    public mutating func title(_ text: String) { self.text(text, x: left, y: offsetY + 20, anchor: "start", size: 14) }

    /// Axes with ticks every `xStep` and `yStep`, grid lines and labels.
    public mutating func axes(xLabel: String, yLabel: String, xStep: Int, yStep: Double) {
        line(x1: x(0), y1: y(0), x2: x(xMax), y2: y(0), stroke: "#333")
        line(x1: x(0), y1: y(0), x2: x(0), y2: y(yMax), stroke: "#333")
        var tick = 0
        while Double(tick) <= xMax {
            text("\(tick)", x: x(Double(tick)), y: y(0) + 15, anchor: "middle", size: 10)
            tick += xStep
        }
        var value = 0.0
        while value <= yMax + 1e-9 {
            line(x1: x(0), y1: y(value), x2: x(xMax), y2: y(value), stroke: "#e5e5e5")
            text(String(format: "%g", value), x: x(0) - 6, y: y(value) + 4, anchor: "end", size: 10)
            value += yStep
        }
        text(xLabel, x: x(xMax / 2), y: y(0) + 34, anchor: "middle", size: 11)
        content += "<text x=\"14\" y=\"\(fmt(y(yMax / 2)))\" font-size=\"11\" text-anchor=\"middle\" "
        content += "transform=\"rotate(-90 14 \(fmt(y(yMax / 2))))\">\(escaped(yLabel))</text>\n"
    }

    /// A filled rectangle (picture coordinates).
    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String) {
        content +=
            "<rect x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(max(0, width)))\" height=\"\(fmt(max(0, height)))\" fill=\"\(fill)\"/>\n"
    }

    /// A line (picture coordinates), dashed if asked.
    public mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, dash: Bool = false) {
        let dashing = dash ? " stroke-dasharray=\"6 4\" stroke-width=\"2\"" : ""
        content += "<line x1=\"\(fmt(x1))\" y1=\"\(fmt(y1))\" x2=\"\(fmt(x2))\" y2=\"\(fmt(y2))\" stroke=\"\(stroke)\"\(dashing)/>\n"
    }

    /// A line through points in data coordinates.
    public mutating func polyline(_ points: [(Double, Double)], stroke: String) {
        guard points.count > 1 else { return }
        let list = points.map { "\(fmt(x($0.0))),\(fmt(y($0.1)))" }.joined(separator: " ")
        content += "<polyline points=\"\(list)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"1\"/>\n"
    }

    /// A text (picture coordinates); `anchor`: start, middle or end.
    public mutating func text(_ text: String, x: Double, y: Double, anchor: String, size: Int) {
        content += "<text x=\"\(fmt(x))\" y=\"\(fmt(y))\" font-size=\"\(size)\" text-anchor=\"\(anchor)\">\(escaped(text))</text>\n"
    }

    /// A legend of colour swatches and labels at the top left of the plot area.
    public mutating func legend(_ entries: [(String, String)]) {
        for (i, entry) in entries.enumerated() {
            let ly = offsetY + topMargin + 6 + Double(i) * 16
            rect(x: left + 12, y: ly, width: 12, height: 10, fill: entry.0)
            text(entry.1, x: left + 30, y: ly + 9, anchor: "start", size: 11)
        }
    }

    /// The SVG document.
    public func svg() -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif">
        <rect width="100%" height="100%" fill="white"/>
        \(content)</svg>

        """
    }

    func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

    func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;")
    }
}
