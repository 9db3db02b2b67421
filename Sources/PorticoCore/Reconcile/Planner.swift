/// Builds the plan: matches live resources to entries by their ownership tags, compares fields,
/// decides create / update / replace / delete, and adds the knock-on steps a replacement needs
/// (a listener moved to a new target group before the old one goes).
public struct Planner {
    /// `drift` plans like `apply` without the knock-on steps of replacements and the checks
    /// that only matter to a run (names free, deletion protection): it describes, it does not act.
    public enum Mode: Sendable { case apply, destroy, drift }

    public struct Result: Sendable {
        public var plan: Plan
        /// Problems that stop the plan from being carried out (a name taken, deletion protection).
        public var diagnostics: [Diagnostic]
    }

    let stack: Stack
    let graph: StackGraph
    let world: LiveWorld
    let stackName: String
    /// The hash of the file's resource keys, kept in every applied record.
    let members: String

    // Live ids of what this stack owns, to the entry key that owns them.
    var ownedGroupKeys: [String: String] = [:]
    var ownedTargetGroupKeys: [String: String] = [:]
    var ownedCertificateKeys: [String: String] = [:]
    var ownedLoadBalancerKeysByDNS: [String: String] = [:]

    public init(stack: Stack, graph: StackGraph, world: LiveWorld) {
        self.stack = stack
        self.graph = graph
        self.world = world
        self.stackName = stack.name.value
        self.members = AppliedRecord.membersHash(stack.resources.map(\.key.value))
        for group in world.securityGroups { if let key = group.tags.porticoResource(in: stackName) { ownedGroupKeys[group.id] = key } }
        for targetGroup in world.targetGroups { if let key = targetGroup.tags.porticoResource(in: stackName) { ownedTargetGroupKeys[targetGroup.arn] = key } }
        for certificate in world.certificates { if let key = certificate.tags.porticoResource(in: stackName) { ownedCertificateKeys[certificate.arn] = key } }
        for loadBalancer in world.loadBalancers {
            if let key = loadBalancer.tags.porticoResource(in: stackName) { ownedLoadBalancerKeysByDNS[normalizedAliasDNSName(loadBalancer.dnsName)] = key }
        }
    }

    public func plan(mode: Mode, allowDeletingProtected: Bool = false) -> Result {
        var steps: [PlanStep] = []
        var diagnostics: [Diagnostic] = []
        var matched = Set<String>() // live ids kept for an entry
        if mode != .destroy {
            var byNode: [StackGraph.Node: PlanStep] = [:]
            for node in graph.creationOrder where !graph.isExisting.contains(node.key) {
                guard let resource = stack.resource(node.key) else { continue }
                if let step = step(for: node, resource: resource, byNode: byNode, matched: &matched, diagnostics: &diagnostics) {
                    byNode[node] = step
                    steps.append(step)
                }
            }
            if mode == .apply { steps = addKnockOnSteps(steps) }
        }
        steps += deletions(keeping: matched, steps: steps, mode: mode)
        if mode == .drift { diagnostics = [] }
        for step in steps where mode != .drift && step.kind == .loadBalancer && step.node.part == .whole && (step.action == .delete || step.action == .replace) {
            if let live = world.loadBalancers.first(where: { $0.arn == step.liveID }), live.deletionProtection, !allowDeletingProtected {
                let location = stack.resource(step.node.key)?.key.location ?? SourceLocation(file: stack.file, line: 1, column: 1)
                diagnostics.append(.error(.deletionProtected, "the load balancer '\(live.name)' has deletion protection on, and this plan would \(step.action == .delete ? "delete" : "replace") it; turn it off in AWS or pass --disable-deletion-protection", at: location))
            }
        }
        return Result(plan: Plan(stack: stackName, steps: steps), diagnostics: diagnostics)
    }

    // MARK: - Matching and diffing one node

