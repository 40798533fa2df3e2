// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "coffer",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "coffer", targets: ["coffer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // System libraries (module maps only).
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // Vocabulary: imports nothing.
        .target(name: "ArchiveModel"),
        // IMAP framing, response grammar, command encoding. No I/O.
        .target(name: "IMAPWire", dependencies: ["ArchiveModel"]),
        // Sockets, TLS, sessions.
        .target(name: "IMAPClient", dependencies: ["ArchiveModel", "IMAPWire", "COpenSSL"]),
        // Client credentials grant (Entra ID) over libcurl, token cache, diagnosis.
        .target(name: "EntraAuth", dependencies: ["CCurl"]),
        // Packs of zstd-compressed blobs.
        .target(name: "PackStore", dependencies: ["ArchiveModel", "CZstd", "COpenSSL"]),
        // SQLite index.
        .target(name: "Catalog", dependencies: ["ArchiveModel", .product(name: "GRDB", package: "GRDB.swift")]),
        // Backfill planning and the fetch → hash → compress → write pipeline.
        .target(name: "Archiver", dependencies: ["ArchiveModel", "PackStore", "Catalog"]),
        // Header parsing for the index: RFC 5322/2047/2045, charsets, dates. Pure Swift.
        .target(name: "MessageHeaders", dependencies: ["ArchiveModel"]),
        // The store's append-only hash chain of runs.
        .target(name: "Ledger", dependencies: ["ArchiveModel", "Catalog", "PackStore"]),
        // Header indexing and export.
        .target(name: "Retrieval", dependencies: ["ArchiveModel", "Catalog", "PackStore", "MessageHeaders"]),
        // verify: index ↔ packs, chain, pack structure and data.
        .target(name: "Verify", dependencies: ["ArchiveModel", "Catalog", "PackStore", "Ledger"]),
        // Subcommands, configuration, exit codes.
        .target(name: "CofferCommands", dependencies: [
            "ArchiveModel", "IMAPClient", "EntraAuth", "PackStore", "Catalog", "Archiver",
            "MessageHeaders", "Ledger", "Retrieval", "Verify",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        .executableTarget(name: "coffer", dependencies: ["CofferCommands"]),
        // Stored bytes per zstd level and dictionary setting on a corpus (docs/benchmarks-compression.md).
        .executableTarget(name: "coffer-compress-bench", dependencies: ["PackStore", "CZstd"]),

        .testTarget(name: "IMAPWireTests", dependencies: ["IMAPWire"]),
        .testTarget(name: "PackStoreTests", dependencies: ["PackStore"]),
        .testTarget(name: "EntraAuthTests", dependencies: ["EntraAuth"]),
        .testTarget(name: "MessageHeadersTests", dependencies: ["MessageHeaders"]),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "Catalog", "PackStore", "ArchiveModel"]),
        .testTarget(name: "RetrievalUnitTests", dependencies: ["Retrieval"]),
        .testTarget(name: "ArchiverTests", dependencies: ["Archiver", "ArchiveModel"]),
        .testTarget(name: "EndToEndTests", dependencies: ["CofferCommands", "IMAPClient", "Catalog", "PackStore"]),
    ]
)
