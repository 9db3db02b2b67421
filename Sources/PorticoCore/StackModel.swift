/// The desired state that one stack file declares. Every value keeps the position it was
/// written at; references between entries are kept by name here and resolved by `StackGraph`.
public struct Stack: Sendable {
    public var file: String
    public var name: Located<String>
    public var region: Located<String>
    /// Extra tags put on everything the stack creates, beside Portico's ownership tags.
    public var tags: [Tag]
    /// Entries that Portico looks up and never changes, in file order.
    public var existing: [ExistingEntry]
    /// Entries that Portico owns, in file order.
    public var resources: [Resource]

    public init(file: String, name: Located<String>, region: Located<String>, tags: [Tag] = [], existing: [ExistingEntry] = [], resources: [Resource] = []) {
        self.file = file
        self.name = name
        self.region = region
        self.tags = tags
        self.existing = existing
        self.resources = resources
    }

    public func existingEntry(_ key: String) -> ExistingEntry? { existing.first { $0.key.value == key } }
    public func resource(_ key: String) -> Resource? { resources.first { $0.key.value == key } }

    /// The kind of the entry with this key, whether existing or owned.
    public func kind(of key: String) -> EntryKind? {
        existingEntry(key)?.kind ?? resource(key)?.kind
    }

    public var allKeys: [String] { existing.map(\.key.value) + resources.map(\.key.value) }
}

public struct Tag: Sendable, Equatable {
    public var key: Located<String>
    public var value: Located<String>
    public init(key: Located<String>, value: Located<String>) {
        self.key = key
        self.value = value
    }
}

/// What an entry is. The raw values are the `type:` words of the stack format.
public enum EntryKind: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case vpc
    case subnets
    case instances
    case hostedZone = "hosted_zone"
    case certificate
    case securityGroup = "security_group"
    case targetGroup = "target_group"
    case loadBalancer = "load_balancer"
    case aliasRecord = "alias_record"

    public static let existingKinds: [EntryKind] = [.vpc, .subnets, .instances, .hostedZone]
    public static let resourceKinds: [EntryKind] = [.certificate, .securityGroup, .targetGroup, .loadBalancer, .aliasRecord]

    public var description: String { rawValue }

    /// "an alias_record", "a vpc".
    public var withArticle: String { ("aeiou".contains(rawValue.first!) ? "an " : "a ") + rawValue }
}

/// A field that names something: another entry of the file by its key, or a literal AWS id.
public enum Reference: Hashable, Sendable, CustomStringConvertible {
    case entry(String)
    case awsID(String)

    public var entryKey: String? {
        if case .entry(let key) = self { return key }
        return nil
    }

    public var description: String {
        switch self {
        case .entry(let key): key
        case .awsID(let id): id
        }
    }
}

// MARK: - Existing entries

public struct ExistingEntry: Sendable {
    public var key: Located<String>
    public var kind: EntryKind
    public var selector: Selector

    public init(key: Located<String>, kind: EntryKind, selector: Selector) {
        self.key = key
        self.kind = kind
        self.selector = selector
    }

    /// How an existing entry is found in AWS.
    public enum Selector: Sendable {
        case id(Located<String>)
        case ids([Located<String>])
        case tags([Tag])
        case name(Located<String>)
        case defaultVPC(SourceLocation)
    }
}

// MARK: - Resources

public struct Resource: Sendable {
    public var key: Located<String>
    public var spec: Spec

    public init(key: Located<String>, spec: Spec) {
        self.key = key
        self.spec = spec
    }

    public enum Spec: Sendable {
        case certificate(CertificateSpec)
        case securityGroup(SecurityGroupSpec)
        case targetGroup(TargetGroupSpec)
        case loadBalancer(LoadBalancerSpec)
        case aliasRecord(AliasRecordSpec)
    }

    public var kind: EntryKind {
        switch spec {
        case .certificate: .certificate
        case .securityGroup: .securityGroup
        case .targetGroup: .targetGroup
        case .loadBalancer: .loadBalancer
        case .aliasRecord: .aliasRecord
        }
    }

    public var certificate: CertificateSpec? { if case .certificate(let s) = spec { s } else { nil } }
    public var securityGroup: SecurityGroupSpec? { if case .securityGroup(let s) = spec { s } else { nil } }
    public var targetGroup: TargetGroupSpec? { if case .targetGroup(let s) = spec { s } else { nil } }
    public var loadBalancer: LoadBalancerSpec? { if case .loadBalancer(let s) = spec { s } else { nil } }
    public var aliasRecord: AliasRecordSpec? { if case .aliasRecord(let s) = spec { s } else { nil } }
}

