import PorticoCore
import Testing

/// The converged world, with the records an apply of `stack` would have left on it.
func recorded(_ world: LiveWorld, by stack: Stack, time: Int = 1_700_000_000) -> LiveWorld {
    var world = world
    for step in plan(stack, world).plan.steps where step.action == .noop {
        guard let text = step.record?.stamped(time).text else { continue }
        let key = AppliedRecordTag.key(for: step.node)
        switch step.kind {
        case .certificate: world.certificates.indices.forEach { if world.certificates[$0].arn == step.liveID { world.certificates[$0].tags[key] = text } }
        case .securityGroup: world.securityGroups.indices.forEach { if world.securityGroups[$0].id == step.liveID { world.securityGroups[$0].tags[key] = text } }
        case .targetGroup: world.targetGroups.indices.forEach { if world.targetGroups[$0].arn == step.liveID { world.targetGroups[$0].tags[key] = text } }
        case .loadBalancer:
            world.loadBalancers.indices.forEach { index in
                if world.loadBalancers[index].arn == step.liveID || world.loadBalancers[index].listeners.contains(where: { $0.arn == step.liveID }) {
                    world.loadBalancers[index].tags[key] = text
                }
            }
        case .aliasRecord:
            world.aliasRecords.indices.forEach { index in
                world.aliasRecords[index].owner.values = [Ownership.ownerRecordValue(stack: stack.name.value, resource: step.node.key, applied: text)]
            }
        default: break
        }
    }
    return world
}

func drift(_ stack: Stack, _ world: LiveWorld) -> DriftReport {
    DriftReport(plan: plan(stack, world, mode: .drift).plan, stack: stack, world: world)
}

/// `class address attribute` per difference.
func classes(_ report: DriftReport) -> [String] {
    report.differences.map { "\($0.class.rawValue) \($0.address) \($0.attribute)" }
}

@Suite("drift")
struct DriftTests {
    @Test("as applied: in sync, exit 0")
    func inSync() {
        var fixture = ModelFixture()
        let stack = fixture.seed()
        let report = drift(stack, recorded(ConvergedWorld.make(), by: stack))
        #expect(report.inSync)
        #expect(report.exitCode == 0)
        #expect(report.headline.hasPrefix("In sync"))
    }

    @Test("changed in AWS: drift, exit 2")
    func changedLive() {
        var fixture = ModelFixture()
        let stack = fixture.seed()
        var world = recorded(ConvergedWorld.make(), by: stack)
        world.targetGroups[0].healthCheck.path = "/changed"
        world.securityGroups[0].ingress.removeFirst()
        let report = drift(stack, world)
        #expect(classes(report) == ["drift alb-sg/ingress rules", "drift tg health_check.path"])
        #expect(report.differences.last?.liveValue == .text("/changed"))
        #expect(report.differences.last?.fileValue == .text("/"))
        #expect(report.exitCode == 2)
    }

    @Test("changed in the file: pending, exit 3")
    func changedFile() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        let world = recorded(ConvergedWorld.make(), by: stack)
        stack.editTargetGroup("tg") { $0.healthCheck.path = Located("/healthz", at: .unknown) }
        let report = drift(stack, world)
        #expect(classes(report) == ["pending tg health_check.path"])
        #expect(report.exitCode == 3)
    }

    @Test("the same field changed on both sides is drift; other fields keep their own class")
    func bothSides() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        var world = recorded(ConvergedWorld.make(), by: stack)
        stack.editTargetGroup("tg") { $0.healthCheck.path = Located("/healthz", at: .unknown) }
        stack.editTargetGroup("tg") { $0.healthCheck.matcher = Located("200-299", at: .unknown) }
        world.targetGroups[0].healthCheck.path = "/changed"
        let report = drift(stack, world)
        #expect(classes(report) == ["drift tg health_check.path", "pending tg health_check.matcher"])
        #expect(report.differences.first?.note == "changed in AWS and in the file since the last apply")
        #expect(report.exitCode == 2)
    }

    @Test("a resource deleted in AWS is drift; one added to the file is pending")
    func missing() {
        var fixture = ModelFixture()
        let stack = fixture.seed()
        var world = recorded(ConvergedWorld.make(), by: stack)
        world.aliasRecords = []
        #expect(classes(drift(stack, world)) == ["drift site exists"])

        // The last apply was of a file without `site`.
        var smaller = stack
        smaller.resources.removeAll { $0.key.value == "site" }
        var earlier = recorded(ConvergedWorld.make(), by: smaller)
        earlier.aliasRecords = []
        let report = drift(stack, earlier)
        #expect(classes(report) == ["pending site exists"])
        #expect(report.differences.first?.note == "added to the file since the last apply")
    }

    @Test("an owned resource no longer in the file is pending")
    func removedFromFile() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        let world = recorded(ConvergedWorld.make(), by: stack)
        stack.resources.removeAll { $0.key.value == "site" }
        #expect(classes(drift(stack, world)) == ["pending site exists"])
        #expect(drift(stack, world).differences.first?.note == "removed from the file since the last apply")
    }

    @Test("a listener added in AWS is drift; one deleted in AWS is drift; one added to the file is pending")
    func listeners() {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        var world = recorded(ConvergedWorld.make(), by: stack)
        world.loadBalancers[0].listeners.append(LiveListener(arn: "listener/8080", port: 8080, appProtocol: "HTTP", certificateARNs: [], sslPolicy: nil, action: .other("fixed-response")))
        #expect(classes(drift(stack, world)) == ["drift alb/listener:8080 exists"])
        #expect(drift(stack, world).differences.first?.note == "added outside Portico")

        world.loadBalancers[0].listeners.removeAll { $0.port != 443 }
        #expect(classes(drift(stack, world)) == ["drift alb/listener:80 exists"])

        let applied = recorded(ConvergedWorld.make(), by: stack)
        stack.editLoadBalancer("alb") { spec in
            spec.listeners.append(Listener(appProtocol: Located("HTTP", at: .unknown), port: Located(8080, at: .unknown),
                                           action: .forward(.single(Located(.entry("tg"), at: .unknown))), location: .unknown))
        }
        #expect(classes(drift(stack, applied)) == ["pending alb/listener:8080 exists"])
    }

    @Test("a resource without a record of the last apply counts differences as drift")
    func noRecord() {
        var fixture = ModelFixture()
        let stack = fixture.seed()
        var world = ConvergedWorld.make()
        world.targetGroups[0].healthCheck.path = "/changed"
        let report = drift(stack, world)
        #expect(classes(report) == ["drift tg health_check.path"])
        #expect(report.differences.first?.note == "differs, and the resource has no record of the last apply")
    }

    @Test("never applied: everything is pending")
    func neverApplied() {
        var fixture = ModelFixture()
        var world = LiveWorld()
        world.existing = ConvergedWorld.make().existing
        let report = drift(fixture.seed(), world)
        #expect(report.differences.count == 6)
        #expect(report.differences.allSatisfy { $0.class == .pending })
        #expect(report.exitCode == 3)
    }
}

