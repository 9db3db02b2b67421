import Foundation
import PorticoCore
import PorticoWire

/// One driver per kind. Each step of a plan is carried out by its kind's driver; every
/// operation is idempotent (deleting what is already gone succeeds; creating tags in the
/// create call itself, so nothing created is ever untagged). Live reads are batched across
/// kinds in `Observer`.
protocol ResourceDriver: Sendable {
    func create(_ step: PlanStep, _ context: ApplyContext) async throws
    func update(_ step: PlanStep, _ context: ApplyContext) async throws
    func delete(_ step: PlanStep, _ context: ApplyContext) async throws
}

func driver(for kind: EntryKind) -> any ResourceDriver {
    switch kind {
    case .certificate: CertificateDriver()
    case .securityGroup: SecurityGroupDriver()
    case .targetGroup: TargetGroupDriver()
    case .loadBalancer: LoadBalancerDriver()
    default: AliasRecordDriver()
    }
}

// MARK: - Certificate

struct CertificateDriver: ResourceDriver {
    func create(_ step: PlanStep, _ context: ApplyContext) async throws {
        let key = step.node.key
        guard let spec = try context.resource(key).certificate else { return }
        // The token ties a retried request within the hour to the certificate already made.
        // Scoped to this run: a retry of a request whose answer was lost gets the same
        // certificate; a later apply (after a destroy, say) asks afresh.
        let token = AWSNaming.idempotencyToken("\(context.runID)/\(context.stackName)/\(key)/\(spec.allNames.map(\.value).joined(separator: ","))/\(spec.keyAlgorithm.value)")
        let arn = try await context.acm.request(spec, idempotencyToken: token, tags: context.tags(for: key) + [(Ownership.keyAlgorithmTag, spec.keyAlgorithm.value)])
        context.report("requested certificate \(key): \(arn)")
        try await validate(key: key, arn: arn, spec: spec, context)
    }

    func update(_ step: PlanStep, _ context: ApplyContext) async throws {
        let key = step.node.key
        guard let spec = try context.resource(key).certificate, let arn = step.liveID else { return }
        try await validate(key: key, arn: arn, spec: spec, context)
    }

    /// Writes the validation records ACM asks for into the zone, then waits for ISSUED.
    func validate(key: String, arn: String, spec: CertificateSpec, _ context: ApplyContext) async throws {
        let zone = try context.zone(spec.validationZone.value)
        // ACM fills in the records a few seconds after the request.
        let described = try await context.waitFor("the validation records of \(key)", timeout: 300) { () -> (LiveCertificate?, String) in
            let certificate = try await context.acm.describe(arn: arn, tags: [:])
            // Ready when every name to validate has its record (`_token.<name>`).
            let names = Set(spec.allNames.map { DomainName.validatedName($0.value) })
            let covered = Set(certificate.validationRecords.compactMap { record in record.name.firstIndex(of: ".").map { String(record.name[record.name.index(after: $0)...]) } })
            let ready = certificate.status == "ISSUED" || names.isSubset(of: covered)
            return (ready ? certificate : nil, "ACM has published records for \(covered.intersection(names).count) of \(names.count) names")
        }
        let records = described.validationRecords.filter { DomainName.isWithin($0.name, zone: zone.name) }
        await context.outputs.set(certificate: key, arn, records: records)
        let existing = context.world.zoneRecords[zone.id] ?? []
        let missing = records.filter { record in
            !existing.contains { $0.holds(record) }
        }
        if !missing.isEmpty {
            try await context.route53.change(zoneID: zone.id, missing.map { (.upsert, LiveRecordSet(name: $0.name, type: $0.type, ttl: 300, values: [$0.value])) },
                                             comment: "portico \(context.stackName): validation of \(key)")
            context.report("wrote \(missing.count) validation record(s) for \(key) in \(zone.name)")
        }
        if described.status == "ISSUED" { return }
        _ = try await context.waitFor("certificate \(key) to be issued", timeout: context.wait.certificateTimeout) { () -> (Bool?, String) in
            let certificate = try await context.acm.describe(arn: arn, tags: [:])
            switch certificate.status {
            case "ISSUED": return (true, "ISSUED")
            case "PENDING_VALIDATION":
                return (nil, "PENDING_VALIDATION; ACM is waiting to see \(records.map(\.name).joined(separator: ", ")) (CNAME) in \(zone.name): check that the zone is the one the domain's registrar delegates to")
            default: throw ApplyError("certificate \(key) is \(certificate.status); ACM will not issue it. Delete it (portico replaces it on the next apply) or check CAA records")
            }
        }
        context.report("certificate \(key) issued")
    }

