import PorticoCore
import PorticoWire

/// The Elastic Load Balancing v2 calls Portico makes (botocore elbv2 service-2.json names).
struct ELBv2Calls: Sendable {
    let client: AWSClient

    /// DescribeTags takes at most 20 ARNs a call.
    static let tagBatch = 20

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
        let pages = try await client.queryPages(.elbv2, "DescribeListeners", parameters)
        return try eachItem(pages.flatMap { Self.members($0, "Listeners") }, "elbv2", "DescribeListeners", "a listener", Self.listener)
    }

    static func listener(_ item: XMLElement) -> LiveListener? {
        guard let arn = item.text(at: "ListenerArn"), let port = item.text(at: "Port").flatMap({ Int($0) }) else { return nil }
        let actions = members(item, "DefaultActions")
        let action: LiveListenerAction
        if actions.count == 1, actions[0].text(at: "Type") == "forward", let target = forwardTarget(actions[0]) {
            action = .forward(targetGroupARN: target)
        } else if actions.count == 1, actions[0].text(at: "Type") == "redirect", let config = actions[0].child("RedirectConfig") {
            action = .redirect(protocol: config.text(at: "Protocol") ?? "#{protocol}", port: config.text(at: "Port") ?? "#{port}",
                               host: config.text(at: "Host") ?? "#{host}", path: config.text(at: "Path") ?? "/#{path}",
                               query: config.text(at: "Query") ?? "#{query}", status: config.text(at: "StatusCode") ?? "")
        } else {
            action = .other(actions.compactMap { $0.text(at: "Type") }.joined(separator: "+"))
        }
        let protocolName = item.text(at: "Protocol") ?? ""
        return LiveListener(arn: arn, port: port, appProtocol: protocolName,
                            certificateARNs: members(item, "Certificates").compactMap { $0.text(at: "CertificateArn") },
                            sslPolicy: protocolName == "HTTPS" ? item.text(at: "SslPolicy") : nil, action: action)
    }

    /// A forward names its group directly, or through a one-group ForwardConfig.
    static func forwardTarget(_ action: XMLElement) -> String? {
        if let arn = action.text(at: "TargetGroupArn"), !arn.isEmpty { return arn }
        let groups = members(action.child("ForwardConfig"), "TargetGroups")
        return groups.count == 1 ? groups[0].text(at: "TargetGroupArn") : nil
    }

    func describeTargetGroups(names: [String] = []) async throws -> [LiveTargetGroup] {
        var parameters = QueryParameters()
        parameters.addList("Names", names, ec2: false)
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

    /// The listener's whole desired configuration; `create` adds the load balancer and tags.
    struct ListenerConfiguration: Sendable {
        var appProtocol: String
        var port: Int
        var certificateARN: String?
        var sslPolicy: String?
        var action: Action

        enum Action: Sendable {
            case forward(String)
            case redirect(Redirect)
        }
    }

    static func add(_ configuration: ListenerConfiguration, to parameters: inout QueryParameters) {
        parameters.add("Protocol", configuration.appProtocol)
        parameters.add("Port", "\(configuration.port)")
        if configuration.appProtocol == "HTTPS" {
            parameters.add("SslPolicy", configuration.sslPolicy)
            if let certificate = configuration.certificateARN { parameters.add("Certificates.member.1.CertificateArn", certificate) }
        }
        switch configuration.action {
        case .forward(let arn):
            parameters.add("DefaultActions.member.1.Type", "forward")
            parameters.add("DefaultActions.member.1.TargetGroupArn", arn)
        case .redirect(let redirect):
            parameters.add("DefaultActions.member.1.Type", "redirect")
            parameters.add("DefaultActions.member.1.RedirectConfig.Protocol", redirect.redirectProtocol.value)
            parameters.add("DefaultActions.member.1.RedirectConfig.Port", "\(redirect.port.value)")
            parameters.add("DefaultActions.member.1.RedirectConfig.Host", redirect.host?.value ?? "#{host}")
            parameters.add("DefaultActions.member.1.RedirectConfig.Path", redirect.path?.value ?? "/#{path}")
            parameters.add("DefaultActions.member.1.RedirectConfig.Query", redirect.query?.value ?? "#{query}")
            parameters.add("DefaultActions.member.1.RedirectConfig.StatusCode", "HTTP_\(redirect.status.value)")
        }
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