    private func step(for node: StackGraph.Node, resource: Resource, byNode: [StackGraph.Node: PlanStep],
                      matched: inout Set<String>, diagnostics: inout [Diagnostic]) -> PlanStep? {
        let key = resource.key.value
        switch (resource.spec, node.part) {
        case (.certificate(let spec), .whole):
            let candidates = world.certificates.filter { $0.tags.porticoResource(in: stackName) == key }
            let desired = { (live: LiveCertificate?) in self.certificateFields(spec, live: live) }
            let chosen = best(candidates, desired: { desired($0) }, live: certificateLiveFields)
            if let live = chosen { matched.insert(live.arn) }
            return decide(node, .certificate, desired: desired(chosen), live: chosen.map(certificateLiveFields), liveID: chosen?.arn)

        case (.securityGroup(let spec), .whole):
            let candidates = world.securityGroups.filter { $0.tags.porticoResource(in: stackName) == key }
            let baseName = spec.name?.value ?? AWSNaming.derivedName(stack: stackName, key: key, limit: AWSNaming.securityGroupNameLimit)
            let desired = securityGroupFields(spec, baseName: baseName)
            let chosen = best(candidates, desired: { _ in desired }, live: { self.securityGroupLiveFields($0, baseName: baseName) })
            if let live = chosen { matched.insert(live.id) }
            let step = decide(node, .securityGroup, desired: desired, live: chosen.map { securityGroupLiveFields($0, baseName: baseName) }, liveID: chosen?.id)
            return named(step, base: baseName, liveName: chosen?.name, limit: AWSNaming.securityGroupNameLimit, vpc: vpcID(spec.vpc.value), resource: resource, diagnostics: &diagnostics)

        case (.securityGroup(let spec), .ingress):
            let owner = byNode[StackGraph.Node(key)]
            let live = world.securityGroups.first { $0.id == owner?.liveID }
            let desired = [DesiredField("rules", .setOf(spec.ingress.flatMap { RuleText.desired($0, sourceName: referenceName) }))]
            if owner?.action == .create || owner?.action == .replace || live == nil {
                return decide(node, .securityGroup, desired: desired, live: nil, liveID: nil)
            }
            let liveFields: [String: FieldValue] = ["rules": .setOf(live!.ingress.map { RuleText.live($0, sourceName: groupName) })]
            return decide(node, .securityGroup, desired: desired, live: liveFields, liveID: live!.id)

        case (.targetGroup(let spec), .whole):
            let candidates = world.targetGroups.filter { $0.tags.porticoResource(in: stackName) == key }
            let baseName = spec.name?.value ?? AWSNaming.derivedName(stack: stackName, key: key, limit: AWSNaming.elbNameLimit)
            let desired = targetGroupFields(spec, baseName: baseName)
            let chosen = best(candidates, desired: { _ in desired }, live: { self.targetGroupLiveFields($0, baseName: baseName) })
            if let live = chosen { matched.insert(live.arn) }
            let step = decide(node, .targetGroup, desired: desired, live: chosen.map { targetGroupLiveFields($0, baseName: baseName) }, liveID: chosen?.arn)
            return named(step, base: baseName, liveName: chosen?.name, limit: AWSNaming.elbNameLimit, vpc: nil, resource: resource, diagnostics: &diagnostics)

        case (.loadBalancer(let spec), .whole):
            let candidates = world.loadBalancers.filter { $0.tags.porticoResource(in: stackName) == key }
            let baseName = spec.name?.value ?? AWSNaming.derivedName(stack: stackName, key: key, limit: AWSNaming.elbNameLimit)
            let desired = loadBalancerFields(spec, baseName: baseName)
            let chosen = best(candidates, desired: { _ in desired }, live: { self.loadBalancerLiveFields($0, baseName: baseName) })
            if let live = chosen { matched.insert(live.arn) }
            let step = decide(node, .loadBalancer, desired: desired, live: chosen.map { loadBalancerLiveFields($0, baseName: baseName) }, liveID: chosen?.arn)
            return named(step, base: baseName, liveName: chosen?.name, limit: AWSNaming.elbNameLimit, vpc: nil, resource: resource, diagnostics: &diagnostics)

        case (.loadBalancer(let spec), .listener(let port)):
            guard let listener = spec.listeners.first(where: { $0.port.value == port }) else { return nil }
            let owner = byNode[StackGraph.Node(key)]
            let liveLoadBalancer = world.loadBalancers.first { $0.arn == owner?.liveID }
            guard owner?.action != .create, owner?.action != .replace, let liveLoadBalancer,
                  let live = liveLoadBalancer.listeners.first(where: { $0.port == port }) else {
                return decide(node, .loadBalancer, desired: listenerFields(listener, live: nil), live: nil, liveID: nil)
            }
            var step = decide(node, .loadBalancer, desired: listenerFields(listener, live: live), live: listenerLiveFields(live), liveID: live.arn)
            if step.changes.contains(where: { $0.field == "rules" }) {
                let changes = RuleChanges(desired: desiredRules(listener, live: live, targetName: referenceName), live: live.rules.map { ($0.arn, liveRule($0, targetName: targetGroupName)) })
                if !changes.isEmpty { step.reasons.append(changes.summary) }
            }
            return step

        case (.aliasRecord(let spec), .whole):
            guard let zone = world.zone(spec.zone.value.description) else { return nil }
            let candidates = world.aliasRecords.filter { $0.resourceKey == key }
            let desired = aliasFields(spec, zone: zone)
            let chosen = best(candidates, desired: { _ in desired }, live: aliasLiveFields)
            if let live = chosen { matched.insert(live.id) }
            var step = decide(node, .aliasRecord, desired: desired, live: chosen.map(aliasLiveFields), liveID: chosen?.id)
            if step.action == .create || step.action == .replace {
                checkRecordFree(spec, zone: zone, resource: resource, diagnostics: &diagnostics)
            }
            step.newName = DomainName.normalize(spec.name.value)
            return step

        default:
            return nil
        }
    }

