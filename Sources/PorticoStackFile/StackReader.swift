import PorticoCore

/// Turns a parsed YAML document into the typed `Stack`, reporting every problem it finds
/// instead of stopping at the first. An entry with a problem is left out of the stack and its
/// key remembered in `unreadableKeys`, so later checks do not pile more errors onto it.
final class StackReader {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []
    private(set) var unreadableKeys: Set<String> = []

    init(file: String) { self.file = file }

    private var errorCount: Int { diagnostics.count { $0.severity == .error } }

    private func report(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }

    private func error(_ code: DiagnosticCode, _ message: String, at location: SourceLocation, notes: [Diagnostic.Note] = []) {
        report(.error(code, message, at: location, notes: notes))
    }

    // MARK: The document

    func read(_ root: YAMLNode?) -> Stack? {
        let start = SourceLocation(file: file, line: 1, column: 1)
        guard let root, !root.isNull else {
            error(.emptyFile, "the stack file is empty; it needs at least 'stack:' and 'region:'", at: start)
            return nil
        }
        guard let fields = mapping(root, StackFormat.stack, "the stack file", owner: root.location) else { return nil }
        let name = string(fields, "stack").flatMap { checked($0, AWSNames.checkStackName($0.value)) }
        let region = string(fields, "region").flatMap { checked($0, AWSNames.checkRegion($0.value)) }
        let tags = fields.node("tags").map { tagMap($0, what: "tags") } ?? []

        var existing: [ExistingEntry] = []
        var declared: [String: SourceLocation] = [:]
        for (key, value) in entries(fields.node("existing"), section: "existing", declared: &declared) {
            let before = errorCount
            if let entry = existingEntry(key, value), errorCount == before { existing.append(entry) } else { unreadableKeys.insert(key.value) }
        }
        var resources: [Resource] = []
        for (key, value) in entries(fields.node("resources"), section: "resources", declared: &declared) {
            let before = errorCount
            if let resource = resource(key, value, stackName: name?.value ?? "stack"), errorCount == before { resources.append(resource) } else { unreadableKeys.insert(key.value) }
        }
        // A bad or missing name or region is already reported; carry on so references are still checked.
        return Stack(file: file, name: name ?? Located("", at: start), region: region ?? Located("", at: start),
                     tags: tags, existing: existing, resources: resources)
    }

    /// The `key: {…}` pairs of `existing:` or `resources:`, with keys checked and unique across both.
    private func entries(_ node: YAMLNode?, section: String, declared: inout [String: SourceLocation]) -> [(Located<String>, YAMLNode)] {
        guard let node else { return [] }
        guard case .mapping(let pairs) = node.content else {
            error(.wrongType, "'\(section)' must be a mapping of entry keys to entries, found \(node.kindName)", at: node.location)
            return []
        }
        var result: [(Located<String>, YAMLNode)] = []
        for pair in pairs {
            guard let key = scalar(pair.key, what: "an entry key") else { continue }
            if let first = declared[key.value] {
                error(.duplicateKey, "the key '\(key.value)' is declared twice", at: key.location, notes: [.init("first declared here", at: first)])
                continue
            }
            declared[key.value] = key.location
            if let problem = AWSNames.checkEntryKey(key.value) {
                error(.invalidValue, problem.reason, at: key.location)
                unreadableKeys.insert(key.value)
                continue
            }
            result.append((key, pair.value))
        }
        return result
    }

    // MARK: Existing entries

    private func entryType(_ key: Located<String>, _ node: YAMLNode, allowed: [EntryKind], other: [EntryKind], section: String, otherSection: String) -> EntryKind? {
        guard case .mapping(let pairs) = node.content else {
            error(.wrongType, "'\(key.value)' must be a mapping with a 'type', found \(node.kindName)", at: node.location)
            return nil
        }
        guard let typePair = pairs.first(where: { $0.key.scalarText == "type" }) else {
            error(.missingField, "'\(key.value)' has no 'type' (one of: \(allowed.map(\.rawValue).joined(separator: ", ")))", at: key.location)
            return nil
        }
        guard let type = scalar(typePair.value, what: "'type'") else { return nil }
        if let kind = allowed.first(where: { $0.rawValue == type.value }) { return kind }
        if other.contains(where: { $0.rawValue == type.value }) {
            error(.invalidValue, "\(EntryKind(rawValue: type.value)!.withArticle) belongs under '\(otherSection):', not '\(section):'", at: type.location)
            return nil
        }
        let words = allowed.map(\.rawValue)
        error(.invalidValue, "'\(type.value)' is not a type for '\(section):' (one of: \(words.joined(separator: ", ")))\(Suggestions.hint(for: type.value, in: words))", at: type.location)
        return nil
    }