    func delete(_ step: PlanStep, _ context: ApplyContext) async throws {
        guard let arn = step.liveID else { return }
        // Its validation records go first, unless a certificate that stays uses the same ones:
        // they carry no tags and only the certificate names them, so once it is gone a run
        // interrupted here could no longer find them.
        if let live = context.world.certificates.first(where: { $0.arn == arn }),
           let zoneKey = context.stack.resource(step.node.key)?.certificate?.validationZone.value.description ?? zoneHolding(live, context),
           let zone = context.world.zone(zoneKey) {
            let inUse = await context.outputs.recordsInUse()
            let existing = context.world.zoneRecords[zone.id] ?? []
            let removable = live.validationRecords.filter { !inUse.contains($0) }.compactMap { record in
                existing.first { $0.holds(record) }
            }
            for set in removable {
                do {
                    try await context.route53.change(zoneID: zone.id, [(.delete, set)], comment: "portico \(context.stackName): certificate \(step.node.key) deleted")
                } catch let error as AWSError where error.code == "InvalidChangeBatch" {
                    // Already gone, or changed by someone else since the plan: leave it.
                }
            }
        }
        do {
            try await context.retrying("deleting certificate \(step.node.key)", codes: ["ResourceInUseException"]) {
                try await context.acm.delete(arn: arn)
            }
        } catch let error as AWSError where error.isNotFound {}
    }

    /// The zone key holding a removed entry's validation records, when the file no longer says.
    func zoneHolding(_ certificate: LiveCertificate, _ context: ApplyContext) -> String? {
        for (key, entry) in context.world.existing {
            guard case .hostedZone(let zone) = entry else { continue }
            if certificate.validationRecords.contains(where: { DomainName.isWithin($0.name, zone: zone.name) }) { return key }
        }
        return nil
    }
}

// MARK: - Security group (the group, its ingress rules, its attachments)

struct SecurityGroupDriver: ResourceDriver {
    func create(_ step: PlanStep, _ context: ApplyContext) async throws {
        let key = step.node.key
        guard let spec = try context.resource(key).securityGroup else { return }
        if step.node.part == .ingress { return try await setRules(step, spec: spec, live: [], context) }
        let name = step.newName ?? AWSNaming.derivedName(stack: context.stackName, key: key, limit: AWSNaming.securityGroupNameLimit)
        let vpcID = try context.vpcID(spec.vpc.value)
        let id = try await context.createOnce("security group \(name) in \(vpcID)", key: key, duplicateCodes: ["InvalidGroup.Duplicate"]) {
            try await context.ec2.describeSecurityGroups(filters: [.init("vpc-id", [vpcID]), .init("group-name", [name])]).first.map { .init(id: $0.id, tags: $0.tags, value: $0.id) }
        } create: {
            try await context.ec2.createSecurityGroup(name: name, description: spec.description.value, vpcID: vpcID, tags: context.tags(for: key))
        }
        await context.outputs.set(group: key, id)
        context.report("created security group \(key): \(id) (\(name))")
        try await attach(id, to: context.instanceIDs(spec.attachTo), context)
    }

    func update(_ step: PlanStep, _ context: ApplyContext) async throws {
        let key = step.node.key
        guard let spec = try context.resource(key).securityGroup, let id = step.liveID else { return }
        let live = context.world.securityGroups.first { $0.id == id }
        if step.node.part == .ingress { return try await setRules(step, spec: spec, live: live?.ingress ?? [], context) }
        let desired = Set(try context.instanceIDs(spec.attachTo))
        let attached = Set(context.world.instances.values.filter { $0.securityGroupIDs.contains(id) }.map(\.id))
        try await attach(id, to: desired.subtracting(attached).sorted(), context)
        try await detach(id, from: attached.subtracting(desired).sorted(), context)
    }