    /// The name a created resource takes: the base name, or for a replacement the form the live
    /// one does not have. A name held by something else is an error at the entry.
    private func named(_ step: PlanStep, base: String, liveName: String?, limit: Int, vpc: String?, resource: Resource, diagnostics: inout [Diagnostic]) -> PlanStep {
        guard step.action == .create || step.action == .replace else { return step }
        var step = step
        let name = liveName.map { AWSNaming.replacementName(base: base, live: $0, limit: limit) } ?? base
        step.newName = name
        checkNameFree(name, kind: step.kind, vpc: vpc, resource: resource, diagnostics: &diagnostics)
        return step
    }

    /// Among several live resources carrying the same entry key (left by an interrupted
    /// replacement), the one needing no replacement, else the one with fewest changes.
    private func best<Live>(_ candidates: [Live], desired: (Live) -> [DesiredField], live: (Live) -> [String: FieldValue]) -> Live? {
        candidates.min { a, b in
            let changesA = diff(desired: desired(a), live: live(a)), changesB = diff(desired: desired(b), live: live(b))
            let forcedA = changesA.contains(where: \.forcesReplacement), forcedB = changesB.contains(where: \.forcesReplacement)
            if forcedA != forcedB { return !forcedA }
            return changesA.count < changesB.count
        }
    }

    private func decide(_ node: StackGraph.Node, _ kind: EntryKind, desired: [DesiredField], live: [String: FieldValue]?, liveID: String?) -> PlanStep {
        var step = decideAction(node, kind, desired: desired, live: live, liveID: liveID)
        step.record = AppliedRecord(desired: desired, members: members)
        return step
    }

    private func decideAction(_ node: StackGraph.Node, _ kind: EntryKind, desired: [DesiredField], live: [String: FieldValue]?, liveID: String?) -> PlanStep {
        guard let live else {
            return PlanStep(node: node, kind: kind, action: .create, changes: diff(desired: desired, live: [:]).map { withoutLive($0) })
        }
        let changes = diff(desired: desired, live: live)
        let forcing = changes.filter(\.forcesReplacement)
        if !forcing.isEmpty {
            return PlanStep(node: node, kind: kind, action: .replace, changes: changes,
                            reasons: forcing.map { "\($0.field) cannot change in place" }, liveID: liveID)
        }
        return PlanStep(node: node, kind: kind, action: changes.isEmpty ? .noop : .update, changes: changes, liveID: liveID)
    }

    private func withoutLive(_ change: FieldChange) -> FieldChange {
        FieldChange(field: change.field, live: nil, desired: change.desired, forcesReplacement: false)
    }

    // MARK: - Knock-on steps