    private func existingEntry(_ key: Located<String>, _ node: YAMLNode) -> ExistingEntry? {
        guard let kind = entryType(key, node, allowed: EntryKind.existingKinds, other: EntryKind.resourceKinds, section: "existing", otherSection: "resources"),
              let fields = mapping(node, StackFormat.shape(for: kind), "'\(key.value)'", owner: key.location) else { return nil }
        let selectorKeys = StackFormat.shape(for: kind).optional
        let given = selectorKeys.filter { fields.has($0) }
        guard given.count == 1, let selectorKey = given.first else {
            if given.isEmpty {
                error(.missingField, "'\(key.value)' must say how to find the \(kind) in AWS: one of \(selectorKeys.map { "'\($0)'" }.joined(separator: ", "))", at: key.location)
            } else {
                error(.conflictingFields, "'\(key.value)' gives \(given.map { "'\($0)'" }.joined(separator: " and ")); give exactly one way to find it", at: fields.keyLocation(given[1])!)
            }
            return nil
        }
        guard let value = fields.node(selectorKey) else {
            error(.missingField, "'\(selectorKey)' has no value", at: fields.keyLocation(selectorKey)!)
            return nil
        }
        let selector: ExistingEntry.Selector
        switch (kind, selectorKey) {
        case (_, "tags"):
            let tags = tagMap(value, what: "tags")
            if tags.isEmpty {
                error(.invalidValue, "'tags' must name at least one tag to look '\(key.value)' up by", at: value.location)
                return nil
            }
            selector = .tags(tags)
        case (.vpc, "default"):
            guard let flag = bool(value, what: "'default'") else { return nil }
            guard flag.value else {
                error(.invalidValue, "'default: false' selects nothing; write 'default: true' for the region's default VPC, or use 'id' or 'tags'", at: flag.location)
                return nil
            }
            selector = .defaultVPC(flag.location)
        case (.vpc, "id"):
            guard let id = literalID(value, .vpc, what: "a VPC id") else { return nil }
            selector = .id(id)
        case (.hostedZone, "id"):
            guard let text = scalar(value, what: "a hosted zone id") else { return nil }
            let id = Located(text.value.hasPrefix("/hostedzone/") ? String(text.value.dropFirst(12)) : text.value, at: text.location)
            guard AWSIdentifier.looksLike(.hostedZone, id.value), AWSIdentifier.check(.hostedZone, id.value) == nil else {
                error(.invalidValue, "'\(text.value)' is not a hosted zone id (such as \(AWSIdentifier.Kind.hostedZone.example))", at: text.location)
                return nil
            }
            selector = .id(id)
        case (.hostedZone, "name"):
            guard let name = domainName(value, what: "a zone name", wildcard: false) else { return nil }
            selector = .name(name)
        case (.subnets, "ids"), (.instances, "ids"):
            let idKind: AWSIdentifier.Kind = kind == .subnets ? .subnet : .instance
            let ids = list(value, what: "'ids'").compactMap { literalID($0, idKind, what: kind == .subnets ? "a subnet id" : "an instance id") }
            if ids.isEmpty {
                error(.invalidValue, "'ids' lists no ids", at: value.location)
                return nil
            }
            selector = .ids(ids)
        default:
            return nil
        }
        return ExistingEntry(key: key, kind: kind, selector: selector)
    }

    // MARK: Resources

    private func resource(_ key: Located<String>, _ node: YAMLNode, stackName: String) -> Resource? {
        guard let kind = entryType(key, node, allowed: EntryKind.resourceKinds, other: EntryKind.existingKinds, section: "resources", otherSection: "existing"),
              let fields = mapping(node, StackFormat.shape(for: kind), "'\(key.value)' (\(kind))", owner: key.location) else { return nil }
        switch kind {
        case .certificate: return certificate(key, fields).map { Resource(key: key, spec: .certificate($0)) }
        case .securityGroup: return securityGroup(key, fields, stackName: stackName).map { Resource(key: key, spec: .securityGroup($0)) }
        case .targetGroup: return targetGroup(key, fields).map { Resource(key: key, spec: .targetGroup($0)) }
        case .loadBalancer: return loadBalancer(key, fields).map { Resource(key: key, spec: .loadBalancer($0)) }
        case .aliasRecord: return aliasRecord(key, fields).map { Resource(key: key, spec: .aliasRecord($0)) }
        default: return nil
        }
    }

    private func certificate(_ key: Located<String>, _ fields: Fields) -> CertificateSpec? {
        let domain = fields.node("domain").flatMap { domainName($0, what: "'domain'", wildcard: true) }
        let names = fields.node("alternative_names").map { list($0, what: "'alternative_names'").compactMap { domainName($0, what: "an alternative name", wildcard: true) } } ?? []
        if names.count > 9, let location = fields.keyLocation("alternative_names") {
            report(.warning(.invalidValue, "ACM allows 10 names per certificate unless the account's quota was raised; this one has \(names.count + 1)", at: location))
        }
        let zone = fields.node("validation_zone").flatMap { reference($0, field: "validation_zone", id: .hostedZone) }
        let algorithm = choice(fields, "key_algorithm", CertificateSpec.keyAlgorithms, default: CertificateSpec.defaultKeyAlgorithm, owner: key.location)
        guard let domain, let zone, let algorithm else { return nil }
        return CertificateSpec(domain: domain, alternativeNames: names, validationZone: zone, keyAlgorithm: algorithm)
    }

