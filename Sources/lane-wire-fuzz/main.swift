// libFuzzer target over the decoder of every inbound wire message. Built only for fuzzing:
//   swift build --scratch-path .build-fuzz --product lane-wire-fuzz \
//       -Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer,address
//   SWIFT_BACKTRACE=enable=no .build-fuzz/debug/lane-wire-fuzz -max_total_time=60 CORPUS
// Without -DFUZZING it is an empty program, so that ordinary builds link.
#if FUZZING
    import LaneWire

    #if canImport(Glibc)
        import Glibc
    #endif

    @_silgen_name("LLVMFuzzerRunDriver")
    func runFuzzerDriver(
        _ argc: UnsafeMutablePointer<Int32>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    ) -> Int32

    /// Decodes the input as every message a truck or an operator can send; only a crash, a leak or
    /// a hang is a finding: refusals are the expected outcome for most inputs.
    func decodeEveryInboundMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        fuzzOneInput(data, size)
    }

    /// libFuzzer's entry point, for when its own `main` is the one linked.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        let decoder = WireDecoder()
        _ = try? decoder.decode(StateMessage.self, from: bytes)
        _ = try? decoder.decode(ConnectionMessage.self, from: bytes)
        _ = try? decoder.decode(OrderMessage.self, from: bytes)
        _ = try? decoder.decode(InstantActionsMessage.self, from: bytes)
        _ = try? decoder.decode(ResponsesMessage.self, from: bytes)
        _ = try? decoder.decode(ZoneSetMessage.self, from: bytes)
        _ = try? decoder.decode(VisualizationMessage.self, from: bytes)
        _ = try? decoder.decode(FactsheetMessage.self, from: bytes)
        _ = try? decoder.decode(WireValue.self, from: bytes)
        return 0
    }

    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(runFuzzerDriver(&argc, &argv, decodeEveryInboundMessage))
#else
    print("lane-wire-fuzz: build with -Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer,address (see Tests/run.sh)")
#endif
