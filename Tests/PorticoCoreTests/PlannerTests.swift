import PorticoCore
import Testing

/// A live world exactly as the seed stack asks for, written the way AWS reports it (so the
/// normalisation is what makes it match: `dualstack.` prefix and trailing dots on the alias,
/// upper-case names, rules in another order, the domain listed among the SANs).
struct ConvergedWorld {
    static let vpc = "vpc-0123456789abcdef0"
    static let zone = LiveZone(id: "Z111", name: "Example.com.")
    static let instances = ["i-000000000000000a1", "i-000000000000000a2"]
    static let albGroup = "sg-0000000000000a1b0"
    static let webGroup = "sg-0000000000000c3d0"
    static let certificateARN = "arn:aws:acm:us-east-1:111122223333:certificate/c1"
    static let targetGroupARN = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/demo-tg/1"
    static let loadBalancerARN = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/demo-alb/1"

    static func tags(_ key: String, stack: String = "demo") -> [String: String] {
        [Ownership.stackTag: stack, Ownership.resourceTag: key]
    }

    static func make() -> LiveWorld {
        var world = LiveWorld()
        world.existing = [
            "vpc": .vpc(id: vpc),
            "subnets": .subnets([LiveSubnet(id: "subnet-00000001", vpcID: vpc, availabilityZone: "us-east-1a"), LiveSubnet(id: "subnet-00000002", vpcID: vpc, availabilityZone: "us-east-1b")]),
            "web": .instances(instances.map { LiveInstance(id: $0, vpcID: vpc, state: "running", securityGroupIDs: ["sg-ssh", webGroup]) }),
            "zone": .hostedZone(zone),
        ]
        for instance in instances { world.instances[instance] = LiveInstance(id: instance, vpcID: vpc, state: "running", securityGroupIDs: ["sg-ssh", webGroup]) }
        let validation = [DNSRecord(name: "_x.example.com.", type: "CNAME", value: "_y.acm-validations.aws."), DNSRecord(name: "_x.www.example.com.", type: "CNAME", value: "_y.acm-validations.aws.")]
        world.certificates = [LiveCertificate(arn: certificateARN, domain: "example.com", subjectAlternativeNames: ["www.example.com", "example.com"], keyAlgorithm: "RSA_2048",
                                              status: "ISSUED", validationRecords: validation, tags: tags("cert"))]
        func open(_ port: Int) -> [LivePermission] {
            ["::/0", "0.0.0.0/0"].map { LivePermission(ipProtocol: "tcp", fromPort: port, toPort: port, source: $0, description: nil) }
        }
        world.securityGroups = [
            LiveSecurityGroup(id: albGroup, name: "demo-alb-sg", vpcID: vpc, description: "edge", ingress: open(443) + open(80), tags: tags("alb-sg")),
            LiveSecurityGroup(id: webGroup, name: "demo-web-sg", vpcID: vpc, description: "web",
                              ingress: [LivePermission(ipProtocol: "tcp", fromPort: 80, toPort: 80, source: albGroup, description: nil)], tags: tags("web-sg")),
        ]
        world.targetGroups = [LiveTargetGroup(arn: targetGroupARN, name: "demo-tg", vpcID: vpc, appProtocol: "HTTP", port: 80,
                                              healthCheck: LiveHealthCheck(checkProtocol: "HTTP", path: "/", port: "traffic-port", interval: 30, timeout: 5, healthyThreshold: 5, unhealthyThreshold: 2, matcher: "200"),
                                              targets: instances.reversed(), tags: tags("tg"))]
        world.loadBalancers = [LiveLoadBalancer(
            arn: loadBalancerARN, name: "demo-alb", scheme: "internet-facing", ipAddressType: "dualstack", vpcID: vpc, subnetIDs: ["subnet-00000002", "subnet-00000001"],
            securityGroupIDs: [albGroup], dnsName: "demo-alb-1.us-east-1.elb.amazonaws.com", canonicalHostedZoneID: "Z35SXDOTRQ7X7K", state: "active", deletionProtection: false,
            tags: tags("alb"),
            listeners: [
                LiveListener(arn: "listener/80", port: 80, appProtocol: "HTTP", certificateARNs: [], sslPolicy: nil,
                             action: .redirect(protocol: "HTTPS", port: "443", host: "#{host}", path: "/#{path}", query: "#{query}", status: "HTTP_301")),
                LiveListener(arn: "listener/443", port: 443, appProtocol: "HTTPS", certificateARNs: [certificateARN], sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
                             action: .forward(targetGroupARN)),
            ])]
        let alias = AliasTarget(hostedZoneID: "Z35SXDOTRQ7X7K", dnsName: "dualstack.DEMO-ALB-1.us-east-1.elb.amazonaws.com.", evaluateTargetHealth: true)
        let owner = LiveRecordSet(name: "_portico.example.com.", type: "TXT", ttl: 300, values: [Ownership.ownerRecordValue(stack: "demo", resource: "site")])
        let sets = [LiveRecordSet(name: "example.com.", type: "A", alias: alias), LiveRecordSet(name: "example.com.", type: "AAAA", alias: alias)]
        world.zoneRecords = [zone.id: sets + [owner] + validation.map { LiveRecordSet(name: $0.name, type: $0.type, ttl: 300, values: [$0.value]) }]
        world.aliasRecords = [LiveAliasRecord(zoneID: zone.id, name: "example.com", recordSets: sets, owner: owner, resourceKey: "site")]
        return world
    }
}

