// swift-tools-version:6.0
import PackageDescription

/// The hot path of a pull crosses modules (the JSON writer in SyncCore, result access in Postgres):
/// without cross-module optimisation those small functions are called unspecialised, not inlined.
let optimized: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "sync",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "syncd", targets: ["syncd"]),
        .library(name: "SyncClient", targets: ["SyncClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // The client library only: its HTTP layer is generated from openapi.yaml at build time.
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.0"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.0"),
        .package(url: "https://github.com/apple/swift-openapi-urlsession", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CJWT", pkgConfig: "libjwt", providers: [.apt(["libjwt-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),

        .target(name: "SyncCore", swiftSettings: optimized),
        .target(name: "SystemCalls", swiftSettings: optimized),
        .target(name: "FastCGI", dependencies: ["CFastCGI", "SystemCalls"], swiftSettings: optimized),
        .target(name: "Postgres", dependencies: ["CLibPQ", "SystemCalls"], swiftSettings: optimized),
        .target(name: "Auth", dependencies: ["CJWT", "SyncCore"], swiftSettings: optimized),
        .target(name: "Store", dependencies: ["SyncCore", "Postgres"], swiftSettings: optimized),
        .target(name: "Administration", dependencies: ["SyncCore", "Postgres", "Store"], swiftSettings: optimized),
        .target(name: "Settings", dependencies: ["SyncCore", "Auth", "FastCGI", "SystemCalls"], swiftSettings: optimized),
        .target(name: "SharedCounters", dependencies: ["SyncCore", "Settings", "FastCGI"], swiftSettings: optimized),
        .target(name: "LivePokes", dependencies: ["Settings", "SystemCalls"], swiftSettings: optimized),
        .target(name: "HTTPEdge", dependencies: [
            "SyncCore", "Store", "Administration", "Settings", "Auth", "FastCGI", "Postgres", "SharedCounters", "LivePokes",
            "SystemCalls",
        ], swiftSettings: optimized),
        .target(name: "Supervision", dependencies: [
            "HTTPEdge", "SharedCounters", "LivePokes", "Store", "Administration", "Settings", "SyncCore", "Postgres", "FastCGI",
            "SystemCalls",
        ], swiftSettings: optimized),
        .plugin(name: "BuildInfo", capability: .buildTool()),
        .executableTarget(name: "syncd", dependencies: [
            "Supervision", "HTTPEdge", "SharedCounters", "LivePokes", "Store", "Administration", "Settings", "Auth", "Postgres",
            "SyncCore",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], plugins: ["BuildInfo"]),

        .target(name: "SyncClient", dependencies: [
            .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ], plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]),

        // The Swift client under the end-to-end client scenarios (Tests/e2e/test_clients.py).
        .executableTarget(name: "SyncClientDriver", dependencies: ["SyncClient"], path: "Tests/SyncClientDriver"),

        .testTarget(name: "SyncClientTests", dependencies: ["SyncClient"]),
        .testTarget(name: "SyncCoreTests", dependencies: ["SyncCore"]),
        .testTarget(name: "SyncServerTests", dependencies: [
            "Supervision", "HTTPEdge", "SharedCounters", "LivePokes", "Store", "Administration", "Settings", "SyncCore", "Postgres",
            "Auth", "FastCGI", "SystemCalls",
        ]),
    ]
)
