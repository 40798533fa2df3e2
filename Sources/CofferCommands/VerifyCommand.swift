import ArgumentParser
import ArchiveModel
import Archiver
import Foundation
import Verify

/// `coffer verify`: check the index, the hash chain and every pack, and with `--read-data` every blob.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check that every archived message is intact and retrievable.",
        discussion: "Exit 0 when nothing is wrong, 4 when anything is; each problem names the pack, the blob and the messages affected, and says what to do.")

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Decompress every blob and recompute its SHA-256.")
    var readData = false

    @Option(name: .customLong("read-data-subset"), help: "Decompress and re-hash a random sample: P% of the blobs (e.g. 5%).")
    var readDataSubset: String?

    @Option(name: .customLong("max-duration"), help: "Stop the pack checks after this many seconds; the next run with the same flags resumes where this one stopped.")
    var maxDuration: Double?

    @Option(name: .customLong("expect-head"), help: "A chain head written down earlier (from `coffer stats`); a problem if the chain does not contain it.")
    var expectHead: String?

    @Option(help: "Threads for the pack checks (default: the number of cores, at least 2).")
    var threads: Int?

    @Flag(help: "Print findings as JSON lines on stdout.")
    var json = false

    /// Bad values are usage errors (exit 2, CONTRACT.md).
    func check() throws {
        if readData && readDataSubset != nil { throw UsageError(message: "give --read-data or --read-data-subset, not both") }
        if let s = readDataSubset, Self.fraction(s) == nil { throw UsageError(message: "--read-data-subset must be a percentage above 0 and at most 100, e.g. 5%") }
        if let d = maxDuration, d <= 0 { throw UsageError(message: "--max-duration must be a positive number of seconds") }
        if let h = expectHead, BlobID(hex: h) == nil { throw UsageError(message: "--expect-head must be 64 hexadecimal characters") }
        if let t = threads, !(1...64).contains(t) { throw UsageError(message: "--threads must be between 1 and 64") }
    }

    func run() throws {
        try check()
        let store = try storeOptions.openLocked()
        var options = VerifyOptions()
        options.readData = readData
        options.sample = readDataSubset.flatMap(Self.fraction)
        options.maxDuration = maxDuration
        options.expectHead = expectHead
        options.holdsStoreLock = true
        options.threads = threads ?? max(2, ProcessInfo.processInfo.activeProcessorCount)
        let report = try StoreVerifier(store: store.directory, catalog: store.catalog, packs: store.packs)
            .run(options) { Console.error($0) }
        for f in report.findings {
            Console.error("problem: \(f.text)")
            if json { Console.out(f.json) }
        }
        for note in report.notes { Console.error("note: \(note)") }
        Console.error(Self.summary(report, options))
        if !report.findings.isEmpty { throw CofferExit(code: ExitCode32.verifyFailed) }
    }

    static func summary(_ r: VerifyReport, _ o: VerifyOptions) -> String {
        var parts = ["\(r.packsChecked) of \(r.packsOnDisk) packs checked"]
        if o.readData || o.sample != nil {
            parts.append(String(format: "%d blobs re-hashed (%.1f MB, %.0f MB/s)", r.blobsRead, Double(r.rawBytesRead) / 1e6,
                                Double(r.rawBytesRead) / 1e6 / max(r.seconds, 0.001)))
        }
        parts.append(r.chainHead.map { "chain of \(r.chainRecords) records, head \($0.hash)" } ?? "\(r.chainRecords) chain records")
        let verdict = r.findings.isEmpty ? "no problems found" : "\(r.findings.count) problem(s)"
        return "verify: " + parts.joined(separator: ", ") + String(format: " in %.1f s; ", r.seconds) + verdict
    }

    /// `5%`, `5` or `0.5%` → 0.05, 0.05, 0.005.
    static func fraction(_ s: String) -> Double? {
        let number = s.hasSuffix("%") ? String(s.dropLast()) : s
        guard let p = Double(number), p > 0, p <= 100 else { return nil }
        return p / 100
    }
}
