/// `factsheet`: a truck's capabilities. The coordinator reads its type and its physical
/// parameters (length, speed, acceleration, deceleration: the truck's kinematics); the other
/// required sections are kept as they came, as JSON values.
public struct FactsheetMessage: VDA5050Message {
    /// The truck type.
    public struct TypeSpecification: Codable, Equatable, Sendable {
        /// The series.
        public var seriesName: String
        /// Free text.
        public var seriesDescription: String?
        /// Kinematics (for example `DIFF`, `OMNI`, `THREEWHEEL`).
        public var mobileRobotKinematics: String
        /// Class (for example `FORKLIFT`, `CARRIER`, `TUGGER`).
        public var mobileRobotClass: String
        /// Heaviest load (kg).
        public var maximumLoadMass: Double
        /// Localisation types.
        public var localizationTypes: [String]
        /// Navigation types.
        public var navigationTypes: [String]
        /// Zone types it supports.
        public var supportedZones: [String]?

        /// Describes a truck type.
        public init(
            seriesName: String, seriesDescription: String? = nil, mobileRobotKinematics: String, mobileRobotClass: String,
            maximumLoadMass: Double, localizationTypes: [String], navigationTypes: [String], supportedZones: [String]? = nil
        ) {
            self.seriesName = seriesName
            self.seriesDescription = seriesDescription
            self.mobileRobotKinematics = mobileRobotKinematics
            self.mobileRobotClass = mobileRobotClass
            self.maximumLoadMass = maximumLoadMass
            self.localizationTypes = localizationTypes
            self.navigationTypes = navigationTypes
            self.supportedZones = supportedZones
        }
    }

    /// The truck's physical limits.
    public struct PhysicalParameters: Codable, Equatable, Sendable {
        /// Slowest controlled speed (m/s).
        public var minimumSpeed: Double
        /// Top speed (m/s).
        public var maximumSpeed: Double
        /// Acceleration (m/s²).
        public var maximumAcceleration: Double
        /// Deceleration it guarantees (m/s²): the coordinator's service braking.
        public var maximumDeceleration: Double
        /// Lowest height (m).
        public var minimumHeight: Double
        /// Highest height (m).
        public var maximumHeight: Double
        /// Width (m).
        public var width: Double
        /// Length (m).
        public var length: Double

        /// Describes the physical parameters.
        public init(
            minimumSpeed: Double, maximumSpeed: Double, maximumAcceleration: Double, maximumDeceleration: Double, minimumHeight: Double,
            maximumHeight: Double, width: Double, length: Double
        ) {
            self.minimumSpeed = minimumSpeed
            self.maximumSpeed = maximumSpeed
            self.maximumAcceleration = maximumAcceleration
            self.maximumDeceleration = maximumDeceleration
            self.minimumHeight = minimumHeight
            self.maximumHeight = maximumHeight
            self.width = width
            self.length = length
        }
    }

    /// See `VDA5050Message`.
    public var headerId: UInt64
    /// See `VDA5050Message`.
    public var timestamp: String
    /// See `VDA5050Message`.
    public var version: String
    /// See `VDA5050Message`.
    public var manufacturer: String
    /// See `VDA5050Message`.
    public var serialNumber: String
    /// See `TypeSpecification`.
    public var typeSpecification: TypeSpecification
    /// See `PhysicalParameters`.
    public var physicalParameters: PhysicalParameters
    /// Protocol limits, as sent.
    public var protocolLimits: WireValue
    /// Protocol features, as sent.
    public var protocolFeatures: WireValue
    /// Geometry, as sent.
    public var mobileRobotGeometry: WireValue
    /// Load specification, as sent.
    public var loadSpecification: WireValue
    /// Configuration, as sent.
    public var mobileRobotConfiguration: WireValue?

    /// Describes a factsheet.
    public init(
        headerId: UInt64, timestamp: String, version: String = VDA5050.version, manufacturer: String, serialNumber: String,
        typeSpecification: TypeSpecification, physicalParameters: PhysicalParameters, protocolLimits: WireValue,
        protocolFeatures: WireValue,
        mobileRobotGeometry: WireValue = .object([:]), loadSpecification: WireValue = .object([:]),
        mobileRobotConfiguration: WireValue? = nil
    ) {
        self.headerId = headerId
        self.timestamp = timestamp
        self.version = version
        self.manufacturer = manufacturer
        self.serialNumber = serialNumber
        self.typeSpecification = typeSpecification
        self.physicalParameters = physicalParameters
        self.protocolLimits = protocolLimits
        self.protocolFeatures = protocolFeatures
        self.mobileRobotGeometry = mobileRobotGeometry
        self.loadSpecification = loadSpecification
        self.mobileRobotConfiguration = mobileRobotConfiguration
    }
}
