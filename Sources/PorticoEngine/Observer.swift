import PorticoCore
import PorticoWire

/// Reads everything a plan needs, with as few calls as AWS allows: one tag-filtered describe
/// per EC2 kind, whole-region ELBv2 lists with tags 20 ARNs a call, ACM tags per certificate
/// (ACM has no batch form), one record listing per zone. The four services are read at once.
public struct Observer: Sendable {
    let ec2: EC2Calls
    let elbv2: ELBv2Calls
    let acm: ACMCalls
    let route53: Route53Calls

    public init(client: AWSClient) {
        ec2 = EC2Calls(client: client)
        elbv2 = ELBv2Calls(client: client)
        acm = ACMCalls(client: client)
        route53 = Route53Calls(client: client)
    }

    public struct Outcome: Sendable {
        public var world: LiveWorld
        /// Lookups that found nothing or too much, located at their entries.
        public var diagnostics: [Diagnostic]
    }

    /// `strictLookups`: for destroy, an existing entry that no longer resolves is not an error
    /// (what the stack owns is found by its tags, not through those entries).
    public func observe(_ stack: Stack, strictLookups: Bool = true) async throws -> Outcome {
        let stackName = stack.name.value
        async let existing = resolveExisting(stack)
        async let ec2Owned = ec2.describeSecurityGroups(filters: [EC2Calls.Filter("tag:\(Ownership.stackTag)", [stackName])])
        async let elbOwned = readLoadBalancing(stack)
        async let certificates = readCertificates(stackName)
        async let groupNameHolders = securityGroupNameHolders(stack)

        var world = LiveWorld()
        var diagnostics: [Diagnostic] = []
        let (resolved, lookupProblems) = try await existing
        world.existing = resolved
        diagnostics += strictLookups ? lookupProblems : []
        world.securityGroups = try await ec2Owned
        let (loadBalancers, targetGroups, elbHolders) = try await elbOwned
        world.loadBalancers = loadBalancers
        world.targetGroups = targetGroups
        world.certificates = try await certificates
        world.nameHolders = try await groupNameHolders + elbHolders

        // Instances: those the file names (to know their groups) and those wearing our groups.
        async let namedInstances = instancesNamedByID(stack)
        let groupIDs = world.securityGroups.map(\.id)
        async let wearing = groupIDs.isEmpty ? [] : ec2.describeInstances(filters: [EC2Calls.Filter("instance.group-id", groupIDs)])
        for entry in resolved.values { if case .instances(let instances) = entry { for instance in instances { world.instances[instance.id] = instance } } }
        for instance in try await namedInstances + wearing { world.instances[instance.id] = instance }

        // Records of every zone the stack names.
        let zones = Set(resolved.values.compactMap { entry -> LiveZone? in if case .hostedZone(let zone) = entry { zone } else { nil } }.map(\.id))
        let records = try await withThrowingTaskGroup(of: (String, [LiveRecordSet]).self) { group in
            for zoneID in zones { group.addTask { (zoneID, try await route53.recordSets(zoneID: zoneID)) } }
            var all: [String: [LiveRecordSet]] = [:]
            for try await (zoneID, sets) in group { all[zoneID] = sets }
            return all
        }
        world.zoneRecords = records
        world.aliasRecords = Self.ownedAliasRecords(records, stack: stackName)
        return Outcome(world: world, diagnostics: diagnostics)
    }

    /// Alias records are Portico's when an ownership TXT beside them names this stack.
    static func ownedAliasRecords(_ records: [String: [LiveRecordSet]], stack: String) -> [LiveAliasRecord] {
        var owned: [LiveAliasRecord] = []
        for (zoneID, sets) in records.sorted(by: { $0.key < $1.key }) {
            for owner in sets where owner.type == "TXT" && owner.setIdentifier == nil {
                guard let (ownerStack, key) = owner.values.lazy.compactMap(Ownership.parseOwnerRecordValue).first, ownerStack == stack else { continue }
                let name = sets.map(\.name).first { Ownership.ownerRecordName(for: $0) == owner.name } ?? recordName(forOwner: owner.name)
                let aliases = sets.filter { $0.name == name && ($0.type == "A" || $0.type == "AAAA") && $0.alias != nil && $0.setIdentifier == nil }
                owned.append(LiveAliasRecord(zoneID: zoneID, name: name, recordSets: aliases, owner: owner, resourceKey: key))
            }
        }
        return owned
    }