public struct CertificateSpec: Sendable {
    public var domain: Located<String>
    public var alternativeNames: [Located<String>]
    public var validationZone: Located<Reference>
    public var keyAlgorithm: Located<String>

    public static let defaultKeyAlgorithm = "RSA_2048"
    public static let keyAlgorithms = ["RSA_2048", "EC_prime256v1", "EC_secp384r1"]

    public init(domain: Located<String>, alternativeNames: [Located<String>] = [], validationZone: Located<Reference>, keyAlgorithm: Located<String>) {
        self.domain = domain
        self.alternativeNames = alternativeNames
        self.validationZone = validationZone
        self.keyAlgorithm = keyAlgorithm
    }

    /// Every name the certificate covers: the domain first, then the alternative names.
    public var allNames: [Located<String>] { [domain] + alternativeNames }
}

public enum IPProtocol: String, Sendable, CaseIterable {
    case tcp, udp, icmp, icmpv6, all

    /// Whether rules of this protocol take ports.
    public var hasPorts: Bool { self == .tcp || self == .udp }
}

public struct SecurityGroupSpec: Sendable {
    public var name: Located<String>?
    public var vpc: Located<Reference>
    public var description: Located<String>
    /// Instances this group is added to (an instances entry, or instance ids); their own groups are kept.
    public var attachTo: [Located<Reference>]
    public var ingress: [IngressRule]

    public init(name: Located<String>? = nil, vpc: Located<Reference>, description: Located<String>, attachTo: [Located<Reference>] = [], ingress: [IngressRule] = []) {
        self.name = name
        self.vpc = vpc
        self.description = description
        self.attachTo = attachTo
        self.ingress = ingress
    }
}

public struct IngressRule: Sendable {
    public var ipProtocol: Located<IPProtocol>
    /// nil for protocols without ports (icmp, all): every port.
    public var ports: Located<PortRange>?
    public var sources: [Located<IngressSource>]
    public var description: Located<String>?
    public var location: SourceLocation

    public init(ipProtocol: Located<IPProtocol>, ports: Located<PortRange>?, sources: [Located<IngressSource>], description: Located<String>? = nil, location: SourceLocation) {
        self.ipProtocol = ipProtocol
        self.ports = ports
        self.sources = sources
        self.description = description
        self.location = location
    }

    /// Whether this rule lets TCP traffic to `port` in, from any of its sources.
    public func allowsTCP(_ port: Int) -> Bool {
        switch ipProtocol.value {
        case .all: true
        case .tcp: ports?.value.contains(port) ?? true
        default: false
        }
    }
}

public enum IngressSource: Hashable, Sendable, CustomStringConvertible {
    case cidr(CIDR)
    case group(Reference)

    public var description: String {
        switch self {
        case .cidr(let cidr): cidr.description
        case .group(let ref): ref.description
        }
    }
}

public struct TargetGroupSpec: Sendable {
    public var name: Located<String>?
    public var vpc: Located<Reference>
    public var appProtocol: Located<String>
    public var port: Located<Int>
    /// The instances registered as targets: an instances entry, or instance ids.
    public var targets: [Located<Reference>]
    public var healthCheck: HealthCheck

    public static let protocols = ["HTTP", "HTTPS"]

    public init(name: Located<String>? = nil, vpc: Located<Reference>, appProtocol: Located<String>, port: Located<Int>, targets: [Located<Reference>] = [], healthCheck: HealthCheck) {
        self.name = name
        self.vpc = vpc
        self.appProtocol = appProtocol
        self.port = port
        self.targets = targets
        self.healthCheck = healthCheck
    }

    /// The ports the load balancer connects to on the targets: traffic and health checks.
    public var portsReachedOnTargets: [Int] {
        var ports = [port.value]
        if let checkPort = healthCheck.port?.value, !ports.contains(checkPort) { ports.append(checkPort) }
        return ports
    }
}

/// A target group's health check, with AWS's defaults for an ALB filled in where the file is silent.
public struct HealthCheck: Sendable {
    public var checkProtocol: Located<String>?
    public var path: Located<String>
    /// nil means `traffic-port`: the target group's own port.
    public var port: Located<Int>?
    public var interval: Located<Int>
    public var timeout: Located<Int>
    public var healthyThreshold: Located<Int>
    public var unhealthyThreshold: Located<Int>
    public var matcher: Located<String>

    public enum Defaults {
        public static let path = "/"
        public static let interval = 30
        public static let timeout = 5
        public static let healthyThreshold = 5
        public static let unhealthyThreshold = 2
        public static let matcher = "200"
    }

    public enum Limits {
        public static let interval = 5...300
        public static let timeout = 2...120
        public static let threshold = 2...10
        public static let pathLength = 1...1024
    }

