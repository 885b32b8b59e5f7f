// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sync",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "sync", targets: ["sync"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CJWT", pkgConfig: "libjwt", providers: [.apt(["libjwt-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),

        .target(name: "SyncCore"),
        .target(name: "FastCGI", dependencies: ["CFastCGI"]),
        .target(name: "Postgres", dependencies: ["CLibPQ"]),
        .target(name: "Auth", dependencies: ["CJWT"]),
        .target(name: "SyncServer", dependencies: ["SyncCore", "FastCGI", "Postgres", "Auth"]),
        .executableTarget(name: "sync", dependencies: [
            "SyncServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "SyncCoreTests", dependencies: ["SyncCore"]),
        .testTarget(name: "SyncServerTests", dependencies: ["SyncServer", "SyncCore", "Postgres", "Auth"]),
    ]
)
