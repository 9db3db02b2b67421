/// Checks across entries: the mistakes people make when they put a load balancer in front of
/// instances by hand. They run on the typed model only, so what they can know is what the file
/// says; where the answer depends on live AWS (an instance's own groups, subnets found by tags)
/// they warn and leave the rest to plan time instead of guessing.
public enum StackChecks {
    public static func run(_ stack: Stack) -> [Diagnostic] {
        var checker = Checker(stack: stack)
        checker.run()
        return checker.diagnostics
    }
}

private struct Checker {
    let stack: Stack
    var diagnostics: [Diagnostic] = []
    /// The owned load balancers and security groups, gathered once: most checks look through them.
    let loadBalancers: [(key: Located<String>, spec: LoadBalancerSpec)]
    let securityGroups: [(key: Located<String>, spec: SecurityGroupSpec)]

    init(stack: Stack) {
        self.stack = stack
        loadBalancers = stack.resources.compactMap { resource in resource.loadBalancer.map { (resource.key, $0) } }
        securityGroups = stack.resources.compactMap { resource in resource.securityGroup.map { (resource.key, $0) } }
    }

    mutating func run() {
        for resource in stack.resources {
            switch resource.spec {
            case .loadBalancer(let loadBalancer): checkLoadBalancer(resource.key, loadBalancer)
            case .targetGroup(let targetGroup): checkTargetGroup(resource.key, targetGroup)
            case .certificate(let certificate): checkCertificate(resource.key, certificate)
            case .aliasRecord(let record): checkAliasRecord(resource.key, record)
            case .securityGroup(let group): checkSecurityGroup(resource.key, group)
            }
        }
        checkUniqueAWSNames()
        checkUniqueRecords()
    }

    // MARK: Lookups

    func group(_ reference: Reference) -> SecurityGroupSpec? {
        reference.entryKey.flatMap { stack.resource($0)?.securityGroup }
    }

    /// The zone name when the file says it (a hosted zone looked up by name).
    func zoneName(_ reference: Reference) -> String? {
        guard let key = reference.entryKey, let entry = stack.existingEntry(key), case .name(let name) = entry.selector else { return nil }
        return DomainName.normalize(name.value)
    }

    /// A VPC as far as the file can tell: its id when written, else the entry that finds it.
    enum VPCIdentity: Equatable {
        case id(String)
        case entry(String)
    }

    func vpcIdentity(_ reference: Reference) -> VPCIdentity {
        switch reference {
        case .awsID(let id): return .id(id)
        case .entry(let key):
            if let entry = stack.existingEntry(key), case .id(let id) = entry.selector { return .id(id.value) }
            return .entry(key)
        }
    }

    /// Reports two VPC references that differ: an error when both ids are known, otherwise a
    /// warning, since two lookups may still find one VPC.
    mutating func compareVPCs(_ mine: Located<Reference>, _ theirs: Located<Reference>, _ message: String, at location: SourceLocation) {
        let a = vpcIdentity(mine.value), b = vpcIdentity(theirs.value)
        guard a != b else { return }
        let notes: [Diagnostic.Note] = [.init("VPC '\(mine.value)' is named here", at: mine.location), .init("VPC '\(theirs.value)' is named here", at: theirs.location)]
        if case .id = a, case .id = b {
            diagnostics.append(.error(.vpcMismatch, "\(message): '\(mine.value)' and '\(theirs.value)' are different VPCs", at: location, notes: notes))
        } else {
            diagnostics.append(.warning(.vpcMismatch, "\(message): '\(mine.value)' and '\(theirs.value)' may be different VPCs (AWS rejects that; checked at plan time)", at: location, notes: notes))
        }
    }

    // MARK: Load balancers and listeners

    /// AWS allows 50 tags on a load balancer; Portico puts its own there: ownership (2), the
    /// applied record (1) and one per listener (docs/drift.md).
    static let awsTagLimit = 50

