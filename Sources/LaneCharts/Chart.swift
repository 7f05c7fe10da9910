import Foundation

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
    /// The SVG elements drawn so far (without the enclosing `svg`).
    public internal(set) var content = ""

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

extension Chart {
    /// A round number at or above `value` (1, 2 or 5 times a power of ten).
    public static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        var power = 1.0
        while power * 10 <= value { power *= 10 }
        while power > value { power /= 10 }
        for step in [1.0, 2, 5, 10] where step * power >= value { return step * power }
        return 10 * power
    }
}