    static func recordName(forOwner ownerName: String) -> String {
        if ownerName.hasPrefix("_portico-wildcard.") { return "*." + ownerName.dropFirst("_portico-wildcard.".count) }
        if ownerName.hasPrefix("_portico.") { return String(ownerName.dropFirst("_portico.".count)) }
        return ownerName
    }

    // MARK: Existing entries

    func resolveExisting(_ stack: Stack) async throws -> ([String: ResolvedEntry], [Diagnostic]) {
        try await withThrowingTaskGroup(of: (String, ResolvedEntry?, Diagnostic?).self) { group in
            for entry in stack.existing {
                group.addTask { try await resolve(entry) }
            }
            // Zones named by id directly in resources (validation_zone, zone) need their names too.
            var literalZones = Set<String>()
            for resource in stack.resources {
                if let zone = resource.certificate?.validationZone.value, case .awsID(let id) = zone { literalZones.insert(id) }
                if let zone = resource.aliasRecord?.zone.value, case .awsID(let id) = zone { literalZones.insert(id) }
            }
            for id in literalZones {
                group.addTask {
                    let zone = try await route53.zone(id: id)
                    return (id, zone.map(ResolvedEntry.hostedZone), nil)
                }
            }
            var resolved: [String: ResolvedEntry] = [:]
            var problems: [Diagnostic] = []
            for try await (key, entry, problem) in group {
                if let entry { resolved[key] = entry }
                if let problem { problems.append(problem) }
            }
            return (resolved, problems.sorted { $0.location < $1.location })
        }
    }

    func resolve(_ entry: ExistingEntry) async throws -> (String, ResolvedEntry?, Diagnostic?) {
        let key = entry.key.value
        let location = entry.key.location
        func notFound(_ what: String) -> (String, ResolvedEntry?, Diagnostic?) {
            (key, nil, .error(.lookupNotFound, "'\(key)': no \(what) found in AWS; check the selector and the region", at: location))
        }
        switch (entry.kind, entry.selector) {
        case (.vpc, let selector):
            let vpcs: [(id: String, isDefault: Bool)]
            let what: String
            switch selector {
            case .id(let id): vpcs = try await ec2.describeVPCs(ids: [id.value]).filter { $0.id == id.value }; what = "VPC \(id.value)"
            case .tags(let tags): vpcs = try await ec2.describeVPCs(filters: EC2Calls.tagFilters(tags.map { ($0.key.value, $0.value.value) })); what = "VPC with tags \(Self.tagText(tags))"
            case .name(let name): vpcs = try await ec2.describeVPCs(filters: [EC2Calls.Filter("tag:Name", [name.value])]); what = "VPC named \(name.value)"
            case .defaultVPC: vpcs = try await ec2.describeVPCs(filters: [EC2Calls.Filter("is-default", ["true"])]); what = "default VPC"
            case .ids(let ids): vpcs = try await ec2.describeVPCs(ids: ids.map(\.value)); what = "VPC"
            }
            guard !vpcs.isEmpty else { return notFound(what) }
            guard vpcs.count == 1 else {
                return (key, nil, .error(.lookupAmbiguous, "'\(key)': \(vpcs.count) VPCs match (\(vpcs.map(\.id).joined(separator: ", "))); a vpc entry must find exactly one. Add a tag that tells them apart, or give the id", at: location))
            }
            return (key, .vpc(id: vpcs[0].id), nil)
        case (.subnets, let selector):
            let subnets: [LiveSubnet]
            switch selector {
            case .ids(let ids): subnets = try await ec2.describeSubnets(ids: ids.map(\.value))
            case .id(let id): subnets = try await ec2.describeSubnets(ids: [id.value])
            case .tags(let tags): subnets = try await ec2.describeSubnets(filters: EC2Calls.tagFilters(tags.map { ($0.key.value, $0.value.value) }))
            case .name(let name): subnets = try await ec2.describeSubnets(filters: [EC2Calls.Filter("tag:Name", [name.value])])
            case .defaultVPC: subnets = []
            }
            guard !subnets.isEmpty else { return notFound("subnets") }
            return (key, .subnets(subnets.sorted { $0.id < $1.id }), nil)
        case (.instances, let selector):
            let instances: [LiveInstance]
            switch selector {
            case .ids(let ids): instances = try await ec2.describeInstances(ids: ids.map(\.value))
            case .id(let id): instances = try await ec2.describeInstances(ids: [id.value])
            case .tags(let tags): instances = try await ec2.describeInstances(filters: EC2Calls.tagFilters(tags.map { ($0.key.value, $0.value.value) }))
            case .name(let name): instances = try await ec2.describeInstances(filters: [EC2Calls.Filter("tag:Name", [name.value])])
            case .defaultVPC: instances = []
            }
            guard !instances.isEmpty else { return notFound("running or stopped instances") }
            return (key, .instances(instances.sorted { $0.id < $1.id }), nil)
        case (.hostedZone, .id(let id)):
            guard let zone = try await route53.zone(id: id.value) else { return notFound("hosted zone \(id.value)") }
            return (key, .hostedZone(zone), nil)
        case (.hostedZone, .name(let name)):
            let zones = try await route53.zones(named: name.value)
            guard !zones.isEmpty else { return notFound("public hosted zone named \(DomainName.normalize(name.value))") }
            guard zones.count == 1 else {
                return (key, nil, .error(.lookupAmbiguous, "'\(key)': \(zones.count) public hosted zones are named \(DomainName.normalize(name.value)) (\(zones.map(\.id).joined(separator: ", "))); give the zone's id instead", at: location))
            }
            return (key, .hostedZone(zones[0]), nil)
        default:
            return notFound("\(entry.kind)")
        }
    }