    mutating func checkLoadBalancer(_ key: Located<String>, _ loadBalancer: LoadBalancerSpec) {
        checkSubnetCount(key, loadBalancer)
        let porticoTags = 3 + loadBalancer.listeners.count
        if stack.tags.count + porticoTags > Self.awsTagLimit, let first = stack.tags.first {
            diagnostics.append(.error(.invalidValue, "the stack gives \(stack.tags.count) tags, and Portico adds \(porticoTags) of its own to load balancer '\(key.value)' (ownership, its applied record, one per listener); AWS allows \(Self.awsTagLimit) per resource, so give at most \(Self.awsTagLimit - porticoTags)", at: first.key.location))
        }
        var firstListenerAtPort: [Int: Listener] = [:]
        for listener in loadBalancer.listeners {
            if let first = firstListenerAtPort[listener.port.value] {
                diagnostics.append(.error(.duplicateListenerPort, "load balancer '\(key.value)' has two listeners on port \(listener.port.value)", at: listener.port.location,
                                          notes: [.init("the first listener on port \(listener.port.value) is here", at: first.location)]))
                continue
            }
            firstListenerAtPort[listener.port.value] = listener
            checkListener(key, loadBalancer, listener)
        }
        // The load balancer's VPC is its security groups' VPC: they must agree.
        let managed = loadBalancer.securityGroups.compactMap { reference in group(reference.value).map { (reference, $0) } }
        if let (firstReference, first) = managed.first {
            for (reference, other) in managed.dropFirst() {
                compareVPCs(first.vpc, other.vpc, "security groups '\(firstReference.value)' and '\(reference.value)' of load balancer '\(key.value)' must be in one VPC", at: reference.location)
            }
            var compared = Set<String>()
            for listener in loadBalancer.listeners {
                for target in listener.forwardTargets {
                    guard let targetKey = target.value.entryKey, compared.insert(targetKey).inserted,
                          let targetGroup = stack.resource(targetKey)?.targetGroup else { continue }
                    compareVPCs(targetGroup.vpc, first.vpc, "target group '\(targetKey)' and load balancer '\(key.value)' must be in one VPC", at: target.location)
                }
            }
        }
        let ruleCount = loadBalancer.listeners.reduce(0) { $0 + $1.rules.count }
        if ruleCount > Self.rulesPerLoadBalancer, let rule = loadBalancer.listeners.flatMap(\.rules).dropFirst(Self.rulesPerLoadBalancer).first {
            diagnostics.append(.warning(.ruleLimit, "load balancer '\(key.value)' has \(ruleCount) rules; AWS allows \(Self.rulesPerLoadBalancer) per load balancer unless the account's quota was raised", at: rule.location))
        }
        let certificateCount = Set(loadBalancer.listeners.flatMap(\.certificates).map(\.value)).count
        if certificateCount > Self.certificatesPerLoadBalancer, let listener = loadBalancer.listeners.first(where: { !$0.certificates.isEmpty }) {
            diagnostics.append(.warning(.ruleLimit, "load balancer '\(key.value)' offers \(certificateCount) SNI certificates; AWS allows \(Self.certificatesPerLoadBalancer) per load balancer unless the account's quota was raised", at: listener.certificates[0].location))
        }
    }

    /// AWS's default quotas (adjustable, so only warned about).
    static let rulesPerLoadBalancer = 100
    static let certificatesPerLoadBalancer = 25

    // MARK: Rules

    mutating func checkRules(_ key: Located<String>, _ loadBalancer: LoadBalancerSpec, _ listener: Listener) {
        let label = "listener \(listener.label) of '\(key.value)'"
        var byPriority: [Int: ListenerRule] = [:]
        for rule in listener.rules {
            guard let priority = rule.priority else { continue }
            if let first = byPriority[priority.value] {
                diagnostics.append(.error(.rulePriority, "two rules of \(label) have priority \(priority.value); priorities are unique per listener", at: priority.location,
                                          notes: [.init("the first rule with priority \(priority.value) is here", at: first.priority?.location ?? first.location)]))
            }
            byPriority[priority.value] = byPriority[priority.value] ?? rule
        }
        if case .failure(let problem) = RulePriorities.assign(listener.rules) {
            let rule = listener.rules[min(problem.index, listener.rules.count - 1)]
            let upper = problem.high > ListenerRule.priorities.upperBound ? "the highest priority, \(ListenerRule.priorities.upperBound)" : "priority \(problem.high)"
            diagnostics.append(.error(.rulePriority, "this rule has no priority and there is no free one left between priority \(problem.low) above it and \(upper) below; give it one, or spread the rules' priorities further apart", at: rule.location))
        }
        var byConditions: [String: ListenerRule] = [:]
        for rule in listener.rules {
            checkRuleLimits(rule)
            let conditions = ConditionText.desired(rule.conditions)
            if let first = byConditions[conditions] {
                diagnostics.append(.error(.duplicateRule, "two rules of \(label) have the same conditions (\(conditions)); the one evaluated later never matches", at: rule.location,
                                          notes: [.init("the other rule is here", at: first.location)]))
            }
            byConditions[conditions] = byConditions[conditions] ?? rule
            if case .redirect(let redirect) = rule.action, redirect.redirectProtocol.value == listener.appProtocol.value, redirect.port.value == listener.port.value,
               redirect.host == nil, redirect.path == nil, redirect.query == nil {
                diagnostics.append(.error(.redirectLoop, "this rule of \(label) redirects to the same listener, host, path and query; the redirected request matches it again and browsers loop", at: redirect.location))
            }
        }
        checkHostsCovered(label, listener)
        checkShadowed(label, listener)
    }

