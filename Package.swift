// swift-tools-version:6.1
import PackageDescription

// Strict settings on every Swift target: Swift 6 language mode comes from the tools version.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "moments",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "moments", targets: ["moments"]),
        .executable(name: "moments-instructions", targets: ["moments-instructions"]),
        .library(name: "MomentsCore", targets: ["MomentsCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        // Already built for Hummingbird; named for the admin endpoint's connection guard
        // (`AdminConnectionGuard`), a channel handler in its HTTP pipeline.
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.24.0"),
    ],
    targets: [
        // librdkafka from the system (Debian: apt-get install librdkafka-dev).
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // jemalloc from the system (Debian: apt-get install libjemalloc-dev). Linked through
        // MomentsApp into the executable, where it replaces malloc for the whole process
        // (see Allocator.swift).
        .systemLibrary(
            name: "CJemalloc",
            pkgConfig: "jemalloc",
            providers: [.apt(["libjemalloc-dev"])]
        ),
        // The only module that imports CRdKafka; no librdkafka pointer leaves it.
        .target(name: "Kafka", dependencies: ["CRdKafka"], swiftSettings: strict),
        // The mock cluster (embedded development broker) as a Swift type.
        .target(name: "KafkaMock", dependencies: ["Kafka", "CRdKafka"], swiftSettings: strict),
        // Pure and deterministic: events, decoding, rules, engine, outputs.
        .target(name: "MomentsCore", dependencies: [.product(name: "Yams", package: "Yams")], swiftSettings: strict),
        // Seeded contact-center traffic generator (pure).
        .target(name: "MomentsSimulation", dependencies: ["MomentsCore"], swiftSettings: strict),
        // Partition engines on Kafka: consume, process, produce, commit.
        .target(
            name: "MomentsRuntime",
            dependencies: [
                "MomentsCore", "Kafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // Configuration (YAML and environment), wiring of broker, simulator and daemon.
        .target(
            name: "MomentsApp",
            dependencies: [
                "MomentsCore", "MomentsSimulation", "MomentsRuntime", "Kafka", "KafkaMock",
                .target(name: "CJemalloc", condition: .when(platforms: [.linux])),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            swiftSettings: strict
        ),
        // A constructor that ignores SIGHUP for `moments run` before any Swift code runs.
        .target(name: "CEarlySignals"),
        .executableTarget(
            name: "moments",
            dependencies: [
                "MomentsCore", "MomentsSimulation", "MomentsRuntime", "MomentsApp", "Kafka", "KafkaMock", "CEarlySignals",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // The engine bench's work on one thread without an async main, for callgrind's
        // instruction counts (scripts/count-instructions.sh); on jemalloc, as the daemon is.
        .executableTarget(
            name: "moments-instructions",
            dependencies: ["MomentsCore", "MomentsSimulation", .target(name: "CJemalloc", condition: .when(platforms: [.linux]))],
            swiftSettings: strict
        ),
        // What the broker-facing test targets share: reading outputs as a downstream system does.
        .target(
            name: "MomentsTestSupport",
            dependencies: ["Kafka", "MomentsApp"],
            path: "Tests/MomentsTestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "MomentsCoreTests", dependencies: ["MomentsCore"], swiftSettings: strict),
        .testTarget(name: "MomentsSimulationTests", dependencies: ["MomentsSimulation", "MomentsCore"], swiftSettings: strict),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "KafkaMock"], swiftSettings: strict),
        .testTarget(
            name: "MomentsAppTests",
            dependencies: [
                "MomentsApp", "MomentsCore", "MomentsRuntime", "Kafka", "KafkaMock", "MomentsSimulation", "MomentsTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "MomentsRuntimeTests",
            dependencies: [
                "MomentsRuntime", "MomentsApp", "MomentsCore", "MomentsSimulation", "Kafka", "KafkaMock", "MomentsTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
    ]
)
