import Testing

@testable import LaneMQTT

/// The matching of broker acknowledgements to waiters, in every order the network thread and a
/// publishing task can produce.
@Suite("acknowledgements matched to their waiters")
struct AcknowledgementsTests {
    @Test("an acknowledgement that comes before its waiter is kept for it, then forgotten")
    func early() async {
        var table = Acknowledgements<Int32>()
        #expect(table.settle(7, .success(0)) == nil)
        #expect(table.earlyCount == 1)
        let outcome = await withCheckedContinuation { waiter in
            if let early = table.wait(for: 7, waiter) { waiter.resume(returning: early) }
        }
        #expect(outcome == .success(0))
        #expect(table.earlyCount == 0)
    }

    @Test("an acknowledgement that comes after its waiter resumes it")
    func late() async {
        let table = Table()
        let outcome = await withCheckedContinuation { waiter in
            #expect(table.value.wait(for: 9, waiter) == nil)
            table.value.settle(9, .success(0x87))?.resume(returning: .success(0x87))
        }
        #expect(outcome == .success(0x87))
        #expect(table.value.earlyCount == 0)
    }

    @Test("messages sent without waiting leave nothing behind, whichever comes first")
    func unawaited() {
        var table = Acknowledgements<Int32>()
        table.ignore(1)  // the id is ignored before its acknowledgement comes
        #expect(table.settle(1, .success(0)) == nil)
        #expect(table.settle(2, .success(0)) == nil)
        table.ignore(2)  // the acknowledgement came first
        #expect(table.earlyCount == 0)
    }

    /// A table shared with a continuation's body in the test above.
    final class Table: @unchecked Sendable {
        var value = Acknowledgements<Int32>()
    }
}