    /// A rule that an earlier rule matches whenever it matches never gets a request: every
    /// condition of the earlier rule has a counterpart in the later one with no value it lacks.
    /// Values are compared as written (wildcards are not expanded), so this never warns wrongly.
    mutating func checkShadowed(_ label: String, _ listener: Listener) {
        guard case .success(let priorities) = RulePriorities.assign(listener.rules) else { return }
        let ordered = listener.rules.indices.sorted { priorities[$0] < priorities[$1] }
        func values(_ condition: RuleCondition) -> Set<String> {
            Set(condition.values.map { condition.field == .host ? $0.value.lowercased() : $0.value })
        }
        func sameField(_ a: RuleCondition.Field, _ b: RuleCondition.Field) -> Bool {
            if case .header(let x) = a, case .header(let y) = b { return x.lowercased() == y.lowercased() }
            return a == b
        }
        for (position, later) in ordered.enumerated() {
            let rule = listener.rules[later]
            for earlier in ordered[..<position] {
                let first = listener.rules[earlier]
                let covers = first.conditions.allSatisfy { condition in
                    rule.conditions.contains { sameField($0.field, condition.field) && values($0).isSubset(of: values(condition)) }
                }
                // Two rules with the same conditions are reported as duplicates already.
                guard covers, ConditionText.desired(first.conditions) != ConditionText.desired(rule.conditions) else { continue }
                diagnostics.append(.warning(.ruleShadowed, "this rule of \(label) (priority \(priorities[later])) never matches: the rule with priority \(priorities[earlier]) is evaluated first and matches every request it does. Give this rule the lower priority, or move it above", at: rule.location,
                                            notes: [.init("the earlier rule is here", at: first.location)]))
                break
            }
        }
    }

    /// ELB's limits on one rule: one host, path, method and source_ip condition at most (the
    /// reader gives each one), 3 values a condition, 5 values and 5 wildcards a rule.
    mutating func checkRuleLimits(_ rule: ListenerRule) {
        for condition in rule.conditions where condition.values.count > RuleValues.valuesPerCondition {
            diagnostics.append(.error(.ruleLimit, "'\(condition.field.word)' has \(condition.values.count) values; ELB takes at most \(RuleValues.valuesPerCondition) per condition. Split the rule in two", at: condition.values[RuleValues.valuesPerCondition].location))
        }
        let values = rule.conditions.flatMap(\.values).sorted { $0.location < $1.location }
        if values.count > RuleValues.valuesPerRule {
            diagnostics.append(.error(.ruleLimit, "this rule's conditions have \(values.count) values in all; ELB takes at most \(RuleValues.valuesPerRule) per rule. Split the rule in two", at: values[RuleValues.valuesPerRule].location))
        }
        // Reported at the value that goes over the limit, in file order.
        var running = 0
        let over = values.first { value in
            running += RuleValues.wildcards(value.value)
            return running > RuleValues.wildcardsPerRule
        }
        let wildcards = values.reduce(0) { $0 + RuleValues.wildcards($1.value) }
        if let value = over {
            diagnostics.append(.error(.ruleLimit, "this rule's conditions use \(wildcards) wildcards ('*' and '?'); ELB takes at most \(RuleValues.wildcardsPerRule) per rule", at: value.location))
        }
    }