    static func tagText(_ tags: [Tag]) -> String {
        "{" + tags.map { "\($0.key.value): \($0.value.value)" }.joined(separator: ", ") + "}"
    }

    func instancesNamedByID(_ stack: Stack) async throws -> [LiveInstance] {
        var ids = Set<String>()
        for resource in stack.resources {
            for reference in (resource.securityGroup?.attachTo ?? []) + (resource.targetGroup?.targets ?? []) {
                if case .awsID(let id) = reference.value { ids.insert(id) }
            }
        }
        return ids.isEmpty ? [] : try await ec2.describeInstances(ids: ids.sorted())
    }

    // MARK: Owned resources

    func readLoadBalancing(_ stack: Stack) async throws -> ([LiveLoadBalancer], [LiveTargetGroup], [NameHolder]) {
        let stackName = stack.name.value
        async let allLoadBalancers = elbv2.describeLoadBalancers()
        async let allTargetGroups = elbv2.describeTargetGroups()
        let loadBalancers = try await allLoadBalancers, targetGroups = try await allTargetGroups
        let tags = try await elbv2.describeTags(loadBalancers.map(\.arn) + targetGroups.map(\.arn))

        // Names this stack may create, to find who else holds them.
        var wanted = Set<String>()
        for resource in stack.resources {
            let explicit = resource.loadBalancer?.name?.value ?? resource.targetGroup?.name?.value
            guard resource.kind == .loadBalancer || resource.kind == .targetGroup else { continue }
            let base = explicit ?? AWSNaming.derivedName(stack: stackName, key: resource.key.value, limit: AWSNaming.elbNameLimit)
            wanted.insert(base.lowercased())
            wanted.insert(AWSNaming.replacementName(base: base, live: base, limit: AWSNaming.elbNameLimit).lowercased())
        }
        var holders: [NameHolder] = []
        var ownedLoadBalancers: [LiveLoadBalancer] = []
        for var loadBalancer in loadBalancers {
            loadBalancer.tags = tags[loadBalancer.arn] ?? [:]
            if loadBalancer.tags[Ownership.stackTag] == stackName {
                ownedLoadBalancers.append(loadBalancer)
            } else if wanted.contains(loadBalancer.name.lowercased()) {
                holders.append(NameHolder(kind: .loadBalancer, name: loadBalancer.name, id: loadBalancer.arn, ownerStack: loadBalancer.tags[Ownership.stackTag]))
            }
        }
        var ownedTargetGroups: [LiveTargetGroup] = []
        for var targetGroup in targetGroups {
            targetGroup.tags = tags[targetGroup.arn] ?? [:]
            if targetGroup.tags[Ownership.stackTag] == stackName {
                ownedTargetGroups.append(targetGroup)
            } else if wanted.contains(targetGroup.name.lowercased()) {
                holders.append(NameHolder(kind: .targetGroup, name: targetGroup.name, id: targetGroup.arn, ownerStack: targetGroup.tags[Ownership.stackTag]))
            }
        }
        // Per-resource reads AWS has no batch form of: listeners and attributes, each listener's
        // rules and SNI certificates, registered targets.
        let detailed = try await withThrowingTaskGroup(of: LiveLoadBalancer.self) { group in
            for loadBalancer in ownedLoadBalancers {
                group.addTask {
                    var loadBalancer = loadBalancer
                    let arn = loadBalancer.arn
                    async let listeners = elbv2.describeListeners(loadBalancerARN: arn)
                    async let protection = elbv2.deletionProtection(loadBalancerARN: arn)
                    let found = try await listeners
                    loadBalancer.listeners = try await withThrowingTaskGroup(of: LiveListener.self) { group in
                        for listener in found {
                            group.addTask {
                                let listenerARN = listener.arn
                                async let rules = elbv2.describeRules(listenerARN: listenerARN)
                                let certificates = listener.appProtocol == "HTTPS" ? try await elbv2.extraCertificates(listenerARN: listenerARN) : []
                                var read = listener
                                read.extraCertificateARNs = certificates
                                read.rules = try await rules.sorted { $0.priority < $1.priority }
                                return read
                            }
                        }
                        var all: [LiveListener] = []
                        for try await listener in group { all.append(listener) }
                        return all.sorted { $0.port < $1.port }
                    }
                    loadBalancer.deletionProtection = try await protection
                    return loadBalancer
                }
            }
            var all: [LiveLoadBalancer] = []
            for try await loadBalancer in group { all.append(loadBalancer) }
            return all.sorted { $0.arn < $1.arn }
        }
        let withTargets = try await withThrowingTaskGroup(of: LiveTargetGroup.self) { group in
            for targetGroup in ownedTargetGroups {
                group.addTask {
                    var targetGroup = targetGroup
                    targetGroup.targets = try await elbv2.registeredTargets(targetGroupARN: targetGroup.arn)
                    return targetGroup
                }
            }
            var all: [LiveTargetGroup] = []
            for try await targetGroup in group { all.append(targetGroup) }
            return all.sorted { $0.arn < $1.arn }
        }
        return (detailed, withTargets, holders)
    }