func plan(_ stack: Stack, _ world: LiveWorld, mode: Planner.Mode = .apply, allowDeletingProtected: Bool = false) -> Planner.Result {
    Planner(stack: stack, graph: StackGraph(stack: stack), world: world).plan(mode: mode, allowDeletingProtected: allowDeletingProtected)
}

/// `address action` for every step that does something, in plan order.
func actions(_ result: Planner.Result) -> [String] {
    result.plan.changes.map { "\($0.address) \($0.action.rawValue)" }
}

@Suite("planner")
struct PlannerTests {
    @Test("a world that matches the file, as AWS words it, plans no changes")
    func convergedIsEmpty() {
        var fixture = ModelFixture()
        let result = plan(fixture.seed(), ConvergedWorld.make())
        #expect(result.diagnostics.isEmpty)
        #expect(actions(result) == [])
        #expect(result.plan.summary == "No changes. Live AWS matches the stack file.")
    }

    @Test("an empty world: everything created in dependency order, listeners after their certificate and target group")
    func emptyWorld() {
        var fixture = ModelFixture()
        var world = LiveWorld()
        world.existing = ConvergedWorld.make().existing
        let result = plan(fixture.seed(), world)
        #expect(actions(result) == ["cert create", "alb-sg create", "alb-sg/ingress create", "web-sg create", "web-sg/ingress create", "tg create", "alb create",
                                    "alb/listener:80 create", "alb/listener:443 create", "site create"])
        #expect(result.plan.summary == "Plan: 10 to add, 0 to change, 0 to replace, 0 to destroy.")
        #expect(result.plan.steps.first { $0.address == "tg" }?.newName == "demo-tg")
        #expect(result.plan.steps.first { $0.address == "cert" }?.changes.first { $0.field == "validation_records" }?.desired == .unknown)
    }

    struct Edit: Sendable, CustomStringConvertible {
        var description: String
        var change: @Sendable (inout Stack) -> Void
        var expected: [String]
        var summary: String
    }

    static let edits: [Edit] = [
        Edit(description: "a new ingress rule", change: { stack in
            var fixture = ModelFixture()
            let rule = fixture.rule(8443, from: [fixture.cidr("10.0.0.0/8")])
            stack.editSecurityGroup("alb-sg") { $0.ingress.append(rule) }
        }, expected: ["alb-sg/ingress update"], summary: "Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."),
        Edit(description: "a changed health check", change: { stack in
            stack.editTargetGroup("tg") { $0.healthCheck.path = Located("/healthz", at: .unknown) }
        }, expected: ["tg update"], summary: "Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."),
        Edit(description: "a new SAN replaces the certificate, moves the listener, then deletes the old one", change: { stack in
            stack.edit("cert") { spec in
                guard case .certificate(var cert) = spec else { return }
                cert.alternativeNames.append(Located("api.example.com", at: .unknown))
                spec = .certificate(cert)
            }
        }, expected: ["cert replace", "alb/listener:443 update", "cert delete"], summary: "Plan: 0 to add, 1 to change, 1 to replace, 0 to destroy."),
        Edit(description: "a target group port: a new group under a new name, the listener moved, the old one deleted", change: { stack in
            stack.editTargetGroup("tg") { $0.port = Located(8080, at: .unknown) }
        }, expected: ["tg replace", "alb/listener:443 update", "tg delete"], summary: "Plan: 0 to add, 1 to change, 1 to replace, 0 to destroy."),
        Edit(description: "a security group description: replaced, its rules on the new group, the load balancer and the web group's rule moved", change: { stack in
            stack.editSecurityGroup("alb-sg") { $0.description = Located("edge v2", at: .unknown) }
        }, expected: ["alb-sg replace", "alb-sg/ingress create", "web-sg/ingress update", "alb update", "alb-sg/ingress delete", "alb-sg delete"],
             summary: "Plan: 1 to add, 2 to change, 1 to replace, 1 to destroy."),
        Edit(description: "an entry removed from the file is deleted", change: { stack in
            stack.resources.removeAll { $0.key.value == "site" }
        }, expected: ["site delete"], summary: "Plan: 0 to add, 0 to change, 0 to replace, 1 to destroy."),
        Edit(description: "a listener removed from the file is deleted", change: { stack in
            stack.editLoadBalancer("alb") { $0.listeners.removeFirst() }
        }, expected: ["alb/listener:80 delete"], summary: "Plan: 0 to add, 0 to change, 0 to replace, 1 to destroy."),
        Edit(description: "ipv4 only: the load balancer changes in place, the alias loses its AAAA", change: { stack in
            stack.editLoadBalancer("alb") { $0.ipAddressType = Located("ipv4", at: .unknown) }
        }, expected: ["alb update", "site update"], summary: "Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy."),
        Edit(description: "the SSL policy changes in place", change: { stack in
            stack.editLoadBalancer("alb") { $0.listeners[1].sslPolicy = Located("ELBSecurityPolicy-TLS13-1-2-Res-2021-06", at: .unknown) }
        }, expected: ["alb/listener:443 update"], summary: "Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."),
    ]

    @Test("edits plan the expected steps", arguments: edits)
    func edit(_ edit: Edit) {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        edit.change(&stack)
        let result = plan(stack, ConvergedWorld.make())
        #expect(result.diagnostics.isEmpty)
        #expect(actions(result) == edit.expected)
        #expect(result.plan.summary == edit.summary)
    }

    @Test("the field that forces a replacement is named, with the reason")
    func replacementReason() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        stack.editTargetGroup("tg") { $0.port = Located(8080, at: .unknown) }
        let step = plan(stack, ConvergedWorld.make()).plan.steps.first { $0.address == "tg" && $0.action == .replace }
        #expect(step?.changes.first { $0.forcesReplacement } == FieldChange(field: "port", live: .text("80"), desired: .text("8080"), forcesReplacement: true))
        #expect(step?.reasons == ["port cannot change in place"])
        #expect(step?.newName == "demo-tg-" + String(AWSNaming.replacementName(base: "demo-tg", live: "demo-tg", limit: 32).suffix(4)))
        // The next replacement goes back to the base name, which is free again by then.
        #expect(AWSNaming.replacementName(base: "demo-tg", live: step?.newName ?? "", limit: 32) == "demo-tg")
    }

    @Test("resources of another stack, with the same keys, are neither matched nor deleted")
    func otherStackIgnored() {
        var fixture = ModelFixture()
        var world = ConvergedWorld.make()
        var foreign = world.targetGroups[0]
        foreign.arn += "-other"
        foreign.name = "other-tg"
        foreign.port = 9999
        foreign.tags = ConvergedWorld.tags("tg", stack: "other")
        world.targetGroups.append(foreign)
        #expect(actions(plan(fixture.seed(), world)) == [])
        let destroyed = plan(fixture.seed(), world, mode: .destroy).plan.changes.compactMap(\.liveID)
        #expect(destroyed.contains(ConvergedWorld.targetGroupARN))
        #expect(!destroyed.contains(foreign.arn))
    }

    @Test("two live copies of one entry (an interrupted replacement): the matching one is kept, the other deleted")
    func leftoverCopy() {
        var fixture = ModelFixture()
        var world = ConvergedWorld.make()
        var stale = world.targetGroups[0]
        stale.arn += "-stale"
        stale.name = "demo-tg-abcd"
        stale.port = 8080
        world.targetGroups.insert(stale, at: 0)
        let result = plan(fixture.seed(), world)
        #expect(actions(result) == ["tg delete"])
        #expect(result.plan.changes.first?.liveID == stale.arn)
        #expect(result.plan.changes.first?.reasons == ["a second tg, left by an earlier apply"])
    }

    @Test("destroy deletes everything the stack owns, dependents first, and nothing it does not")
    func destroy() {
        var fixture = ModelFixture()
        let result = plan(fixture.seed(), ConvergedWorld.make(), mode: .destroy)
        #expect(actions(result) == ["site delete", "alb delete", "cert delete", "tg delete", "alb-sg/ingress delete", "web-sg/ingress delete", "alb-sg delete", "web-sg delete"])
    }

    @Test("deletion protection stops a destroy unless allowed")
    func deletionProtection() {
        var fixture = ModelFixture()
        var world = ConvergedWorld.make()
        world.loadBalancers[0].deletionProtection = true
        let refused = plan(fixture.seed(), world, mode: .destroy)
        #expect(refused.diagnostics.map(\.code) == [.deletionProtected])
        #expect(plan(fixture.seed(), world, mode: .destroy, allowDeletingProtected: true).diagnostics.isEmpty)
    }

    @Test("a name held by a resource the stack does not own is an error at the entry")
    func nameTaken() {
        var fixture = ModelFixture()
        var world = LiveWorld()
        world.existing = ConvergedWorld.make().existing
        world.nameHolders = [NameHolder(kind: .loadBalancer, name: "demo-alb", id: "arn:x", ownerStack: nil)]
        let stack = fixture.seed()
        let result = plan(stack, world)
        #expect(result.diagnostics.map(\.code) == [.nameTaken])
        #expect(result.diagnostics.first?.location == stack.resource("alb")?.key.location)
    }

    @Test("an alias name held by a record Portico did not write is an error at the name")
    func recordTaken() {
        var fixture = ModelFixture()
        var world = ConvergedWorld.make()
        world.aliasRecords = []
        world.zoneRecords[ConvergedWorld.zone.id]?.removeAll { $0.type == "TXT" }
        let stack = fixture.seed()
        let result = plan(stack, world)
        #expect(result.diagnostics.map(\.code) == [.nameTaken])
        #expect(result.diagnostics.first?.location == stack.resource("site")?.aliasRecord?.name.location)
    }
}

