import Benchmark
import Foundation
import LaneWire

// The golden examples of protocols/examples, compacted as they travel on the wire.
let stateText =
    #"{"headerId":40211,"timestamp":"2026-11-29T08:14:03.200Z","version":"3.0.0","manufacturer":"lane-fleet","serialNumber":"T007","orderId":"trip-T007-20261129-0812","orderUpdateId":4,"lastNodeId":"import-scan-queue@96.5","lastNodeSequenceId":0,"nodeStates":[{"nodeId":"import-xray@20.5","sequenceId":2,"released":true,"nodePosition":{"x":894.5,"y":0.0,"mapId":"huu-nghi-1119-1120"}},{"nodeId":"vn-yard-entry-gate@22","sequenceId":4,"released":false}],"edgeStates":[{"edgeId":"import-scan-queue>import-xray","sequenceId":1,"released":true},{"edgeId":"import-xray>vn-yard-entry-gate","sequenceId":3,"released":false}],"mobileRobotPosition":{"x":871.38,"y":0.02,"theta":0.0,"mapId":"huu-nghi-1119-1120","localized":true,"localizationScore":0.97,"deviationRange":0.3},"velocity":{"vx":4.6,"vy":0.0,"omega":0.0},"driving":true,"paused":false,"newBaseRequest":false,"zoneRequests":[{"requestId":"T007-zone-import-xray-4","requestType":"ACCESS","zoneId":"import-xray","zoneSetId":"huu-nghi-1119-1120","requestStatus":"GRANTED"}],"distanceSinceLastNode":20.88,"actionStates":[{"actionId":"T007-4-scan","actionType":"laneStationStop","actionStatus":"WAITING"}],"instantActionStates":[{"actionId":"T007-hold-12","actionType":"stopPause","actionStatus":"FINISHED"}],"powerSupply":{"stateOfCharge":71.5,"charging":false,"range":142000},"operatingMode":"AUTOMATIC","errors":[],"safetyState":{"activeEmergencyStop":"NONE","fieldViolation":false}}"#
let orderText =
    #"{"headerId":118,"timestamp":"2026-11-29T08:14:03.250Z","version":"3.0.0","manufacturer":"lane-fleet","serialNumber":"T007","orderId":"trip-T007-20261129-0812","orderUpdateId":4,"orderDescription":"import lane, green channel, container MSKU1234565","nodes":[{"nodeId":"import-scan-queue@96.5","sequenceId":0,"released":true,"nodePosition":{"x":850.5,"y":0.0,"mapId":"huu-nghi-1119-1120"},"actions":[]},{"nodeId":"import-xray@20.5","sequenceId":2,"released":true,"nodePosition":{"x":894.5,"y":0.0,"mapId":"huu-nghi-1119-1120"},"actions":[{"actionType":"laneStationStop","actionId":"T007-4-scan","blockingType":"HARD","actionParameters":[{"key":"zoneId","value":"import-xray"},{"key":"activity","value":"scan"}]}]},{"nodeId":"vn-yard-entry-gate@22","sequenceId":4,"released":false,"nodePosition":{"x":1334.0,"y":0.0,"mapId":"huu-nghi-1119-1120"},"actions":[]}],"edges":[{"edgeId":"import-scan-queue>import-xray","sequenceId":1,"released":true,"maximumSpeed":5.556,"length":44.0,"actions":[{"actionType":"laneAuthority","actionId":"T007-4-authority","blockingType":"NONE","actionParameters":[{"key":"expiry","value":"2026-11-29T08:14:13.250Z"},{"key":"advisorySpeed","value":4.2}]}]},{"edgeId":"import-xray>vn-yard-entry-gate","sequenceId":3,"released":false,"maximumSpeed":5.556,"length":439.5,"actions":[]}]}"#

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput],
        timeUnits: .nanoseconds,
        warmupIterations: 1000,
        maxDuration: .seconds(3),
        maxIterations: 200_000)

    let stateBytes = Array(stateText.utf8)
    let orderBytes = Array(orderText.utf8)
    let stateData = Data(stateBytes)
    let orderData = Data(orderBytes)
    let state = try! WireDecoder().decode(StateMessage.self, from: stateBytes)
    let order = try! WireDecoder().decode(OrderMessage.self, from: orderBytes)

    Benchmark("decode state, json-c codec") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! WireDecoder().decode(StateMessage.self, from: stateBytes)) }
    }
    Benchmark("decode state, Foundation JSONDecoder") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! JSONDecoder().decode(StateMessage.self, from: stateData)) }
    }
    Benchmark("decode order, json-c codec") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! WireDecoder().decode(OrderMessage.self, from: orderBytes)) }
    }
    Benchmark("decode order, Foundation JSONDecoder") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! JSONDecoder().decode(OrderMessage.self, from: orderData)) }
    }
    Benchmark("encode state, json-c codec") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! WireEncoder().encode(state)) }
    }
    Benchmark("encode state, Foundation JSONEncoder") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! JSONEncoder().encode(state)) }
    }
    Benchmark("encode order, json-c codec") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! WireEncoder().encode(order)) }
    }
    Benchmark("encode order, Foundation JSONEncoder") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try! JSONEncoder().encode(order)) }
    }
}
