/// The order in which the service carries out a batch of effects, journal first: the steps come
/// in the order the core returned them; once a journal write of the batch has failed, no
/// publication that carries an authority comes any more (stops and the rest still do); an
/// `ifJournaled` becomes a follow-up input to hand to the core if every write so far succeeded,
/// else its other effects. A pure value: the `Coordinator` actor (and the tests' harness) only
/// perform each step and say how each journal write went.
///
///     var steps = EffectSequence(core.handle(input, now: now))
///     while let step = steps.next() {
///         switch step {
///         case .journal(let entries): steps.journalWritten(write(entries))
///         case .handle(let followUp): steps.insert(core.handle(followUp, now: now))
///         case .perform(let effect): ...  // publish, history, log, metric
///         }
///     }
public struct EffectSequence: Sendable {
    /// What to do next.
    public enum Step: Sendable {
        /// Write these entries, then call `journalWritten` with the outcome.
        case journal([JournalEntry])
        /// Hand this input to the core and `insert` what it returns.
        case handle(CoordinatorInput)
        /// Perform this effect: a publication, a history query, a log line or a metric change.
        case perform(CoordinatorEffect)
    }

    /// The effects still to come, the next one last.
    private var pending: [CoordinatorEffect]
    /// Every journal write of the batch so far succeeded.
    public private(set) var journaled = true

    /// The steps of `effects`.
    public init(_ effects: [CoordinatorEffect]) { pending = effects.reversed() }

    /// The next step, nil when the batch is done.
    public mutating func next() -> Step? {
        while let effect = pending.popLast() {
            switch effect {
            case .journal(let entries): return .journal(entries)
            case .publish(let publication) where publication.carriesAuthority && !journaled: continue
            case .ifJournaled(let then, let otherwise):
                if journaled { return .handle(then) }
                insert(otherwise)
            case .publish, .history, .log, .metric: return .perform(effect)
            }
        }
        return nil
    }

    /// How the last journal write went.
    public mutating func journalWritten(_ succeeded: Bool) { journaled = journaled && succeeded }

    /// Effects that come before the rest of the batch (what the core returned for a follow-up).
    public mutating func insert(_ effects: [CoordinatorEffect]) { pending += effects.reversed() }
}
