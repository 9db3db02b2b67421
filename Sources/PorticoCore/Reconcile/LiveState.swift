/// What Portico read from AWS, in plain values. Drivers fill these in; the diff compares them
/// with the stack file. Nothing here does I/O.

/// An `existing` entry as found in AWS.
public enum ResolvedEntry: Sendable, Codable, Equatable {
    case vpc(id: String)
    case subnets([LiveSubnet])
    case instances([LiveInstance])
    case hostedZone(LiveZone)
}

public struct LiveSubnet: Sendable, Codable, Equatable {
    public var id: String
    public var vpcID: String
    public var availabilityZone: String
    public init(id: String, vpcID: String, availabilityZone: String) {
        self.id = id
        self.vpcID = vpcID
        self.availabilityZone = availabilityZone
    }
}

public struct LiveInstance: Sendable, Codable, Equatable {
    public var id: String
    public var vpcID: String
    public var state: String
    /// The groups of the instance's primary network interface.
    public var securityGroupIDs: [String]
    public init(id: String, vpcID: String, state: String, securityGroupIDs: [String]) {
        self.id = id
        self.vpcID = vpcID
        self.state = state
        self.securityGroupIDs = securityGroupIDs
    }
}

public struct LiveZone: Sendable, Codable, Equatable {
    /// Without the `/hostedzone/` prefix.
    public var id: String
    /// Normalised: lower case, no trailing dot.
    public var name: String
    public init(id: String, name: String) {
        self.id = id
        self.name = DomainName.normalize(name)
    }
}

public struct DNSRecord: Sendable, Codable, Hashable {
    public var name: String
    public var type: String
    public var value: String
    public init(name: String, type: String, value: String) {
        self.name = DomainName.normalize(name)
        self.type = type
        self.value = value
    }
}

public struct LiveCertificate: Sendable, Codable, Equatable {
    public var arn: String
    public var domain: String
    /// Every name the certificate covers, the domain included (as ACM reports them).
    public var subjectAlternativeNames: [String]
    public var keyAlgorithm: String
    public var status: String
    public var validationRecords: [DNSRecord]
    public var tags: [String: String]
    public var inUseBy: [String]
    public init(arn: String, domain: String, subjectAlternativeNames: [String], keyAlgorithm: String, status: String,
                validationRecords: [DNSRecord], tags: [String: String], inUseBy: [String] = []) {
        self.arn = arn
        self.domain = domain
        self.subjectAlternativeNames = subjectAlternativeNames
        self.keyAlgorithm = keyAlgorithm
        self.status = status
        self.validationRecords = validationRecords
        self.tags = tags
        self.inUseBy = inUseBy
    }
}

/// One ingress permission for one source, as EC2 lists them.
public struct LivePermission: Sendable, Codable, Hashable {
    /// `tcp`, `udp`, `icmp`, `icmpv6` or `-1` (all).
    public var ipProtocol: String
    public var fromPort: Int?
    public var toPort: Int?
    /// A CIDR, or a security group id.
    public var source: String
    public var description: String?
    public init(ipProtocol: String, fromPort: Int?, toPort: Int?, source: String, description: String?) {
        self.ipProtocol = ipProtocol
        self.fromPort = fromPort
        self.toPort = toPort
        self.source = source
        self.description = description
    }
}

public struct LiveSecurityGroup: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    public var vpcID: String
    public var description: String
    public var ingress: [LivePermission]
    public var tags: [String: String]
    public init(id: String, name: String, vpcID: String, description: String, ingress: [LivePermission], tags: [String: String]) {
        self.id = id
        self.name = name
        self.vpcID = vpcID
        self.description = description
        self.ingress = ingress
        self.tags = tags
    }
}

public struct LiveHealthCheck: Sendable, Codable, Equatable {
    public var checkProtocol: String
    public var path: String
    /// A port number, or `traffic-port`.
    public var port: String
    public var interval: Int
    public var timeout: Int
    public var healthyThreshold: Int
    public var unhealthyThreshold: Int
    public var matcher: String
    public init(checkProtocol: String, path: String, port: String, interval: Int, timeout: Int, healthyThreshold: Int, unhealthyThreshold: Int, matcher: String) {
        self.checkProtocol = checkProtocol
        self.path = path
        self.port = port
        self.interval = interval
        self.timeout = timeout
        self.healthyThreshold = healthyThreshold
        self.unhealthyThreshold = unhealthyThreshold
        self.matcher = matcher
    }
}

