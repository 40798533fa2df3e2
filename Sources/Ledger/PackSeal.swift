import Foundation
import PackStore
#if canImport(Glibc)
import Glibc
#endif

/// Reads the pack checksum a sealed pack's trailer records (docs/store-format.md, "Tail").
///
/// The tail is the last 56 bytes: entry count (8), pack checksum (32), trailer length (8), end
/// magic `COFFSEAL` (8), integers little-endian. This reads only those bytes; whether the rest of
/// the file still matches the checksum is `PackStore.verifyStructure`'s job.
enum PackSeal {
    static let tailSize = 56
    static let endMagic = Array("COFFSEAL".utf8)

    /// The checksum (64 hex) of a sealed pack; nil when the file is missing, short, or not sealed.
    static func checksum(of url: URL) -> String? {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size >= 32 + tailSize else { return nil }
        var tail = [UInt8](repeating: 0, count: tailSize)
        let n = tail.withUnsafeMutableBytes { pread(fd, $0.baseAddress, tailSize, off_t(st.st_size) - off_t(tailSize)) }
        guard n == tailSize, Array(tail[48..<56]) == endMagic else { return nil }
        let count = le64(tail, 0), trailerLength = le64(tail, 40)
        guard count < UInt64(st.st_size) / 64, trailerLength == 64 * count + 56, trailerLength + 32 <= UInt64(st.st_size) else { return nil }
        return tail[8..<40].map { String(format: "%02x", $0) }.joined()
    }

    private static func le64(_ b: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) }
    }
}
