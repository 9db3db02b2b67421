import PorticoCore

/// The keys each object of the stack format takes. The reader checks files against these
/// tables, and a test checks `docs/stack.schema.json` against them, so the schema that editors
/// use cannot drift from what `portico validate` accepts.
public enum StackFormat {
    public struct Shape: Sendable {
        /// The name of the object's definition in the JSON schema (`$defs`).
        public var name: String
        public var required: [String]
        public var optional: [String]
        public var allKeys: [String] { required + optional }
    }

    public static let stack = Shape(name: "Stack", required: ["stack", "region"], optional: ["tags", "existing", "resources"])

    public static let existingVPC = Shape(name: "ExistingVpc", required: ["type"], optional: ["id", "tags", "default"])
    public static let existingSubnets = Shape(name: "ExistingSubnets", required: ["type"], optional: ["ids", "tags"])
    public static let existingInstances = Shape(name: "ExistingInstances", required: ["type"], optional: ["ids", "tags"])
    public static let existingHostedZone = Shape(name: "ExistingHostedZone", required: ["type"], optional: ["id", "name"])

    public static let certificate = Shape(name: "Certificate", required: ["type", "domain", "validation_zone"], optional: ["alternative_names", "key_algorithm"])
    public static let securityGroup = Shape(name: "SecurityGroup", required: ["type", "vpc"], optional: ["name", "description", "attach_to", "ingress"])
    public static let ingressRule = Shape(name: "IngressRule", required: ["protocol", "from"], optional: ["port", "ports", "description"])
    public static let targetGroup = Shape(name: "TargetGroup", required: ["type", "vpc"], optional: ["name", "protocol", "port", "targets", "health_check"])
    public static let healthCheck = Shape(name: "HealthCheck", required: [], optional: ["protocol", "path", "port", "interval", "timeout", "healthy_threshold", "unhealthy_threshold", "matcher"])
    public static let loadBalancer = Shape(name: "LoadBalancer", required: ["type", "subnets", "security_groups", "listeners"], optional: ["name", "scheme", "ip_address_type", "deletion_protection"])
    public static let listener = Shape(name: "Listener", required: ["protocol", "port"],
                                       optional: ["certificate", "certificates", "ssl_policy", "forward", "stickiness", "redirect", "fixed_response", "rules"])
    public static let rule = Shape(name: "Rule", required: [],
                                   optional: ["priority", "host", "path", "header", "method", "query", "source_ip", "forward", "stickiness", "redirect", "fixed_response"])
    public static let fixedResponse = Shape(name: "FixedResponse", required: ["status"], optional: ["content_type", "body"])
    /// The condition fields of a rule, in the order plans show them.
    public static let conditionKeys = ["host", "path", "header", "method", "query", "source_ip"]
    public static let actionKeys = ["forward", "redirect", "fixed_response"]
    public static let redirect = Shape(name: "Redirect", required: [], optional: ["protocol", "port", "host", "path", "query", "status"])
    public static let aliasRecord = Shape(name: "AliasRecord", required: ["type", "zone", "name", "target"], optional: ["evaluate_target_health"])

    public static let allShapes: [Shape] = [
        stack, existingVPC, existingSubnets, existingInstances, existingHostedZone,
        certificate, securityGroup, ingressRule, targetGroup, healthCheck, loadBalancer, listener, rule, fixedResponse, redirect, aliasRecord,
    ]

    public static func shape(for kind: EntryKind) -> Shape {
        switch kind {
        case .vpc: existingVPC
        case .subnets: existingSubnets
        case .instances: existingInstances
        case .hostedZone: existingHostedZone
        case .certificate: certificate
        case .securityGroup: securityGroup
        case .targetGroup: targetGroup
        case .loadBalancer: loadBalancer
        case .aliasRecord: aliasRecord
        }
    }

    /// Closed sets of words, by the schema definition that lists them.
    public static let enums: [String: [String]] = [
        "ExistingType": EntryKind.existingKinds.map(\.rawValue),
        "ResourceType": EntryKind.resourceKinds.map(\.rawValue),
        "IpProtocol": IPProtocol.allCases.map(\.rawValue),
        "AppProtocol": Listener.protocols,
        "Scheme": LoadBalancerSpec.schemes,
        "IpAddressType": LoadBalancerSpec.ipAddressTypes,
        "SslPolicy": SSLPolicies.all,
        "KeyAlgorithm": CertificateSpec.keyAlgorithms,
        "ContentType": FixedResponse.contentTypes,
    ]
}
