import PorticoCore
import PorticoWire

/// The Elastic Load Balancing v2 calls Portico makes (botocore elbv2 service-2.json names).
struct ELBv2Calls: Sendable {
    let client: AWSClient

    /// DescribeTags takes at most 20 ARNs a call.
    static let tagBatch = 20
    /// The largest page the Describe calls give (AWS's default; moto's is 50).
    static let pageSize = "400"

    static func addTags(_ tags: [(String, String)], to parameters: inout QueryParameters) {
        parameters.addStructureList("Tags", count: tags.count, ec2: false) { [("Key", tags[$0].0), ("Value", tags[$0].1)] }
    }

    static func members(_ element: XMLElement?, _ name: String) -> [XMLElement] {
        element?.child(name)?.children("member") ?? []
    }

    /// Tags of many resources, 20 ARNs a call, the calls at once.
    func describeTags(_ arns: [String]) async throws -> [String: [String: String]] {
        let batches = stride(from: 0, to: arns.count, by: Self.tagBatch).map { Array(arns[$0..<min($0 + Self.tagBatch, arns.count)]) }
        return try await withThrowingTaskGroup(of: [String: [String: String]].self) { group in
            for batch in batches {
                group.addTask {
                    var parameters = QueryParameters()
                    parameters.addList("ResourceArns", batch, ec2: false)
                    let result = try await client.query(.elbv2, "DescribeTags", parameters)
                    var tags: [String: [String: String]] = [:]
                    for description in Self.members(result, "TagDescriptions") {
                        guard let arn = description.text(at: "ResourceArn") else { continue }
                        var map: [String: String] = [:]
                        for tag in Self.members(description, "Tags") { if let key = tag.text(at: "Key") { map[key] = tag.text(at: "Value") ?? "" } }
                        tags[arn] = map
                    }
                    return tags
                }
            }
            var all: [String: [String: String]] = [:]
            for try await part in group { all.merge(part) { a, _ in a } }
            return all
        }
    }

    func addTags(arn: String, _ tags: [(String, String)]) async throws {
        var parameters = QueryParameters()
        parameters.addList("ResourceArns", [arn], ec2: false)
        Self.addTags(tags, to: &parameters)
        _ = try await client.query(.elbv2, "AddTags", parameters)
    }

    func removeTags(arn: String, keys: [String]) async throws {
        var parameters = QueryParameters()
        parameters.addList("ResourceArns", [arn], ec2: false)
        parameters.addList("TagKeys", keys, ec2: false)
        _ = try await client.query(.elbv2, "RemoveTags", parameters)
    }

    func describeLoadBalancers(arns: [String] = [], names: [String] = []) async throws -> [LiveLoadBalancer] {
        var parameters = QueryParameters()
        parameters.addList("LoadBalancerArns", arns, ec2: false)
        parameters.addList("Names", names, ec2: false)
        parameters.add("PageSize", Self.pageSize)
        let pages = try await client.queryPages(.elbv2, "DescribeLoadBalancers", parameters)
        // Network and gateway load balancers are not Portico's to manage.
        let applications = pages.flatMap { Self.members($0, "LoadBalancers") }.filter { ($0.text(at: "Type") ?? "application") == "application" }
        return try eachItem(applications, "elbv2", "DescribeLoadBalancers", "a load balancer", Self.loadBalancer)
    }

    static func loadBalancer(_ item: XMLElement) -> LiveLoadBalancer? {
        guard let arn = item.text(at: "LoadBalancerArn") else { return nil }
        return LiveLoadBalancer(
            arn: arn, name: item.text(at: "LoadBalancerName") ?? "", scheme: item.text(at: "Scheme") ?? "",
            ipAddressType: item.text(at: "IpAddressType") ?? "ipv4", vpcID: item.text(at: "VpcId") ?? "",
            subnetIDs: members(item, "AvailabilityZones").compactMap { $0.text(at: "SubnetId") },
            securityGroupIDs: members(item, "SecurityGroups").map(\.text),
            dnsName: item.text(at: "DNSName") ?? "", canonicalHostedZoneID: item.text(at: "CanonicalHostedZoneId") ?? "",
            state: item.text(at: "State", "Code") ?? "", deletionProtection: false, tags: [:], listeners: [])
    }