    /// Rules as EC2 permissions, one per source, with group references resolved to ids.
    func desiredPermissions(_ spec: SecurityGroupSpec, _ context: ApplyContext) async throws -> [LivePermission] {
        var permissions: [LivePermission] = []
        for rule in spec.ingress {
            let ipProtocol: String
            var from: Int?, to: Int?
            switch rule.ipProtocol.value {
            case .tcp, .udp:
                ipProtocol = rule.ipProtocol.value.rawValue
                from = rule.ports?.value.from ?? 0
                to = rule.ports?.value.to ?? 65535
            case .icmp, .icmpv6: ipProtocol = rule.ipProtocol.value.rawValue
            case .all: ipProtocol = "-1"
            }
            for source in rule.sources {
                let text: String
                switch source.value {
                case .cidr(let cidr): text = cidr.description
                case .group(let reference): text = try await context.groupID(reference)
                }
                permissions.append(LivePermission(ipProtocol: ipProtocol, fromPort: from, toPort: to, source: text, description: rule.description?.value))
            }
        }
        return permissions
    }

    /// Revokes what the file no longer says, then authorises what is missing.
    func setRules(_ step: PlanStep, spec: SecurityGroupSpec, live: [LivePermission], _ context: ApplyContext) async throws {
        let id = try await context.groupID(.entry(step.node.key))
        let desired = try await desiredPermissions(spec, context)
        let word = { (permission: LivePermission) in RuleText.live(permission, sourceName: { $0 }) }
        let desiredWords = Set(desired.map(word)), liveWords = Set(live.map(word))
        let revoke = live.filter { !desiredWords.contains(word($0)) }
        let authorize = desired.filter { !liveWords.contains(word($0)) }
        try await context.ec2.changeIngress("RevokeSecurityGroupIngress", groupID: id, permissions: revoke)
        do {
            try await context.ec2.changeIngress("AuthorizeSecurityGroupIngress", groupID: id, permissions: authorize)
        } catch let error as AWSError where error.code == "InvalidPermission.Duplicate" {
            // Added by an earlier, interrupted apply: already as wanted.
        }
        if !revoke.isEmpty || !authorize.isEmpty {
            context.report("security group \(step.node.key): \(authorize.count) rule(s) added, \(revoke.count) removed")
        }
    }

    /// Adds the group to each instance's own groups. Read fresh and written under a lock: the
    /// groups are replaced whole, so another step's change must not be lost.
    func attach(_ groupID: String, to instanceIDs: [String], _ context: ApplyContext) async throws {
        for instanceID in instanceIDs {
            try await context.instanceLock.withLock {
                guard let instance = try await context.ec2.describeInstances(ids: [instanceID]).first else { throw ApplyError("instance \(instanceID) was not found") }
                guard !instance.securityGroupIDs.contains(groupID) else { return }
                try await context.ec2.setInstanceGroups(instanceID: instanceID, groupIDs: instance.securityGroupIDs + [groupID])
                context.report("attached \(groupID) to \(instanceID)")
            }
        }
    }

    func detach(_ groupID: String, from instanceIDs: [String], _ context: ApplyContext) async throws {
        for instanceID in instanceIDs {
            try await context.instanceLock.withLock {
                guard let instance = try await context.ec2.describeInstances(ids: [instanceID]).first, instance.securityGroupIDs.contains(groupID) else { return }
                var remaining = instance.securityGroupIDs.filter { $0 != groupID }
                if remaining.isEmpty {
                    // An instance keeps at least one group: its VPC's default group.
                    let defaults = try await context.ec2.describeSecurityGroups(filters: [.init("vpc-id", [instance.vpcID]), .init("group-name", ["default"])])
                    remaining = defaults.map(\.id)
                }
                try await context.ec2.setInstanceGroups(instanceID: instanceID, groupIDs: remaining)
                context.report("detached \(groupID) from \(instanceID)")
            }
        }
    }

    func delete(_ step: PlanStep, _ context: ApplyContext) async throws {
        guard let id = step.liveID else { return }
        let live = context.world.securityGroups.first { $0.id == id }
        if step.node.part == .ingress {
            do {
                try await context.ec2.changeIngress("RevokeSecurityGroupIngress", groupID: id, permissions: live?.ingress ?? [])
            } catch let error as AWSError where error.isNotFound || error.code == "InvalidPermission.NotFound" {}
            return
        }
        let wearing = context.world.instances.values.filter { $0.securityGroupIDs.contains(id) }.map(\.id).sorted()
        try await detach(id, from: wearing, context)
        do {
            // A load balancer's network interfaces let go of the group some time after it is deleted.
            try await context.retrying("deleting security group \(step.node.key)", codes: ["DependencyViolation", "InvalidGroup.InUse"]) {
                try await context.ec2.deleteSecurityGroup(id: id)
            }
        } catch let error as AWSError where error.isNotFound {}
    }
}