@Suite("applied records")
struct AppliedRecordTests {
    @Test("text round-trips and uses only characters ELBv2 and ACM allow in tag values")
    func roundTrip() {
        let record = AppliedRecord(desired: [DesiredField("port", .text("80")), DesiredField("targets", .setOf(["i-2", "i-1"])), DesiredField("id", .unknown)],
                                   members: AppliedRecord.membersHash(["a", "b"]), time: 1_700_000_000)
        let text = record.text
        #expect(AppliedRecord.parse(text) == record)
        #expect(text.allSatisfy { $0.isLetter || $0.isNumber || "_.:/=+-@ ".contains($0) })
        #expect(record.fields.count == 2)
        #expect(record.recorded("port", as: .text("80")) == true)
        #expect(record.recorded("port", as: .text("81")) == false)
        #expect(record.recorded("targets", as: .setOf(["i-1", "i-2"])) == true)
        #expect(record.recorded("id", as: .text("x")) == nil)
        #expect(AppliedRecord.parse("2.1.x.") == nil)
        #expect(AppliedRecord.parse("1.1.abc.12345") == nil)
    }

    @Test("the largest record (a target group's) fits a 256-character tag value")
    func fits() {
        var fixture = ModelFixture()
        let stack = fixture.seed()
        let longest = plan(stack, ConvergedWorld.make()).plan.steps.compactMap { $0.record?.stamped(Int(Int32.max)).text.count }.max() ?? 0
        #expect(longest > 0 && longest <= 256)
    }

    @Test("the ownership TXT carries the record and still reads as Portico's")
    func ownerValue() {
        let value = Ownership.ownerRecordValue(stack: "shop", resource: "site", applied: "1.5.abcdef12.")
        #expect(Ownership.parseOwnerRecord(value)?.applied == "1.5.abcdef12.")
        #expect(Ownership.parseOwnerRecordValue(value)! == ("shop", "site"))
    }
}

extension DriftTests {
    @Test("an alias whose A and AAAA were deleted, its ownership record left, is reported once as deleted")
    func aliasRecordsDeleted() {
        var fixture = ModelFixture()
        let stack = fixture.seed()
        var world = recorded(ConvergedWorld.make(), by: stack)
        world.aliasRecords[0].recordSets = []
        let report = drift(stack, world)
        #expect(classes(report) == ["drift site exists"])
        #expect(report.differences.first?.liveValue == .text("no"))
    }
}

extension DriftTests {
    @Test("a certificate's validation record deleted in AWS is drift; its record never holds AWS's own answers, so it does not go stale once they are known")
    func validationRecords() {
        var fixture = ModelFixture()
        let stack = fixture.seed()
        var world = recorded(ConvergedWorld.make(), by: stack)
        let certificateStep = plan(stack, world).plan.steps.first { $0.address == "cert" }
        #expect(certificateStep?.record?.fields.count == 3, "domain, alternative names, key algorithm")
        world.zoneRecords[ConvergedWorld.zone.id]?.removeAll { $0.name == "_x.www.example.com" }
        let report = drift(stack, world)
        #expect(classes(report) == ["drift cert validation_records"])
        #expect(report.differences.first?.note == "differs from what the last apply left")
    }
}
