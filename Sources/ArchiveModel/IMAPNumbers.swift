/// An IMAP unique identifier (RFC 9051 §2.3.1.1): a 32-bit unsigned number, strictly ascending in a mailbox.
public struct UID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ value: UInt32) { self.rawValue = value }
    public var description: String { String(rawValue) }
    public static func < (a: UID, b: UID) -> Bool { a.rawValue < b.rawValue }
}

/// The UIDVALIDITY of a mailbox (RFC 9051 §2.3.1.1): UIDs are only meaningful together with it.
/// A changed value starts a new generation of the mailbox.
public struct UIDValidity: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ value: UInt32) { self.rawValue = value }
    public var description: String { String(rawValue) }
    public static func < (a: UIDValidity, b: UIDValidity) -> Bool { a.rawValue < b.rawValue }
}

/// A message sequence number (RFC 9051 §2.3.1.2): a position, not an identity.
public struct SequenceNumber: RawRepresentable, Hashable, Comparable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (a: SequenceNumber, b: SequenceNumber) -> Bool { a.rawValue < b.rawValue }
}
