// The direct mapping (see `WireMapped`) of the messages on the hot path: `state` (every truck,
// several times a second), `order` and `instantActions` (the coordinator's answers). Members are
// read and written in the order of the types' stored properties, which is the order of their
// synthesized `Codable` conformance: both paths write the same bytes.

extension WireValue: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        switch WireJSONType(node) {
        case .boolean: self = .bool(try Bool(wire: node))
        case .string: self = .string(try String(wire: node))
        case .number: self = .number(try Double(wire: node))
        case .array: self = .array(try [WireValue](wire: node))
        case .object: self = .object(try [String: WireValue](wire: node))
        case .null: throw .typeMismatch(path: "", expected: "a string, number, boolean, array or object", found: "null")
        }
    }

    func write(to text: inout WireText) throws(WireError) {
        switch self {
        case .string(let value): value.write(to: &text)
        case .number(let value):
            // As the Codable path: a whole number as one.
            if value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
                text.raw(String(Int64(value)))
            } else {
                try value.write(to: &text)
            }
        case .bool(let value): value.write(to: &text)
        case .array(let value): try value.write(to: &text)
        case .object(let value): try value.write(to: &text)
        }
    }
}

extension NodePosition: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        let object = try WireObject(node)
        self.init(x: try object.get("x"), y: try object.get("y"), theta: try object.get("theta"), mapId: try object.get("mapId"))
    }

    func write(to text: inout WireText) throws(WireError) {
        try text.object { (text) throws(WireError) in
            try text.member("x", x)
            try text.member("y", y)
            try text.member("theta", theta)
            try text.member("mapId", mapId)
        }
    }
}

extension ActionParameter: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        let object = try WireObject(node)
        self.init(key: try object.get("key"), value: try object.get("value"))
    }

    func write(to text: inout WireText) throws(WireError) {
        try text.object { (text) throws(WireError) in
            try text.member("key", key)
            try text.member("value", value)
        }
    }
}

extension Action.BlockingType: WireMapped {}

extension Action: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        let object = try WireObject(node)
        self.init(
            actionType: try object.get("actionType"), actionId: try object.get("actionId"),
            actionDescriptor: try object.get("actionDescriptor"), blockingType: try object.get("blockingType"),
            actionParameters: try object.get("actionParameters"), retriable: try object.get("retriable"))
    }

    func write(to text: inout WireText) throws(WireError) {
        try text.object { (text) throws(WireError) in
            try text.member("actionType", actionType)
            try text.member("actionId", actionId)
            try text.member("actionDescriptor", actionDescriptor)
            try text.member("blockingType", blockingType)
            try text.member("actionParameters", actionParameters)
            try text.member("retriable", retriable)
        }
    }
}

extension OrderNode: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        let object = try WireObject(node)
        self.init(
            nodeId: try object.get("nodeId"), sequenceId: try object.get("sequenceId"), nodeDescriptor: try object.get("nodeDescriptor"),
            released: try object.get("released"), nodePosition: try object.get("nodePosition"), actions: try object.get("actions"))
    }

    func write(to text: inout WireText) throws(WireError) {
        try text.object { (text) throws(WireError) in
            try text.member("nodeId", nodeId)
            try text.member("sequenceId", sequenceId)
            try text.member("nodeDescriptor", nodeDescriptor)
            try text.member("released", released)
            try text.member("nodePosition", nodePosition)
            try text.member("actions", actions)
        }
    }
}

extension OrderEdge: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        let object = try WireObject(node)
        self.init(
            edgeId: try object.get("edgeId"), sequenceId: try object.get("sequenceId"), edgeDescriptor: try object.get("edgeDescriptor"),
            released: try object.get("released"), maximumSpeed: try object.get("maximumSpeed"), length: try object.get("length"),
            actions: try object.get("actions"))
    }

    func write(to text: inout WireText) throws(WireError) {
        try text.object { (text) throws(WireError) in
            try text.member("edgeId", edgeId)
            try text.member("sequenceId", sequenceId)
            try text.member("edgeDescriptor", edgeDescriptor)
            try text.member("released", released)
            try text.member("maximumSpeed", maximumSpeed)
            try text.member("length", length)
            try text.member("actions", actions)
        }
    }
}

