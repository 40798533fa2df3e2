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

    /// Trains a dictionary of at most `capacity` bytes on `samples` (concatenated, lengths in `sizes`).
    ///
    /// `ZDICT_trainFromBuffer_fastCover` with fixed parameters (segments k = 512, d-mers d = 8,
    /// frequency table 2^20, every sample used for training), tuned for `level`, with dictionary ID
    /// `id`. Measured on Enron, this matches `ZDICT_trainFromBuffer`'s parameter search within 1 %
    /// at a third of its time (about 0.3 s for 8 MB of samples).
    ///
    /// - Throws: `.trainingFailed` with zstd's reason (too few or too small samples, for instance).
    static func trainDictionary(samples: [UInt8], sizes: [Int], capacity: Int, level: Int32, id: UInt32) throws -> [UInt8] {
        guard sizes.reduce(0, +) == samples.count, !sizes.isEmpty else {
            throw PackStoreError.trainingFailed(reason: "no samples, or sample sizes that do not add up")
        }
        var parameters = ZDICT_fastCover_params_t()
        parameters.k = 512
        parameters.d = 8
        parameters.f = 20
        parameters.accel = 1
        parameters.splitPoint = 1.0
        parameters.nbThreads = 1
        parameters.zParams.compressionLevel = level
        parameters.zParams.dictID = id
        var dictionary = [UInt8](repeating: 0, count: capacity)
        let n = dictionary.withUnsafeMutableBytes { out in
            samples.withUnsafeBytes { input in
                ZDICT_trainFromBuffer_fastCover(out.baseAddress, out.count, input.baseAddress, sizes,
                                                UInt32(sizes.count), parameters)
            }
        }
        if ZDICT_isError(n) != 0 { throw PackStoreError.trainingFailed(reason: String(cString: ZDICT_getErrorName(n))) }
        return Array(dictionary.prefix(n))
    }
}

/// A reusable `ZSTD_CCtx` set up for blob frames: the given level, content checksum on.
final class ZstdCompressor {
    let context: OpaquePointer
    /// The level in use: the requested one clamped to `ZSTD_minCLevel()...19`.
    let level: Int32

    /// Creates the context. `level` is clamped to `ZSTD_minCLevel()...19`.
    init(level: Int32) {
        guard let context = ZSTD_createCCtx() else { fatalError("ZSTD_createCCtx failed: out of memory") }
        self.context = context
        self.level = max(ZSTD_minCLevel(), min(level, Zstd.maxLevel))
        set(ZSTD_c_compressionLevel, self.level)
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

    /// Sets the window for the following frames to 2^`log` bytes (0: the level's default).
    func setWindowLog(_ log: Int32) {
        set(ZSTD_c_windowLog, log)
    }

    /// Caps the chain and hash tables at 2^`log` entries each (0: the level's defaults).
    func setTableLogs(_ log: Int32) {
        set(ZSTD_c_chainLog, log)
        set(ZSTD_c_hashLog, log)
    }

    /// Drops any frame in progress; parameters stay.
    func resetSession() {
        ZSTD_CCtx_reset(context, ZSTD_reset_session_only)
    }

    /// Compresses the following frames with a shared dictionary (nil: none). Only call between frames.
    func refDictionary(_ cdict: OpaquePointer?) {
        let r = ZSTD_CCtx_refCDict(context, cdict)
        precondition(Zstd.error(r) == nil, "ZSTD_CCtx_refCDict: \(Zstd.error(r)!)")
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

    /// Decodes the following frames with a shared dictionary (nil: none). Only call between frames.
    func refDictionary(_ ddict: OpaquePointer?) {
        // A read that stopped early leaves a frame in progress; zstd refuses a dictionary change then.
        ZSTD_DCtx_reset(context, ZSTD_reset_session_only)
        let r = ZSTD_DCtx_refDDict(context, ddict)
        precondition(Zstd.error(r) == nil, "ZSTD_DCtx_refDDict: \(Zstd.error(r)!)")
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
