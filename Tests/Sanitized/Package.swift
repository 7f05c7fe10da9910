// swift-tools-version: 6.1
// The code that calls C (the MQTT client over libmosquitto, the wire codec over json-c, the
// PostgreSQL connection and lease over libpq) and its
// tests, built alone with AddressSanitizer by Tests/run.sh. Every folder here is a symbolic link
// to the project's own sources and tests; only these targets are built, not the rest of the
// project and its dependencies.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Sanitized",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1")
    ],
    targets: [
        .systemLibrary(name: "CJSONC", path: "CJSONC", pkgConfig: "json-c"),
        .target(name: "LaneWire", dependencies: ["CJSONC"], path: "LaneWire", swiftSettings: strict),
        .systemLibrary(name: "CMosquitto", path: "CMosquitto", pkgConfig: "libmosquitto"),
        .target(name: "LaneMQTT", dependencies: ["CMosquitto"], path: "LaneMQTT", swiftSettings: strict),
        .systemLibrary(name: "CLibPQ", path: "CLibPQ", pkgConfig: "libpq"),
        .target(name: "LanePostgres", dependencies: ["CLibPQ"], path: "LanePostgres", swiftSettings: strict),
        .target(name: "LaneTestKit", dependencies: ["LaneMQTT"], path: "LaneTestKit", swiftSettings: strict),
        .testTarget(
            name: "LaneWireTests",
            dependencies: ["LaneWire", "LaneTestKit", .product(name: "PropertyBased", package: "swift-property-based")],
            path: "LaneWireTests",
            swiftSettings: strict
        ),
        .testTarget(
            name: "LanePostgresTests", dependencies: ["LanePostgres", "LaneTestKit"], path: "LanePostgresTests", swiftSettings: strict),
        .testTarget(name: "LaneMQTTTests", dependencies: ["LaneMQTT", "LaneTestKit"], path: "LaneMQTTTests", swiftSettings: strict),
    ]
)