    private func securityGroup(_ key: Located<String>, _ fields: Fields, stackName: String) -> SecurityGroupSpec? {
        let name = string(fields, "name").flatMap { checked($0, AWSNames.checkSecurityGroupName($0.value)) }
        let vpc = fields.node("vpc").flatMap { reference($0, field: "vpc", id: .vpc) }
        let description = string(fields, "description").flatMap { checked($0, AWSNames.checkEC2Text($0.value, what: "security group description")) }
            ?? Located("Managed by Portico: \(stackName)/\(key.value)", at: key.location)
        let attachTo = fields.node("attach_to").map { list($0, what: "'attach_to'").compactMap { reference($0, field: "attach_to", id: .instance) } } ?? []
        let rules = fields.node("ingress").map { list($0, what: "'ingress'").compactMap(ingressRule) } ?? []
        guard let vpc else { return nil }
        return SecurityGroupSpec(name: name, vpc: vpc, description: description, attachTo: attachTo, ingress: rules)
    }

    private func ingressRule(_ node: YAMLNode) -> IngressRule? {
        guard let fields = mapping(node, StackFormat.ingressRule, "an ingress rule", owner: node.location) else { return nil }
        guard let protocolText = string(fields, "protocol") else { return nil }
        let words = IPProtocol.allCases.map(\.rawValue)
        let normalized = protocolText.value == "-1" ? "all" : protocolText.value.lowercased()
        guard let ipProtocol = IPProtocol(rawValue: normalized) else {
            error(.invalidValue, "'\(protocolText.value)' is not a protocol (one of: \(words.joined(separator: ", ")))\(Suggestions.hint(for: protocolText.value, in: words))", at: protocolText.location)
            return nil
        }
        var ports: Located<PortRange>?
        if fields.has("port") && fields.has("ports") {
            error(.conflictingFields, "give 'port' or 'ports', not both", at: fields.keyLocation("ports")!)
            return nil
        } else if let port = int(fields, "port", range: PortRange.valid, what: "a port") {
            ports = Located(PortRange(single: port.value), at: port.location)
        } else if let node = fields.node("ports"), let text = scalar(node, what: "'ports'") {
            switch PortRange.parse(text.value) {
            case .success(let range): ports = Located(range, at: text.location)
            case .failure(let problem): error(.invalidValue, problem.reason, at: text.location)
            }
        }
        if ipProtocol.hasPorts && ports == nil && !fields.has("port") && !fields.has("ports") {
            error(.missingField, "a \(ipProtocol.rawValue) rule needs 'port' (443) or 'ports' (8000-8100)", at: node.location)
            return nil
        }
        if !ipProtocol.hasPorts, let key = fields.keyLocation("port") ?? fields.keyLocation("ports") {
            error(.conflictingFields, "a rule for protocol '\(ipProtocol.rawValue)' covers every port and takes no 'port'", at: key)
            return nil
        }
        let sourceNodes = fields.node("from").map { list($0, what: "'from'") } ?? []
        if sourceNodes.isEmpty, let location = fields.keyLocation("from") {
            error(.missingField, "'from' lists no sources: give CIDR blocks or security groups", at: location)
        }
        let sources = sourceNodes.compactMap(ingressSource)
        let description = string(fields, "description").flatMap { checked($0, AWSNames.checkEC2Text($0.value, what: "rule description")) }
        guard ipProtocol.hasPorts == (ports != nil), sources.count == sourceNodes.count, !sources.isEmpty else { return nil }
        return IngressRule(ipProtocol: Located(ipProtocol, at: protocolText.location), ports: ports, sources: sources, description: description, location: node.location)
    }

    private func ingressSource(_ node: YAMLNode) -> Located<IngressSource>? {
        guard let text = scalar(node, what: "a source") else { return nil }
        let value = text.value
        if value.contains("/") || value.contains(":") || (value.first?.isNumber ?? false) {
            switch CIDR.parse(value) {
            case .success(let cidr): return Located(.cidr(cidr), at: text.location)
            case .failure(let problem):
                let hint = value.contains("/") ? "" : " (a single address is written with /32, or /128 for IPv6)"
                error(.invalidValue, problem.reason + hint, at: text.location)
                return nil
            }
        }
        return reference(node, field: "from", id: .securityGroup).map { Located(.group($0.value), at: $0.location) }
    }

    private func targetGroup(_ key: Located<String>, _ fields: Fields) -> TargetGroupSpec? {
        let name = string(fields, "name").flatMap { checked($0, AWSNames.checkELBName($0.value, what: "target group")) }
        let vpc = fields.node("vpc").flatMap { reference($0, field: "vpc", id: .vpc) }
        let appProtocol = choice(fields, "protocol", TargetGroupSpec.protocols, default: "HTTP", owner: key.location, uppercase: true)
        let port = int(fields, "port", range: PortRange.valid, what: "a port") ?? (fields.has("port") ? nil : Located(80, at: key.location))
        let targets = fields.node("targets").map { list($0, what: "'targets'").compactMap { reference($0, field: "targets", id: .instance) } } ?? []
        let check = healthCheck(fields.node("health_check"), defaultsAt: fields.keyLocation("health_check") ?? key.location)
        guard let vpc, let appProtocol, let port, let check else { return nil }
        return TargetGroupSpec(name: name, vpc: vpc, appProtocol: appProtocol, port: port, targets: targets, healthCheck: check)
    }