    func deletionProtection(loadBalancerARN: String) async throws -> Bool {
        var parameters = QueryParameters()
        parameters.add("LoadBalancerArn", loadBalancerARN)
        let result = try await client.query(.elbv2, "DescribeLoadBalancerAttributes", parameters)
        return Self.members(result, "Attributes").first { $0.text(at: "Key") == "deletion_protection.enabled" }?.text(at: "Value") == "true"
    }

    func describeListeners(loadBalancerARN: String) async throws -> [LiveListener] {
        var parameters = QueryParameters()
        parameters.add("LoadBalancerArn", loadBalancerARN)
        parameters.add("PageSize", Self.pageSize)
        let pages = try await client.queryPages(.elbv2, "DescribeListeners", parameters)
        return try eachItem(pages.flatMap { Self.members($0, "Listeners") }, "elbv2", "DescribeListeners", "a listener", Self.listener)
    }

    static func listener(_ item: XMLElement) -> LiveListener? {
        guard let arn = item.text(at: "ListenerArn"), let port = item.text(at: "Port").flatMap({ Int($0) }) else { return nil }
        let protocolName = item.text(at: "Protocol") ?? ""
        // AWS lists only the default certificate here; the SNI ones come from DescribeListenerCertificates.
        return LiveListener(arn: arn, port: port, appProtocol: protocolName,
                            certificateARNs: Array(members(item, "Certificates").compactMap { $0.text(at: "CertificateArn") }.prefix(1)),
                            sslPolicy: protocolName == "HTTPS" ? item.text(at: "SslPolicy") : nil, action: action(members(item, "DefaultActions")))
    }

    /// A list of actions as Portico reads it: one forward, redirect or fixed response; anything else is `other`.
    static func action(_ actions: [XMLElement]) -> LiveListenerAction {
        guard actions.count == 1 else { return .other(actions.compactMap { $0.text(at: "Type") }.joined(separator: "+")) }
        let action = actions[0]
        switch action.text(at: "Type") {
        case "forward":
            var groups = members(action.child("ForwardConfig"), "TargetGroups").compactMap { group in
                group.text(at: "TargetGroupArn").map { LiveForwardGroup(arn: $0, weight: group.text(at: "Weight").flatMap { Int($0) }) }
            }
            if groups.isEmpty, let arn = action.text(at: "TargetGroupArn"), !arn.isEmpty { groups = [LiveForwardGroup(arn: arn)] }
            guard !groups.isEmpty else { return .other("forward") }
            let stickiness = action.child("ForwardConfig")?.child("TargetGroupStickinessConfig")
            let sticky = stickiness?.text(at: "Enabled") == "true" ? stickiness?.text(at: "DurationSeconds").flatMap { Int($0) } : nil
            return .forward(groups: groups, stickiness: sticky)
        case "redirect":
            guard let config = action.child("RedirectConfig") else { return .other("redirect") }
            return .redirect(protocol: config.text(at: "Protocol") ?? "#{protocol}", port: config.text(at: "Port") ?? "#{port}",
                             host: config.text(at: "Host") ?? "#{host}", path: config.text(at: "Path") ?? "/#{path}",
                             query: config.text(at: "Query") ?? "#{query}", status: config.text(at: "StatusCode") ?? "")
        case "fixed-response":
            guard let config = action.child("FixedResponseConfig") else { return .other("fixed-response") }
            return .fixedResponse(status: config.text(at: "StatusCode") ?? "", contentType: config.text(at: "ContentType"), body: config.text(at: "MessageBody"))
        case let type:
            return .other(type ?? "")
        }
    }

    /// The rules of one listener, the default one left out (it is the listener's action).
    func describeRules(listenerARN: String) async throws -> [LiveRule] {
        var parameters = QueryParameters()
        parameters.add("ListenerArn", listenerARN)
        parameters.add("PageSize", Self.pageSize)
        let pages = try await client.queryPages(.elbv2, "DescribeRules", parameters)
        let items = pages.flatMap { Self.members($0, "Rules") }.filter { $0.text(at: "IsDefault") != "true" && $0.text(at: "Priority") != "default" }
        return try eachItem(items, "elbv2", "DescribeRules", "a rule", Self.rule)
    }

