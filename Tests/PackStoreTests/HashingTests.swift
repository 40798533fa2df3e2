import ArchiveModel
import Foundation
import Testing
@testable import PackStore

@Suite struct HashingTests {
    @Test func sha256KnownVectors() {
        #expect(SHA256Hasher.hash(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Hasher.hash([UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let two = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256Hasher.hash(two).hex == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func sha256MillionAInChunksAndReuse() {
        var hasher = SHA256Hasher()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(hasher.finish().hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // After finish the same context hashes the next message from scratch.
        hasher.update(Array("abc".utf8))
        #expect(hasher.finish().hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func sha256CopiesAreIndependent() {
        var a = SHA256Hasher()
        a.update(Array("ab".utf8))
        var b = a
        b.update(Array("c".utf8))
        a.update(Array("x".utf8))
        #expect(b.finish() == SHA256Hasher.hash(Array("abc".utf8)))
        #expect(a.finish() == SHA256Hasher.hash(Array("abx".utf8)))
    }

    @Test func crc32cCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
    }

    @Test func packIDHexRoundTrip() throws {
        let id = try #require(PackID(hex: "00112233445566778899AABBCCDDEEFF"))
        #expect(id.hex == "00112233445566778899aabbccddeeff")
        #expect(id.bytes.first == 0x00 && id.bytes.last == 0xFF)
        #expect(PackID(hex: "0011") == nil)
        #expect(PackID(hex: "zz112233445566778899aabbccddeeff") == nil)
        #expect(PackID.random() != PackID.random())
    }
}