// MARK: - Target group

struct TargetGroupDriver: ResourceDriver {
    func create(_ step: PlanStep, _ context: ApplyContext) async throws {
        let key = step.node.key
        guard let spec = try context.resource(key).targetGroup else { return }
        let name = step.newName ?? AWSNaming.derivedName(stack: context.stackName, key: key, limit: AWSNaming.elbNameLimit)
        let vpcID = try context.vpcID(spec.vpc.value)
        let arn = try await context.createOnce("target group \(name)", key: key, duplicateCodes: ["DuplicateTargetGroupName"]) {
            let found = try await context.elbv2.absentIfNotFound { try await context.elbv2.describeTargetGroups(names: [name]).first }
            return try await context.elbv2.withTags(found?.arn, found?.arn)
        } create: {
            try await context.elbv2.createTargetGroup(name: name, spec: spec, vpcID: vpcID, tags: context.tags(for: key)).arn
        }
        await context.outputs.set(targetGroup: key, arn)
        context.report("created target group \(key): \(name)")
        try await context.elbv2.changeTargets("RegisterTargets", targetGroupARN: arn, instanceIDs: context.instanceIDs(spec.targets))
    }

    func update(_ step: PlanStep, _ context: ApplyContext) async throws {
        let key = step.node.key
        guard let spec = try context.resource(key).targetGroup, let arn = step.liveID else { return }
        if step.changes.contains(where: { $0.field.hasPrefix("health_check.") }) {
            try await context.elbv2.modifyTargetGroupHealthCheck(arn: arn, spec: spec)
            context.report("changed the health check of \(key)")
        }
        let live = Set(context.world.targetGroups.first { $0.arn == arn }?.targets ?? [])
        let desired = Set(try context.instanceIDs(spec.targets))
        try await context.elbv2.changeTargets("RegisterTargets", targetGroupARN: arn, instanceIDs: desired.subtracting(live).sorted())
        try await context.elbv2.changeTargets("DeregisterTargets", targetGroupARN: arn, instanceIDs: live.subtracting(desired).sorted())
    }

    func delete(_ step: PlanStep, _ context: ApplyContext) async throws {
        guard let arn = step.liveID else { return }
        do {
            try await context.retrying("deleting target group \(step.node.key)", codes: ["ResourceInUse"]) {
                try await context.elbv2.deleteTargetGroup(arn: arn)
            }
        } catch let error as AWSError where error.isNotFound {}
    }
}

// MARK: - Load balancer and its listeners

struct LoadBalancerDriver: ResourceDriver {
    func create(_ step: PlanStep, _ context: ApplyContext) async throws {
        let key = step.node.key
        guard let spec = try context.resource(key).loadBalancer else { return }
        if case .listener(let port) = step.node.part {
            guard let listener = spec.listeners.first(where: { $0.port.value == port }) else { return }
            let loadBalancer = try await context.loadBalancer(key)
            let configuration = try await configuration(listener, context)
            var madeEarlier = false
            let arn = try await context.createOnce("listener \(port) of \(loadBalancer.name)", key: key, duplicateCodes: ["DuplicateListener"]) {
                let found = try await context.elbv2.describeListeners(loadBalancerARN: loadBalancer.arn).first { $0.port == port }
                madeEarlier = found != nil
                return try await context.elbv2.withTags(found?.arn, found?.arn)
            } create: {
                try await context.elbv2.createListener(loadBalancerARN: loadBalancer.arn, configuration, tags: context.tags(for: key))
            }
            context.report("created listener \(listener.label) on \(key)")
            // A listener an earlier attempt made (its answer lost) may have certificates and rules already.
            let extra = madeEarlier ? try await context.elbv2.extraCertificates(listenerARN: arn) : []
            try await addCertificates(listener, to: arn, live: extra, context)
            let live = madeEarlier ? try await context.elbv2.describeRules(listenerARN: arn) : []
            try await syncRules(listener, listenerARN: arn, live: live, livePriorities: nil, key: key, context)
            return
        }
        let name = step.newName ?? AWSNaming.derivedName(stack: context.stackName, key: key, limit: AWSNaming.elbNameLimit)
        var groups: [String] = []
        for group in spec.securityGroups { groups.append(try await context.groupID(group.value)) }
        let subnetIDs = try context.subnetIDs(spec.subnets)
        let created = try await context.createOnce("load balancer \(name)", key: key, duplicateCodes: ["DuplicateLoadBalancerName"]) {
            let found = try await context.elbv2.absentIfNotFound { try await context.elbv2.describeLoadBalancers(names: [name]).first }
            return try await context.elbv2.withTags(found?.arn, found)
        } create: {
            try await context.elbv2.createLoadBalancer(name: name, spec: spec, subnetIDs: subnetIDs, securityGroupIDs: groups, tags: context.tags(for: key))
        }
        context.report("created load balancer \(key): \(name)")
        if spec.deletionProtection.value { try await context.elbv2.setDeletionProtection(loadBalancerARN: created.arn, enabled: true) }
        let active = try await context.waitFor("load balancer \(key) to be active", timeout: context.wait.loadBalancerTimeout) { () -> (LiveLoadBalancer?, String) in
            let found = try await context.elbv2.describeLoadBalancers(arns: [created.arn]).first
            return (found?.state == "active" ? found : nil, found?.state ?? "not visible yet")
        }
        await context.outputs.set(loadBalancer: key, active)
    }

