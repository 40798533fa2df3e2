// coffer-compress-bench: how many bytes the pack store needs for a corpus, per zstd level and
// dictionary setting, against `tar | zstd`. No IMAP: every message goes through the same
// BlobEncoder → PackWriter path a backfill uses, into a temporary store, and is read back.
//
//   swift run -c release coffer-compress-bench [--corpus DIR] [--network MBPS] [--index-bytes N] [--quick]
//
// Prints Markdown tables (docs/benchmarks-compression.md holds a run on the Enron corpus).
import Foundation
import PackStore

var arguments = CommandLine.arguments.dropFirst()
var corpusPath = "../shared/corpus/enron"
var networkMBps = 20.0
var indexBytes = 0
var quick = false
while let argument = arguments.popFirst() {
    switch argument {
    case "--corpus": corpusPath = arguments.popFirst() ?? corpusPath
    case "--network": networkMBps = Double(arguments.popFirst() ?? "") ?? networkMBps
    case "--index-bytes": indexBytes = Int(arguments.popFirst() ?? "") ?? 0
    case "--quick": quick = true
    default:
        print("usage: coffer-compress-bench [--corpus DIR] [--network MBPS] [--index-bytes N] [--quick]")
        exit(2)
    }
}

let corpus = try Corpus(root: URL(fileURLWithPath: corpusPath).standardizedFileURL)
let raw = corpus.rawBytes
let tar3 = try corpus.tarZstdBytes(level: 3)
let tar19 = quick ? 0 : try corpus.tarZstdBytes(level: 19)
let small = corpus.messages.filter { $0.count <= 64 << 10 }
print("## Corpus\n")
print("\(corpus.root.lastPathComponent): \(corpus.messages.count) messages, \(raw) bytes, median \(corpus.median) B;",
      "\(small.count) messages (\(small.reduce(0) { $0 + $1.count }) bytes) of at most 64 KiB.\n")
print("| reference | bytes | raw ÷ bytes |\n|---|---:|---:|")
print("| raw messages | \(raw) | 1.00 |")
print("| `tar -cf - \(corpus.root.lastPathComponent) \\| zstd -3` | \(tar3) | \(fmt(Double(raw) / Double(tar3))) |")
if tar19 > 0 { print("| `tar -cf - \(corpus.root.lastPathComponent) \\| zstd -19` | \(tar19) | \(fmt(Double(raw) / Double(tar19))) |") }
if indexBytes > 0 { print("\nIndex bytes added to every \"+ index\" figure: \(indexBytes).") }

func fmt(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }
func kib(_ bytes: Int) -> String { "\(bytes >> 10) KiB" }

