import CZstd
import Foundation

/// Compression schemes the pack format does not have, measured straight with zstd to size the gap
/// to `tar | zstd`: payload bytes only, no entry headers.
enum WhatIf {
    /// Messages concatenated in arrival order into frames of up to `group` bytes (a message is never
    /// split; one larger than `group` is a frame of its own). Reading one message decodes its frame.
    static func groupedFrames(_ corpus: Corpus, level: Int32, group: Int) -> Int {
        let context = ZSTD_createCCtx()!
        defer { ZSTD_freeCCtx(context) }
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
        var buffer: [UInt8] = []
        var total = 0
        func flush() {
            guard !buffer.isEmpty else { return }
            total += compress(context, buffer)
            buffer.removeAll(keepingCapacity: true)
        }
        for message in corpus.messages {
            if !buffer.isEmpty && buffer.count + message.count > group { flush() }
            buffer += message
        }
        flush()
        return total
    }

    /// Each message compressed on its own, but with the raw bytes of an earlier message of the same
    /// thread (same Subject once `Re:`/`Fw:` are stripped; the thread's first message) as a zstd
    /// prefix when that is smaller; others with `dictionary`. Reading one then needs its base too.
    static func threadDelta(_ corpus: Corpus, level: Int32, dictionary: [UInt8]) -> (bytes: Int, deltas: Int) {
        let context = ZSTD_createCCtx()!
        defer { ZSTD_freeCCtx(context) }
        ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, level)
        ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1)
        let cdict = dictionary.withUnsafeBytes { ZSTD_createCDict($0.baseAddress, $0.count, level) }!
        defer { ZSTD_freeCDict(cdict) }
        var firstOfThread: [String: Int] = [:]
        var total = 0, deltas = 0
        for (index, message) in corpus.messages.enumerated() {
            ZSTD_CCtx_reset(context, ZSTD_reset_session_only)
            ZSTD_CCtx_refCDict(context, message.count <= 64 << 10 ? cdict : nil)
            var best = compress(context, message)
            if let subject = threadSubject(message) {
                if let base = firstOfThread[subject] {
                    ZSTD_CCtx_reset(context, ZSTD_reset_session_only)
                    ZSTD_CCtx_refCDict(context, nil)
                    let delta = corpus.messages[base].withUnsafeBytes { prefix in
                        ZSTD_CCtx_refPrefix(context, prefix.baseAddress, prefix.count)
                        return compress(context, message)
                    }
                    if delta < best { (best, deltas) = (delta, deltas + 1) }
                } else {
                    firstOfThread[subject] = index
                }
            }
            total += best
        }
        return (total, deltas)
    }

    /// The Subject header without leading `Re:`, `Fw:`, `Fwd:` (any case), or nil when empty.
    static func threadSubject(_ message: [UInt8]) -> String? {
        for line in message.prefix(16_384).split(separator: 10, omittingEmptySubsequences: false) {
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty { return nil }
            guard text.lowercased().hasPrefix("subject:") else { continue }
            var subject = text.dropFirst(8).trimmingCharacters(in: .whitespaces)
            while let prefix = ["re:", "fw:", "fwd:"].first(where: { subject.lowercased().hasPrefix($0) }) {
                subject = subject.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            }
            return subject.isEmpty ? nil : subject
        }
        return nil
    }

    private static func compress(_ context: OpaquePointer, _ input: [UInt8]) -> Int {
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
        let n = output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { ZSTD_compress2(context, out.baseAddress, out.count, $0.baseAddress, $0.count) }
        }
        precondition(ZSTD_isError(n) == 0, "ZSTD_compress2 failed")
        return n
    }
}