    /// A replaced certificate, target group, security group or load balancer gets a new id: every
    /// step that points at it by id must move to the new one before the old one is deleted.
    private func addKnockOnSteps(_ steps: [PlanStep]) -> [PlanStep] {
        let renewed = Set(steps.filter { $0.action == .replace && $0.node.part == .whole }.map(\.node.key))
        guard !renewed.isEmpty else { return steps }
        return steps.map { step in
            guard step.action == .noop || step.action == .update else { return step }
            var step = step
            for edge in graph.edges where edge.from == step.node && renewed.contains(edge.to.key) && edge.to.part == .whole {
                guard !step.changes.contains(where: { $0.field == knockOnField(edge.field) }) else { continue }
                let word = edge.field == "forward" || edge.field == "rules" ? "forward \(edge.to.key)" : edge.to.key
                step.changes.append(FieldChange(field: knockOnField(edge.field), live: .text(word), desired: .text("\(word) (new)"), forcesReplacement: false))
                step.reasons.append("follows the replacement of \(edge.to.key)")
                step.action = .update
            }
            return step
        }
    }

    private func knockOnField(_ edgeField: String) -> String {
        switch edgeField {
        case "from": "rules"
        case "forward": "action"
        default: edgeField
        }
    }

    // MARK: - Deletions

    /// Owned resources that no entry keeps: entries removed from the file, the old half of a
    /// replacement, copies left by an interrupted apply, listeners no longer declared.
    private func deletions(keeping matched: Set<String>, steps: [PlanStep], mode: Mode) -> [PlanStep] {
        var deletions: [PlanStep] = []
        let replaced = Dictionary(steps.filter { $0.action == .replace }.compactMap { step in step.liveID.map { ($0, step) } }, uniquingKeysWith: { a, _ in a })
        func reason(_ id: String, _ key: String) -> String {
            if mode == .destroy { return "owned by stack \(stackName)" }
            if replaced[id] != nil { return "replaced by a new \(key), after everything that uses it has moved" }
            if stack.resource(key) == nil { return "\(key) is no longer in the stack file" }
            return "a second \(key), left by an earlier apply"
        }
        for certificate in world.certificates {
            guard let key = certificate.tags.porticoResource(in: stackName), replaced[certificate.arn] != nil || !matched.contains(certificate.arn) else { continue }
            deletions.append(PlanStep(node: StackGraph.Node(key), kind: .certificate, action: .delete, reasons: [reason(certificate.arn, key)], liveID: certificate.arn))
        }
        for group in world.securityGroups {
            guard let key = group.tags.porticoResource(in: stackName), replaced[group.id] != nil || !matched.contains(group.id) else { continue }
            if !group.ingress.isEmpty {
                deletions.append(PlanStep(node: StackGraph.Node(key, .ingress), kind: .securityGroup, action: .delete, reasons: ["its rules go first, so no group is still referenced"], liveID: group.id))
            }
            deletions.append(PlanStep(node: StackGraph.Node(key), kind: .securityGroup, action: .delete, reasons: [reason(group.id, key)], liveID: group.id))
        }
        for targetGroup in world.targetGroups {
            guard let key = targetGroup.tags.porticoResource(in: stackName), replaced[targetGroup.arn] != nil || !matched.contains(targetGroup.arn) else { continue }
            deletions.append(PlanStep(node: StackGraph.Node(key), kind: .targetGroup, action: .delete, reasons: [reason(targetGroup.arn, key)], liveID: targetGroup.arn))
        }
        for loadBalancer in world.loadBalancers {
            guard let key = loadBalancer.tags.porticoResource(in: stackName) else { continue }
            if replaced[loadBalancer.arn] != nil || !matched.contains(loadBalancer.arn) {
                deletions.append(PlanStep(node: StackGraph.Node(key), kind: .loadBalancer, action: .delete, reasons: [reason(loadBalancer.arn, key)], liveID: loadBalancer.arn))
                continue
            }
            // A kept load balancer: listeners on ports the file no longer declares go.
            let declared = Set(stack.resource(key)?.loadBalancer?.listeners.map(\.port.value) ?? [])
            for listener in loadBalancer.listeners where !declared.contains(listener.port) {
                deletions.append(PlanStep(node: StackGraph.Node(key, .listener(port: listener.port)), kind: .loadBalancer, action: .delete,
                                          reasons: ["no listener on port \(listener.port) in the stack file"], liveID: listener.arn))
            }
        }
        for record in world.aliasRecords {
            let id = record.id
            guard replaced[id] != nil || !matched.contains(id) else { continue }
            deletions.append(PlanStep(node: StackGraph.Node(record.resourceKey), kind: .aliasRecord, action: .delete, reasons: [reason(id, record.resourceKey)], liveID: id))
        }
        for index in deletions.indices where deletions[index].node.part == .whole && replaced[deletions[index].liveID ?? ""] != nil {
            deletions[index].completesReplacement = true
        }
        return deletions.enumerated().sorted { a, b in
            let rankA = Plan.deletionRank(a.element), rankB = Plan.deletionRank(b.element)
            return rankA != rankB ? rankA < rankB : a.offset < b.offset
        }.map(\.element)
    }