    func configuration(_ listener: Listener, _ context: ApplyContext) async throws -> ELBv2Calls.ListenerConfiguration {
        var certificate: String?
        if let reference = listener.certificate { certificate = try await context.certificateARN(reference.value) }
        return .init(appProtocol: listener.appProtocol.value, port: listener.port.value, certificateARN: certificate,
                     sslPolicy: listener.isHTTPS ? (listener.sslPolicy?.value ?? SSLPolicies.defaultPolicy) : nil,
                     action: try await resolve(listener.action, context))
    }

    func resolve(_ action: Listener.Action, _ context: ApplyContext) async throws -> ELBv2Calls.ResolvedAction {
        switch action {
        case .forward(let forward):
            var groups: [(arn: String, weight: Int?)] = []
            for group in forward.groups { groups.append((try await context.targetGroupARN(group.target.value), group.weight?.value)) }
            return .forward(groups: groups, stickiness: forward.stickiness?.value)
        case .redirect(let redirect): return .redirect(redirect)
        case .fixedResponse(let response): return .fixedResponse(response)
        }
    }

    /// SNI certificates the file wants and the listener lacks. Added before any rule needs them.
    func addCertificates(_ listener: Listener, to listenerARN: String, live: [String], _ context: ApplyContext) async throws {
        var wanted: [String] = []
        for reference in listener.certificates { wanted.append(try await context.certificateARN(reference.value)) }
        let missing = wanted.filter { !live.contains($0) }
        try await context.elbv2.changeListenerCertificates("AddListenerCertificates", listenerARN: listenerARN, certificateARNs: missing)
        if !missing.isEmpty { context.report("listener \(listener.label): \(missing.count) SNI certificate(s) added") }
    }

    /// Turns the listener's live rules into the file's (see `RuleChanges` for the order, which
    /// keeps every request going to its old or its new target while it runs).
    /// `livePriorities`: the live listener the plan saw, which the file's priorities were chosen against.
    func syncRules(_ listener: Listener, listenerARN: String, live: [LiveRule], livePriorities: LiveListener?, key: String, _ context: ApplyContext) async throws {
        let priorities = Planner.priorities(listener, live: livePriorities)
        var resolved: [ELBv2Calls.ResolvedAction] = []
        for rule in listener.rules { resolved.append(try await resolve(rule.action, context)) }
        let actions = resolved
        // Compared by ARN, so a rule still pointing at a replaced target group is moved to the new one.
        var arns: [Reference: String] = [:]
        for target in listener.rules.flatMap(\.action.targets) { arns[target.value] = try await context.targetGroupARN(target.value) }
        let desired = listener.rules.indices.map { index in
            RuleMeaning(priority: priorities[index], conditions: ConditionText.desired(listener.rules[index].conditions),
                        action: ActionText.desired(listener.rules[index].action, targetName: { arns[$0] ?? $0.description }))
        }
        let changes = RuleChanges(desired: desired, live: live.map { ($0.arn, RuleMeaning(priority: $0.priority, conditions: ConditionText.live($0.conditions), action: ActionText.live($0.action, targetName: { $0 }))) })
        guard !changes.isEmpty else { return }
        let elbv2 = context.elbv2
        try await context.forEach(changes.deleteFirst) { arn in try await Self.deleteRule(arn, elbv2) }
        try await context.forEach(changes.modify) { change in
            let rule = listener.rules[change.desired]
            try await elbv2.modifyRule(arn: change.liveARN, conditions: change.conditionsChange ? rule.conditions : nil, action: actions[change.desired])
        }
        try await setPriorities(changes.priorities, live: live, desired: desired, context)
        let tags = context.tags(for: key)
        try await context.forEach(changes.create) { index in
            let rule = listener.rules[index]
            let priority = desired[index].priority
            _ = try await context.createOnce("rule \(priority) of listener \(listener.label)", key: key, duplicateCodes: ["PriorityInUse"]) {
                let found = try await elbv2.describeRules(listenerARN: listenerARN).first { $0.priority == priority }
                // Someone else's rule at this priority is not taken: only one that means the same.
                guard let found, ConditionText.live(found.conditions) == desired[index].conditions else { return nil }
                return try await elbv2.withTags(found.arn, found.arn)
            } create: {
                try await elbv2.createRule(listenerARN: listenerARN, priority: priority, conditions: rule.conditions, action: actions[index], tags: tags)
            }
        }
        try await context.forEach(changes.deleteLast) { arn in try await Self.deleteRule(arn, elbv2) }
        context.report("listener \(listener.label) of \(key): \(changes.summary)")
    }