@Suite("AWS names and ownership records")
struct NamingTests {
    @Test("derived names fit ELB's rules and 32 characters; long ones keep a hash", arguments: [
        ("demo", "alb", "demo-alb"),
        ("my_app", "web.tg", "my-app-web-tg"),
        ("a-very-long-stack-name-indeed", "and-a-long-key-too", "a-very-long-stack-name-in-"),
    ])
    func derived(_ stack: String, _ key: String, _ expectedPrefix: String) {
        let name = AWSNaming.derivedName(stack: stack, key: key, limit: 32)
        #expect(name.count <= 32)
        #expect(name.hasPrefix(expectedPrefix))
        #expect(!name.hasPrefix("-") && !name.hasSuffix("-"))
        #expect(name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
    }

    @Test("ownership TXT records round-trip, and ignore other heritage")
    func ownerRecords() {
        let value = Ownership.ownerRecordValue(stack: "shop", resource: "site")
        #expect(Ownership.parseOwnerRecordValue(value)! == ("shop", "site"))
        #expect(Ownership.parseOwnerRecordValue("\"heritage=external-dns,external-dns/owner=x\"") == nil)
        #expect(Ownership.ownerRecordName(for: "*.Example.com.") == "_portico-wildcard.example.com")
        #expect(Ownership.ownerRecordName(for: "example.com") == "_portico.example.com")
    }

