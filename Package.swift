// swift-tools-version:6.0
import PackageDescription

// Module boundaries follow real dependencies:
// - PorticoCore: the pure model (no I/O, no C libraries).
// - PorticoStackFile: reads YAML stack files (libyaml) into the core model.
// - PorticoWire: the AWS wire layer (libcurl, libcrypto).
// - PorticoEngine: reads live AWS, drives each resource kind, walks a plan (Core + Wire).
// - portico: the thin CLI.
let package = Package(
    name: "Portico",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "portico", targets: ["portico"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "PorticoCore"),
        .target(name: "PorticoStackFile", dependencies: ["PorticoCore", "CYAML"]),
        .target(name: "PorticoWire", dependencies: ["CCurl", "CCrypto"]),
        .target(name: "PorticoEngine", dependencies: ["PorticoCore", "PorticoWire"]),
        .executableTarget(
            name: "portico",
            dependencies: [
                "PorticoCore", "PorticoStackFile", "PorticoWire", "PorticoEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "PorticoCoreTests", dependencies: ["PorticoCore"]),
        .testTarget(name: "PorticoStackFileTests", dependencies: ["PorticoStackFile", "PorticoCore"]),
        .testTarget(name: "PorticoWireTests", dependencies: ["PorticoWire"]),
        .testTarget(name: "PorticoEngineTests", dependencies: ["PorticoEngine", "PorticoStackFile", "PorticoCore", "PorticoWire"]),
        .testTarget(name: "PorticoCLITests", dependencies: ["PorticoStackFile", "PorticoCore", "PorticoWire"]),
    ],
    swiftLanguageModes: [.v6]
)