    public init(checkProtocol: Located<String>? = nil, path: Located<String>, port: Located<Int>? = nil, interval: Located<Int>, timeout: Located<Int>, healthyThreshold: Located<Int>, unhealthyThreshold: Located<Int>, matcher: Located<String>) {
        self.checkProtocol = checkProtocol
        self.path = path
        self.port = port
        self.interval = interval
        self.timeout = timeout
        self.healthyThreshold = healthyThreshold
        self.unhealthyThreshold = unhealthyThreshold
        self.matcher = matcher
    }

    /// Every value at its default, all pointing at `location` (where the target group is written).
    public static func defaults(at location: SourceLocation) -> HealthCheck {
        HealthCheck(
            path: Located(Defaults.path, at: location),
            interval: Located(Defaults.interval, at: location),
            timeout: Located(Defaults.timeout, at: location),
            healthyThreshold: Located(Defaults.healthyThreshold, at: location),
            unhealthyThreshold: Located(Defaults.unhealthyThreshold, at: location),
            matcher: Located(Defaults.matcher, at: location)
        )
    }
}

public struct LoadBalancerSpec: Sendable {
    public var name: Located<String>?
    public var scheme: Located<String>
    public var ipAddressType: Located<String>
    public var subnets: [Located<Reference>]
    public var subnetsLocation: SourceLocation
    public var securityGroups: [Located<Reference>]
    public var listeners: [Listener]
    public var deletionProtection: Located<Bool>

    public static let schemes = ["internet-facing", "internal"]
    public static let ipAddressTypes = ["ipv4", "dualstack", "dualstack-without-public-ipv4"]

    public init(name: Located<String>? = nil, scheme: Located<String>, ipAddressType: Located<String>, subnets: [Located<Reference>], subnetsLocation: SourceLocation, securityGroups: [Located<Reference>], listeners: [Listener], deletionProtection: Located<Bool>) {
        self.name = name
        self.scheme = scheme
        self.ipAddressType = ipAddressType
        self.subnets = subnets
        self.subnetsLocation = subnetsLocation
        self.securityGroups = securityGroups
        self.listeners = listeners
        self.deletionProtection = deletionProtection
    }

    /// Whether the load balancer answers on IPv6, and so gets an AAAA alias record.
    public var isDualstack: Bool { ipAddressType.value.hasPrefix("dualstack") }
}

public struct Listener: Sendable {
    public var appProtocol: Located<String>
    public var port: Located<Int>
    /// The default certificate.
    public var certificate: Located<Reference>?
    /// Extra certificates the listener offers by SNI, beside the default one.
    public var certificates: [Located<Reference>]
    public var sslPolicy: Located<String>?
    /// The default action: what happens when no rule matches.
    public var action: Action
    /// Evaluated in priority order before the default action.
    public var rules: [ListenerRule]
    public var location: SourceLocation

    public static let protocols = ["HTTP", "HTTPS"]

    public enum Action: Sendable {
        case forward(Forward)
        case redirect(Redirect)
        case fixedResponse(FixedResponse)

        /// Every target group the action sends traffic to.
        public var targets: [Located<Reference>] {
            if case .forward(let forward) = self { return forward.groups.map(\.target) }
            return []
        }
    }

    public init(appProtocol: Located<String>, port: Located<Int>, certificate: Located<Reference>? = nil, certificates: [Located<Reference>] = [],
                sslPolicy: Located<String>? = nil, action: Action, rules: [ListenerRule] = [], location: SourceLocation) {
        self.appProtocol = appProtocol
        self.port = port
        self.certificate = certificate
        self.certificates = certificates
        self.sslPolicy = sslPolicy
        self.action = action
        self.rules = rules
        self.location = location
    }

    public var isHTTPS: Bool { appProtocol.value == "HTTPS" }

    /// `HTTPS:443`, as people say it.
    public var label: String { "\(appProtocol.value):\(port.value)" }

    /// The default certificate, then the SNI ones.
    public var allCertificates: [Located<Reference>] { (certificate.map { [$0] } ?? []) + certificates }

    /// Every target group the listener sends traffic to: its default action's, then its rules'.
    public var forwardTargets: [Located<Reference>] { action.targets + rules.flatMap(\.action.targets) }
}

/// A forward to one target group, or weighted across several.
public struct Forward: Sendable {
    public struct Group: Sendable {
        public var target: Located<Reference>
        /// nil for a plain `forward: web-tg`.
        public var weight: Located<Int>?
        public init(target: Located<Reference>, weight: Located<Int>? = nil) {
            self.target = target
            self.weight = weight
        }
    }

    public var groups: [Group]
    /// Seconds a client sticks to the target group it first reached; nil for no stickiness.
    public var stickiness: Located<Int>?
    public var location: SourceLocation

