import LaneCore
import LaneSite
import LaneWire

extension CoordinatorCore {
    /// Decodes a message as it arrived into the core's input: a truck's state, connection or
    /// factsheet, a trip, an operator's request; or, for a message that is not one (unknown
    /// topic, another interface or major version, malformed JSON, a payload that names another
    /// truck than its topic, a protocol version other than 3), `.refused` with the reason.
    public func input(from message: InboundMessage) -> CoordinatorInput {
        let decoder = WireDecoder()
        func refused(_ reason: InboundRejection, _ detail: String) -> CoordinatorInput {
            .refused(reason, topic: message.topic, detail: detail, replyTo: message.replyTo)
        }
        switch message.topic {
        case CoordinatorTopic.dispatch:
            do {
                return .dispatch(try decoder.decode(TripDispatch.self, from: message.payload), topic: message.topic)
            } catch {
                return refused(.malformed, error.description)
            }
        case CoordinatorTopic.operatorRequests:
            do {
                return .operatorRequest(try decoder.decode(OperatorRequest.self, from: message.payload), replyTo: message.replyTo)
            } catch {
                return refused(.malformed, error.description)
            }
        default: break
        }
        if let (zone, kind) = StationTopic.parse(message.topic) {
            /// Decodes a station system's message, whose zone must be its topic's.
            func stationInput<M: Decodable>(
                _ type: M.Type, zone keyPath: KeyPath<M, String>, _ make: (M) -> CoordinatorInput
            )
                -> CoordinatorInput
            {
                let decoded: M
                do {
                    decoded = try decoder.decode(M.self, from: message.payload)
                } catch {
                    return refused(.malformed, error.description)
                }
                guard decoded[keyPath: keyPath] == zone else {
                    return refused(.topicMismatch, "zone '\(decoded[keyPath: keyPath])' on the topic of '\(zone)'")
                }
                return make(decoded)
            }
            switch kind {
            case .state: return stationInput(StationStateMessage.self, zone: \.zone) { .stationState($0, topic: message.topic) }
            case .result: return stationInput(StationResultMessage.self, zone: \.zone) { .stationResult($0, topic: message.topic) }
            case .call: return refused(.unknownTopic, "the coordinator publishes station calls, it does not take them")
            }
        }
        let topic: VDA5050Topic
        do {
            topic = try VDA5050Topic(parsing: message.topic)
        } catch {
            return refused(.unknownTopic, error.description)
        }
        guard topic.interfaceName == settings.interfaceName else { return refused(.unknownTopic, "interface '\(topic.interfaceName)'") }
        guard topic.majorVersion == VDA5050.majorVersion else { return refused(.versionMismatch, "topic version \(topic.majorVersion)") }
        guard settings.fleet[TruckID(topic.serialNumber)] != nil else {
            return refused(.unknownVehicle, "\(topic.manufacturer)/\(topic.serialNumber) is not in the fleet")
        }
        /// Decodes a truck's message, checks what every VDA 5050 message must satisfy, and makes
        /// the input of it.
        func truckInput<M: VDA5050Message>(_ type: M.Type, _ make: (M) -> CoordinatorInput) -> CoordinatorInput {
            let decoded: M
            do {
                decoded = try decoder.decode(M.self, from: message.payload)
            } catch {
                return refused(.malformed, error.description)
            }
            do {
                try topic.check(decoded)
            } catch {
                return refused(.topicMismatch, error.description)
            }
            guard decoded.version.split(separator: ".").first == "3" else {
                return refused(.versionMismatch, "protocol version \(decoded.version)")
            }
            return make(decoded)
        }
        switch topic.kind {
        case .state: return truckInput(StateMessage.self) { .truckState($0, topic: message.topic) }
        case .connection: return truckInput(ConnectionMessage.self) { .truckConnection($0, topic: message.topic) }
        case .factsheet: return truckInput(FactsheetMessage.self) { .factsheet($0, topic: message.topic) }
        default: return refused(.unknownTopic, "not a topic trucks publish")
        }
    }
}