    // MARK: - Names and collisions

    private func checkNameFree(_ name: String, kind: EntryKind, vpc: String?, resource: Resource, diagnostics: inout [Diagnostic]) {
        guard let holder = world.nameHolders.first(where: {
            $0.kind == kind && $0.name.lowercased() == name.lowercased() && (vpc == nil || $0.vpcID == nil || $0.vpcID == vpc)
        }) else { return }
        let owner = holder.ownerStack.map { "the stack '\($0)'" } ?? "no Portico stack (it was made some other way)"
        let location = nameLocation(resource)
        diagnostics.append(.error(.nameTaken, "\(kind.withArticle) named '\(name)' already exists (\(holder.id)), owned by \(owner); Portico will not take it over. Choose another name with 'name:' or remove the other one", at: location))
    }

    private func checkRecordFree(_ spec: AliasRecordSpec, zone: LiveZone, resource: Resource, diagnostics: inout [Diagnostic]) {
        let name = DomainName.normalize(spec.name.value)
        let records = world.zoneRecords[zone.id] ?? []
        let ownerName = Ownership.ownerRecordName(for: name)
        let owner = records.first { $0.name == ownerName && $0.type == "TXT" }.flatMap { $0.values.lazy.compactMap(Ownership.parseOwnerRecordValue).first }
        let ours = owner.map { $0.stack == stackName && $0.resource == resource.key.value } ?? false
        guard !ours else { return }
        let types = aliasTypes(spec)
        let clash = records.first { $0.name == name && ($0.type == "CNAME" || types.contains($0.type)) }
        if let clash {
            let who = owner.map { "the stack '\($0.stack)' (\($0.resource))" } ?? "no Portico stack"
            diagnostics.append(.error(.nameTaken, "the zone \(zone.name) already has a \(clash.type) record for \(name), owned by \(who); Portico changes only records it wrote", at: spec.name.location))
        }
    }

    private func nameLocation(_ resource: Resource) -> SourceLocation {
        switch resource.spec {
        case .securityGroup(let spec): spec.name?.location ?? resource.key.location
        case .targetGroup(let spec): spec.name?.location ?? resource.key.location
        case .loadBalancer(let spec): spec.name?.location ?? resource.key.location
        default: resource.key.location
        }
    }

    // MARK: - References

    /// How a reference reads in a field: the entry key for what the stack owns, the id otherwise.
    private func referenceName(_ reference: Reference) -> String {
        switch reference {
        case .entry(let key): key
        case .awsID(let id): id
        }
    }

    private func groupName(_ id: String) -> String { ownedGroupKeys[id] ?? id }
    private func targetGroupName(_ arn: String) -> String { ownedTargetGroupKeys[arn] ?? arn }
    private func certificateName(_ arn: String) -> String { ownedCertificateKeys[arn] ?? arn }

    // Unresolved entries read as their keys: the lookup's error is reported already.
    func vpcID(_ reference: Reference) -> String { world.vpcID(reference) ?? reference.description }
    func subnetIDs(_ references: [Located<Reference>]) -> [String] { references.flatMap { world.subnetIDs($0.value) ?? [$0.value.description] } }
    func instanceIDs(_ references: [Located<Reference>]) -> [String] { references.flatMap { world.instanceIDs($0.value) ?? [$0.value.description] } }

