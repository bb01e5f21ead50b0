import Foundation
import Testing
import TestSupport
import FileSupport

/// FIPS 180-4 / NIST example vectors.
@Suite struct SHA256DigestTests {
    @Test(arguments: [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func vectors(message: String, digest: String) {
        #expect(SHA256Digest.hex(SHA256Digest.hash(Array(message.utf8))) == digest)
    }

    @Test func millionAs() {
        var h = SHA256Digest()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { h.update(chunk) }
        #expect(SHA256Digest.hex(h.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Feeding the same bytes in odd-sized pieces must not change the digest (block boundaries).
    @Test func incrementalMatchesOneShot() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var h = SHA256Digest()
        var i = 0
        for size in [1, 63, 64, 65, 7, 200, 0, 600] {
            let end = min(i + size, bytes.count)
            h.update(bytes[i..<end]); i = end
        }
        h.update(bytes[i...])
        #expect(h.finalize() == SHA256Digest.hash(bytes))
    }

    @Test func hashesAFile() throws {
        let dir = try Fixtures.temporaryDirectory()
        let url = dir.appendingPathComponent("f.bin")
        try Data("abc".utf8).write(to: url)
        #expect(try SHA256Digest.hex(SHA256Digest.hash(fileAt: url)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(throws: FileReadError.self) { try SHA256Digest.hash(fileAt: dir.appendingPathComponent("missing")) }
    }
}