    static func rule(_ item: XMLElement) -> LiveRule? {
        guard let arn = item.text(at: "RuleArn"), let priority = item.text(at: "Priority").flatMap({ Int($0) }) else { return nil }
        let conditions = members(item, "Conditions").map { condition -> LiveRuleCondition in
            let field = condition.text(at: "Field") ?? ""
            let config: XMLElement?
            switch field {
            case "host-header": config = condition.child("HostHeaderConfig")
            case "path-pattern": config = condition.child("PathPatternConfig")
            case "http-header": config = condition.child("HttpHeaderConfig")
            case "http-request-method": config = condition.child("HttpRequestMethodConfig")
            case "query-string": config = condition.child("QueryStringConfig")
            case "source-ip": config = condition.child("SourceIpConfig")
            default: config = nil
            }
            var values: [String]
            if field == "query-string" {
                values = members(config, "Values").map { pair in QueryMatch(key: pair.text(at: "Key"), value: pair.text(at: "Value") ?? "").text }
            } else {
                values = members(config, "Values").map(\.text)
            }
            // The older form: values beside the field, no config.
            if values.isEmpty { values = members(condition, "Values").map(\.text) }
            return LiveRuleCondition(field: field, headerName: config?.text(at: "HttpHeaderName"), values: values)
        }
        return LiveRule(arn: arn, priority: priority, conditions: conditions, action: action(members(item, "Actions")))
    }

    /// The SNI certificates of a listener (the default one left out).
    func extraCertificates(listenerARN: String) async throws -> [String] {
        var parameters = QueryParameters()
        parameters.add("ListenerArn", listenerARN)
        parameters.add("PageSize", Self.pageSize)
        let pages = try await client.queryPages(.elbv2, "DescribeListenerCertificates", parameters)
        return pages.flatMap { Self.members($0, "Certificates") }.filter { $0.text(at: "IsDefault") != "true" }.compactMap { $0.text(at: "CertificateArn") }
    }

    func changeListenerCertificates(_ action: String, listenerARN: String, certificateARNs: [String]) async throws {
        guard !certificateARNs.isEmpty else { return }
        var parameters = QueryParameters()
        parameters.add("ListenerArn", listenerARN)
        parameters.addStructureList("Certificates", count: certificateARNs.count, ec2: false) { [("CertificateArn", certificateARNs[$0])] }
        _ = try await client.query(.elbv2, action, parameters)
    }

    /// An action with every reference resolved to an ARN.
    enum ResolvedAction: Sendable {
        case forward(groups: [(arn: String, weight: Int?)], stickiness: Int?)
        case redirect(Redirect)
        case fixedResponse(FixedResponse)
    }

    static func add(_ action: ResolvedAction, prefix: String, to parameters: inout QueryParameters) {
        let head = "\(prefix).member.1"
        switch action {
        case .forward(let groups, let stickiness):
            parameters.add("\(head).Type", "forward")
            if groups.count == 1, groups[0].weight == nil, stickiness == nil {
                parameters.add("\(head).TargetGroupArn", groups[0].arn)
                return
            }
            for (index, group) in groups.enumerated() {
                parameters.add("\(head).ForwardConfig.TargetGroups.member.\(index + 1).TargetGroupArn", group.arn)
                if let weight = group.weight { parameters.add("\(head).ForwardConfig.TargetGroups.member.\(index + 1).Weight", "\(weight)") }
            }
            parameters.add("\(head).ForwardConfig.TargetGroupStickinessConfig.Enabled", stickiness == nil ? "false" : "true")
            if let stickiness { parameters.add("\(head).ForwardConfig.TargetGroupStickinessConfig.DurationSeconds", "\(stickiness)") }
        case .redirect(let redirect):
            parameters.add("\(head).Type", "redirect")
            parameters.add("\(head).RedirectConfig.Protocol", redirect.redirectProtocol.value)
            parameters.add("\(head).RedirectConfig.Port", "\(redirect.port.value)")
            parameters.add("\(head).RedirectConfig.Host", redirect.host?.value ?? "#{host}")
            parameters.add("\(head).RedirectConfig.Path", redirect.path?.value ?? "/#{path}")
            parameters.add("\(head).RedirectConfig.Query", redirect.query?.value ?? "#{query}")
            parameters.add("\(head).RedirectConfig.StatusCode", "HTTP_\(redirect.status.value)")
        case .fixedResponse(let response):
            parameters.add("\(head).Type", "fixed-response")
            parameters.add("\(head).FixedResponseConfig.StatusCode", "\(response.status.value)")
            if let contentType = response.contentType { parameters.add("\(head).FixedResponseConfig.ContentType", contentType.value) }
            if let body = response.body { parameters.add("\(head).FixedResponseConfig.MessageBody", body.value) }
        }
    }