    @Test("ACM idempotency tokens are 32 word characters")
    func token() {
        let token = AWSNaming.idempotencyToken("run/demo/cert")
        #expect(token.count == 32 && token.allSatisfy { $0.isLetter || $0.isNumber })
    }
}

@Suite("checks against the live world")
struct LiveChecksTests {
    @Test("the converged world passes")
    func clean() {
        var fixture = ModelFixture()
        #expect(LiveChecks.check(fixture.seed(), ConvergedWorld.make()).isEmpty)
    }

    @Test("instances in another VPC than the target group and the attached group are errors at the reference")
    func instancesInAnotherVPC() {
        var fixture = ModelFixture()
        let stack = fixture.seed()
        var world = ConvergedWorld.make()
        for id in ConvergedWorld.instances { world.instances[id]?.vpcID = "vpc-0ther000000000000" }
        let problems = LiveChecks.check(stack, world)
        #expect(problems.map(\.code) == [.vpcMismatch, .vpcMismatch])
        #expect(problems.map(\.location) == [stack.resource("web-sg")!.securityGroup!.attachTo[0].location, stack.resource("tg")!.targetGroup!.targets[0].location])
    }

    @Test("subnets found by tags in a single Availability Zone are an error at subnets")
    func oneZone() {
        var fixture = ModelFixture()
        let stack = fixture.seed()
        var world = ConvergedWorld.make()
        world.existing["subnets"] = .subnets([LiveSubnet(id: "subnet-00000001", vpcID: ConvergedWorld.vpc, availabilityZone: "us-east-1a"),
                                              LiveSubnet(id: "subnet-00000002", vpcID: ConvergedWorld.vpc, availabilityZone: "us-east-1a")])
        let problems = LiveChecks.check(stack, world)
        #expect(problems.map(\.code) == [.tooFewSubnets])
        #expect(problems.first?.location == stack.resource("alb")!.loadBalancer!.subnetsLocation)
    }
}