    static func deleteRule(_ arn: String, _ elbv2: ELBv2Calls) async throws {
        do { try await elbv2.deleteRule(arn: arn) } catch let error as AWSError where error.isNotFound {}
    }

    /// One SetRulePriorities call: AWS checks the new order as a whole, so rules may trade
    /// places. A server that checks each rule against the current order instead (moto) refuses
    /// a trade with PriorityInUse; then the moved rules first step aside to free priorities in
    /// their current places (the order does not change), and then take their new ones in one call.
    func setPriorities(_ moves: [(arn: String, priority: Int)], live: [LiveRule], desired: [RuleMeaning], _ context: ApplyContext) async throws {
        guard !moves.isEmpty else { return }
        do {
            try await context.elbv2.setRulePriorities(moves)
        } catch let error as AWSError where error.code == "PriorityInUse" {
            let current = live.map(\.priority).sorted()
            var avoid = Set(current).union(desired.map(\.priority))
            var aside: [(arn: String, priority: Int)] = []
            for move in moves {
                guard let old = live.first(where: { $0.arn == move.arn })?.priority else { continue }
                let below = current.last { $0 < old } ?? 0, above = current.first { $0 > old } ?? ListenerRule.priorities.upperBound + 1
                let free = (below + 1..<above).first { !avoid.contains($0) }
                    ?? ListenerRule.priorities.reversed().first { !avoid.contains($0) }
                guard let free else { throw error }
                avoid.insert(free)
                aside.append((move.arn, free))
            }
            context.report("the server refused to trade rule priorities in one call; moving \(moves.count) rule(s) through free priorities")
            try await context.elbv2.setRulePriorities(aside)
            try await context.elbv2.setRulePriorities(moves)
        }
    }

    func update(_ step: PlanStep, _ context: ApplyContext) async throws {
        let key = step.node.key
        guard let spec = try context.resource(key).loadBalancer, let arn = step.liveID else { return }
        if case .listener(let port) = step.node.part {
            guard let listener = spec.listeners.first(where: { $0.port.value == port }) else { return }
            let live = context.world.loadBalancers.flatMap(\.listeners).first { $0.arn == arn }
            let fields = Set(step.changes.map(\.field))
            try await addCertificates(listener, to: arn, live: live?.extraCertificateARNs ?? [], context)
            if !fields.isDisjoint(with: ["protocol", "certificate", "ssl_policy", "action"]) {
                try await context.elbv2.modifyListener(arn: arn, configuration(listener, context))
                context.report("changed listener \(listener.label) on \(key)")
            }
            try await syncRules(listener, listenerARN: arn, live: live?.rules ?? [], livePriorities: live, key: key, context)
            // Certificates no longer wanted go once no rule can need them.
            var wanted = Set<String>()
            for reference in listener.certificates { wanted.insert(try await context.certificateARN(reference.value)) }
            let unwanted = (live?.extraCertificateARNs ?? []).filter { !wanted.contains($0) }
            try await context.elbv2.changeListenerCertificates("RemoveListenerCertificates", listenerARN: arn, certificateARNs: unwanted)
            if !unwanted.isEmpty { context.report("listener \(listener.label): \(unwanted.count) SNI certificate(s) removed") }
            return
        }
        let fields = Set(step.changes.map(\.field))
        if fields.contains("ip_address_type") { try await context.elbv2.setIPAddressType(loadBalancerARN: arn, type: spec.ipAddressType.value) }
        if fields.contains("subnets") { try await context.elbv2.setSubnets(loadBalancerARN: arn, subnetIDs: context.subnetIDs(spec.subnets)) }
        if fields.contains("security_groups") {
            var groups: [String] = []
            for group in spec.securityGroups { groups.append(try await context.groupID(group.value)) }
            try await context.elbv2.setSecurityGroups(loadBalancerARN: arn, groupIDs: groups)
        }
        if fields.contains("deletion_protection") { try await context.elbv2.setDeletionProtection(loadBalancerARN: arn, enabled: spec.deletionProtection.value) }
        if let refreshed = try await context.elbv2.describeLoadBalancers(arns: [arn]).first { await context.outputs.set(loadBalancer: key, refreshed) }
        context.report("changed load balancer \(key): \(fields.sorted().joined(separator: ", "))")
    }