    static func add(_ conditions: [RuleCondition], to parameters: inout QueryParameters) {
        for (index, condition) in conditions.enumerated() {
            let head = "Conditions.member.\(index + 1)"
            parameters.add("\(head).Field", condition.field.awsName)
            let values = condition.values.map(\.value)
            switch condition.field {
            case .host: parameters.addList("\(head).HostHeaderConfig.Values", values, ec2: false)
            case .path: parameters.addList("\(head).PathPatternConfig.Values", values, ec2: false)
            case .header(let name):
                parameters.add("\(head).HttpHeaderConfig.HttpHeaderName", name)
                parameters.addList("\(head).HttpHeaderConfig.Values", values, ec2: false)
            case .method: parameters.addList("\(head).HttpRequestMethodConfig.Values", values, ec2: false)
            case .query:
                let matches = values.map(QueryMatch.init)
                parameters.addStructureList("\(head).QueryStringConfig.Values", count: matches.count, ec2: false) { [("Key", matches[$0].key), ("Value", matches[$0].value)] }
            case .sourceIP: parameters.addList("\(head).SourceIpConfig.Values", values, ec2: false)
            }
        }
    }

    func createRule(listenerARN: String, priority: Int, conditions: [RuleCondition], action: ResolvedAction, tags: [(String, String)]) async throws -> String {
        var parameters = QueryParameters()
        parameters.add("ListenerArn", listenerARN)
        parameters.add("Priority", "\(priority)")
        Self.add(conditions, to: &parameters)
        Self.add(action, prefix: "Actions", to: &parameters)
        Self.addTags(tags, to: &parameters)
        let result = try await client.query(.elbv2, "CreateRule", parameters, retryUnsure: false)
        guard let arn = Self.members(result, "Rules").first?.text(at: "RuleArn") else { throw malformed("CreateRule", "no rule in the answer") }
        return arn
    }

    /// Replaces the rule's actions, and its conditions when given: one atomic change.
    func modifyRule(arn: String, conditions: [RuleCondition]?, action: ResolvedAction) async throws {
        var parameters = QueryParameters()
        parameters.add("RuleArn", arn)
        if let conditions { Self.add(conditions, to: &parameters) }
        Self.add(action, prefix: "Actions", to: &parameters)
        _ = try await client.query(.elbv2, "ModifyRule", parameters)
    }

    func setRulePriorities(_ priorities: [(arn: String, priority: Int)]) async throws {
        guard !priorities.isEmpty else { return }
        var parameters = QueryParameters()
        parameters.addStructureList("RulePriorities", count: priorities.count, ec2: false) { [("RuleArn", priorities[$0].arn), ("Priority", "\(priorities[$0].priority)")] }
        _ = try await client.query(.elbv2, "SetRulePriorities", parameters)
    }

    func deleteRule(arn: String) async throws {
        var parameters = QueryParameters()
        parameters.add("RuleArn", arn)
        _ = try await client.query(.elbv2, "DeleteRule", parameters)
    }

    func describeTargetGroups(names: [String] = []) async throws -> [LiveTargetGroup] {
        var parameters = QueryParameters()
        parameters.addList("Names", names, ec2: false)
        parameters.add("PageSize", Self.pageSize)
        let pages = try await client.queryPages(.elbv2, "DescribeTargetGroups", parameters)
        return try eachItem(pages.flatMap { Self.members($0, "TargetGroups") }, "elbv2", "DescribeTargetGroups", "a target group", Self.targetGroup)
    }

    static func targetGroup(_ item: XMLElement) -> LiveTargetGroup? {
        guard let arn = item.text(at: "TargetGroupArn") else { return nil }
        let check = LiveHealthCheck(
            checkProtocol: item.text(at: "HealthCheckProtocol") ?? "", path: item.text(at: "HealthCheckPath") ?? "",
            port: item.text(at: "HealthCheckPort") ?? "traffic-port",
            interval: Int(item.text(at: "HealthCheckIntervalSeconds") ?? "") ?? 0, timeout: Int(item.text(at: "HealthCheckTimeoutSeconds") ?? "") ?? 0,
            healthyThreshold: Int(item.text(at: "HealthyThresholdCount") ?? "") ?? 0, unhealthyThreshold: Int(item.text(at: "UnhealthyThresholdCount") ?? "") ?? 0,
            matcher: item.text(at: "Matcher", "HttpCode") ?? "")
        return LiveTargetGroup(arn: arn, name: item.text(at: "TargetGroupName") ?? "", vpcID: item.text(at: "VpcId") ?? "",
                               appProtocol: item.text(at: "Protocol") ?? "", port: Int(item.text(at: "Port") ?? "") ?? 0, healthCheck: check,
                               targets: [], tags: [:], loadBalancerARNs: members(item, "LoadBalancerArns").map(\.text))
    }