    // MARK: - Fields, kind by kind

    func certificateFields(_ spec: CertificateSpec, live: LiveCertificate?) -> [DesiredField] {
        let domain = DomainName.normalize(spec.domain.value)
        var fields = [
            DesiredField("domain", .text(domain), forcesReplacement: true),
            DesiredField("alternative_names", .setOf(spec.alternativeNames.map { DomainName.normalize($0.value) }.filter { $0 != domain }), forcesReplacement: true),
            DesiredField("key_algorithm", .text(spec.keyAlgorithm.value), forcesReplacement: true),
        ]
        // A pending certificate is waited for (listeners cannot use it before); one ACM will
        // never issue (failed, timed out, revoked, expired) is replaced.
        let unusable: Set<String> = ["FAILED", "VALIDATION_TIMED_OUT", "REVOKED", "EXPIRED"]
        fields.append(DesiredField("status", .text("ISSUED"), forcesReplacement: live.map { unusable.contains($0.status) } ?? false, recorded: false))
        // The records ACM asks for are known once the certificate exists.
        if let live, let zone = world.zone(spec.validationZone.value.description) {
            let wanted = live.validationRecords.filter { DomainName.isWithin($0.name, zone: zone.name) }
            fields.append(DesiredField("validation_records", .setOf(wanted.map { "\($0.name) \($0.type)" }), recorded: false))
        } else {
            fields.append(DesiredField("validation_records", .unknown))
        }
        return fields
    }

    func certificateLiveFields(_ live: LiveCertificate) -> [String: FieldValue] {
        let domain = DomainName.normalize(live.domain)
        var present: [String] = []
        if let zoneKey = stack.resource(live.tags[Ownership.resourceTag] ?? "")?.certificate?.validationZone.value.description,
           let zone = world.zone(zoneKey) {
            let records = world.zoneRecords[zone.id] ?? []
            for wanted in live.validationRecords where DomainName.isWithin(wanted.name, zone: zone.name) {
                if records.contains(where: { $0.holds(wanted) }) { present.append("\(wanted.name) \(wanted.type)") }
            }
        }
        return [
            "domain": .text(domain),
            "alternative_names": .setOf(live.subjectAlternativeNames.map(DomainName.normalize).filter { $0 != domain }),
            "key_algorithm": .text(live.tags[Ownership.keyAlgorithmTag] ?? live.keyAlgorithm),
            "status": .text(live.status),
            "validation_records": .setOf(present),
        ]
    }

    func securityGroupFields(_ spec: SecurityGroupSpec, baseName: String) -> [DesiredField] {
        var fields = [
            DesiredField("name", .text(baseName), forcesReplacement: true),
            DesiredField("vpc", .text(vpcID(spec.vpc.value)), forcesReplacement: true),
            DesiredField("description", .text(spec.description.value), forcesReplacement: true),
        ]
        fields.append(DesiredField("attached_to", .setOf(instanceIDs(spec.attachTo))))
        return fields
    }

    func securityGroupLiveFields(_ live: LiveSecurityGroup, baseName: String) -> [String: FieldValue] {
        let attached = world.instances.values.filter { $0.securityGroupIDs.contains(live.id) && $0.state != "terminated" }.map(\.id)
        return [
            "name": .text(AWSNaming.nameMatches(live: live.name, base: baseName, limit: AWSNaming.securityGroupNameLimit) ? baseName : live.name),
            "vpc": .text(live.vpcID),
            "description": .text(live.description),
            "attached_to": .setOf(attached),
        ]
    }

