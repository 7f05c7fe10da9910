#!/usr/bin/env bash
# Runs the whole test suite of the Truck Lane Coordinator on Debian 12 with Swift 6.
# Installs what is missing first (as root, or through sudo), so a fresh machine needs only this.
#
#   Tests/run.sh            # everything: lint, warnings check, all tests (release build)
#   LANE_RANDOM_RUNS=5000 Tests/run.sh   # more randomized safety runs
set -euo pipefail
cd "$(dirname "$0")/.."

# Each phase's wall time, printed at the end (docs/performance.md keeps the figures).
phase_started=$SECONDS
phase_name=""
phases=()
phase() {
    if [ -n "$phase_name" ]; then phases+=("$(printf '%5d s  %s' $((SECONDS - phase_started)) "$phase_name")"); fi
    phase_name="$1"
    phase_started=$SECONDS
    if [ -n "$1" ]; then echo "== $1"; fi
}

# Debian packages the suite needs: json-c for the wire codec, libmosquitto for the MQTT client,
# the mosquitto broker the MQTT tests start (one per test, on a free loopback port; the tests
# never use a system broker), openssl for the TLS tests' certificates, libpq for the PostgreSQL
# journal and lease and the PostgreSQL server the tests start (one per test process, on a free
# loopback port), SPIN (and gcc, for its verifiers) for the model of the failover protocol.
source .ci/install-packages.sh
install_packages "${suite_packages[@]}"

phase "install and format (swift format lint --strict)"
swift format lint --strict -r Package.swift Sources Tests simulators/SimKit simulators/FastSim simulators/lane-sim simulators/TruckAgent simulators/BrokerSim simulators/Auditor simulators/Scenario \
    Benchmarks/Package.swift Benchmarks/CoreBenchmarks Benchmarks/WireBenchmarks Benchmarks/MQTTBenchmarks Benchmarks/CoordinatorBenchmarks


# The module table of docs/architecture.md against Package.swift and every import of the sources.
phase "layers: Package.swift and the imports against the module table"
python3 Tests/architecture/check_layers.py --self-test
python3 Tests/architecture/check_layers.py

# The failover protocol (two coordinators, the lease and its epoch, trucks, lossy links, split
# brain) checked exhaustively with SPIN; docs/safety.md says what the model covers and what not.
phase "model check of the failover protocol (SPIN, Tests/model/failover.pml)"
bash Tests/model/check.sh

# Python packages of the conformance checks: jsonschema (the reference validator), jsonschema-rs
# (the same schemas, compiled, for the hundreds of thousands of captured messages), PyYAML.
install_python_packages

# The official VDA 5050 3.0 JSON Schemas (MIT, (c) VDA): test data, not part of the project.
schemas="${VDA5050_SCHEMAS:-$PWD/../shared/vda5050/3.0-main}"
if [ ! -f "$schemas/order.schema" ]; then
    echo "VDA 5050 3.0 schemas not found in $schemas." >&2
    echo "Get the json_schemas folder of https://github.com/VDA5050/VDA5050 (3.0) and set VDA5050_SCHEMAS to it." >&2
    exit 1
fi

phase "build (release, with the tests; the project's own code must compile without warnings)"
# One build serves the warnings check and every test phase below (tests in release: the randomized
# safety runs are many): `swift test` with a filter that matches no test builds exactly what the
# later phases run, and runs nothing. Its progress is shown; the dependencies' own warnings are not.
log=$(mktemp)
swift test -c release --filter "no test has this name" 2>&1 | tee "$log" |
    grep --line-buffered -E "^\[[0-9]+/[0-9]+\] (Compiling|Linking)|^$PWD/(Sources|Tests|simulators)/|error:|^Build" || true
if grep -E "^$PWD/(Sources|Tests|simulators)/.*(warning|error):" "$log"; then
    echo "the project's code has warnings or errors" >&2
    exit 1
fi
rm -f "$log"

phase "unit, randomized and fast-simulation tests"
emitted="$PWD/.build/wire-emitted"
rm -rf "$emitted"
# Every test that runs the coordinator or the simulator over a real broker records every message
# on that broker here (Sources/LaneTestKit/BrokerCapture.swift); it is checked after the tests.
export LANE_CAPTURE_DIR="$PWD/.build/broker-capture"
rm -rf "$LANE_CAPTURE_DIR"
testlog=$(mktemp)
LANE_WIRE_EMIT_DIR="$emitted" swift test -c release --skip LaneCoordinatorTests 2>&1 | tee "$testlog"
# The coordinator's end-to-end tests run the site clock five times faster than real time against
# a real broker: they run on their own, so that the randomized runs above do not starve them.
phase "end-to-end tests of the coordinator (real broker, scripted trucks)"
LANE_WIRE_EMIT_DIR="$emitted" swift test -c release --filter LaneCoordinatorTests --skip "BrokerSimulationTests|StationSystemEndToEndTests" 2>&1 |
    tee -a "$testlog"