    func registeredTargets(targetGroupARN: String) async throws -> [String] {
        var parameters = QueryParameters()
        parameters.add("TargetGroupArn", targetGroupARN)
        let result = try await client.query(.elbv2, "DescribeTargetHealth", parameters)
        // A target on its way out is no longer registered as far as the plan is concerned.
        return Self.members(result, "TargetHealthDescriptions").filter { $0.text(at: "TargetHealth", "State") != "draining" }.compactMap { $0.text(at: "Target", "Id") }
    }

    func createTargetGroup(name: String, spec: TargetGroupSpec, vpcID: String, tags: [(String, String)]) async throws -> LiveTargetGroup {
        var parameters = QueryParameters()
        parameters.add("Name", name)
        parameters.add("Protocol", spec.appProtocol.value)
        parameters.add("Port", "\(spec.port.value)")
        parameters.add("VpcId", vpcID)
        parameters.add("TargetType", "instance")
        Self.addHealthCheck(spec, to: &parameters)
        Self.addTags(tags, to: &parameters)
        let result = try await client.query(.elbv2, "CreateTargetGroup", parameters, retryUnsure: false)
        guard let created = Self.members(result, "TargetGroups").first.flatMap(Self.targetGroup) else { throw malformed("CreateTargetGroup", "no target group in the answer") }
        return created
    }

    static func addHealthCheck(_ spec: TargetGroupSpec, to parameters: inout QueryParameters) {
        let check = spec.healthCheck
        parameters.add("HealthCheckProtocol", check.checkProtocol?.value ?? spec.appProtocol.value)
        parameters.add("HealthCheckPort", check.port.map { "\($0.value)" } ?? "traffic-port")
        parameters.add("HealthCheckEnabled", "true")
        parameters.add("HealthCheckPath", check.path.value)
        parameters.add("HealthCheckIntervalSeconds", "\(check.interval.value)")
        parameters.add("HealthCheckTimeoutSeconds", "\(check.timeout.value)")
        parameters.add("HealthyThresholdCount", "\(check.healthyThreshold.value)")
        parameters.add("UnhealthyThresholdCount", "\(check.unhealthyThreshold.value)")
        parameters.add("Matcher.HttpCode", check.matcher.value)
    }

    func modifyTargetGroupHealthCheck(arn: String, spec: TargetGroupSpec) async throws {
        var parameters = QueryParameters()
        parameters.add("TargetGroupArn", arn)
        Self.addHealthCheck(spec, to: &parameters)
        _ = try await client.query(.elbv2, "ModifyTargetGroup", parameters)
    }

    func changeTargets(_ action: String, targetGroupARN: String, instanceIDs: [String]) async throws {
        guard !instanceIDs.isEmpty else { return }
        var parameters = QueryParameters()
        parameters.add("TargetGroupArn", targetGroupARN)
        parameters.addStructureList("Targets", count: instanceIDs.count, ec2: false) { [("Id", instanceIDs[$0])] }
        _ = try await client.query(.elbv2, action, parameters)
    }

    func deleteTargetGroup(arn: String) async throws {
        var parameters = QueryParameters()
        parameters.add("TargetGroupArn", arn)
        _ = try await client.query(.elbv2, "DeleteTargetGroup", parameters)
    }

    func createLoadBalancer(name: String, spec: LoadBalancerSpec, subnetIDs: [String], securityGroupIDs: [String], tags: [(String, String)]) async throws -> LiveLoadBalancer {
        var parameters = QueryParameters()
        parameters.add("Name", name)
        parameters.addList("Subnets", subnetIDs, ec2: false)
        parameters.addList("SecurityGroups", securityGroupIDs, ec2: false)
        parameters.add("Scheme", spec.scheme.value)
        parameters.add("Type", "application")
        parameters.add("IpAddressType", spec.ipAddressType.value)
        Self.addTags(tags, to: &parameters)
        let result = try await client.query(.elbv2, "CreateLoadBalancer", parameters, retryUnsure: false)
        guard let created = Self.members(result, "LoadBalancers").first.flatMap(Self.loadBalancer) else { throw malformed("CreateLoadBalancer", "no load balancer in the answer") }
        return created
    }

