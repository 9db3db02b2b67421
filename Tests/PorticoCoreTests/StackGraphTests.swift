import PorticoCore
import Testing

@Suite struct StackGraphTests {
    @Test func seedHasNoProblemsAndAStableOrder() {
        var fixture = ModelFixture()
        let graph = StackGraph(stack: fixture.seed())
        #expect(graph.diagnostics.isEmpty)
        #expect(graph.creationOrder.map(\.description) == [
            "vpc", "subnets", "web", "zone", "cert", "alb-sg", "alb-sg/ingress", "web-sg", "web-sg/ingress",
            "tg", "alb", "alb/listener:80", "alb/listener:443", "site",
        ])
        #expect(graph.deletionOrder.first?.description == "site")
        #expect(graph.deletionOrder.last?.description == "vpc")
    }

    @Test func everyNodeComesAfterWhatItNeeds() {
        var fixture = ModelFixture()
        let graph = StackGraph(stack: fixture.seed())
        let position = Dictionary(uniqueKeysWithValues: graph.creationOrder.enumerated().map { ($1, $0) })
        #expect(position.count == graph.nodes.count)
        for edge in graph.edges { #expect(position[edge.to]! < position[edge.from]!, "\(edge.from) before \(edge.to)") }
    }

    @Test func groupsThatAllowEachOtherAreNotACycle() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        let rule = fixture.rule(22, from: [.group(.entry("web-sg"))])
        stack.editSecurityGroup("alb-sg") { $0.ingress.append(rule) }
        let graph = StackGraph(stack: stack)
        #expect(graph.diagnostics.isEmpty)
        #expect(graph.dependencies(of: .init("alb-sg", .ingress)).map(\.description) == ["alb-sg", "web-sg"])
    }

    @Test func aliasRecordsThatPointAtEachOtherAreACycle() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        let toWWW = fixture.ref("www")
        stack.editRecord("site") { $0.target = toWWW }
        stack.resources.append(Resource(key: fixture.v("www"), spec: .aliasRecord(AliasRecordSpec(zone: fixture.ref("zone"), name: fixture.v("www.example.com"), target: fixture.ref("site"), evaluateTargetHealth: fixture.v(true)))))
        let graph = StackGraph(stack: stack)
        let cycles = graph.diagnostics.filter { $0.code == .dependencyCycle }
        #expect(cycles.count == 1)
        #expect(cycles.first?.message == "dependency cycle: site -> www -> site")
        #expect(cycles.first?.location == toWWW.location)
        #expect(!graph.creationOrder.contains(.init("site")))
    }

    @Test func unknownReferenceSuggestsAKeyOfTheRightKind() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        let wrong = fixture.ref("albb")
        stack.editRecord("site") { $0.target = wrong }
        let graph = StackGraph(stack: stack)
        #expect(graph.diagnostics.count == 1)
        #expect(graph.diagnostics[0].code == .unknownReference)
        #expect(graph.diagnostics[0].message.contains("did you mean 'alb'?"))
        #expect(graph.diagnostics[0].location == wrong.location)
    }

    @Test func unreadableEntriesAreNotReportedAgain() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        stack.resources.removeAll { $0.key.value == "cert" }
        #expect(StackGraph(stack: stack).diagnostics.map(\.code) == [.unknownReference])
        #expect(StackGraph(stack: stack, unreadableKeys: ["cert"]).diagnostics.isEmpty)
    }

    @Test func wrongKindIsReportedWithWhereTheEntryIs() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        let toZone = fixture.ref("zone")
        stack.editLoadBalancer("alb") { $0.securityGroups = [toZone] }
        let graph = StackGraph(stack: stack)
        #expect(graph.diagnostics.map(\.code) == [.wrongReferenceType])
        #expect(graph.diagnostics[0].message == "'security_groups' must name a security_group, but 'zone' is a hosted_zone")
        #expect(graph.diagnostics[0].notes.first?.location == stack.existingEntry("zone")!.key.location)
    }

    @Test func literalIDsNeedNoEdge() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        let literal = fixture.v(Reference.awsID("sg-0123456789abcdef0"))
        stack.editLoadBalancer("alb") { $0.securityGroups.append(literal) }
        let graph = StackGraph(stack: stack)
        #expect(graph.diagnostics.isEmpty)
        #expect(graph.dependencies(of: .init("alb")).map(\.description) == ["subnets", "alb-sg"])
    }
}