# The simulator's runs (up to twenty trucks, faults, broker restart, coordinator kill, a standby
# pair's failovers) are real time at 8x: three groups side by side, each serialized, with the
# machine to themselves (each run takes about a third of a core; the groups are balanced by
# their wall time in the last fresh-clone run; the standby pair's test runs its seed twice, with and
# without failovers: about 470, 570 and 480 s; the station systems' runs about 150 s more).
phase "simulator runs over a real broker, three at a time, each checked by the auditor"
# The test binary is run directly: two `swift test` at once would wait for each other's lock on .build.
tests_binary="$(swift build -c release --show-bin-path)/TruckLaneCoordinatorPackageTests.xctest"
groups=(
    "BrokerSimulationTests/(lossyLinks|shuttle|coordinatorKill)"
    "BrokerSimulationTests/(standbyPairFailovers|breakdown)"
    "BrokerSimulationTests/(brokerRestart|staleTruck|strictZoneGrants|rogueOverrun)|StationSystemEndToEndTests"
)
pids=()
for i in "${!groups[@]}"; do
    "$tests_binary" --testing-library swift-testing --filter "${groups[$i]}" >"$testlog.sim$i" 2>&1 &
    pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then failed=1; fi
    cat "$testlog.sim$i" | tee -a "$testlog" | grep -E "^(✔|✘) (Test|Suite)|error|recorded an issue" || true
done
if [ "$failed" -ne 0 ]; then
    echo "a simulator run failed (its seed and the auditor's findings are above)" >&2
    exit 1
fi

phase "conformance: golden examples and every message the codec emitted in the tests"
python3 Tests/conformance/validate.py "$schemas" protocols/examples "$emitted"
python3 Tests/conformance/check_asyncapi.py
phase "conformance: every message captured on the brokers of the end-to-end and simulator runs"
python3 Tests/conformance/check_capture.py --self-test "$schemas"
python3 Tests/conformance/check_capture.py "$schemas" "$LANE_CAPTURE_DIR"

phase "AddressSanitizer and LeakSanitizer over the code that calls C (MQTT client, wire codec, PostgreSQL connection)"
# Tests/Sanitized is a package of links to those two modules, the test kit and their tests: only
# they are built with the sanitizer, not the rest of the project and its dependencies.
(cd Tests/Sanitized && LSAN_OPTIONS="suppressions=$PWD/../lsan.supp" swift test --sanitize=address 2>&1 |
    grep -v "^/usr/bin/ld.gold: warning: Cannot export local symbol" | tail -n 3)

phase "fuzzing the decoders of every inbound message (libFuzzer + AddressSanitizer, ${LANE_FUZZ_SECONDS:-60} s)"
swift build --scratch-path .build-fuzz --product lane-wire-fuzz \
    -Xswiftc -DFUZZING -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
corpus=$(mktemp -d)
cp protocols/examples/*.json "$corpus"/
fuzzlog=$(mktemp)
if ! SWIFT_BACKTRACE=enable=no .build-fuzz/debug/lane-wire-fuzz -max_total_time="${LANE_FUZZ_SECONDS:-60}" \
    -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 "$corpus" >"$fuzzlog" 2>&1; then
    grep -v -E "^#[0-9]+ +(NEW|REDUCE|pulse|INITED)" "$fuzzlog" | tail -n 80
    echo "fuzzing found a crash, a leak or a hang: the input is in ./crash-* (or leak-*, timeout-*)" >&2
    exit 1
fi
tail -n 6 "$fuzzlog"
echo "fuzzing: no crash, leak or hang"

phase ""
echo "phases:"
printf '  %s\n' "${phases[@]}"
echo "  $(printf '%5d s' "$SECONDS")  in all"
tests=$(grep -oE "Test run with [0-9]+ tests" "$testlog" | grep -oE "[0-9]+" | awk "{ s += \$1 } END { print s }")
echo "all checks passed: swift test, schema conformance, sanitizers, fuzzing"
echo "${tests:-0} passed, 0 failed"