    /// On HTTPS, a rule's hosts must be names one of the listener's certificates covers, or
    /// clients refuse the connection before the rule is ever evaluated.
    mutating func checkHostsCovered(_ label: String, _ listener: Listener) {
        guard listener.isHTTPS else { return }
        var names: [String] = []
        for certificate in listener.allCertificates {
            // A certificate given by ARN is not known until plan time.
            guard let certificateKey = certificate.value.entryKey, let spec = stack.resource(certificateKey)?.certificate else { return }
            names += spec.allNames.map(\.value)
        }
        guard !names.isEmpty else { return }
        for rule in listener.rules {
            for host in rule.hosts where !names.contains(where: { DomainName.certificateName($0, covers: host.value) }) {
                diagnostics.append(.error(.hostNotCovered, "host '\(host.value)' of a rule of \(label) is not covered by the listener's certificates (\(names.joined(separator: ", "))); clients will refuse the connection. Add a certificate to 'certificates:' or the name to a certificate's alternative_names", at: host.location))
            }
        }
    }

    mutating func checkSubnetCount(_ key: Located<String>, _ loadBalancer: LoadBalancerSpec) {
        var subnets = Set<String>()
        for reference in loadBalancer.subnets {
            switch reference.value {
            case .awsID(let id): subnets.insert(id)
            case .entry(let entryKey):
                guard let entry = stack.existingEntry(entryKey) else { continue }
                switch entry.selector {
                case .ids(let ids): subnets.formUnion(ids.map(\.value))
                case .id(let id): subnets.insert(id.value)
                default: return // found by tags: counted at plan time
                }
            }
        }
        if subnets.count < 2 {
            diagnostics.append(.error(.tooFewSubnets, "an application load balancer needs subnets in at least two Availability Zones; '\(key.value)' has \(subnets.count) subnet\(subnets.count == 1 ? "" : "s")", at: loadBalancer.subnetsLocation))
        }
    }

    mutating func checkListener(_ key: Located<String>, _ loadBalancer: LoadBalancerSpec, _ listener: Listener) {
        let label = "listener \(listener.label) of '\(key.value)'"
        if listener.isHTTPS {
            if listener.certificate == nil {
                diagnostics.append(.error(.httpsWithoutCertificate, "\(label) ends TLS but names no certificate; add 'certificate:' with a certificate entry or an ACM ARN", at: listener.location))
            }
            if let policy = listener.sslPolicy {
                if SSLPolicies.allowsLegacyTLS(policy.value) {
                    diagnostics.append(.warning(.invalidValue, "'\(policy.value)' still accepts TLS 1.0 or 1.1; consider \(SSLPolicies.defaultPolicy)", at: policy.location))
                }
            } else {
                diagnostics.append(.note(.defaultApplied, "\(label) names no ssl_policy; Portico uses \(SSLPolicies.defaultPolicy)", at: listener.location))
            }
        } else {
            if let certificate = listener.certificate {
                diagnostics.append(.error(.conflictingFields, "\(label) is plain HTTP and cannot use a certificate; make it HTTPS or remove 'certificate'", at: certificate.location))
            }
            if let policy = listener.sslPolicy {
                diagnostics.append(.error(.conflictingFields, "\(label) is plain HTTP and cannot have an ssl_policy", at: policy.location))
            }
            if !listener.certificates.isEmpty {
                diagnostics.append(.error(.conflictingFields, "\(label) is plain HTTP and cannot offer certificates; make it HTTPS or remove 'certificates'", at: listener.certificates[0].location))
            }
            if !listener.action.targets.isEmpty {
                diagnostics.append(.warning(.httpListenerForwards, "\(label) serves the application over plain HTTP; redirect it to HTTPS instead: redirect: { protocol: HTTPS, port: 443, status: 301 }", at: listener.location))
            }
        }
        if case .redirect(let redirect) = listener.action {
            let sameTarget = redirect.redirectProtocol.value == listener.appProtocol.value && redirect.port.value == listener.port.value
            if sameTarget && redirect.host == nil && redirect.path == nil && redirect.query == nil {
                diagnostics.append(.error(.redirectLoop, "\(label) redirects to itself (\(listener.label)); browsers will loop until they give up", at: redirect.location))
            } else if redirect.host == nil, !loadBalancer.listeners.contains(where: { $0.port.value == redirect.port.value && $0.appProtocol.value == redirect.redirectProtocol.value }) {
                diagnostics.append(.warning(.invalidValue, "\(label) redirects to \(redirect.redirectProtocol.value):\(redirect.port.value), but '\(key.value)' has no such listener", at: redirect.location))
            }
        }
        checkRules(key, loadBalancer, listener)
        checkListenerReachable(key, loadBalancer, listener)
    }