    func setDeletionProtection(loadBalancerARN: String, enabled: Bool) async throws {
        var parameters = QueryParameters()
        parameters.add("LoadBalancerArn", loadBalancerARN)
        parameters.add("Attributes.member.1.Key", "deletion_protection.enabled")
        parameters.add("Attributes.member.1.Value", enabled ? "true" : "false")
        _ = try await client.query(.elbv2, "ModifyLoadBalancerAttributes", parameters)
    }

    func setSubnets(loadBalancerARN: String, subnetIDs: [String]) async throws {
        var parameters = QueryParameters()
        parameters.add("LoadBalancerArn", loadBalancerARN)
        parameters.addList("Subnets", subnetIDs, ec2: false)
        _ = try await client.query(.elbv2, "SetSubnets", parameters)
    }

    func setSecurityGroups(loadBalancerARN: String, groupIDs: [String]) async throws {
        var parameters = QueryParameters()
        parameters.add("LoadBalancerArn", loadBalancerARN)
        parameters.addList("SecurityGroups", groupIDs, ec2: false)
        _ = try await client.query(.elbv2, "SetSecurityGroups", parameters)
    }

    func setIPAddressType(loadBalancerARN: String, type: String) async throws {
        var parameters = QueryParameters()
        parameters.add("LoadBalancerArn", loadBalancerARN)
        parameters.add("IpAddressType", type)
        _ = try await client.query(.elbv2, "SetIpAddressType", parameters)
    }

    func deleteLoadBalancer(arn: String) async throws {
        var parameters = QueryParameters()
        parameters.add("LoadBalancerArn", arn)
        _ = try await client.query(.elbv2, "DeleteLoadBalancer", parameters)
    }

    /// The listener's whole desired configuration (its default certificate and action); `create`
    /// adds the load balancer and tags. SNI certificates and rules are separate calls.
    struct ListenerConfiguration: Sendable {
        var appProtocol: String
        var port: Int
        var certificateARN: String?
        var sslPolicy: String?
        var action: ResolvedAction
    }

    static func add(_ configuration: ListenerConfiguration, to parameters: inout QueryParameters) {
        parameters.add("Protocol", configuration.appProtocol)
        parameters.add("Port", "\(configuration.port)")
        if configuration.appProtocol == "HTTPS" {
            parameters.add("SslPolicy", configuration.sslPolicy)
            if let certificate = configuration.certificateARN { parameters.add("Certificates.member.1.CertificateArn", certificate) }
        }
        add(configuration.action, prefix: "DefaultActions", to: &parameters)
    }

    func createListener(loadBalancerARN: String, _ configuration: ListenerConfiguration, tags: [(String, String)]) async throws -> String {
        var parameters = QueryParameters()
        parameters.add("LoadBalancerArn", loadBalancerARN)
        Self.add(configuration, to: &parameters)
        Self.addTags(tags, to: &parameters)
        let result = try await client.query(.elbv2, "CreateListener", parameters, retryUnsure: false)
        guard let arn = Self.members(result, "Listeners").first?.text(at: "ListenerArn") else { throw malformed("CreateListener", "no listener in the answer") }
        return arn
    }

    func modifyListener(arn: String, _ configuration: ListenerConfiguration) async throws {
        var parameters = QueryParameters()
        parameters.add("ListenerArn", arn)
        Self.add(configuration, to: &parameters)
        _ = try await client.query(.elbv2, "ModifyListener", parameters)
    }

    func deleteListener(arn: String) async throws {
        var parameters = QueryParameters()
        parameters.add("ListenerArn", arn)
        _ = try await client.query(.elbv2, "DeleteListener", parameters)
    }

    /// A resource a lookup found, with its tags, for `ApplyContext.createOnce`.
    func withTags<T: Sendable>(_ arn: String?, _ value: T?) async throws -> ApplyContext.Found<T>? {
        guard let arn, let value else { return nil }
        return ApplyContext.Found(id: arn, tags: try await describeTags([arn])[arn] ?? [:], value: value)
    }

    /// Describe calls by name answer "not found" with an error, not an empty list.
    func absentIfNotFound<T: Sendable>(_ body: () async throws -> T?) async throws -> T? {
        do {
            return try await body()
        } catch let error as AWSError where error.isNotFound {
            return nil
        }
    }

    func malformed(_ operation: String, _ reason: String) -> AWSError {
        AWSError(service: "elbv2", operation: operation, kind: .malformedResponse(httpStatus: 200, reason: reason), message: "")
    }
}