    func delete(_ step: PlanStep, _ context: ApplyContext) async throws {
        guard let arn = step.liveID else { return }
        if case .listener = step.node.part {
            do { try await context.elbv2.deleteListener(arn: arn) } catch let error as AWSError where error.isNotFound {}
            return
        }
        let live = context.world.loadBalancers.first { $0.arn == arn }
        if live?.deletionProtection == true {
            guard context.disableDeletionProtection else { throw ApplyError("load balancer \(step.node.key) has deletion protection on") }
            try await context.elbv2.setDeletionProtection(loadBalancerARN: arn, enabled: false)
        }
        do {
            try await context.elbv2.deleteLoadBalancer(arn: arn)
        } catch let error as AWSError where error.isNotFound {
            return
        }
        // Its groups and target groups can go only once it is gone.
        _ = try await context.waitFor("load balancer \(step.node.key) to be deleted", timeout: context.wait.loadBalancerTimeout) { () -> (Bool?, String) in
            do {
                let found = try await context.elbv2.describeLoadBalancers(arns: [arn])
                return (found.isEmpty ? true : nil, "still \(found.first?.state ?? "there")")
            } catch let error as AWSError where error.isNotFound {
                return (true, "deleted")
            }
        }
        context.report("deleted load balancer \(step.node.key)")
    }
}

// MARK: - Alias records

struct AliasRecordDriver: ResourceDriver {
    /// The record sets the file wants, pointing at the load balancer (or record) as it is now.
    func desiredSets(_ key: String, _ context: ApplyContext) async throws -> (LiveZone, [LiveRecordSet], LiveRecordSet) {
        guard let spec = try context.resource(key).aliasRecord else { throw ApplyError("\(key) is not an alias record") }
        let zone = try context.zone(spec.zone.value)
        let name = DomainName.normalize(spec.name.value)
        let target: AliasTarget
        var types = ["A"]
        switch spec.target.value {
        case .entry(let targetKey) where context.stack.resource(targetKey)?.loadBalancer != nil:
            let loadBalancer = try await context.loadBalancer(targetKey)
            // The `dualstack.` form answers AAAA as well as A.
            target = AliasTarget(hostedZoneID: loadBalancer.canonicalHostedZoneID, dnsName: "dualstack." + DomainName.normalize(loadBalancer.dnsName),
                                 evaluateTargetHealth: spec.evaluateTargetHealth.value)
            if loadBalancer.ipAddressType.hasPrefix("dualstack") || context.stack.resource(targetKey)?.loadBalancer?.isDualstack == true { types.append("AAAA") }
        case .entry(let targetKey):
            guard let other = context.stack.resource(targetKey)?.aliasRecord else { throw ApplyError("\(targetKey) is not a load balancer or alias record") }
            target = AliasTarget(hostedZoneID: zone.id, dnsName: DomainName.normalize(other.name.value), evaluateTargetHealth: spec.evaluateTargetHealth.value)
            if let loadBalancerKey = other.target.value.entryKey, context.stack.resource(loadBalancerKey)?.loadBalancer?.isDualstack == true { types.append("AAAA") }
        case .awsID(let id):
            throw ApplyError("alias record \(key) names \(id) directly; name a load balancer entry")
        }
        let sets = types.map { LiveRecordSet(name: name, type: $0, alias: target) }
        return (zone, sets, owner(name: name, key: key, context))
    }

