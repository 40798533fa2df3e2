import Foundation

/// The messages of a Maildir-like directory tree (one file per message), in path order: the order a
/// backfill meets them, account by account and mailbox by mailbox.
struct Corpus {
    let root: URL
    let messages: [[UInt8]]

    init(root: URL) throws {
        self.root = root
        var paths: [String] = []
        let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])!
        for case let url as URL in walker where try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true {
            paths.append(url.path)
        }
        messages = try paths.sorted().map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
    }

    var rawBytes: Int { messages.reduce(0) { $0 + $1.count } }
    var median: Int { messages.map(\.count).sorted()[messages.count / 2] }

    /// The first messages of `smallest...largest` bytes, up to `limit` bytes in all: a training sample.
    func sample(limit: Int, largest: Int = 64 << 10, smallest: Int = 64) -> (bytes: [UInt8], sizes: [Int]) {
        var bytes: [UInt8] = []
        var sizes: [Int] = []
        for message in messages where message.count >= smallest && message.count <= largest {
            if bytes.count >= limit { break }
            bytes += message
            sizes.append(message.count)
        }
        return (bytes, sizes)
    }

    /// Bytes of `tar -cf - <dir> | zstd -<level> -T1` run in the directory's parent.
    func tarZstdBytes(level: Int) throws -> Int {
        let parent = root.deletingLastPathComponent().path, name = root.lastPathComponent
        let output = try shell("cd '\(parent)' && tar -cf - '\(name)' | zstd -\(level) -T1 -q -c | wc -c")
        guard let bytes = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw BenchError("could not measure tar | zstd -\(level): \(output)")
        }
        return bytes
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `command` with `/bin/sh -c` and returns its standard output.
func shell(_ command: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", command]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// CPU seconds this thread has used (user + system): speeds per core that other processes on a
/// shared machine do not distort.
func threadCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
