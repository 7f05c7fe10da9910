// swift-tools-version: 6.1
// Truck Lane Coordinator: coordination of driverless container trucks on the lanes of a border gate.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "TruckLaneCoordinator",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "LaneSite", targets: ["LaneSite"]),
        .library(name: "LaneCore", targets: ["LaneCore"]),
        .library(name: "LaneSiteFile", targets: ["LaneSiteFile"]),
        .library(name: "LaneCharts", targets: ["LaneCharts"]),
        .library(name: "LaneSafetyCheck", targets: ["LaneSafetyCheck"]),
        .library(name: "LaneFastSim", targets: ["LaneFastSim"]),
        .library(name: "LaneWire", targets: ["LaneWire"]),
        .library(name: "LaneMQTT", targets: ["LaneMQTT"]),
        .library(name: "LaneTestKit", targets: ["LaneTestKit"]),
        .library(name: "LanePostgres", targets: ["LanePostgres"]),
        .library(name: "LaneCoordinatorCore", targets: ["LaneCoordinatorCore"]),
        .library(name: "LaneCoordinator", targets: ["LaneCoordinator"]),
        .library(name: "LaneTruckAgent", targets: ["LaneTruckAgent"]),
        .executable(name: "lane-coordinator", targets: ["lane-coordinator"]),
        .executable(name: "lane-sim", targets: ["lane-sim"]),
        .executable(name: "lanectl", targets: ["lanectl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        // The site as geometry and physics: zones, lanes, routes, trucks' kinematics. No planner.
        .target(name: "LaneSite", swiftSettings: strict),
        // Pure domain: slot planner, interlocking. No IO, no clock.
        .target(name: "LaneCore", dependencies: ["LaneSite"], swiftSettings: strict),
        // Site files (YAML) into LaneCore's site model, with errors that name file, path and line.
        .target(
            name: "LaneSiteFile",
            dependencies: ["LaneSite", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // The time-space chart (SVG) and the bottleneck capacity of a site: for the operators' tool
        // and the simulator's reports alike.
        .target(name: "LaneCharts", dependencies: ["LaneSite"], swiftSettings: strict),
        // json-c, from Debian's libjson-c-dev.
        .systemLibrary(name: "CJSONC", pkgConfig: "json-c", providers: [.apt(["libjson-c-dev"])]),
        // Wire messages and their strict json-c codec (Codable, no C type in the public API).
        .target(name: "LaneWire", dependencies: ["CJSONC"], swiftSettings: strict, linkerSettings: [.linkedLibrary("m")]),
        // libmosquitto, from Debian's libmosquitto-dev.
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        // The MQTT 5 client: async Swift over libmosquitto (every unsafe pointer in Sources/LaneMQTT/Unsafe).
        .target(name: "LaneMQTT", dependencies: ["CMosquitto"], swiftSettings: strict),
        // libpq, PostgreSQL's client library, from Debian's libpq-dev.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // PostgreSQL for a standby pair: a blocking libpq connection and the site's leader lease
        // with its fencing epoch (every libpq pointer in Sources/LanePostgres/Unsafe).
        .target(name: "LanePostgres", dependencies: ["CLibPQ"], swiftSettings: strict),
        // The test kit: a real mosquitto broker per test, a PostgreSQL per test process, certificates,
        // waiting helpers.
        .target(name: "LaneTestKit", dependencies: ["LaneMQTT"], swiftSettings: strict),
        // The coordinator's decisions as a value: CoordinatorCore.handle(input, now) -> [effect]
        // (no clock, no IO), with the translation to and from VDA 5050 and the journal's entries.
        .target(
            name: "LaneCoordinatorCore",
            dependencies: ["LaneCore", "LaneSite", "LaneWire", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // The coordinator service: the core on a real broker (VDA 5050 to the trucks, trips,
        // operators, status, plan and events).
        .target(
            name: "LaneCoordinator",
            dependencies: [
                "LaneCore", "LaneSite", "LaneCoordinatorCore", "LaneWire", "LaneMQTT", "LanePostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "lane-coordinator",
            dependencies: [
                "LaneCoordinator", "LaneCore", "LaneSite", "LaneSiteFile", "LaneMQTT",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        // A driverless truck speaking VDA 5050 over MQTT: the scripted trucks of the end-to-end
        // tests and the simulator's trucks.
        .target(
            name: "LaneTruckAgent",
            dependencies: ["LaneWire", "LaneMQTT", "LaneSimKit"],
            path: "simulators/TruckAgent",
            swiftSettings: strict
        ),
        // The independent auditor of simulated runs: site geometry and true positions only.
        .target(name: "LaneAuditor", dependencies: ["LaneSite"], path: "simulators/Auditor", swiftSettings: strict),
        // The real-broker simulation: a fleet of VDA 5050 trucks and the yard system.
        .target(
            name: "LaneBrokerSim",
            dependencies: ["LaneCore", "LaneSite", "LaneWire", "LaneMQTT", "LaneTruckAgent", "LaneSimKit", "LaneAuditor"],
            path: "simulators/BrokerSim",
            swiftSettings: strict
        ),
        // The operators' tool: see and steer the lanes through the coordinator's operator topic
        // (MQTT 5 request/response); site checks offline. It imports no simulator.
        .target(
            name: "LaneControl",
            dependencies: [
                "LaneSite", "LaneWire", "LaneMQTT", "LaneSiteFile", "LaneCharts",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "lanectl", dependencies: ["LaneControl"], swiftSettings: strict),
        // libFuzzer target over the decoders (built with -DFUZZING; see Tests/run.sh).
        .executableTarget(name: "lane-wire-fuzz", dependencies: ["LaneWire"], swiftSettings: strict),
        // Independent safety checker: re-derives every safety property from the site geometry
        // and the commands, sharing no decision code with the interlocking.
        .target(name: "LaneSafetyCheck", dependencies: ["LaneCore", "LaneSite"], swiftSettings: strict),
        // What the simulators share: the seeded random source, the lossy link, the truck's motion.
        .target(name: "LaneSimKit", path: "simulators/SimKit", swiftSettings: strict),
        // Fast in-process simulation: virtual clock, kinematic trucks, the core in the same process.
        .target(
            name: "LaneFastSim",
            dependencies: ["LaneCore", "LaneSite", "LaneSafetyCheck", "LaneSimKit"],
            path: "simulators/FastSim",
            swiftSettings: strict
        ),
        // Scenario files and the capacity report (fast mode), with its SVG plots.
        .target(
            name: "LaneScenario",
            dependencies: ["LaneCore", "LaneSite", "LaneSiteFile", "LaneFastSim", "LaneCharts"],
            path: "simulators/Scenario",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "lane-sim",
            dependencies: [
                "LaneCore", "LaneSite", "LaneSiteFile", "LaneFastSim", "LaneSafetyCheck", "LaneBrokerSim", "LaneMQTT", "LaneWire",
                "LaneScenario",
                "LaneCharts", "LaneAuditor", "LaneTruckAgent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "simulators/lane-sim",
            swiftSettings: strict
        ),
        .testTarget(
            name: "LaneCoreTests",
            dependencies: [
                "LaneCore", "LaneSite", "LaneSafetyCheck", "LaneFastSim", "LaneSimKit", "LaneSiteFile", "LaneTestKit",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LaneWireTests",
            dependencies: ["LaneWire", "LaneTestKit", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LaneMQTTTests",
            dependencies: ["LaneMQTT", "LaneTestKit"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LanePostgresTests",
            dependencies: ["LanePostgres", "LaneTestKit"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LaneCoordinatorCoreTests",
            dependencies: ["LaneCoordinatorCore", "LaneCore", "LaneSite", "LaneWire", "LaneSiteFile", "LaneTestKit"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LaneCoordinatorTests",
            dependencies: [
                "LaneCoordinator", "LaneCoordinatorCore", "LaneCore", "LaneSite", "LaneSiteFile", "LaneWire", "LaneMQTT", "LanePostgres",
                "LaneTestKit",
                "LaneTruckAgent",
                "LaneBrokerSim",
                "LaneAuditor", "lane-coordinator", "lanectl",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LaneScenarioTests",
            dependencies: ["LaneScenario", "LaneCore", "LaneSite", "LaneFastSim", "LaneSiteFile", "LaneTestKit"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LaneControlTests",
            dependencies: [
                "LaneControl", "LaneWire", "LaneMQTT", "LaneTestKit", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["help"],  // the reviewed help texts, read from the repository by the tests
            swiftSettings: strict
        ),
        .testTarget(
            name: "LaneAuditorTests",
            dependencies: ["LaneAuditor", "LaneCore", "LaneSite", "LaneSiteFile", "LaneTestKit"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LaneSafetyCheckTests",
            dependencies: ["LaneCore", "LaneSite", "LaneSafetyCheck"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LaneSiteFileTests",
            dependencies: ["LaneCore", "LaneSite", "LaneSiteFile", "LaneTestKit"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
