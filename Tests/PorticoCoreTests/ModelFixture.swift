import PorticoCore

/// Builds stacks in code, without YAML, so the core is tested on its own. Each value gets a
/// distinct line number so tests can tell which one a diagnostic points at.
struct ModelFixture {
    private var nextLine = 1

    mutating func at() -> SourceLocation {
        defer { nextLine += 1 }
        return SourceLocation(file: "model", line: nextLine, column: 1)
    }

    mutating func v<T>(_ value: T) -> Located<T> { Located(value, at: at()) }
    mutating func ref(_ key: String) -> Located<Reference> { v(.entry(key)) }

    mutating func rule(_ port: Int, from sources: [IngressSource]) -> IngressRule {
        IngressRule(ipProtocol: v(.tcp), ports: v(PortRange(single: port)), sources: sources.map { v($0) }, location: at())
    }

    mutating func cidr(_ text: String) -> IngressSource { .cidr(try! CIDR.parse(text).get()) }

    /// The seed architecture, valid as it is.
    mutating func seed() -> Stack {
        var stack = Stack(file: "model", name: v("demo"), region: v("us-east-1"))
        stack.existing = [
            ExistingEntry(key: v("vpc"), kind: .vpc, selector: .id(v("vpc-0123456789abcdef0"))),
            ExistingEntry(key: v("subnets"), kind: .subnets, selector: .ids([v("subnet-00000001"), v("subnet-00000002")])),
            ExistingEntry(key: v("web"), kind: .instances, selector: .tags([Tag(key: v("Role"), value: v("web"))])),
            ExistingEntry(key: v("zone"), kind: .hostedZone, selector: .name(v("example.com"))),
        ]
        let anywhere = [cidr("0.0.0.0/0"), cidr("::/0")]
        stack.resources = [
            Resource(key: v("cert"), spec: .certificate(CertificateSpec(domain: v("example.com"), alternativeNames: [v("www.example.com")], validationZone: ref("zone"), keyAlgorithm: v("RSA_2048")))),
            Resource(key: v("alb-sg"), spec: .securityGroup(SecurityGroupSpec(vpc: ref("vpc"), description: v("edge"), ingress: [rule(80, from: anywhere), rule(443, from: anywhere)]))),
            Resource(key: v("web-sg"), spec: .securityGroup(SecurityGroupSpec(vpc: ref("vpc"), description: v("web"), attachTo: [ref("web")], ingress: [rule(80, from: [.group(.entry("alb-sg"))])]))),
            Resource(key: v("tg"), spec: .targetGroup(TargetGroupSpec(vpc: ref("vpc"), appProtocol: v("HTTP"), port: v(80), targets: [ref("web")], healthCheck: .defaults(at: at())))),
            Resource(key: v("alb"), spec: .loadBalancer(LoadBalancerSpec(
                scheme: v("internet-facing"), ipAddressType: v("dualstack"), subnets: [ref("subnets")], subnetsLocation: at(),
                securityGroups: [ref("alb-sg")],
                listeners: [
                    Listener(appProtocol: v("HTTP"), port: v(80), action: .redirect(Redirect(redirectProtocol: v("HTTPS"), port: v(443), status: v(301), location: at())), location: at()),
                    Listener(appProtocol: v("HTTPS"), port: v(443), certificate: ref("cert"), sslPolicy: v("ELBSecurityPolicy-TLS13-1-2-2021-06"), action: .forward(.single(ref("tg"))), location: at()),
                ],
                deletionProtection: v(false)))),
            Resource(key: v("site"), spec: .aliasRecord(AliasRecordSpec(zone: ref("zone"), name: v("example.com"), target: ref("alb"), evaluateTargetHealth: v(true)))),
        ]
        return stack
    }
}

extension Stack {
    /// Replaces the resource `key`'s spec through `change`.
    mutating func edit(_ key: String, _ change: (inout Resource.Spec) -> Void) {
        let index = resources.firstIndex { $0.key.value == key }!
        change(&resources[index].spec)
    }

    mutating func editLoadBalancer(_ key: String, _ change: (inout LoadBalancerSpec) -> Void) {
        edit(key) { spec in
            guard case .loadBalancer(var value) = spec else { fatalError("\(key) is not a load balancer") }
            change(&value)
            spec = .loadBalancer(value)
        }
    }

    mutating func editSecurityGroup(_ key: String, _ change: (inout SecurityGroupSpec) -> Void) {
        edit(key) { spec in
            guard case .securityGroup(var value) = spec else { fatalError("\(key) is not a security group") }
            change(&value)
            spec = .securityGroup(value)
        }
    }

    mutating func editTargetGroup(_ key: String, _ change: (inout TargetGroupSpec) -> Void) {
        edit(key) { spec in
            guard case .targetGroup(var value) = spec else { fatalError("\(key) is not a target group") }
            change(&value)
            spec = .targetGroup(value)
        }
    }

    mutating func editRecord(_ key: String, _ change: (inout AliasRecordSpec) -> Void) {
        edit(key) { spec in
            guard case .aliasRecord(var value) = spec else { fatalError("\(key) is not an alias record") }
            change(&value)
            spec = .aliasRecord(value)
        }
    }
}

extension Array where Element == Diagnostic {
    func codes(_ severity: Severity) -> [DiagnosticCode] { filter { $0.severity == severity }.map(\.code) }
}
