public import LaneCore
public import LaneSite
public import LaneWire

/// Builds the VDA 5050 messages a truck receives from the core's commands, and reads its state
/// back into a core report. Pure: no IO, no clock.
public enum VehicleTranslation {
    /// The id of the stop action at `zone` of trip `orderId`: stable across order updates, so
    /// that the truck's `actionStates` name it.
    public static func stationActionId(orderId: String, zone: ZoneID) -> String { "\(orderId)/\(zone.rawValue)/stop" }

    /// The order update that carries `authority`: the nodes from the last one at or behind the
    /// truck's front to the route's end, released (the base) up to the end of authority, the
    /// rest the horizon (the planned route). The authority action carries the coordinator's
    /// `epoch`, so that a truck ignores an order of a coordinator that has been fenced.
    public static func order(
        for authority: MovementAuthority, nodes: RouteNodes, front: Meters?, orderId: String, channel: CustomsChannel,
        mapId: String, header: (headerId: UInt64, timestamp: String, manufacturer: String), epoch: UInt64 = 1, plan: SlotPlan? = nil,
        speedLimit: (Meters) -> MetersPerSecond
    ) -> OrderMessage {
        var chain = Array(nodes.nodes[nodes.lastNode(atOrBefore: front ?? 0)...])
        var endId = RouteNodes.id(authority.endZone, authority.endOffset)
        if let same = chain.firstIndex(where: { abs($0.position - authority.end) < 0.005 }) {
            endId = chain[same].id
        } else {
            let end = RouteNodes.Node(id: endId, position: authority.end, zone: authority.endZone, station: nil)
            let at = chain.firstIndex { $0.position > authority.end } ?? chain.count
            chain.insert(end, at: at)
        }
        let expiry = WireTimestamp.format(secondsSince1970: authority.expiry)
        let authorityAction = Action(
            actionType: LaneActionType.laneAuthority.rawValue, actionId: "\(orderId)/authority/\(authority.sequence)", blockingType: .none,
            actionParameters: [
                ActionParameter(key: "expiry", value: .string(expiry)),
                ActionParameter(key: "advisorySpeed", value: .number(authority.advisorySpeed)),
                ActionParameter(key: "end", value: .string(endId)),
                ActionParameter(key: "channel", value: .string(channel.rawValue)),
                ActionParameter(key: LaneAuthorityParameter.epoch, value: .number(Double(epoch))),
            ])
        var orderNodes: [OrderNode] = []
        var edges: [OrderEdge] = []
        for (index, node) in chain.enumerated() {
            let released = node.position <= authority.end + 0.005
            var actions: [Action] = []
            if let station = node.station {
                actions.append(
                    Action(
                        actionType: LaneActionType.laneStationStop.rawValue, actionId: stationActionId(orderId: orderId, zone: node.zone),
                        blockingType: .hard,
                        actionParameters: [
                            ActionParameter(key: "zoneId", value: .string(node.zone.rawValue)),
                            ActionParameter(key: "activity", value: .string(station.activity.rawValue)),
                        ]))
            }
            if chain.count == 1 { actions.append(authorityAction) }
            if index == 0, let plan, !plan.windows.isEmpty {
                actions.append(slotPlanAction(plan, orderId: orderId, sequence: authority.sequence))
            }
            orderNodes.append(
                OrderNode(
                    nodeId: node.id, sequenceId: 2 * index, released: released,
                    nodePosition: NodePosition(x: node.position, y: 0, mapId: mapId), actions: actions))
            if index > 0 {
                let from = chain[index - 1]
                edges.append(
                    OrderEdge(
                        edgeId: "\(from.id)>\(node.id)", sequenceId: 2 * index - 1, released: released,
                        maximumSpeed: speedLimit(from.position), length: node.position - from.position,
                        actions: index == 1 ? [authorityAction] : []))
            }
        }
        return OrderMessage(
            headerId: header.headerId, timestamp: header.timestamp, manufacturer: header.manufacturer,
            serialNumber: authority.truck.rawValue, orderId: orderId, orderUpdateId: authority.sequence, nodes: orderNodes, edges: edges)
    }

    /// Slot windows as the wire carries them: an array of `{zone, opens, closes}` (ISO 8601).
    static func windows(_ windows: [SlotWindow]) -> WireValue {
        .array(
            windows.map {
                .object([
                    "zone": .string($0.zone.rawValue), "opens": .string(WireTimestamp.format(secondsSince1970: $0.opens)),
                    "closes": .string(WireTimestamp.format(secondsSince1970: $0.closes)),
                ])
            })
    }

    /// The slot plan as a node action: `windows`, an array of `{zone, opens, closes}` (ISO 8601).
    static func slotPlanAction(_ plan: SlotPlan, orderId: String, sequence: UInt64) -> Action {
        Action(
            actionType: LaneActionType.laneSlotPlan.rawValue, actionId: "\(orderId)/plan/\(sequence)", blockingType: .none,
            actionParameters: [
                ActionParameter(key: "windows", value: windows(plan.windows)),
                ActionParameter(key: "advisorySpeed", value: .number(plan.advisorySpeed)),
            ])
    }

    /// The core report of a truck's state. `front` is its route position
    /// (`RouteNodes.routePosition(of:)`, placed on `nodes`); without a trip both are nil and the report
    /// only shows the truck alive. `orderId` is the trip's order, whose echoed `orderUpdateId`
    /// acknowledges an authority.
    public static func report(
        from state: StateMessage, measuredAt: Seconds, front: Meters?, on nodes: RouteNodes?, orderId: String?
    )
        -> TruckStateReport
    {
        let place = front.flatMap { s in nodes.map { $0.place(s) } } ?? (zone: ZoneID(""), offset: 0)
        return TruckStateReport(
            truck: TruckID(state.serialNumber), sequence: state.headerId, measuredAt: measuredAt, zone: place.zone, offset: place.offset,
            speed: state.velocity?.vx ?? 0, uncertainty: state.mobileRobotPosition?.deviationRange ?? 0.5,
            acknowledgedAuthority: state.orderId == orderId ? state.orderUpdateId : 0)
    }
}

/// A state that cannot be placed on the truck's route.
public enum RouteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `lastNodeId` names no node of the route.
    case nodeNotOnRoute(String)

    /// A sentence naming the problem.
    public var description: String {
        switch self {
        case .nodeNotOnRoute(let node): "last node '\(node)' is not on the truck's route"
        }
    }
}