    /// The classic: a listener whose port no rule of the load balancer's groups opens.
    mutating func checkListenerReachable(_ key: Located<String>, _ loadBalancer: LoadBalancerSpec, _ listener: Listener) {
        let port = listener.port.value
        let managed = loadBalancer.securityGroups.compactMap { reference in group(reference.value).map { (reference.value, $0) } }
        let unmanaged = loadBalancer.securityGroups.filter { group($0.value) == nil }.map(\.value)
        let opening = managed.flatMap { $0.1.ingress.filter { $0.allowsTCP(port) } }
        let groupList = managed.map { "'\($0.0)'" }.joined(separator: ", ")
        if opening.isEmpty {
            let fix = "add { protocol: tcp, port: \(port), from: [\"0.0.0.0/0\", \"::/0\"] } to the ingress of \(managed.first.map { "'\($0.0)'" } ?? "its security group")"
            if unmanaged.isEmpty {
                diagnostics.append(.error(.listenerPortBlocked, "nothing can reach listener \(listener.label) of '\(key.value)': no ingress rule of its security groups (\(groupList)) allows TCP \(port); \(fix)", at: listener.port.location))
            } else {
                let others = unmanaged.map { "'\($0)'" }.joined(separator: ", ")
                diagnostics.append(.warning(.listenerPortBlocked, "no managed security group of '\(key.value)' allows TCP \(port) for listener \(listener.label); it is reachable only if \(others) allows it (checked at plan time)", at: listener.port.location))
            }
            return
        }
        // A dualstack load balancer whose rules open the port to IPv4 only is half reachable.
        if loadBalancer.isDualstack, loadBalancer.scheme.value == "internet-facing", unmanaged.isEmpty {
            let sources = opening.flatMap(\.sources).map(\.value)
            let reachesIPv6 = sources.contains { source in
                if case .cidr(let cidr) = source { return cidr.family == .ipv6 }
                return true
            }
            if !reachesIPv6 {
                diagnostics.append(.warning(.listenerPortBlocked, "'\(key.value)' is dualstack, but no rule of \(groupList) allows TCP \(port) from IPv6; add \"::/0\" to the rule's 'from'", at: opening[0].location))
            }
        }
    }

    // MARK: Target groups

