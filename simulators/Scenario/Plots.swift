import Foundation
import LaneCharts
import LaneCore
import LaneFastSim
public import LaneSite

/// The report's plots as SVG text.
extension CapacityReport {
    /// Vehicles offered and served in each hour, with the bottleneck capacity as a line.
    public func throughputSVG() -> String {
        let hourCount = max(1, Int(hours.rounded(.up)))
        let capacity = SiteCapacity.perHour(bottlenecks)
        let offered = (0..<hourCount).map { Double(run.hourly.value(\.offered, hour: $0)) }
        let served = (0..<hourCount).map { Double(run.hourly.value(\.completed, hour: $0)) }
        let top = Chart.niceCeiling(max(capacity, offered.max() ?? 0, served.max() ?? 0) * 1.1)
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
            let top = Chart.niceCeiling(maxRoute[lane]! + 20)
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
