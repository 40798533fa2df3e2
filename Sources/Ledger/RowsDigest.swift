import ArchiveModel
import Catalog
import PackStore

/// The Merkle tree hash (RFC 6962 §2.1) over the message rows a run added, computed in one pass.
///
/// Leaf data of a row: `source NUL account NUL mailbox-wire-name NUL uidvalidity NUL uid NUL blob-hex`
/// (decimal numbers, lower-case hex, UTF-8). Leaf hash = SHA-256(0x00 ‖ leaf data); node hash =
/// SHA-256(0x01 ‖ left ‖ right); the tree splits at the largest power of two below the leaf count;
/// the empty tree hashes to SHA-256 of nothing. Rows come in the chain's canonical order (source,
/// account, mailbox wire name bytewise, UIDVALIDITY, UID). Memory: one hash per level.
public struct RowsDigest {
    /// Perfect subtrees not yet merged: (height, hash), heights strictly decreasing.
    private var stack: [(height: Int, hash: [UInt8])] = []
    /// Rows added so far.
    public private(set) var count = 0

    public init() {}

    /// Adds the next row.
    public mutating func add(_ row: ChainRow) {
        var node = (height: 0, hash: Self.leafHash(row))
        while let top = stack.last, top.height == node.height {
            stack.removeLast()
            node = (top.height + 1, Self.nodeHash(top.hash, node.hash))
        }
        stack.append(node)
        count += 1
    }

    /// The root over every row added (64 hex characters).
    public var root: String {
        guard var hash = stack.last?.hash else { return SHA256Hasher.hash([UInt8]()).hex }
        for subtree in stack.dropLast().reversed() { hash = Self.nodeHash(subtree.hash, hash) }
        return BlobID(bytes: hash)!.hex
    }

    /// The bytes a row contributes as a leaf.
    public static func leafData(_ row: ChainRow) -> [UInt8] {
        Array("\(row.source)\u{0}\(row.account)\u{0}\(row.mailboxWire)\u{0}\(row.uidValidity)\u{0}\(row.uid)\u{0}\(row.blob.hex)".utf8)
    }

    static func leafHash(_ row: ChainRow) -> [UInt8] {
        SHA256Hasher.hash([0x00] + leafData(row)).bytes
    }

    static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        SHA256Hasher.hash([0x01] + left + right).bytes
    }
}
