import Archiver
import Foundation

/// Turns SIGINT/SIGTERM into a stop request: sessions finish their current batch, commit, and the run exits 130.
/// A second signal exits at once (everything committed so far stays committed).
final class SignalHandler {
    private var sources: [DispatchSourceSignal] = []

    init(stop: StopFlag) {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                if stop.byUser { Foundation.exit(130) }
                Console.error("stopping: finishing the current batches (press Ctrl-C again to quit now)")
                stop.set(byUser: true)
            }
            source.resume()
            sources.append(source)
        }
    }

    func restore() {
        sources.forEach { $0.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
