// swift-tools-version:6.0
// The libFuzzer target of coffer's IMAP response parser (docs/fuzzing.md). A package of its own,
// so that `-sanitize=fuzzer` never touches the main build; it compiles the IMAPWire and
// ArchiveModel sources of the main package through the symlinks in Sources/.
import PackageDescription

let package = Package(
    name: "coffer-fuzz",
    targets: [
        .target(name: "ArchiveModel"),
        .target(name: "IMAPWire", dependencies: ["ArchiveModel"], exclude: ["IMAPWire.docc"]),
        .executableTarget(name: "IMAPWireFuzz", dependencies: ["IMAPWire"]),
    ]
)