    public static let weights = 0...999
    public static let stickinessSeconds = 1...604_800
    public static let maxGroups = 5

    public init(groups: [Group], stickiness: Located<Int>? = nil, location: SourceLocation) {
        self.groups = groups
        self.stickiness = stickiness
        self.location = location
    }

    public static func single(_ target: Located<Reference>) -> Forward { Forward(groups: [Group(target: target)], location: target.location) }
}

/// A response the load balancer writes itself.
public struct FixedResponse: Sendable {
    public var status: Located<Int>
    public var contentType: Located<String>?
    public var body: Located<String>?
    public var location: SourceLocation

    public static let contentTypes = ["text/plain", "text/css", "text/html", "application/javascript", "application/json"]
    public static let maxBodyLength = 1024

    public init(status: Located<Int>, contentType: Located<String>? = nil, body: Located<String>? = nil, location: SourceLocation) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.location = location
    }
}

/// A listener rule: when every condition holds, its action.
public struct ListenerRule: Sendable {
    /// nil: assigned from the rule's place in the file (`RulePriorities`).
    public var priority: Located<Int>?
    public var conditions: [RuleCondition]
    public var action: Listener.Action
    public var location: SourceLocation

    public static let priorities = 1...50_000

    public init(priority: Located<Int>? = nil, conditions: [RuleCondition], action: Listener.Action, location: SourceLocation) {
        self.priority = priority
        self.conditions = conditions
        self.action = action
        self.location = location
    }

    /// The host patterns the rule matches, if it has a host condition.
    public var hosts: [Located<String>] { conditions.filter { $0.field == .host }.flatMap(\.values) }
}

/// One condition of a rule: the request matches when any of its values does.
public struct RuleCondition: Sendable {
    public enum Field: Hashable, Sendable {
        case host
        case path
        /// An HTTP header, by name.
        case header(String)
        case method
        /// Query-string pairs, each written `key=value` or `value` (any key).
        case query
        case sourceIP

        /// ELB's name for the condition.
        public var awsName: String {
            switch self {
            case .host: "host-header"
            case .path: "path-pattern"
            case .header: "http-header"
            case .method: "http-request-method"
            case .query: "query-string"
            case .sourceIP: "source-ip"
            }
        }

        /// The stack file's word for it.
        public var word: String {
            switch self {
            case .host: "host"
            case .path: "path"
            case .header(let name): "header \(name)"
            case .method: "method"
            case .query: "query"
            case .sourceIP: "source_ip"
            }
        }
    }

    public var field: Field
    public var values: [Located<String>]
    public var location: SourceLocation

    public init(field: Field, values: [Located<String>], location: SourceLocation) {
        self.field = field
        self.values = values
        self.location = location
    }
}

/// A query-string match written `key=value`, `=value` or `value`: the key is optional in ELB.
public struct QueryMatch: Sendable, Hashable {
    public var key: String?
    public var value: String

    public init(_ text: String) {
        if let equals = text.firstIndex(of: "=") {
            let key = String(text[..<equals])
            self.key = key.isEmpty ? nil : key
            value = String(text[text.index(after: equals)...])
        } else {
            key = nil
            value = text
        }
    }

    public init(key: String?, value: String) {
        self.key = key.flatMap { $0.isEmpty ? nil : $0 }
        self.value = value
    }

    public var text: String { key.map { "\($0)=\(value)" } ?? value }
}

/// An HTTP redirect. Unset host, path and query keep the request's own (`#{host}` etc. in ELB terms).
public struct Redirect: Sendable {
    public var redirectProtocol: Located<String>
    public var port: Located<Int>
    public var host: Located<String>?
    public var path: Located<String>?
    public var query: Located<String>?
    public var status: Located<Int>
    public var location: SourceLocation

    public static let statuses = [301, 302]

    public init(redirectProtocol: Located<String>, port: Located<Int>, host: Located<String>? = nil, path: Located<String>? = nil, query: Located<String>? = nil, status: Located<Int>, location: SourceLocation) {
        self.redirectProtocol = redirectProtocol
        self.port = port
        self.host = host
        self.path = path
        self.query = query
        self.status = status
        self.location = location
    }
}

public struct AliasRecordSpec: Sendable {
    public var zone: Located<Reference>
    public var name: Located<String>
    /// A load balancer, or another alias record in the same zone.
    public var target: Located<Reference>
    public var evaluateTargetHealth: Located<Bool>

    public init(zone: Located<Reference>, name: Located<String>, target: Located<Reference>, evaluateTargetHealth: Located<Bool>) {
        self.zone = zone
        self.name = name
        self.target = target
        self.evaluateTargetHealth = evaluateTargetHealth
    }
}