    mutating func checkTargetGroup(_ key: Located<String>, _ targetGroup: TargetGroupSpec) {
        let check = targetGroup.healthCheck
        if check.timeout.value >= check.interval.value {
            diagnostics.append(.error(.invalidValue, "the health check timeout (\(check.timeout.value)s) must be shorter than its interval (\(check.interval.value)s)", at: check.timeout.location))
        }
        let forwarders = loadBalancers.filter { _, loadBalancer in
            loadBalancer.listeners.contains { $0.forwardTargets.contains { $0.value == .entry(key.value) } }
        }
        if forwarders.isEmpty {
            diagnostics.append(.warning(.unusedResource, "no listener or rule forwards to target group '\(key.value)'", at: key.location))
            return
        }
        if forwarders.count > 1 {
            // AWS: a target group belongs to one load balancer.
            let names = forwarders.map { "'\($0.key.value)'" }.joined(separator: " and ")
            let second = forwarders[1].spec.listeners.flatMap(\.forwardTargets).first { $0.value == .entry(key.value) }
            diagnostics.append(.error(.targetGroupShared, "target group '\(key.value)' is forwarded to by \(names); AWS lets a target group serve one load balancer. Give each load balancer its own target group", at: second?.location ?? key.location))
        }
        guard !targetGroup.targets.isEmpty else { return }
        let targetRefs = Set(targetGroup.targets.map(\.value))
        let attached = securityGroups.filter { !targetRefs.isDisjoint(with: $0.spec.attachTo.map(\.value)) }
        let loadBalancerGroups = Set(forwarders.flatMap { $0.spec.securityGroups.map(\.value) })
        let loadBalancerNames = loadBalancerGroups.map { "'\($0)'" }.sorted().joined(separator: ", ")

        for port in targetGroup.portsReachedOnTargets {
            let what = port == targetGroup.port.value ? "the target port" : "the health-check port"
            var reachable = false
            var intent: (group: String, rule: IngressRule)?
            for (groupKey, group) in attached {
                for rule in group.ingress {
                    for source in rule.sources {
                        switch source.value {
                        case .group(let reference) where loadBalancerGroups.contains(reference):
                            if rule.allowsTCP(port) { reachable = true } else { intent = intent ?? (groupKey.value, rule) }
                        case .cidr(let cidr) where rule.allowsTCP(port):
                            if cidr.isAnywhere {
                                reachable = true
                                diagnostics.append(.warning(.targetPortOpenToWorld, "'\(groupKey.value)' opens \(what) \(port) of the targets of '\(key.value)' to the whole internet (\(cidr)), which bypasses the load balancer; allow it from \(loadBalancerNames) only", at: source.location))
                            } else if cidr.isPrivate {
                                reachable = true // may well hold the load balancer's subnets
                            }
                        default: break
                        }
                    }
                }
            }
            guard !reachable else { continue }
            if let intent {
                diagnostics.append(.error(.targetPortBlocked, "'\(intent.group)' admits the load balancer's groups to the targets of '\(key.value)', but not on TCP \(port), \(what); health checks and traffic will fail", at: intent.rule.location,
                                          notes: [.init("the target group's port is \(targetGroup.port.value)", at: targetGroup.port.location)]))
            } else {
                let attachedNames = attached.isEmpty ? "no managed security group is attached to them" : "the groups attached to them (\(attached.map { "'\($0.key.value)'" }.joined(separator: ", "))) do not allow it"
                diagnostics.append(.warning(.targetPortBlocked, "the targets of '\(key.value)' must accept TCP \(port) (\(what)) from \(loadBalancerNames), but \(attachedNames); their own groups may allow it (checked at plan time)", at: targetGroup.port.location))
            }
        }
    }

    // MARK: Certificates and records

    mutating func checkCertificate(_ key: Located<String>, _ certificate: CertificateSpec) {
        if let zone = zoneName(certificate.validationZone.value) {
            for name in certificate.allNames where !DomainName.isWithin(DomainName.validatedName(name.value), zone: zone) {
                diagnostics.append(.error(.zoneNotParent, "'\(name.value)' cannot be validated in zone '\(zone)': the zone is not a parent of the name", at: name.location,
                                          notes: [.init("the validation zone is named here", at: certificate.validationZone.location)]))
            }
        }
        var seen: [String: SourceLocation] = [:]
        for name in certificate.allNames {
            let normal = DomainName.normalize(name.value)
            if let first = seen[normal] {
                diagnostics.append(.warning(.invalidValue, "'\(name.value)' is listed twice in certificate '\(key.value)'", at: name.location, notes: [.init("first listed here", at: first)]))
            }
            seen[normal] = seen[normal] ?? name.location
        }
        let used = loadBalancers.contains { $0.spec.listeners.contains { $0.allCertificates.contains { $0.value == .entry(key.value) } } }
        if !used {
            diagnostics.append(.warning(.unusedResource, "no listener uses certificate '\(key.value)'", at: key.location))
        }
    }

    /// Follows alias records to the load balancer they end at.
    func loadBalancer(behind reference: Reference) -> (key: String, spec: LoadBalancerSpec)? {
        var current = reference
        var visited = Set<String>()
        while let key = current.entryKey, visited.insert(key).inserted, let resource = stack.resource(key) {
            if let loadBalancer = resource.loadBalancer { return (key, loadBalancer) }
            guard let record = resource.aliasRecord else { return nil }
            current = record.target.value
        }
        return nil
    }