@MainActor func header(_ title: String) {
    print("\n## \(title)\n")
    print("| level | dictionary | threshold | payload | stored (packs + dictionaries) | raw ÷ stored | stored ÷ tar\\|zstd -3 | + index ÷ tar\\|zstd -3 | messages with dictionary | train CPU s | encode MB/s per core (SHA-256 + zstd) | read MB/s per core (unzstd + SHA-256) |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
}

@discardableResult
@MainActor func row(_ config: StoreConfig) throws -> StoreResult {
    let r = try runStore(corpus, config)
    let dictionary: String
    switch config.dictionary {
    case .none: dictionary = "none"
    case let .warm(size, sample): dictionary = "\(kib(size)), trained first on \(sample >> 20) MiB"
    case let .cold(size, stages, rate):
        let sizes = stages.map { "\($0 >> 20)" }.joined(separator: " + ")
        dictionary = "\(kib(size)), cold: trained at \(sizes) MiB of samples, \(Int(rate)) MB/s network, \(r.bytesBeforeDictionary / 1_000_000) MB before the first"
    }
    let mb = Double(raw) / 1_000_000
    print("| \(config.level) | \(dictionary) | \(kib(config.threshold)) | \(r.payloadBytes) | \(r.storedBytes) |",
          "\(fmt(Double(raw) / Double(r.storedBytes))) | \(fmt(Double(r.storedBytes) / Double(tar3), 3)) |",
          "\(fmt(Double(r.storedBytes + indexBytes) / Double(tar3), 3)) | \(r.withDictionary) | \(fmt(r.trainSeconds)) |",
          "\(fmt(mb / r.encodeSeconds, 1)) | \(fmt(mb / r.readSeconds, 1)) |")
    return r
}

let mib = 1 << 20
header("Per message, no dictionary")
for level: Int32 in quick ? [3] : [1, 3, 6, 9, 19] { try row(StoreConfig(level: level)) }

header("With a dictionary trained before the first message (every run after the first)")
for size in [64 << 10, 112 << 10, 256 << 10] {
    for level: Int32 in quick ? [3] : [1, 3, 6] { try row(StoreConfig(level: level, dictionary: .warm(size: size, sample: 8 * mib))) }
}
if !quick { try row(StoreConfig(level: 9, dictionary: .warm(size: 112 << 10, sample: 8 * mib))) }

header("Dictionary threshold and sample size (112 KiB dictionary, level 3)")
for threshold in [16 << 10, 256 << 10] {
    try row(StoreConfig(level: 3, dictionary: .warm(size: 112 << 10, sample: 8 * mib), threshold: threshold))
}
for sample in quick ? [4 * mib] : [2 * mib, 4 * mib, 16 * mib] {
    try row(StoreConfig(level: 3, dictionary: .warm(size: 112 << 10, sample: sample)))
}
if !quick { for sample in [8 * mib, 16 * mib] { try row(StoreConfig(level: 3, dictionary: .warm(size: 256 << 10, sample: sample))) } }

header("Cold backfill: the trainer samples this run's first messages")
var chosen = StoreResult()
let coldStages: [[Int]] = [[2 * mib], [8 * mib], [16 * mib], [2 * mib, 8 * mib], [2 * mib, 16 * mib]]
for stages in coldStages where !quick {
    try row(StoreConfig(level: 3, dictionary: .cold(size: 112 << 10, stages: stages, networkMBps: networkMBps)))
}
// coffer's defaults (StoreCompression.Settings, DictionaryTrainer.Settings).
if !quick { try row(StoreConfig(level: 3, dictionary: .cold(size: 256 << 10, stages: [2 * mib, 16 * mib], networkMBps: networkMBps))) }
chosen = try row(StoreConfig(level: 3, dictionary: .cold(size: 256 << 10, stages: [2 * mib, 8 * mib], networkMBps: networkMBps)))

print("\n## Where the bytes go (coffer's defaults: cold backfill, level 3, 256 KiB dictionaries trained at 2 and 8 MiB)\n")
let n = chosen.entries
let packs = chosen.packBytes - chosen.payloadBytes - 128 * n
print("| part | bytes | share |\n|---|---:|---:|")
for (part, bytes) in [("zstd payloads", chosen.payloadBytes), ("entry headers (64 B each)", 64 * n),
                      ("trailer table rows (64 B each)", 64 * n), ("pack headers and trailer tails", packs),
                      ("dictionary files", chosen.dictionaryBytes)] {
    print("| \(part) | \(bytes) | \(fmt(100 * Double(bytes) / Double(chosen.storedBytes), 1)) % |")
}

if !quick {
    print("\n## What the format cannot do today (payload bytes only, straight zstd)\n")
    print("| scheme | payload | payload ÷ tar\\|zstd -3 |\n|---|---:|---:|")
    for group in [64 << 10, 256 << 10, 1 << 20, 4 << 20] {
        let bytes = WhatIf.groupedFrames(corpus, level: 3, group: group)
        print("| messages grouped into frames of ≤ \(kib(group)), level 3 | \(bytes) | \(fmt(Double(bytes) / Double(tar3), 3)) |")
    }
    let sample = corpus.sample(limit: 8 * mib)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-compress-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let dictionary = try PackStore(directory: dir).addDictionary(trainingOn: sample.bytes, sizes: sample.sizes)
    let delta = WhatIf.threadDelta(corpus, level: 3, dictionary: dictionary.content)
    print("| per message, dictionary, or delta against the thread's first message (\(delta.deltas) deltas), level 3 | \(delta.bytes) | \(fmt(Double(delta.bytes) / Double(tar3), 3)) |")
}
