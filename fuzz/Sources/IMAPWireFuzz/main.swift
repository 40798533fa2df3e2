import IMAPWire

/// libFuzzer entry point (docs/fuzzing.md). Input: one control byte, then a server byte stream.
///
/// Checks, for every input: no crash and no hang (libFuzzer, AddressSanitizer); the parser tells
/// the same story fed whole, cut at the offset the control byte picks, and one byte at a time; the
/// body event protocol holds (begin, bytes, end; never more bytes than announced); the bytes it
/// holds stay within its limits whatever the input (small limits when the control byte is odd);
/// `UIDSet(wire:)` is stable through its own wire form.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let control = data[0]
    let stream = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    var options = ResponseParser.Options()
    if control & 1 == 1 {
        options.maxLineLength = 64
        options.maxBufferedLiteral = 32
    }
    let whole = record(stream, pieces: [stream.count], options)
    let cut = stream.isEmpty ? 0 : Int(control >> 1) * stream.count / 127
    check(record(stream, pieces: [cut, stream.count], options) == whole, "split at \(cut) differs")
    if stream.count <= 2048 {
        check(record(stream, pieces: Array(repeating: 1, count: stream.count), options) == whole, "byte at a time differs")
    }
    if let text = String(validating: stream.prefix(256), as: UTF8.self), let set = UIDSet(wire: text) {
        check(UIDSet(wire: set.wire) == set || set.isEmpty, "UIDSet wire form not stable: \(text)")
    }
    return 0
}

/// SwiftPM links an executable target's entry point as `<target>_main`; hand it to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("IMAPWireFuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return runDriver(&argc, &argv, fuzzOneInput)
}

func check(_ condition: Bool, _ what: @autoclosure () -> String) {
    if !condition { fatalError(what()) }
}

/// What the parser produced: responses, bodies (bytes joined), and the error that stopped it.
enum Item: Equatable {
    case response(Response)
    case body(announced: Int, bytes: [UInt8], ended: Bool)
    case error(String)
}

/// Feeds `stream` in pieces of the given sizes; checks the event protocol and the buffered bytes.
func record(_ stream: [UInt8], pieces: [Int], _ options: ResponseParser.Options) -> [Item] {
    var parser = ResponseParser(options: options)
    var items: [Item] = []
    var open: (announced: Int, bytes: [UInt8])?
    let bound = options.maxLineLength + options.maxBufferedLiteral + 2
    var start = 0
    do {
        for size in pieces where start < stream.count {
            let end = min(stream.count, start + max(0, size))
            try stream[start..<end].withUnsafeBytes { chunk in
                try parser.feed(chunk) { event in
                    switch event {
                    case .response(let r):
                        check(open == nil, "response inside a body")
                        items.append(.response(r))
                    case .bodyBegin(let n):
                        check(open == nil && n >= 0, "bodyBegin inside a body")
                        open = (n, [])
                    case .bodyBytes(let b):
                        check(open != nil && !b.isEmpty, "bodyBytes outside a body")
                        open!.bytes.append(contentsOf: b)
                        check(open!.bytes.count <= open!.announced, "more body bytes than announced")
                    case .bodyEnd:
                        check(open != nil, "bodyEnd outside a body")
                        items.append(.body(announced: open!.announced, bytes: open!.bytes, ended: true))
                        open = nil
                    }
                }
            }
            check(parser.bufferedByteCount <= bound, "holds \(parser.bufferedByteCount) bytes, limit \(bound)")
            start = end
        }
        if start < stream.count { return record(stream, pieces: pieces + [stream.count], options) }
    } catch {
        items.append(.error("\(error)"))
    }
    if let body = open { items.append(.body(announced: body.announced, bytes: body.bytes, ended: false)) }
    return items
}