    private func healthCheck(_ node: YAMLNode?, defaultsAt location: SourceLocation) -> HealthCheck? {
        var check = HealthCheck.defaults(at: location)
        guard let node else { return check }
        guard let fields = mapping(node, StackFormat.healthCheck, "'health_check'", owner: location) else { return nil }
        let before = errorCount
        typealias Limits = HealthCheck.Limits
        if fields.has("protocol") { check.checkProtocol = choice(fields, "protocol", TargetGroupSpec.protocols, default: nil, owner: location, uppercase: true) }
        if let path = string(fields, "path") {
            if !path.value.hasPrefix("/") || !Limits.pathLength.contains(path.value.count) {
                error(.invalidValue, "a health-check path must start with '/' and be at most 1024 characters", at: path.location)
            }
            check.path = path
        }
        if let portNode = fields.node("port") {
            if portNode.scalarText != "traffic-port" {
                check.port = int(fields, "port", range: PortRange.valid, what: "a port or 'traffic-port'")
            }
        }
        if let value = int(fields, "interval", range: Limits.interval, what: "seconds") { check.interval = value }
        if let value = int(fields, "timeout", range: Limits.timeout, what: "seconds") { check.timeout = value }
        if let value = int(fields, "healthy_threshold", range: Limits.threshold, what: "a count") { check.healthyThreshold = value }
        if let value = int(fields, "unhealthy_threshold", range: Limits.threshold, what: "a count") { check.unhealthyThreshold = value }
        if let matcher = string(fields, "matcher") {
            check.matcher = matcher
            if let problem = HealthCheckMatcher.check(matcher.value) { error(.invalidValue, problem.reason, at: matcher.location) }
        }
        return errorCount == before ? check : nil
    }

    private func loadBalancer(_ key: Located<String>, _ fields: Fields) -> LoadBalancerSpec? {
        let name = string(fields, "name").flatMap { checked($0, AWSNames.checkELBName($0.value, what: "load balancer")) }
        let scheme = choice(fields, "scheme", LoadBalancerSpec.schemes, default: "internet-facing", owner: key.location)
        let addressType = choice(fields, "ip_address_type", LoadBalancerSpec.ipAddressTypes, default: "ipv4", owner: key.location)
        let subnetNode = fields.node("subnets")
        let subnets = subnetNode.map { list($0, what: "'subnets'").compactMap { reference($0, field: "subnets", id: .subnet) } } ?? []
        let groupNodes = fields.node("security_groups").map { list($0, what: "'security_groups'") } ?? []
        let groups = groupNodes.compactMap { reference($0, field: "security_groups", id: .securityGroup) }
        if groupNodes.count > 5, let location = fields.keyLocation("security_groups") {
            error(.invalidValue, "a load balancer takes at most 5 security groups, this one lists \(groupNodes.count)", at: location)
        }
        let listenerNodes = fields.node("listeners").map { list($0, what: "'listeners'") } ?? []
        if listenerNodes.isEmpty, let location = fields.keyLocation("listeners") {
            error(.missingField, "'listeners' is empty; a load balancer needs at least one listener", at: location)
        }
        let listeners = listenerNodes.compactMap(listener)
        let protection = bool(fields, "deletion_protection") ?? Located(false, at: key.location)
        if let addressType, addressType.value == "dualstack-without-public-ipv4", let scheme, scheme.value != "internet-facing" {
            error(.conflictingFields, "'dualstack-without-public-ipv4' is only for internet-facing load balancers", at: addressType.location)
        }
        guard let scheme, let addressType, let subnetNode, !groups.isEmpty, !listeners.isEmpty, listeners.count == listenerNodes.count else { return nil }
        return LoadBalancerSpec(name: name, scheme: scheme, ipAddressType: addressType, subnets: subnets, subnetsLocation: subnetNode.location,
                                securityGroups: groups, listeners: listeners, deletionProtection: protection)
    }

    private func listener(_ node: YAMLNode) -> Listener? {
        guard let fields = mapping(node, StackFormat.listener, "a listener", owner: node.location) else { return nil }
        let before = errorCount
        let appProtocol = choice(fields, "protocol", Listener.protocols, default: nil, owner: node.location, uppercase: true)
        let port = int(fields, "port", range: PortRange.valid, what: "a port")
        let certificate = fields.node("certificate").flatMap { reference($0, field: "certificate", id: .certificateARN) }
        let certificates = fields.node("certificates").map { list($0, what: "'certificates'").compactMap { reference($0, field: "certificates", id: .certificateARN) } } ?? []
        var policy: Located<String>?
        if let text = string(fields, "ssl_policy") {
            if SSLPolicies.all.contains(text.value) {
                policy = text
            } else {
                error(.invalidValue, "'\(text.value)' is not a security policy that application load balancers offer\(Suggestions.hint(for: text.value, in: SSLPolicies.all)) (the default is \(SSLPolicies.defaultPolicy))", at: text.location)
            }
        }
        let action = self.action(fields, owner: node.location, what: "a listener", example: "'forward: <target group>', 'redirect: {…}' or 'fixed_response: {…}'")
        let ruleNodes = fields.node("rules").map { list($0, what: "'rules'") } ?? []
        let rules = ruleNodes.compactMap(rule)
        guard let appProtocol, let port, let action, rules.count == ruleNodes.count, errorCount == before else { return nil }
        return Listener(appProtocol: appProtocol, port: port, certificate: certificate, certificates: certificates, sslPolicy: policy,
                        action: action, rules: rules, location: node.location)
    }

