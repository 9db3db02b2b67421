import PorticoCore
import Testing

@Suite struct StackChecksTests {
    @Test func seedIsClean() {
        var fixture = ModelFixture()
        #expect(StackChecks.run(fixture.seed()).isEmpty)
    }

    /// 50 tags per resource in AWS, 5 of them Portico's on a load balancer with two listeners.
    @Test(arguments: [(45, false), (46, true)])
    func tagsLeaveRoomForPorticosOwn(_ count: Int, _ tooMany: Bool) {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        stack.tags = (1...count).map { Tag(key: fixture.v("Tag\($0)"), value: fixture.v("v")) }
        let diagnostics = StackChecks.run(stack)
        #expect(diagnostics.codes(.error) == (tooMany ? [.invalidValue] : []))
        if tooMany {
            #expect(diagnostics[0].location == stack.tags[0].key.location)
            #expect(diagnostics[0].message.contains("give at most 45"))
        }
    }

    @Test func listenerPortNotOpenIsAnErrorAtThePort() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        stack.editSecurityGroup("alb-sg") { $0.ingress.removeLast() }
        let diagnostics = StackChecks.run(stack)
        #expect(diagnostics.codes(.error) == [.listenerPortBlocked])
        let port = stack.resource("alb")!.loadBalancer!.listeners[1].port
        #expect(diagnostics[0].location == port.location)
        #expect(diagnostics[0].message.contains("allows TCP 443"))
    }

    @Test func listenerPortWithAnUnmanagedGroupIsOnlyAWarning() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        let literal = fixture.v(Reference.awsID("sg-0123456789abcdef0"))
        stack.editSecurityGroup("alb-sg") { $0.ingress.removeLast() }
        stack.editLoadBalancer("alb") { $0.securityGroups.append(literal) }
        let diagnostics = StackChecks.run(stack)
        #expect(diagnostics.codes(.error).isEmpty)
        #expect(diagnostics.codes(.warning) == [.listenerPortBlocked])
    }

    @Test func allTrafficRuleOpensEveryPort() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        let all = IngressRule(ipProtocol: fixture.v(.all), ports: nil, sources: [fixture.v(fixture.cidr("0.0.0.0/0")), fixture.v(fixture.cidr("::/0"))], location: fixture.at())
        stack.editSecurityGroup("alb-sg") { $0.ingress = [all] }
        #expect(StackChecks.run(stack).isEmpty)
    }

    @Test func targetPortOnTheWrongPortIsAnError() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        let rule = fixture.rule(8080, from: [.group(.entry("alb-sg"))])
        stack.editSecurityGroup("web-sg") { $0.ingress = [rule] }
        let diagnostics = StackChecks.run(stack)
        #expect(diagnostics.codes(.error) == [.targetPortBlocked])
        #expect(diagnostics[0].location == rule.location)
    }

    @Test func targetsWithNoAttachedGroupAreAWarning() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        stack.editSecurityGroup("web-sg") { $0.attachTo = [] }
        let diagnostics = StackChecks.run(stack)
        #expect(diagnostics.codes(.error).isEmpty)
        #expect(Set(diagnostics.codes(.warning)) == [.targetPortBlocked, .unusedResource])
    }

    @Test func privateCIDRMayHoldTheLoadBalancer() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        let rule = fixture.rule(80, from: [fixture.cidr("10.0.0.0/16")])
        stack.editSecurityGroup("web-sg") { $0.ingress = [rule] }
        #expect(StackChecks.run(stack).codes(.warning).filter { $0 == .targetPortBlocked }.isEmpty)
    }

    @Test func targetsOpenToTheWorldAreAWarning() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        let rule = fixture.rule(80, from: [fixture.cidr("0.0.0.0/0")])
        stack.editSecurityGroup("web-sg") { $0.ingress.append(rule) }
        let diagnostics = StackChecks.run(stack)
        #expect(diagnostics.codes(.warning) == [.targetPortOpenToWorld])
        #expect(diagnostics[0].location == rule.sources[0].location)
    }

    @Test func healthCheckPortIsCheckedToo() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        let port = fixture.v(8081)
        stack.editTargetGroup("tg") { $0.healthCheck.port = port }
        let diagnostics = StackChecks.run(stack)
        #expect(diagnostics.codes(.error) == [.targetPortBlocked])
        #expect(diagnostics[0].message.contains("TCP 8081, the health-check port"))
    }

    @Test func certificateMustCoverTheRecord() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        let name = fixture.v("api.example.com")
        stack.editRecord("site") { $0.name = name }
        let diagnostics = StackChecks.run(stack)
        #expect(diagnostics.codes(.error) == [.certificateDoesNotCoverName])
        #expect(diagnostics[0].location == name.location)
    }

    @Test func certificateCoverageFollowsAliasChains() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        stack.resources.append(Resource(key: fixture.v("api"), spec: .aliasRecord(AliasRecordSpec(zone: fixture.ref("zone"), name: fixture.v("api.example.com"), target: fixture.ref("site"), evaluateTargetHealth: fixture.v(true)))))
        #expect(StackChecks.run(stack).codes(.error) == [.certificateDoesNotCoverName])
    }

    @Test func zonesMustBeParents() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        let name = fixture.v("example.org")
        stack.editRecord("site") { $0.name = name }
        #expect(StackChecks.run(stack).codes(.error).contains(.zoneNotParent))
    }

    @Test func oneSubnetIsTooFewButTagLookupsWaitForPlanTime() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        stack.existing[1].selector = .ids([fixture.v("subnet-00000001")])
        #expect(StackChecks.run(stack).codes(.error) == [.tooFewSubnets])
        stack.existing[1].selector = .tags([Tag(key: fixture.v("Tier"), value: fixture.v("public"))])
        #expect(StackChecks.run(stack).isEmpty)
    }

    @Test func vpcMismatchIsAnErrorOnlyWhenBothIDsAreKnown() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        let otherVPC = fixture.v(Reference.awsID("vpc-0fedcba9876543210"))
        stack.editTargetGroup("tg") { $0.vpc = otherVPC }
        #expect(StackChecks.run(stack).codes(.error) == [.vpcMismatch])

        var second = fixture.seed()
        second.existing.append(ExistingEntry(key: fixture.v("other"), kind: .vpc, selector: .tags([Tag(key: fixture.v("Name"), value: fixture.v("other"))])))
        let otherEntry = fixture.ref("other")
        second.editTargetGroup("tg") { $0.vpc = otherEntry }
        let diagnostics = StackChecks.run(second)
        #expect(diagnostics.codes(.error).isEmpty)
        #expect(diagnostics.codes(.warning) == [.vpcMismatch])
    }

    @Test func listenerMistakes() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        let loop = Listener(appProtocol: fixture.v("HTTP"), port: fixture.v(8080), action: .redirect(Redirect(redirectProtocol: fixture.v("HTTP"), port: fixture.v(8080), status: fixture.v(301), location: fixture.at())), location: fixture.at())
        let plain = Listener(appProtocol: fixture.v("HTTP"), port: fixture.v(8081), action: .forward(.single(fixture.ref("tg"))), location: fixture.at())
        let noCertificate = Listener(appProtocol: fixture.v("HTTPS"), port: fixture.v(8443), action: .forward(.single(fixture.ref("tg"))), location: fixture.at())
        let duplicate = Listener(appProtocol: fixture.v("HTTPS"), port: fixture.v(443), certificate: fixture.ref("cert"), action: .forward(.single(fixture.ref("tg"))), location: fixture.at())
        let all = IngressRule(ipProtocol: fixture.v(.all), ports: nil, sources: [fixture.v(fixture.cidr("0.0.0.0/0")), fixture.v(fixture.cidr("::/0"))], location: fixture.at())
        stack.editSecurityGroup("alb-sg") { $0.ingress.append(all) }
        stack.editLoadBalancer("alb") { $0.listeners += [loop, plain, noCertificate, duplicate] }
        let diagnostics = StackChecks.run(stack)
        #expect(Set(diagnostics.codes(.error)) == [.redirectLoop, .httpsWithoutCertificate, .duplicateListenerPort])
        #expect(diagnostics.codes(.warning) == [.httpListenerForwards])
        #expect(diagnostics.codes(.note) == [.defaultApplied])
    }

    @Test func unusedResourcesAreWarnings() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        stack.resources.append(Resource(key: fixture.v("spare-tg"), spec: .targetGroup(TargetGroupSpec(vpc: fixture.ref("vpc"), appProtocol: fixture.v("HTTP"), port: fixture.v(80), healthCheck: .defaults(at: fixture.at())))))
        #expect(StackChecks.run(stack).codes(.warning) == [.unusedResource])
    }
}