    func targetGroupFields(_ spec: TargetGroupSpec, baseName: String) -> [DesiredField] {
        let check = spec.healthCheck
        return [
            DesiredField("name", .text(baseName), forcesReplacement: true),
            DesiredField("vpc", .text(vpcID(spec.vpc.value)), forcesReplacement: true),
            DesiredField("protocol", .text(spec.appProtocol.value), forcesReplacement: true),
            DesiredField("port", .text("\(spec.port.value)"), forcesReplacement: true),
            DesiredField("health_check.protocol", .text(check.checkProtocol?.value ?? spec.appProtocol.value)),
            DesiredField("health_check.path", .text(check.path.value)),
            DesiredField("health_check.port", .text(check.port.map { "\($0.value)" } ?? "traffic-port")),
            DesiredField("health_check.interval", .text("\(check.interval.value)")),
            DesiredField("health_check.timeout", .text("\(check.timeout.value)")),
            DesiredField("health_check.healthy_threshold", .text("\(check.healthyThreshold.value)")),
            DesiredField("health_check.unhealthy_threshold", .text("\(check.unhealthyThreshold.value)")),
            DesiredField("health_check.matcher", .text(check.matcher.value)),
            DesiredField("targets", .setOf(instanceIDs(spec.targets))),
        ]
    }

    func targetGroupLiveFields(_ live: LiveTargetGroup, baseName: String) -> [String: FieldValue] {
        let check = live.healthCheck
        return [
            "name": .text(AWSNaming.nameMatches(live: live.name, base: baseName, limit: AWSNaming.elbNameLimit) ? baseName : live.name),
            "vpc": .text(live.vpcID),
            "protocol": .text(live.appProtocol),
            "port": .text("\(live.port)"),
            "health_check.protocol": .text(check.checkProtocol),
            "health_check.path": .text(check.path),
            "health_check.port": .text(check.port),
            "health_check.interval": .text("\(check.interval)"),
            "health_check.timeout": .text("\(check.timeout)"),
            "health_check.healthy_threshold": .text("\(check.healthyThreshold)"),
            "health_check.unhealthy_threshold": .text("\(check.unhealthyThreshold)"),
            "health_check.matcher": .text(check.matcher),
            "targets": .setOf(live.targets),
        ]
    }

    func loadBalancerFields(_ spec: LoadBalancerSpec, baseName: String) -> [DesiredField] {
        [
            DesiredField("name", .text(baseName), forcesReplacement: true),
            DesiredField("scheme", .text(spec.scheme.value), forcesReplacement: true),
            DesiredField("ip_address_type", .text(spec.ipAddressType.value)),
            DesiredField("subnets", .setOf(subnetIDs(spec.subnets))),
            DesiredField("security_groups", .setOf(spec.securityGroups.map { referenceName($0.value) })),
            DesiredField("deletion_protection", .text("\(spec.deletionProtection.value)")),
        ]
    }

    func loadBalancerLiveFields(_ live: LiveLoadBalancer, baseName: String) -> [String: FieldValue] {
        [
            "name": .text(AWSNaming.nameMatches(live: live.name, base: baseName, limit: AWSNaming.elbNameLimit) ? baseName : live.name),
            "scheme": .text(live.scheme),
            "ip_address_type": .text(live.ipAddressType),
            "subnets": .setOf(live.subnetIDs),
            "security_groups": .setOf(live.securityGroupIDs.map(groupName)),
            "deletion_protection": .text("\(live.deletionProtection)"),
        ]
    }

    func listenerFields(_ listener: Listener, live: LiveListener?) -> [DesiredField] {
        var fields = [DesiredField("protocol", .text(listener.appProtocol.value))]
        if listener.isHTTPS {
            fields.append(DesiredField("certificate", .text(listener.certificate.map { referenceName($0.value) } ?? "")))
            // Listed only when some are wanted or live, so that plans of stacks without SNI read as before.
            if !listener.certificates.isEmpty || !(live?.extraCertificateARNs.isEmpty ?? true) {
                fields.append(DesiredField("certificates", .setOf(listener.certificates.map { referenceName($0.value) })))
            }
            fields.append(DesiredField("ssl_policy", .text(listener.sslPolicy?.value ?? SSLPolicies.defaultPolicy)))
        }
        fields.append(DesiredField("action", .text(ActionText.desired(listener.action, targetName: referenceName))))
        if !listener.rules.isEmpty || !(live?.rules.isEmpty ?? true) {
            fields.append(DesiredField("rules", RuleMeaning.list(desiredRules(listener, live: live, targetName: referenceName))))
        }
        return fields
    }

