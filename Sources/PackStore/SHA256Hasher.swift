import Foundation
import ArchiveModel
import COpenSSL

/// The SHA-256 algorithm, fetched from OpenSSL once per process.
nonisolated(unsafe) private let sha256Algorithm: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)

/// Streaming SHA-256 over OpenSSL's EVP interface.
///
/// Feed bytes with ``update(_:)`` in chunks of any size, then call ``finish()``. The hasher owns one
/// `EVP_MD_CTX` and reuses it: after `finish()` it is ready for the next message without allocating.
/// Copies of a hasher are independent (the context is copied on first write).
///
/// ```swift
/// let id = SHA256Hasher.hash(Array("abc".utf8))   // ba7816bf…f20015ad
/// ```
public struct SHA256Hasher {
    private var box: Box

    /// Creates a hasher ready for the first byte.
    public init() { box = Box() }

    /// Adds bytes to the digest.
    ///
    /// - Parameter bytes: the next bytes of the message; may be empty.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        if !isKnownUniquelyReferenced(&box) { box = box.copy() }
        precondition(EVP_DigestUpdate(box.context, bytes.baseAddress, bytes.count) == 1, "EVP_DigestUpdate failed")
    }

    /// Adds the bytes of an array (or any contiguous collection) to the digest.
    public mutating func update(_ bytes: some ContiguousBytes) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Returns the digest of everything fed since the last `finish()` and resets for the next message.
    public mutating func finish() -> BlobID {
        if !isKnownUniquelyReferenced(&box) { box = box.copy() }
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(box.context, &digest, &length) == 1 && length == 32, "EVP_DigestFinal_ex failed")
        box.restart()
        return BlobID(bytes: digest)!
    }

    /// Forgets everything fed since the last `finish()`.
    public mutating func reset() {
        if !isKnownUniquelyReferenced(&box) { box = Box() } else { box.restart() }
    }

    /// The SHA-256 of `bytes` in one call.
    public static func hash(_ bytes: some ContiguousBytes) -> BlobID {
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finish()
    }

    /// Owns the `EVP_MD_CTX`; freed when the last hasher sharing it goes away.
    private final class Box {
        let context: OpaquePointer

        init() {
            guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
            self.context = context
            restart()
        }

        private init(copying other: Box) {
            guard let context = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
            precondition(EVP_MD_CTX_copy_ex(context, other.context) == 1, "EVP_MD_CTX_copy_ex failed")
            self.context = context
        }

        func copy() -> Box { Box(copying: self) }

        func restart() {
            precondition(EVP_DigestInit_ex(context, sha256Algorithm ?? EVP_sha256(), nil) == 1, "EVP_DigestInit_ex failed")
        }

        deinit { EVP_MD_CTX_free(context) }
    }
}