    /// The one action of a listener or rule: `forward` (with `stickiness`), `redirect` or `fixed_response`.
    private func action(_ fields: Fields, owner: SourceLocation, what: String, example: String) -> Listener.Action? {
        let given = StackFormat.actionKeys.filter { fields.has($0) }
        if given.count > 1 {
            error(.conflictingFields, "\(what) takes one action: \(given.map { "'\($0)'" }.joined(separator: " or ")), not both", at: fields.keyLocation(given[1])!)
            return nil
        }
        if fields.has("stickiness") && given != ["forward"] {
            error(.conflictingFields, "'stickiness' belongs with 'forward'", at: fields.keyLocation("stickiness")!)
            return nil
        }
        switch given.first {
        case "forward":
            guard let node = fields.node("forward") else {
                error(.missingField, "'forward' has no value: name a target group, or give weights as { web-tg: 90, canary-tg: 10 }", at: fields.keyLocation("forward")!)
                return nil
            }
            let stickiness = int(fields, "stickiness", range: Forward.stickinessSeconds, what: "seconds")
            if fields.has("stickiness") && stickiness == nil { return nil }
            return forward(node, stickiness: stickiness).map { .forward($0) }
        case "redirect":
            return fields.node("redirect").flatMap(redirect).map { .redirect($0) }
        case "fixed_response":
            return fields.node("fixed_response").flatMap(fixedResponse).map { .fixedResponse($0) }
        default:
            error(.missingField, "\(what) needs an action: \(example)", at: owner)
            return nil
        }
    }

    /// `forward: web-tg`, or weighted: `forward: { web-tg: 90, canary-tg: 10 }`.
    private func forward(_ node: YAMLNode, stickiness: Located<Int>?) -> Forward? {
        guard case .mapping(let pairs) = node.content else {
            return reference(node, field: "forward", id: nil).map { Forward(groups: [.init(target: $0)], stickiness: stickiness, location: node.location) }
        }
        let before = errorCount
        var groups: [Forward.Group] = []
        var seen: [String: SourceLocation] = [:]
        for pair in pairs {
            guard let target = reference(pair.key, field: "forward", id: nil) else { continue }
            if let first = seen[target.value.description] {
                error(.duplicateKey, "'\(target.value)' is given twice in 'forward'", at: target.location, notes: [.init("first given here", at: first)])
                continue
            }
            seen[target.value.description] = target.location
            guard case .scalar(let text, let plain) = pair.value.content, plain, let weight = Int(text) else {
                error(.wrongType, "the weight of '\(target.value)' must be a number from \(Forward.weights.lowerBound) to \(Forward.weights.upperBound), found \(pair.value.kindName == "scalar" ? "'\(pair.value.scalarText ?? "")'" : pair.value.kindName)", at: pair.value.location)
                continue
            }
            guard Forward.weights.contains(weight) else {
                error(.invalidValue, "a weight is from \(Forward.weights.lowerBound) to \(Forward.weights.upperBound), found \(weight)", at: pair.value.location)
                continue
            }
            groups.append(.init(target: target, weight: Located(weight, at: pair.value.location)))
        }
        if pairs.isEmpty { error(.missingField, "'forward' names no target group", at: node.location) }
        if groups.count > Forward.maxGroups {
            error(.invalidValue, "a forward spreads traffic over at most \(Forward.maxGroups) target groups, this one names \(groups.count)", at: node.location)
        }
        if !groups.isEmpty, groups.allSatisfy({ $0.weight?.value == 0 }) {
            error(.invalidValue, "every weight is 0, so no target group would get traffic", at: node.location)
        }
        guard errorCount == before else { return nil }
        return Forward(groups: groups, stickiness: stickiness, location: node.location)
    }

    private func fixedResponse(_ node: YAMLNode) -> FixedResponse? {
        guard let fields = mapping(node, StackFormat.fixedResponse, "'fixed_response'", owner: node.location) else { return nil }
        let before = errorCount
        var status: Located<Int>?
        if let text = string(fields, "status") {
            if let code = Int(text.value), (200...599).contains(code), ![3].contains(code / 100) {
                status = Located(code, at: text.location)
            } else {
                error(.invalidValue, "a fixed response's status is a 2XX, 4XX or 5XX code, not '\(text.value)'", at: text.location)
            }
        }
        let contentType = choice(fields, "content_type", FixedResponse.contentTypes, default: nil, owner: node.location)
        let body = string(fields, "body")
        if let body, body.value.count > FixedResponse.maxBodyLength {
            error(.invalidValue, "a fixed response's body is at most \(FixedResponse.maxBodyLength) characters, this one has \(body.value.count)", at: body.location)
        }
        guard let status, errorCount == before else { return nil }
        return FixedResponse(status: status, contentType: contentType, body: body, location: node.location)
    }