    func listenerLiveFields(_ live: LiveListener) -> [String: FieldValue] {
        var fields: [String: FieldValue] = [
            "protocol": .text(live.appProtocol),
            "action": .text(ActionText.live(live.action, targetName: targetGroupName)),
            "rules": RuleMeaning.list(live.rules.map { liveRule($0, targetName: targetGroupName) }),
        ]
        if live.appProtocol == "HTTPS" {
            fields["certificate"] = .text(live.certificateARNs.first.map(certificateName) ?? "")
            fields["certificates"] = .setOf(live.extraCertificateARNs.map(certificateName))
            fields["ssl_policy"] = .text(live.sslPolicy ?? "")
        }
        return fields
    }

    /// The file's rules with their priorities: given, or chosen to keep live rules where they are.
    func desiredRules(_ listener: Listener, live: LiveListener?, targetName: (Reference) -> String) -> [RuleMeaning] {
        let priorities = Self.priorities(listener, live: live)
        return listener.rules.enumerated().map { index, rule in
            RuleMeaning(priority: priorities[index], conditions: ConditionText.desired(rule.conditions), action: ActionText.desired(rule.action, targetName: targetName))
        }
    }

    /// Priorities for a listener's rules (validate has reported a listener with no room left).
    public static func priorities(_ listener: Listener, live: LiveListener?) -> [Int] {
        let livePriorities = Dictionary((live?.rules ?? []).map { (ConditionText.live($0.conditions), $0.priority) }, uniquingKeysWith: { a, _ in a })
        switch RulePriorities.assign(listener.rules, live: livePriorities) {
        case .success(let priorities): return priorities
        case .failure: return listener.rules.indices.map { $0 + 1 }
        }
    }

    func liveRule(_ rule: LiveRule, targetName: (String) -> String) -> RuleMeaning {
        RuleMeaning(priority: rule.priority, conditions: ConditionText.live(rule.conditions), action: ActionText.live(rule.action, targetName: targetName))
    }

    func aliasTypes(_ spec: AliasRecordSpec) -> [String] {
        var target = spec.target.value
        var seen = Set<String>()
        // An alias to another alias record takes the types of the load balancer at the end.
        while case .entry(let key) = target, seen.insert(key).inserted {
            if let loadBalancer = stack.resource(key)?.loadBalancer { return loadBalancer.isDualstack ? ["A", "AAAA"] : ["A"] }
            guard let next = stack.resource(key)?.aliasRecord else { break }
            target = next.target.value
        }
        return ["A"]
    }

    func aliasFields(_ spec: AliasRecordSpec, zone: LiveZone) -> [DesiredField] {
        [
            DesiredField("zone", .text(zone.name), forcesReplacement: true),
            DesiredField("name", .text(DomainName.normalize(spec.name.value)), forcesReplacement: true),
            DesiredField("types", .setOf(aliasTypes(spec))),
            DesiredField("target", .text(referenceName(spec.target.value))),
            DesiredField("evaluate_target_health", .text("\(spec.evaluateTargetHealth.value)")),
        ]
    }

    func aliasLiveFields(_ live: LiveAliasRecord) -> [String: FieldValue] {
        let zoneName = world.existing.values.compactMap { entry -> LiveZone? in if case .hostedZone(let zone) = entry { zone } else { nil } }
            .first { $0.id == live.zoneID }?.name ?? live.zoneID
        let aliases = live.recordSets.compactMap(\.alias)
        let targets = Set(aliases.map { alias -> String in
            let dns = normalizedAliasDNSName(alias.dnsName)
            if let key = ownedLoadBalancerKeysByDNS[dns] { return key }
            if alias.hostedZoneID == live.zoneID, let record = world.aliasRecords.first(where: { $0.zoneID == live.zoneID && $0.name == dns }) { return record.resourceKey }
            return dns
        })
        let evaluate = Set(aliases.map(\.evaluateTargetHealth))
        return [
            "zone": .text(zoneName),
            "name": .text(live.name),
            "types": .setOf(live.recordSets.map(\.type)),
            "target": .text(targets.count == 1 ? targets.first! : targets.sorted().joined(separator: " + ")),
            "evaluate_target_health": .text(evaluate.count == 1 ? "\(evaluate.first!)" : "mixed"),
        ]
    }
}