    mutating func checkAliasRecord(_ key: Located<String>, _ record: AliasRecordSpec) {
        if let zone = zoneName(record.zone.value), !DomainName.isWithin(record.name.value, zone: zone) {
            diagnostics.append(.error(.zoneNotParent, "'\(record.name.value)' cannot be written in zone '\(zone)': the zone is not a parent of the name", at: record.name.location,
                                      notes: [.init("the zone is named here", at: record.zone.location)]))
        }
        if let targetKey = record.target.value.entryKey, let targetRecord = stack.resource(targetKey)?.aliasRecord, targetRecord.zone.value != record.zone.value {
            diagnostics.append(.error(.invalidValue, "an alias record can point at another record only in the same hosted zone; '\(targetKey)' is in '\(targetRecord.zone.value)'", at: record.target.location))
        }
        guard let (loadBalancerKey, loadBalancer) = loadBalancer(behind: record.target.value) else { return }
        let certificates = loadBalancer.listeners.filter(\.isHTTPS).flatMap(\.allCertificates)
        guard !certificates.isEmpty else { return }
        var names: [String] = []
        for certificate in certificates {
            // A certificate given by ARN is read at plan time.
            guard let certificateKey = certificate.value.entryKey else { return }
            guard let spec = stack.resource(certificateKey)?.certificate else { return }
            names += spec.allNames.map(\.value)
        }
        if !names.contains(where: { DomainName.certificateName($0, covers: record.name.value) }) {
            diagnostics.append(.error(.certificateDoesNotCoverName, "'\(record.name.value)' points at '\(loadBalancerKey)', whose certificates do not cover it (\(names.joined(separator: ", "))); browsers will refuse the connection. Add it to a certificate's alternative_names", at: record.name.location))
        }
    }

    mutating func checkSecurityGroup(_ key: Located<String>, _ group: SecurityGroupSpec) {
        let reference = Reference.entry(key.value)
        let usedByLoadBalancer = loadBalancers.contains { $0.spec.securityGroups.contains { $0.value == reference } }
        let usedAsSource = securityGroups.contains { $0.spec.ingress.contains { $0.sources.contains { $0.value == .group(reference) } } }
        if !usedByLoadBalancer && group.attachTo.isEmpty && !usedAsSource {
            diagnostics.append(.warning(.unusedResource, "security group '\(key.value)' is neither used by a load balancer nor attached to instances", at: key.location))
        }
        let ruleCount = group.ingress.reduce(0) { $0 + $1.sources.count }
        if ruleCount > 60 {
            diagnostics.append(.warning(.invalidValue, "'\(key.value)' has \(ruleCount) ingress rules once expanded; AWS allows 60 per group unless the quota was raised", at: key.location))
        }
    }

    // MARK: Uniqueness across entries

    mutating func checkUniqueAWSNames() {
        var seen: [String: Located<String>] = [:]
        for resource in stack.resources {
            let name: Located<String>?
            let space: String
            switch resource.spec {
            case .loadBalancer(let spec): (name, space) = (spec.name, "load balancer")
            case .targetGroup(let spec): (name, space) = (spec.name, "target group")
            case .securityGroup(let spec): (name, space) = (spec.name, "security group")
            default: continue
            }
            guard let name else { continue }
            let id = space + "/" + name.value.lowercased()
            if let first = seen[id] {
                diagnostics.append(.error(.duplicateAWSName, "two \(space)s are named '\(name.value)'; AWS names must be unique", at: name.location, notes: [.init("first used here", at: first.location)]))
            } else {
                seen[id] = name
            }
        }
    }

    mutating func checkUniqueRecords() {
        var seen: [String: Located<String>] = [:]
        for resource in stack.resources {
            guard let record = resource.aliasRecord else { continue }
            let id = "\(record.zone.value)|\(DomainName.normalize(record.name.value))"
            if let first = seen[id] {
                diagnostics.append(.error(.duplicateKey, "two alias records write '\(record.name.value)' in zone '\(record.zone.value)'", at: record.name.location, notes: [.init("first written here", at: first.location)]))
            } else {
                seen[id] = record.name
            }
        }
    }
}

extension CIDR {
    /// RFC 1918 and unique-local IPv6: addresses a VPC may use.
    public var isPrivate: Bool {
        switch family {
        case .ipv4:
            let (a, b) = (address[0], address[1])
            return (a == 10 && prefixLength >= 8) || (a == 172 && (16...31).contains(b) && prefixLength >= 12) || (a == 192 && b == 168 && prefixLength >= 16)
        case .ipv6:
            return address[0] & 0xfe == 0xfc && prefixLength >= 7
        }
    }
}
