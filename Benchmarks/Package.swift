// swift-tools-version: 6.1
// Benchmarks of the Truck Lane Coordinator (ordo-one/benchmark). Run from this folder:
//   swift package --disable-sandbox benchmark
import PackageDescription

let package = Package(
    name: "LaneBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "TruckLaneCoordinator", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", exact: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "CoreBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LaneCore", package: "TruckLaneCoordinator"),
                .product(name: "LaneSite", package: "TruckLaneCoordinator"),
            ],
            path: "CoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "WireBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LaneWire", package: "TruckLaneCoordinator"),
            ],
            path: "WireBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "CoordinatorBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LaneCoordinator", package: "TruckLaneCoordinator"),
                .product(name: "LaneCore", package: "TruckLaneCoordinator"),
                .product(name: "LaneSite", package: "TruckLaneCoordinator"),
                .product(name: "LaneSiteFile", package: "TruckLaneCoordinator"),
                .product(name: "LaneMQTT", package: "TruckLaneCoordinator"),
                .product(name: "LaneWire", package: "TruckLaneCoordinator"),
                .product(name: "LaneTestKit", package: "TruckLaneCoordinator"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "CoordinatorBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // A minimal C client on libmosquitto, the reference for the Swift client's figures.
        .target(name: "CMQTTReference", path: "CMQTTReference", linkerSettings: [.linkedLibrary("mosquitto")]),
        .executableTarget(
            name: "MQTTBenchmarks",
            dependencies: [
                "CMQTTReference",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LaneMQTT", package: "TruckLaneCoordinator"),
                .product(name: "LaneTestKit", package: "TruckLaneCoordinator"),
            ],
            path: "MQTTBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