    private func rule(_ node: YAMLNode) -> ListenerRule? {
        guard let fields = mapping(node, StackFormat.rule, "a rule", owner: node.location) else { return nil }
        let before = errorCount
        let priority = int(fields, "priority", range: ListenerRule.priorities, what: "a priority")
        var conditions: [RuleCondition] = []
        for key in StackFormat.conditionKeys {
            guard let value = fields.node(key) else {
                if let location = fields.keyLocation(key) { error(.missingField, "'\(key)' has no value", at: location) }
                continue
            }
            switch key {
            case "header":
                guard case .mapping(let pairs) = value.content else {
                    error(.wrongType, "'header' is a mapping of header names to values, as { X-Canary: \"true\" }", at: value.location)
                    continue
                }
                for pair in pairs {
                    guard let name = scalar(pair.key, what: "a header name") else { continue }
                    if let problem = RuleValues.checkHeaderName(name.value) {
                        error(.invalidValue, problem.reason, at: name.location)
                        continue
                    }
                    let values = conditionValues(pair.value, what: "a value of header \(name.value)") { RuleValues.checkText($0, what: "a header value") }
                    conditions.append(RuleCondition(field: .header(name.value), values: values, location: name.location))
                }
            case "host":
                conditions.append(RuleCondition(field: .host, values: conditionValues(value, what: "a host", check: RuleValues.checkHost), location: value.location))
            case "path":
                conditions.append(RuleCondition(field: .path, values: conditionValues(value, what: "a path", check: RuleValues.checkPath), location: value.location))
            case "method":
                conditions.append(RuleCondition(field: .method, values: conditionValues(value, what: "a method", check: RuleValues.checkMethod), location: value.location))
            case "query":
                let values = conditionValues(value, what: "a query match") { text in
                    let match = QueryMatch(text)
                    return (match.key.flatMap { RuleValues.checkText($0, what: "a query key") }) ?? RuleValues.checkText(match.value, what: "a query value")
                }
                conditions.append(RuleCondition(field: .query, values: values, location: value.location))
            default: // source_ip
                let values = conditionValues(value, what: "a source CIDR") { text in
                    if case .failure(let problem) = CIDR.parse(text) { return problem }
                    return nil
                }.map { located in
                    // The form EC2 and ELB print, so the live value reads the same.
                    if case .success(let cidr) = CIDR.parse(located.value) { return Located(cidr.description, at: located.location) }
                    return located
                }
                conditions.append(RuleCondition(field: .sourceIP, values: values, location: value.location))
            }
        }
        if conditions.isEmpty && errorCount == before {
            error(.missingField, "a rule needs at least one condition (\(StackFormat.conditionKeys.joined(separator: ", "))); what every request gets is the listener's own action", at: node.location)
        }
        let action = self.action(fields, owner: node.location, what: "a rule", example: "'forward: <target group>', 'redirect: {…}' or 'fixed_response: {…}'")
        guard let action, errorCount == before else { return nil }
        return ListenerRule(priority: priority, conditions: conditions, action: action, location: node.location)
    }

    /// A condition's values: one value or a list, each checked.
    private func conditionValues(_ node: YAMLNode, what: String, check: (String) -> ValueError?) -> [Located<String>] {
        let items = list(node, what: what)
        if items.isEmpty { error(.missingField, "\(what) list is empty", at: node.location) }
        return items.compactMap { item in
            guard let text = scalar(item, what: what) else { return nil }
            return checked(text, check(text.value))
        }
    }

    private func redirect(_ node: YAMLNode) -> Redirect? {
        guard let fields = mapping(node, StackFormat.redirect, "'redirect'", owner: node.location) else { return nil }
        let before = errorCount
        let redirectProtocol = choice(fields, "protocol", Listener.protocols, default: "HTTPS", owner: node.location, uppercase: true)
        let port = int(fields, "port", range: PortRange.valid, what: "a port") ?? Located(443, at: node.location)
        let host = string(fields, "host")
        let path = string(fields, "path")
        if let path, !path.value.hasPrefix("/") { error(.invalidValue, "a redirect path must start with '/'", at: path.location) }
        let query = string(fields, "query")
        if let query, query.value.hasPrefix("?") { error(.invalidValue, "write the query without its leading '?'", at: query.location) }
        var status = Located(301, at: node.location)
        if let node = fields.node("status"), let text = scalar(node, what: "'status'") {
            let digits = text.value.hasPrefix("HTTP_") ? String(text.value.dropFirst(5)) : text.value
            if let code = Int(digits), Redirect.statuses.contains(code) {
                status = Located(code, at: text.location)
            } else {
                error(.invalidValue, "a redirect status is 301 (permanent) or 302 (temporary), not '\(text.value)'", at: text.location)
            }
        }
        guard let redirectProtocol, errorCount == before else { return nil }
        return Redirect(redirectProtocol: redirectProtocol, port: port, host: host, path: path, query: query, status: status, location: node.location)
    }

    private func aliasRecord(_ key: Located<String>, _ fields: Fields) -> AliasRecordSpec? {
        let zone = fields.node("zone").flatMap { reference($0, field: "zone", id: .hostedZone) }
        let name = fields.node("name").flatMap { domainName($0, what: "'name'", wildcard: true) }
        let target = fields.node("target").flatMap { reference($0, field: "target", id: nil) }
        let evaluate = bool(fields, "evaluate_target_health") ?? Located(true, at: key.location)
        guard let zone, let name, let target else { return nil }
        return AliasRecordSpec(zone: zone, name: name, target: target, evaluateTargetHealth: evaluate)
    }

    // MARK: Mappings