public struct LiveTargetGroup: Sendable, Codable, Equatable {
    public var arn: String
    public var name: String
    public var vpcID: String
    public var appProtocol: String
    public var port: Int
    public var healthCheck: LiveHealthCheck
    /// Registered instance ids.
    public var targets: [String]
    public var tags: [String: String]
    public var loadBalancerARNs: [String]
    public init(arn: String, name: String, vpcID: String, appProtocol: String, port: Int, healthCheck: LiveHealthCheck,
                targets: [String], tags: [String: String], loadBalancerARNs: [String] = []) {
        self.arn = arn
        self.name = name
        self.vpcID = vpcID
        self.appProtocol = appProtocol
        self.port = port
        self.healthCheck = healthCheck
        self.targets = targets
        self.tags = tags
        self.loadBalancerARNs = loadBalancerARNs
    }
}

public struct LiveForwardGroup: Sendable, Codable, Equatable {
    public var arn: String
    /// nil when ELB gave none (a plain forward).
    public var weight: Int?
    public init(arn: String, weight: Int? = nil) {
        self.arn = arn
        self.weight = weight
    }
}

public enum LiveListenerAction: Sendable, Codable, Equatable {
    /// `stickiness`: seconds, when target-group stickiness is on.
    case forward(groups: [LiveForwardGroup], stickiness: Int?)
    /// ELB's own words: protocol `HTTPS`, port `443`, host `#{host}`, status `HTTP_301`.
    case redirect(protocol: String, port: String, host: String, path: String, query: String, status: String)
    case fixedResponse(status: String, contentType: String?, body: String?)
    /// Anything Portico does not write (authentication, several actions in a chain...).
    case other(String)

    public static func forward(_ arn: String) -> LiveListenerAction { .forward(groups: [LiveForwardGroup(arn: arn)], stickiness: nil) }
}

/// One condition of a live rule, in ELB's words: `host-header`, `http-header` (with its name)...
public struct LiveRuleCondition: Sendable, Codable, Equatable {
    public var field: String
    public var headerName: String?
    /// Query-string pairs read `key=value` or `value`.
    public var values: [String]
    public init(field: String, headerName: String? = nil, values: [String]) {
        self.field = field
        self.headerName = headerName
        self.values = values
    }
}

public struct LiveRule: Sendable, Codable, Equatable {
    public var arn: String
    public var priority: Int
    public var conditions: [LiveRuleCondition]
    public var action: LiveListenerAction
    public init(arn: String, priority: Int, conditions: [LiveRuleCondition], action: LiveListenerAction) {
        self.arn = arn
        self.priority = priority
        self.conditions = conditions
        self.action = action
    }
}

public struct LiveListener: Sendable, Codable, Equatable {
    public var arn: String
    public var port: Int
    public var appProtocol: String
    /// The default certificate.
    public var certificateARNs: [String]
    /// SNI certificates beside the default one (read for HTTPS listeners).
    public var extraCertificateARNs: [String]
    public var sslPolicy: String?
    /// The default action.
    public var action: LiveListenerAction
    /// The rules other than the default one.
    public var rules: [LiveRule]
    public init(arn: String, port: Int, appProtocol: String, certificateARNs: [String], extraCertificateARNs: [String] = [], sslPolicy: String?,
                action: LiveListenerAction, rules: [LiveRule] = []) {
        self.arn = arn
        self.port = port
        self.appProtocol = appProtocol
        self.certificateARNs = certificateARNs
        self.extraCertificateARNs = extraCertificateARNs
        self.sslPolicy = sslPolicy
        self.action = action
        self.rules = rules
    }
}

public struct LiveLoadBalancer: Sendable, Codable, Equatable {
    public var arn: String
    public var name: String
    public var scheme: String
    public var ipAddressType: String
    public var vpcID: String
    public var subnetIDs: [String]
    public var securityGroupIDs: [String]
    public var dnsName: String
    public var canonicalHostedZoneID: String
    public var state: String
    public var deletionProtection: Bool
    public var tags: [String: String]
    public var listeners: [LiveListener]
    public init(arn: String, name: String, scheme: String, ipAddressType: String, vpcID: String, subnetIDs: [String], securityGroupIDs: [String],
                dnsName: String, canonicalHostedZoneID: String, state: String, deletionProtection: Bool, tags: [String: String], listeners: [LiveListener]) {
        self.arn = arn
        self.name = name
        self.scheme = scheme
        self.ipAddressType = ipAddressType
        self.vpcID = vpcID
        self.subnetIDs = subnetIDs
        self.securityGroupIDs = securityGroupIDs
        self.dnsName = dnsName
        self.canonicalHostedZoneID = canonicalHostedZoneID
        self.state = state
        self.deletionProtection = deletionProtection
        self.tags = tags
        self.listeners = listeners
    }
}

