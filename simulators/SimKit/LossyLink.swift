/// A radio link that loses, duplicates and delays messages, each with a probability per message
/// drawn from a seed, so that a faulted run replays exactly. A pure value: it decides what
/// arrives; the caller sends.
public struct LossyLink: Sendable {
    /// The link's faults.
    public struct Faults: Sendable, Equatable {
        /// A message (either way) is lost.
        public var loss: Double
        /// A message sent is sent twice.
        public var duplication: Double
        /// A message sent is held back and sent after the next one (so it arrives late and out of order).
        public var delay: Double
        /// Seed of the draws.
        public var seed: UInt64

        /// No faults by default.
        public init(loss: Double = 0, duplication: Double = 0, delay: Double = 0, seed: UInt64 = 1) {
            self.loss = loss
            self.duplication = duplication
            self.delay = delay
            self.seed = seed
        }
    }

    /// The faults.
    public let faults: Faults
    private var random: SeededRandom
    private var heldBack: [UInt8]?

    /// A link with `faults`, its draws seeded with their seed.
    public init(_ faults: Faults) {
        self.faults = faults
        random = SeededRandom(seed: faults.seed)
    }

    /// Whether a message coming in arrives (false: it is lost).
    public mutating func arrives() -> Bool { !random.chance(faults.loss) }

    /// What goes out, in order, when `payload` is sent: nothing (lost, or held back), the payload,
    /// the payload twice, and a message held back before after it.
    public mutating func send(_ payload: [UInt8]) -> [[UInt8]] {
        if random.chance(faults.loss) { return [] }
        if random.chance(faults.delay) && heldBack == nil {
            heldBack = payload
            return []
        }
        var out = [payload]
        if random.chance(faults.duplication) { out.append(payload) }
        if let late = heldBack {
            heldBack = nil
            out.append(late)
        }
        return out
    }
}
