import ArchiveModel
import IMAPWire

extension IMAPSession {
    /// `UID FETCH … BODY.PEEK[]` for several UID sets, pipelined: up to `depth` commands are in flight,
    /// the next one is sent as soon as one completes (RFC 9051 §5.5 allows pipelining; the server
    /// answers them in order). Bodies stream to `body`; `onFetch` gets each FETCH's attributes;
    /// `onBatchDone(i)` is called when the tagged OK of `batches[i]` arrives.
    /// - Throws: `IMAPClientError.commandFailed` on NO/BAD for any batch; connection errors.
    public func fetchMessages(batches: [UIDSet], depth: Int, body: BodyReceiver,
                              onFetch: (FetchAttributes) throws -> Void, onBatchDone: (Int) throws -> Void) throws {
        let items = ["UID", "RFC822.SIZE", "INTERNALDATE", "FLAGS", "BODY.PEEK[]"]
        let encoder = CommandEncoder(literalPlus: capabilities.contains("LITERAL+"))
        var inFlight: [String: Int] = [:]
        var next = 0
        func send() throws {
            let tag = nextTag()
            let pieces = encoder.encode(tag: tag, .uidFetch(batches[next], items))
            try transport.write(pieces.flatMap { $0 })
            inFlight[tag] = next
            next += 1
        }
        while next < batches.count && inFlight.count < max(1, depth) { try send() }
        while !inFlight.isEmpty {
            var done: [Int] = []
            try readEvents { event in
                switch event {
                case .response(.untagged(let u)):
                    try observe(u)
                    if case .fetch(_, let attributes) = u { try onFetch(attributes) }
                case .response(.tagged(let t)):
                    guard let index = inFlight.removeValue(forKey: t.tag) else { return }
                    guard case .ok = t.status else {
                        throw IMAPClientError.commandFailure(command: "UID FETCH", status: t.status.name, serverText: t.text.text)
                    }
                    done.append(index)
                case .response(.continuation):
                    throw IMAPClientError.protocolError("unexpected continuation request during UID FETCH")
                case .bodyBegin(let size): try body.begin(size: size)
                case .bodyBytes(let bytes): try body.bytes(bytes)
                case .bodyEnd: try body.end()
                }
            }
            for index in done {
                try onBatchDone(index)
                if next < batches.count { try send() }
            }
        }
    }
}