public struct AliasTarget: Sendable, Codable, Equatable {
    public var hostedZoneID: String
    public var dnsName: String
    public var evaluateTargetHealth: Bool
    public init(hostedZoneID: String, dnsName: String, evaluateTargetHealth: Bool) {
        self.hostedZoneID = hostedZoneID
        self.dnsName = dnsName
        self.evaluateTargetHealth = evaluateTargetHealth
    }
}

public struct LiveRecordSet: Sendable, Codable, Equatable {
    public var name: String
    public var type: String
    public var ttl: Int?
    public var values: [String]
    public var alias: AliasTarget?
    /// Set when the record set is weighted, latency-based, etc.: never Portico's.
    public var setIdentifier: String?
    public init(name: String, type: String, ttl: Int? = nil, values: [String] = [], alias: AliasTarget? = nil, setIdentifier: String? = nil) {
        self.name = DomainName.normalize(name)
        self.type = type
        self.ttl = ttl
        self.values = values
        self.alias = alias
        self.setIdentifier = setIdentifier
    }
}

/// An alias record Portico owns: its A/AAAA record sets and the ownership TXT beside them.
public struct LiveAliasRecord: Sendable, Codable, Equatable {
    public var zoneID: String
    public var name: String
    public var recordSets: [LiveRecordSet]
    public var owner: LiveRecordSet
    public var resourceKey: String
    public init(zoneID: String, name: String, recordSets: [LiveRecordSet], owner: LiveRecordSet, resourceKey: String) {
        self.zoneID = zoneID
        self.name = name
        self.recordSets = recordSets
        self.owner = owner
        self.resourceKey = resourceKey
    }

    /// How plan steps name it: `ZONEID/name` (Route53 records have no id of their own).
    public var id: String { "\(zoneID)/\(name)" }
}

/// Something in AWS that holds a name the stack wants but that this stack does not own.
public struct NameHolder: Sendable, Codable, Equatable {
    public var kind: EntryKind
    public var name: String
    public var id: String
    /// The `portico:stack` tag, when another stack owns it.
    public var ownerStack: String?
    /// Security group names are unique per VPC only.
    public var vpcID: String?
    public init(kind: EntryKind, name: String, id: String, ownerStack: String?, vpcID: String? = nil) {
        self.kind = kind
        self.name = name
        self.id = id
        self.ownerStack = ownerStack
        self.vpcID = vpcID
    }
}

/// Everything read for one stack: its existing entries, what it owns, and what stands in its way.
public struct LiveWorld: Sendable {
    public var existing: [String: ResolvedEntry] = [:]
    /// Instances the stack names (targets, attach_to) or has attached its groups to, by id.
    public var instances: [String: LiveInstance] = [:]
    public var certificates: [LiveCertificate] = []
    public var securityGroups: [LiveSecurityGroup] = []
    public var targetGroups: [LiveTargetGroup] = []
    public var loadBalancers: [LiveLoadBalancer] = []
    public var aliasRecords: [LiveAliasRecord] = []
    /// Every record set of every zone the stack names, by zone id.
    public var zoneRecords: [String: [LiveRecordSet]] = [:]
    public var nameHolders: [NameHolder] = []

    public init() {}

    public func zone(_ key: String) -> LiveZone? {
        if case .hostedZone(let zone) = existing[key] { return zone }
        return nil
    }

    // References resolved to AWS ids: a literal id as it is, an entry through its lookup; nil
    // when the entry was not found.

    public func vpcID(_ reference: Reference) -> String? {
        switch reference {
        case .awsID(let id): return id
        case .entry(let key): if case .vpc(let id) = existing[key] { return id } else { return nil }
        }
    }

    public func subnetIDs(_ reference: Reference) -> [String]? {
        switch reference {
        case .awsID(let id): return [id]
        case .entry(let key): if case .subnets(let subnets) = existing[key] { return subnets.map(\.id) } else { return nil }
        }
    }

    public func instanceIDs(_ reference: Reference) -> [String]? {
        switch reference {
        case .awsID(let id): return [id]
        case .entry(let key): if case .instances(let instances) = existing[key] { return instances.map(\.id) } else { return nil }
        }
    }
}

extension LiveRecordSet {
    /// Whether this record set holds `record` (as ACM asks for validation records).
    public func holds(_ record: DNSRecord) -> Bool {
        name == record.name && type == record.type && values.contains { DomainName.normalize($0) == DomainName.normalize(record.value) }
    }
}

extension Dictionary where Key == String, Value == String {
    /// The entry key a live resource carries, when it belongs to `stack`.
    public func porticoResource(in stack: String) -> String? {
        self[Ownership.stackTag] == stack ? self[Ownership.resourceTag] : nil
    }
}