extension OrderMessage: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        let object = try WireObject(node)
        self.init(
            headerId: try object.get("headerId"), timestamp: try object.get("timestamp"), version: try object.get("version"),
            manufacturer: try object.get("manufacturer"), serialNumber: try object.get("serialNumber"), orderId: try object.get("orderId"),
            orderUpdateId: try object.get("orderUpdateId"), orderDescription: try object.get("orderDescription"),
            nodes: try object.get("nodes"), edges: try object.get("edges"))
    }

    func write(to text: inout WireText) throws(WireError) {
        try text.object { (text) throws(WireError) in
            try text.header(self)
            try text.member("orderId", orderId)
            try text.member("orderUpdateId", orderUpdateId)
            try text.member("orderDescription", orderDescription)
            try text.member("nodes", nodes)
            try text.member("edges", edges)
        }
    }
}

extension InstantActionsMessage: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        let object = try WireObject(node)
        self.init(
            headerId: try object.get("headerId"), timestamp: try object.get("timestamp"), version: try object.get("version"),
            manufacturer: try object.get("manufacturer"), serialNumber: try object.get("serialNumber"), actions: try object.get("actions"))
    }

    func write(to text: inout WireText) throws(WireError) {
        try text.object { (text) throws(WireError) in
            try text.header(self)
            try text.member("actions", actions)
        }
    }
}

extension StateMessage.NodeState: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        let object = try WireObject(node)
        self.init(
            nodeId: try object.get("nodeId"), sequenceId: try object.get("sequenceId"), nodeDescriptor: try object.get("nodeDescriptor"),
            released: try object.get("released"), nodePosition: try object.get("nodePosition"))
    }

    func write(to text: inout WireText) throws(WireError) {
        try text.object { (text) throws(WireError) in
            try text.member("nodeId", nodeId)
            try text.member("sequenceId", sequenceId)
            try text.member("nodeDescriptor", nodeDescriptor)
            try text.member("released", released)
            try text.member("nodePosition", nodePosition)
        }
    }
}

extension StateMessage.EdgeState: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        let object = try WireObject(node)
        self.init(
            edgeId: try object.get("edgeId"), sequenceId: try object.get("sequenceId"), edgeDescriptor: try object.get("edgeDescriptor"),
            released: try object.get("released"))
    }

    func write(to text: inout WireText) throws(WireError) {
        try text.object { (text) throws(WireError) in
            try text.member("edgeId", edgeId)
            try text.member("sequenceId", sequenceId)
            try text.member("edgeDescriptor", edgeDescriptor)
            try text.member("released", released)
        }
    }
}

extension StateMessage.Position: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        let object = try WireObject(node)
        self.init(
            x: try object.get("x"), y: try object.get("y"), theta: try object.get("theta"), mapId: try object.get("mapId"),
            localized: try object.get("localized"), localizationScore: try object.get("localizationScore"),
            deviationRange: try object.get("deviationRange"))
    }

    func write(to text: inout WireText) throws(WireError) {
        try text.object { (text) throws(WireError) in
            try text.member("x", x)
            try text.member("y", y)
            try text.member("theta", theta)
            try text.member("mapId", mapId)
            try text.member("localized", localized)
            try text.member("localizationScore", localizationScore)
            try text.member("deviationRange", deviationRange)
        }
    }
}

extension StateMessage.Velocity: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        let object = try WireObject(node)
        self.init(vx: try object.get("vx"), vy: try object.get("vy"), omega: try object.get("omega"))
    }

    func write(to text: inout WireText) throws(WireError) {
        try text.object { (text) throws(WireError) in
            try text.member("vx", vx)
            try text.member("vy", vy)
            try text.member("omega", omega)
        }
    }
}

extension StateMessage.ZoneRequest.RequestType: WireMapped {}
extension StateMessage.ZoneRequest.Status: WireMapped {}

extension StateMessage.ZoneRequest: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        let object = try WireObject(node)
        self.init(
            requestId: try object.get("requestId"), requestType: try object.get("requestType"), zoneId: try object.get("zoneId"),
            zoneSetId: try object.get("zoneSetId"), requestStatus: try object.get("requestStatus"))
    }

    func write(to text: inout WireText) throws(WireError) {
        try text.object { (text) throws(WireError) in
            try text.member("requestId", requestId)
            try text.member("requestType", requestType)
            try text.member("zoneId", zoneId)
            try text.member("zoneSetId", zoneSetId)
            try text.member("requestStatus", requestStatus)
        }
    }
}

extension StateMessage.ActionState.Status: WireMapped {}

extension StateMessage.ActionState: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        let object = try WireObject(node)
        self.init(
            actionId: try object.get("actionId"), actionType: try object.get("actionType"),
            actionDescriptor: try object.get("actionDescriptor"), actionStatus: try object.get("actionStatus"),
            actionResult: try object.get("actionResult"))
    }

    func write(to text: inout WireText) throws(WireError) {
        try text.object { (text) throws(WireError) in
            try text.member("actionId", actionId)
            try text.member("actionType", actionType)
            try text.member("actionDescriptor", actionDescriptor)
            try text.member("actionStatus", actionStatus)
            try text.member("actionResult", actionResult)
        }
    }
}