    /// A mapping's fields, after checking its keys against `shape`.
    struct Fields {
        var pairs: [String: YAMLNode.Pair] = [:]

        func has(_ key: String) -> Bool { pairs[key] != nil }
        /// The value, or nil when the key is absent or has no value.
        func node(_ key: String) -> YAMLNode? {
            guard let value = pairs[key]?.value, !value.isNull else { return nil }
            return value
        }
        func keyLocation(_ key: String) -> SourceLocation? { pairs[key]?.key.location }
    }

    private func mapping(_ node: YAMLNode, _ shape: StackFormat.Shape, _ context: String, owner: SourceLocation) -> Fields? {
        guard case .mapping = node.content else {
            error(.wrongType, "\(context) must be a mapping of keys to values, found \(node.kindName)", at: node.location)
            return nil
        }
        var fields = Fields()
        for pair in mergedPairs(node) {
            guard let key = pair.key.scalarText else {
                error(.wrongType, "keys in \(context) must be plain words, found \(pair.key.kindName)", at: pair.key.location)
                continue
            }
            if let first = fields.pairs[key] {
                error(.duplicateKey, "'\(key)' is given twice in \(context)", at: pair.key.location, notes: [.init("first given here", at: first.key.location)])
                continue
            }
            guard shape.allKeys.contains(key) else {
                error(.unknownKey, "\(context) has no field '\(key)'\(Suggestions.hint(for: key, in: shape.allKeys)) (fields: \(shape.allKeys.joined(separator: ", ")))", at: pair.key.location)
                continue
            }
            fields.pairs[key] = pair
        }
        for key in shape.required {
            if let pair = fields.pairs[key] {
                if pair.value.isNull { error(.missingField, "'\(key)' has no value", at: pair.key.location) }
            } else {
                error(.missingField, "\(context) is missing '\(key)'", at: owner)
            }
        }
        return fields
    }

    /// A mapping's pairs with YAML merge keys (`<<: *defaults`) applied: keys written in the
    /// mapping itself win over merged ones.
    private func mergedPairs(_ node: YAMLNode) -> [YAMLNode.Pair] {
        guard case .mapping(let pairs) = node.content else { return [] }
        var own: [YAMLNode.Pair] = []
        var merged: [YAMLNode.Pair] = []
        for pair in pairs {
            guard pair.key.scalarText == "<<", case .scalar(_, plain: true) = pair.key.content else {
                own.append(pair)
                continue
            }
            let sources: [YAMLNode]
            switch pair.value.content {
            case .mapping: sources = [pair.value]
            case .sequence(let items): sources = items
            case .scalar:
                error(.wrongType, "a merge key '<<' takes an alias of a mapping, such as '<<: *defaults'", at: pair.value.location)
                continue
            }
            for source in sources {
                guard case .mapping = source.content else {
                    error(.wrongType, "a merge key '<<' takes mappings, found \(source.kindName)", at: source.location)
                    continue
                }
                merged += mergedPairs(source)
            }
        }
        let ownKeys = Set(own.compactMap(\.key.scalarText))
        var seenMerged = Set<String>()
        let kept = merged.filter { pair in
            guard let key = pair.key.scalarText else { return true }
            return !ownKeys.contains(key) && seenMerged.insert(key).inserted
        }
        return own + kept
    }

    /// `Key: value` pairs for tags.
    private func tagMap(_ node: YAMLNode, what: String) -> [Tag] {
        guard case .mapping(let pairs) = node.content else {
            error(.wrongType, "\(what) must be a mapping of tag keys to values, found \(node.kindName)", at: node.location)
            return []
        }
        var tags: [Tag] = []
        var seen: [String: SourceLocation] = [:]
        for pair in pairs {
            guard let key = scalar(pair.key, what: "a tag key"), let value = pair.value.isNull ? Located("", at: pair.value.location) : scalar(pair.value, what: "a tag value") else { continue }
            if let first = seen[key.value] {
                error(.duplicateKey, "the tag '\(key.value)' is given twice", at: key.location, notes: [.init("first given here", at: first)])
                continue
            }
            seen[key.value] = key.location
            if let problem = AWSNames.checkTag(key: key.value, value: value.value) {
                error(.invalidValue, problem.reason, at: key.location)
                continue
            }
            tags.append(Tag(key: key, value: value))
        }
        return tags
    }

    // MARK: Values

    private func checked(_ value: Located<String>, _ problem: ValueError?) -> Located<String>? {
        guard let problem else { return value }
        error(.invalidValue, problem.reason, at: value.location)
        return nil
    }

    /// A single value (not a mapping or list).
    private func scalar(_ node: YAMLNode, what: String) -> Located<String>? {
        guard case .scalar(let text, _) = node.content, !node.isNull else {
            error(.wrongType, "\(what) must be a single value, found \(node.kindName)", at: node.location)
            return nil
        }
        return Located(text, at: node.location)
    }

    private func string(_ fields: Fields, _ key: String) -> Located<String>? {
        fields.node(key).flatMap { scalar($0, what: "'\(key)'") }
    }