    func readCertificates(_ stackName: String) async throws -> [LiveCertificate] {
        let arns = try await acm.listCertificateARNs()
        return try await withThrowingTaskGroup(of: LiveCertificate?.self) { group in
            for arn in arns {
                group.addTask {
                    let tags = try await acm.tags(arn: arn)
                    guard tags[Ownership.stackTag] == stackName else { return nil }
                    return try await acm.describe(arn: arn, tags: tags)
                }
            }
            var owned: [LiveCertificate] = []
            for try await certificate in group { if let certificate { owned.append(certificate) } }
            return owned.sorted { $0.arn < $1.arn }
        }
    }

    /// Groups in the stack's VPCs that hold a name the stack would give a group, but are not its.
    func securityGroupNameHolders(_ stack: Stack) async throws -> [NameHolder] {
        var names = Set<String>()
        for resource in stack.resources {
            guard let group = resource.securityGroup else { continue }
            let base = group.name?.value ?? AWSNaming.derivedName(stack: stack.name.value, key: resource.key.value, limit: AWSNaming.securityGroupNameLimit)
            names.insert(base)
            names.insert(AWSNaming.replacementName(base: base, live: base, limit: AWSNaming.securityGroupNameLimit))
        }
        guard !names.isEmpty else { return [] }
        let groups = try await ec2.describeSecurityGroups(filters: [EC2Calls.Filter("group-name", names.sorted())])
        return groups.filter { $0.tags[Ownership.stackTag] != stack.name.value }
            .map { NameHolder(kind: .securityGroup, name: $0.name, id: $0.id, ownerStack: $0.tags[Ownership.stackTag], vpcID: $0.vpcID) }
    }
}