extension StateMessage.PowerSupply: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        let object = try WireObject(node)
        self.init(stateOfCharge: try object.get("stateOfCharge"), charging: try object.get("charging"), range: try object.get("range"))
    }

    func write(to text: inout WireText) throws(WireError) {
        try text.object { (text) throws(WireError) in
            try text.member("stateOfCharge", stateOfCharge)
            try text.member("charging", charging)
            try text.member("range", range)
        }
    }
}

extension StateMessage.ReportedError.Level: WireMapped {}

extension StateMessage.ReportedError: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        let object = try WireObject(node)
        self.init(
            errorType: try object.get("errorType"), errorDescription: try object.get("errorDescription"),
            errorLevel: try object.get("errorLevel"))
    }

    func write(to text: inout WireText) throws(WireError) {
        try text.object { (text) throws(WireError) in
            try text.member("errorType", errorType)
            try text.member("errorDescription", errorDescription)
            try text.member("errorLevel", errorLevel)
        }
    }
}

extension StateMessage.SafetyState.EmergencyStop: WireMapped {}

extension StateMessage.SafetyState: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        let object = try WireObject(node)
        self.init(activeEmergencyStop: try object.get("activeEmergencyStop"), fieldViolation: try object.get("fieldViolation"))
    }

    func write(to text: inout WireText) throws(WireError) {
        try text.object { (text) throws(WireError) in
            try text.member("activeEmergencyStop", activeEmergencyStop)
            try text.member("fieldViolation", fieldViolation)
        }
    }
}

extension StateMessage.OperatingMode: WireMapped {}

extension StateMessage: WireMapped {
    init(wire node: OpaquePointer?) throws(WireError) {
        let object = try WireObject(node)
        self.init(
            headerId: try object.get("headerId"), timestamp: try object.get("timestamp"), version: try object.get("version"),
            manufacturer: try object.get("manufacturer"), serialNumber: try object.get("serialNumber"), orderId: try object.get("orderId"),
            orderUpdateId: try object.get("orderUpdateId"), lastNodeId: try object.get("lastNodeId"),
            lastNodeSequenceId: try object.get("lastNodeSequenceId"), nodeStates: try object.get("nodeStates"),
            edgeStates: try object.get("edgeStates"), mobileRobotPosition: try object.get("mobileRobotPosition"),
            velocity: try object.get("velocity"), driving: try object.get("driving"), paused: try object.get("paused"),
            newBaseRequest: try object.get("newBaseRequest"), zoneRequests: try object.get("zoneRequests"),
            distanceSinceLastNode: try object.get("distanceSinceLastNode"), actionStates: try object.get("actionStates"),
            instantActionStates: try object.get("instantActionStates"), powerSupply: try object.get("powerSupply"),
            operatingMode: try object.get("operatingMode"), errors: try object.get("errors"), safetyState: try object.get("safetyState"))
    }

    func write(to text: inout WireText) throws(WireError) {
        try text.object { (text) throws(WireError) in
            try text.header(self)
            try text.member("orderId", orderId)
            try text.member("orderUpdateId", orderUpdateId)
            try text.member("lastNodeId", lastNodeId)
            try text.member("lastNodeSequenceId", lastNodeSequenceId)
            try text.member("nodeStates", nodeStates)
            try text.member("edgeStates", edgeStates)
            try text.member("mobileRobotPosition", mobileRobotPosition)
            try text.member("velocity", velocity)
            try text.member("driving", driving)
            try text.member("paused", paused)
            try text.member("newBaseRequest", newBaseRequest)
            try text.member("zoneRequests", zoneRequests)
            try text.member("distanceSinceLastNode", distanceSinceLastNode)
            try text.member("actionStates", actionStates)
            try text.member("instantActionStates", instantActionStates)
            try text.member("powerSupply", powerSupply)
            try text.member("operatingMode", operatingMode)
            try text.member("errors", errors)
            try text.member("safetyState", safetyState)
        }
    }
}

extension WireText {
    /// The five header members every VDA 5050 message starts with, in their order.
    mutating func header(_ message: some VDA5050Message) throws(WireError) {
        try member("headerId", message.headerId)
        try member("timestamp", message.timestamp)
        try member("version", message.version)
        try member("manufacturer", message.manufacturer)
        try member("serialNumber", message.serialNumber)
    }
}