    private func int(_ fields: Fields, _ key: String, range: ClosedRange<Int>, what: String) -> Located<Int>? {
        guard let node = fields.node(key) else { return nil }
        guard case .scalar(let text, let plain) = node.content else {
            error(.wrongType, "'\(key)' must be a number, found \(node.kindName)", at: node.location)
            return nil
        }
        guard let number = Int(text), plain else {
            let hint = (Int(text) != nil && !plain) ? " (remove the quotes)" : ""
            error(.wrongType, "'\(key)' must be \(what) from \(range.lowerBound) to \(range.upperBound), found \(plain ? "'\(text)'" : "the string \"\(text)\"")\(hint)", at: node.location)
            return nil
        }
        guard range.contains(number) else {
            error(.invalidValue, "'\(key)' must be from \(range.lowerBound) to \(range.upperBound), found \(number)", at: node.location)
            return nil
        }
        return Located(number, at: node.location)
    }

    private func bool(_ fields: Fields, _ key: String) -> Located<Bool>? {
        fields.node(key).flatMap { bool($0, what: "'\(key)'") }
    }

    private func bool(_ node: YAMLNode, what: String) -> Located<Bool>? {
        guard case .scalar(let text, let plain) = node.content else {
            error(.wrongType, "\(what) must be true or false, found \(node.kindName)", at: node.location)
            return nil
        }
        switch (text.lowercased(), plain) {
        case ("true", true): return Located(true, at: node.location)
        case ("false", true): return Located(false, at: node.location)
        case ("yes", true), ("no", true), ("on", true), ("off", true):
            error(.wrongType, "\(what) must be true or false; '\(text)' means a boolean only in old YAML, so Portico does not guess", at: node.location)
        default:
            error(.wrongType, "\(what) must be true or false, found '\(text)'", at: node.location)
        }
        return nil
    }

    /// One of a closed set of words; `default` when the field is absent, located at `owner`.
    private func choice(_ fields: Fields, _ key: String, _ allowed: [String], default fallback: String?, owner: SourceLocation, uppercase: Bool = false) -> Located<String>? {
        guard let text = string(fields, key) else {
            if fields.has(key) { return nil }
            return fallback.map { Located($0, at: owner) }
        }
        let value = uppercase ? text.value.uppercased() : text.value
        guard allowed.contains(value) else {
            error(.invalidValue, "'\(key)' must be one of \(allowed.joined(separator: ", ")), found '\(text.value)'\(Suggestions.hint(for: text.value, in: allowed))", at: text.location)
            return nil
        }
        return Located(value, at: text.location)
    }

    /// A list, or a single value standing for a list of one.
    private func list(_ node: YAMLNode, what: String) -> [YAMLNode] {
        switch node.content {
        case .sequence(let items): return items
        case .scalar: return node.isNull ? [] : [node]
        case .mapping:
            error(.wrongType, "\(what) must be a list, found a mapping", at: node.location)
            return []
        }
    }

    private func domainName(_ node: YAMLNode, what: String, wildcard: Bool) -> Located<String>? {
        guard let text = scalar(node, what: what) else { return nil }
        if let problem = DomainName.check(text.value, allowWildcard: wildcard) {
            error(.invalidValue, problem.reason, at: text.location)
            return nil
        }
        return Located(DomainName.normalize(text.value), at: text.location)
    }

    private func literalID(_ node: YAMLNode, _ kind: AWSIdentifier.Kind, what: String) -> Located<String>? {
        guard let text = scalar(node, what: what) else { return nil }
        guard AWSIdentifier.looksLike(kind, text.value) else {
            error(.invalidValue, "'\(text.value)' is not \(what) (such as \(kind.example))", at: text.location)
            return nil
        }
        return checked(text, AWSIdentifier.check(kind, text.value))
    }

    /// An entry key, or a literal AWS id of the kind the field allows (`id`).
    private func reference(_ node: YAMLNode, field: String, id kind: AWSIdentifier.Kind?) -> Located<Reference>? {
        guard let text = scalar(node, what: "'\(field)'") else { return nil }
        if let kind, AWSIdentifier.looksLike(kind, text.value) {
            return checked(text, AWSIdentifier.check(kind, text.value)).map { Located(.awsID($0.value), at: $0.location) }
        }
        for other in [AWSIdentifier.Kind.vpc, .subnet, .instance, .securityGroup] where other != kind && AWSIdentifier.looksLike(other, text.value) {
            error(.invalidValue, "'\(text.value)' is \(other.article) id, but '\(field)' takes \(kind.map { "\($0.article) id or " } ?? "")an entry key", at: text.location)
            return nil
        }
        if AWSNames.checkEntryKey(text.value) != nil {
            error(.invalidValue, "'\(text.value)' is not an entry key\(kind.map { " or \($0.article) id such as \($0.example)" } ?? "")", at: text.location)
            return nil
        }
        return Located(.entry(text.value), at: text.location)
    }
}

extension AWSIdentifier.Kind {
    var article: String {
        switch self {
        case .vpc: "a VPC"
        case .subnet: "a subnet"
        case .instance: "an instance"
        case .securityGroup: "a security group"
        case .hostedZone: "a hosted zone"
        case .certificateARN: "a certificate ARN"
        }
    }
}

extension YAMLNode {
    /// The text of a non-null scalar.
    var scalarText: String? {
        if case .scalar(let text, _) = content, !isNull { return text }
        return nil
    }
}
