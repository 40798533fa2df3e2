import ArchiveModel
import Foundation
import Testing
@testable import PackStore

@Suite struct TrainerTests {
    func settings(sampleBytes: Int, minimum: Int = 64 << 10, capacity: Int = 16 << 10) -> DictionaryTrainer.Settings {
        var settings = DictionaryTrainer.Settings()
        settings.stages = [sampleBytes]
        settings.minimumSampleBytes = minimum
        settings.capacity = capacity
        settings.largestSample = 8_000
        return settings
    }

    func offer(_ messages: [[UInt8]], to trainer: DictionaryTrainer) {
        for message in messages where trainer.wantsSample(size: message.count) {
            message.withUnsafeBytes { trainer.offer($0) }
        }
    }

    /// Four fetch threads offer samples at once; the full sample trains in the background.
    @Test func fullSampleTrainsInTheBackgroundOnce() throws {
        let dir = try TempDirectory()
        let store = try PackStore(directory: dir.packs)
        let trainer = DictionaryTrainer(store: store, settings: settings(sampleBytes: 600_000))
        #expect(trainer.dictionary == nil)
        #expect(trainer.wantsSample(size: 100) && !trainer.wantsSample(size: 63) && !trainer.wantsSample(size: 8_001))
        let messages = mailMessages(800, seed: 5)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            offer(Array(messages[(worker * 200)..<(worker * 200 + 200)]), to: trainer)
        }
        #expect(!trainer.wantsSample(size: 1_000))
        let dictionary = try #require(trainer.finish())
        #expect(trainer.dictionary === dictionary)
        #expect(trainer.sampleBytesGathered == 0)
        #expect(trainer.failure == nil)
        #expect(try store.dictionaryIDs() == [dictionary.id])
        #expect(dictionary.sequence == 1 && dictionary.level == 3)
        // The dictionary is on disk before anyone can use it: a fresh reader loads it.
        let reader = try PackStore(directory: dir.packs, access: .readOnly)
        #expect(try reader.dictionary(dictionary.id).content == dictionary.content)
        // Offers after training are ignored.
        offer(messages, to: trainer)
        #expect(trainer.sampleBytesGathered == 0)
    }

    /// A first dictionary early, a better one once the larger sample is in; both stay in the store.
    @Test func stagesTrainOneDictionaryEach() throws {
        let dir = try TempDirectory()
        let store = try PackStore(directory: dir.packs)
        var staged = settings(sampleBytes: 300_000)
        staged.stages = [300_000, 900_000]
        let trainer = DictionaryTrainer(store: store, settings: staged)
        let messages = mailMessages(400, seed: 8)
        var firstSeen: CompressionDictionary?
        for message in messages where trainer.wantsSample(size: message.count) {
            message.withUnsafeBytes { trainer.offer($0) }
            if firstSeen == nil, let first = trainer.waitUntilTrained() {
                firstSeen = first
                #expect(trainer.isCollecting)
            }
        }
        let last = try #require(trainer.finish())
        let first = try #require(firstSeen)
        #expect(first.sequence == 1 && last.sequence == 2)
        #expect(try store.dictionaryIDs() == [first.id, last.id].sorted())
        #expect(try store.newestDictionary() === last)
        #expect(!trainer.isCollecting && !trainer.isTraining && trainer.sampleBytesGathered == 0)
        #expect(first.content != last.content)
    }

    @Test func shortSampleTrainsAtTheEndOnlyWhenAskedAndLargeEnough() throws {
        let dir = try TempDirectory()
        let store = try PackStore(directory: dir.packs)
        let messages = mailMessages(100, seed: 6)
        let bytes = messages.reduce(0) { $0 + $1.count }

        let tooSmall = DictionaryTrainer(store: store, settings: settings(sampleBytes: 8 << 20, minimum: bytes + 1))
        offer(messages, to: tooSmall)
        #expect(tooSmall.sampleBytesGathered == bytes)
        #expect(tooSmall.finish() == nil)
        #expect(tooSmall.sampleBytesGathered == 0)

        let notAsked = DictionaryTrainer(store: store, settings: settings(sampleBytes: 8 << 20))
        offer(messages, to: notAsked)
        #expect(notAsked.finish(train: false) == nil)
        #expect(try store.dictionaryIDs() == [])

        let trainer = DictionaryTrainer(store: store, settings: settings(sampleBytes: 8 << 20, minimum: bytes))
        offer(messages, to: trainer)
        let dictionary = try #require(trainer.finish())
        #expect(try store.dictionaryIDs() == [dictionary.id])
        #expect(trainer.finish() === dictionary)
    }

    @Test func failedTrainingIsReportedAndLeavesNoFile() throws {
        let dir = try TempDirectory()
        let store = try PackStore(directory: dir.packs)
        let trainer = DictionaryTrainer(store: store, settings: settings(sampleBytes: 100_000, capacity: 100))
        offer(mailMessages(60, seed: 7), to: trainer)
        #expect(trainer.finish() == nil)
        #expect(trainer.failure == .trainingFailed(reason: "Parameter is out of bound"))
        #expect(try store.dictionaryIDs() == [])
    }
}
