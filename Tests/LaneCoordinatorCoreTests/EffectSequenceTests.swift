import LaneCoordinatorCore
import LaneCore
import LaneSite
import LaneWire
import Testing

/// The order and the drops of the service's effects, journal first, on their own.
@Suite("the order of the coordinator's effects")
struct EffectSequenceTests {
    static func publication(_ topic: String, authority: Bool) -> CoordinatorEffect {
        .publish(Publication(topic: topic, message: .cleared, delivery: .atLeastOnce, carriesAuthority: authority))
    }

    static let entry = JournalEntry.truck(at: 0, truck: "T1", kind: .truckStale, detail: "")

    /// Runs `effects` with journal writes that succeed as `writes` says, one after the other;
    /// a follow-up input is answered with `followUp`. Returns what was carried out, as words.
    static func run(_ effects: [CoordinatorEffect], writes: [Bool], followUp: [CoordinatorEffect] = []) -> [String] {
        var steps = EffectSequence(effects)
        var writes = writes
        var done: [String] = []
        while let step = steps.next() {
            switch step {
            case .journal:
                done.append("journal")
                steps.journalWritten(writes.removeFirst())
            case .handle:
                done.append("follow-up")
                steps.insert(followUp)
            case .perform(.publish(let p)): done.append(p.topic)
            case .perform: done.append("other")
            }
        }
        return done
    }

    @Test("after a failed journal write no authority of the batch is published; stops and the rest still are")
    func authoritiesNeedTheJournal() {
        let batch: [CoordinatorEffect] = [
            .journal([Self.entry]), Self.publication("order-1", authority: true), Self.publication("stop-1", authority: false),
            .journal([Self.entry]), Self.publication("order-2", authority: true), Self.publication("stop-2", authority: false),
            .journal([Self.entry]), Self.publication("order-3", authority: true),
        ]
        #expect(
            Self.run(batch, writes: [true, true, true]) == [
                "journal", "order-1", "stop-1", "journal", "order-2", "stop-2", "journal", "order-3",
            ])
        #expect(Self.run(batch, writes: [true, false, true]) == ["journal", "order-1", "stop-1", "journal", "stop-2", "journal"])
    }

    @Test("ifJournaled hands its input back only if every write so far succeeded, with its effects before the rest")
    func ifJournaled() {
        let refused = Self.publication("refused", authority: false)
        let batch: [CoordinatorEffect] = [
            .journal([Self.entry]), .ifJournaled(then: .tick, otherwise: [refused]), Self.publication("after", authority: false),
        ]
        let followUp = [Self.publication("held", authority: false)]
        #expect(Self.run(batch, writes: [true], followUp: followUp) == ["journal", "follow-up", "held", "after"])
        #expect(Self.run(batch, writes: [false], followUp: followUp) == ["journal", "refused", "after"])
    }
}