    /// The ownership TXT, with the record of what this apply makes true.
    func owner(name: String, key: String, _ context: ApplyContext) -> LiveRecordSet {
        let applied = context.records[StackGraph.Node(key)]
        return LiveRecordSet(name: Ownership.ownerRecordName(for: name), type: "TXT", ttl: 300,
                             values: [Ownership.ownerRecordValue(stack: context.stackName, resource: key, applied: applied)])
    }

    /// Rewrites only the ownership TXT of a record that is as the file wants (its record was stale).
    func writeOwner(_ step: PlanStep, _ context: ApplyContext) async throws {
        guard step.action == .noop, let live = context.world.aliasRecord(step.liveID) else { return }
        let owner = owner(name: live.name, key: step.node.key, context)
        try await context.route53.change(zoneID: live.zoneID, [(.upsert, owner)], comment: "portico \(context.stackName): \(step.node.key) record")
    }

    func create(_ step: PlanStep, _ context: ApplyContext) async throws {
        let (zone, sets, owner) = try await desiredSets(step.node.key, context)
        // CREATE, not UPSERT: a record someone else wrote since the plan makes the batch fail
        // whole, instead of being taken over. The ownership record goes in the same batch.
        let changes: [(Route53Calls.ChangeAction, LiveRecordSet)] = (sets + [owner]).map { (.create, $0) }
        do {
            try await context.route53.change(zoneID: zone.id, changes, comment: "portico \(context.stackName): \(step.node.key)")
        } catch let error as AWSError where error.code == "InvalidChangeBatch" {
            // Already there: fine only if what is there is exactly what this step writes (an
            // earlier, interrupted apply) or nothing at all (an emulator's stale journal).
            let current = try await context.route53.recordSets(zoneID: zone.id).filter { $0.name == owner.name || $0.name == sets.first?.name }
            let clashes = current.filter { live in
                guard live.type == "A" || live.type == "AAAA" || live.type == "CNAME" || (live.type == "TXT" && live.name == owner.name) else { return false }
                // This entry's own ownership record (from an earlier apply, with an older record of it).
                if live.type == "TXT", let parsed = live.values.lazy.compactMap(Ownership.parseOwnerRecord).first,
                   parsed.stack == context.stackName, parsed.resource == step.node.key { return false }
                return !(sets + [owner]).contains { $0.name == live.name && $0.type == live.type && $0.alias == live.alias && (live.alias != nil || $0.values == live.values) }
            }
            guard clashes.isEmpty else {
                throw ApplyError("\(clashes.map { "\($0.type) \($0.name)" }.joined(separator: ", ")) appeared in \(zone.name) after the plan and is not this stack's; nothing was written")
            }
            try await context.route53.change(zoneID: zone.id, (sets + [owner]).map { (.upsert, $0) }, comment: "portico \(context.stackName): \(step.node.key)")
        }
        context.report("wrote \(sets.map(\.type).joined(separator: "+")) alias \(sets.first?.name ?? "") in \(zone.name)")
    }

    func update(_ step: PlanStep, _ context: ApplyContext) async throws {
        let (zone, sets, owner) = try await desiredSets(step.node.key, context)
        let live = context.world.aliasRecord(step.liveID)
        var changes: [(Route53Calls.ChangeAction, LiveRecordSet)] = sets.map { (.upsert, $0) }
        for stale in live?.recordSets ?? [] where !sets.contains(where: { $0.type == stale.type }) { changes.append((.delete, stale)) }
        changes.append((.upsert, owner))
        try await context.route53.change(zoneID: zone.id, changes, comment: "portico \(context.stackName): \(step.node.key)")
        context.report("updated alias \(sets.first?.name ?? "") in \(zone.name)")
    }

    func delete(_ step: PlanStep, _ context: ApplyContext) async throws {
        guard let live = context.world.aliasRecord(step.liveID) else { return }
        let changes: [(Route53Calls.ChangeAction, LiveRecordSet)] = (live.recordSets + [live.owner]).map { (.delete, $0) }
        do {
            try await context.route53.change(zoneID: live.zoneID, changes, comment: "portico \(context.stackName): \(step.node.key) deleted")
        } catch let error as AWSError where error.code == "InvalidChangeBatch" {
            // Some of it is already gone: delete what is left one set at a time.
            for change in changes {
                do { try await context.route53.change(zoneID: live.zoneID, [change], comment: "portico \(context.stackName)") } catch let error as AWSError where error.code == "InvalidChangeBatch" {}
            }
        }
        context.report("deleted alias \(live.name)")
    }
}
