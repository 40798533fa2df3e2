import CZstd

/// Thin owners of zstd contexts, so each is created once and reused for many blobs.
enum Zstd {
    /// Highest level accepted; above it zstd's windows (and memory) grow past our bounds.
    static let maxLevel: Int32 = 19
    /// Largest window a frame may ask for when decoding: 2^23 = 8 MiB. Level 19 uses exactly this,
    /// level 3 uses 2 MiB, so decoding stays well under 32 MiB.
    static let maxWindowLog: Int32 = 23

    /// zstd's name for an error code, or nil when `code` is not an error.
    static func error(_ code: Int) -> String? {
        ZSTD_isError(code) != 0 ? String(cString: ZSTD_getErrorName(code)) : nil
    }
}

/// A reusable `ZSTD_CCtx` set up for blob frames: the given level, content checksum on.
final class ZstdCompressor {
    let context: OpaquePointer

    /// Creates the context. `level` is clamped to `ZSTD_minCLevel()...19`.
    init(level: Int32) {
        guard let context = ZSTD_createCCtx() else { fatalError("ZSTD_createCCtx failed: out of memory") }
        self.context = context
        set(ZSTD_c_compressionLevel, max(ZSTD_minCLevel(), min(level, Zstd.maxLevel)))
        set(ZSTD_c_checksumFlag, 1)
        set(ZSTD_c_contentSizeFlag, 1)
    }

    deinit { ZSTD_freeCCtx(context) }

    private func set(_ parameter: ZSTD_cParameter, _ value: Int32) {
        let r = ZSTD_CCtx_setParameter(context, parameter, value)
        precondition(Zstd.error(r) == nil, "ZSTD_CCtx_setParameter(\(parameter), \(value)): \(Zstd.error(r)!)")
    }

    /// Caps the window, chain and hash tables (2^21, 2^19, 2^19) for the next frame, or lifts the caps.
    ///
    /// zstd sizes these from the level when the input size is unknown; from level 7 up that means
    /// tables of 8–64 MiB for a streamed message. The caps never raise a value: every level ≥ 7
    /// defaults to at least these. Only call between frames.
    func capTables(_ on: Bool) {
        set(ZSTD_c_windowLog, on ? 21 : 0)
        set(ZSTD_c_chainLog, on ? 19 : 0)
        set(ZSTD_c_hashLog, on ? 19 : 0)
    }

    /// Drops any frame in progress; parameters stay.
    func resetSession() {
        ZSTD_CCtx_reset(context, ZSTD_reset_session_only)
    }

    /// Compresses `input` as one complete frame into `output`; returns the frame's length.
    func compressFrame(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = ZSTD_compress2(context, output.baseAddress, output.count, input.baseAddress, input.count)
        if let e = Zstd.error(n) { throw PackStoreError.compressionFailed(reason: e) }
        return n
    }

    /// One `ZSTD_compressStream2` step. Returns (bytes written to output, bytes of input consumed,
    /// zstd's "remaining to flush" hint).
    func stream(_ input: UnsafeRawBufferPointer, from position: Int, into output: UnsafeMutableRawBufferPointer,
                end: Bool) throws -> (written: Int, consumed: Int, remaining: Int) {
        var inBuf = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: position)
        var outBuf = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let r = ZSTD_compressStream2(context, &outBuf, &inBuf, end ? ZSTD_e_end : ZSTD_e_continue)
        if let e = Zstd.error(r) { throw PackStoreError.compressionFailed(reason: e) }
        return (outBuf.pos, inBuf.pos - position, r)
    }
}

/// A reusable `ZSTD_DCtx` limited to windows of ``Zstd/maxWindowLog``.
final class ZstdDecompressor {
    let context: OpaquePointer

    init() {
        guard let context = ZSTD_createDCtx() else { fatalError("ZSTD_createDCtx failed: out of memory") }
        self.context = context
        ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, Zstd.maxWindowLog)
    }

    deinit { ZSTD_freeDCtx(context) }

    /// Drops any frame in progress so the next call starts a new frame.
    func resetSession() {
        ZSTD_DCtx_reset(context, ZSTD_reset_session_only)
    }

    /// One `ZSTD_decompressStream` step. Returns (bytes written, bytes consumed, zstd's hint: 0 when
    /// a frame is complete and fully flushed).
    ///
    /// - Throws: the zstd error name (checksum mismatch, corrupted block, window too large).
    func stream(_ input: UnsafeRawBufferPointer, from position: Int,
                into output: UnsafeMutableRawBufferPointer) throws(ZstdError) -> (written: Int, consumed: Int, hint: Int) {
        var inBuf = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: position)
        var outBuf = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let r = ZSTD_decompressStream(context, &outBuf, &inBuf)
        if let e = Zstd.error(r) { throw ZstdError(reason: e) }
        return (outBuf.pos, inBuf.pos - position, r)
    }
}

/// A zstd error name; mapped to ``PackStoreError/corruptPayload(_:offset:reason:)`` by the reader.
struct ZstdError: Error {
    var reason: String
}
