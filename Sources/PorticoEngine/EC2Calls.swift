import PorticoCore
import PorticoWire

/// The EC2 calls Portico makes, as typed functions. Parameter names follow botocore's
/// ec2 service-2.json (query serialisation: `Filter.1.Value.1`, `IpPermissions.1.Groups.1.GroupId`).
struct EC2Calls: Sendable {
    let client: AWSClient

    struct Filter: Sendable {
        var name: String
        var values: [String]
        init(_ name: String, _ values: [String]) {
            self.name = name
            self.values = values
        }
    }

    static func add(_ filters: [Filter], to parameters: inout QueryParameters) {
        for (index, filter) in filters.enumerated() {
            parameters.add("Filter.\(index + 1).Name", filter.name)
            parameters.addList("Filter.\(index + 1).Value", filter.values, ec2: true)
        }
    }

    static func tagFilters(_ tags: [(String, String)]) -> [Filter] { tags.map { Filter("tag:\($0.0)", [$0.1]) } }

    static func tags(_ element: XMLElement?) -> [String: String] {
        var tags: [String: String] = [:]
        for item in element?.child("tagSet")?.children("item") ?? [] {
            if let key = item.text(at: "key") { tags[key] = item.text(at: "value") ?? "" }
        }
        return tags
    }

    func describeVPCs(ids: [String] = [], filters: [Filter] = []) async throws -> [(id: String, isDefault: Bool)] {
        var parameters = QueryParameters()
        parameters.addList("VpcId", ids, ec2: true)
        Self.add(filters, to: &parameters)
        let pages = try await client.queryPages(.ec2, "DescribeVpcs", parameters)
        return try eachItem(pages.flatMap { $0.child("vpcSet")?.children("item") ?? [] }, "ec2", "DescribeVpcs", "a VPC") { item in
            item.text(at: "vpcId").map { ($0, item.text(at: "isDefault") == "true") }
        }
    }

    func describeSubnets(ids: [String] = [], filters: [Filter] = []) async throws -> [LiveSubnet] {
        var parameters = QueryParameters()
        parameters.addList("SubnetId", ids, ec2: true)
        Self.add(filters, to: &parameters)
        let pages = try await client.queryPages(.ec2, "DescribeSubnets", parameters)
        return try eachItem(pages.flatMap { $0.child("subnetSet")?.children("item") ?? [] }, "ec2", "DescribeSubnets", "a subnet") { item in
            guard let id = item.text(at: "subnetId") else { return nil }
            return LiveSubnet(id: id, vpcID: item.text(at: "vpcId") ?? "", availabilityZone: item.text(at: "availabilityZone") ?? "")
        }
    }

    /// Instances not terminated (nor on their way there).
    func describeInstances(ids: [String] = [], filters: [Filter] = []) async throws -> [LiveInstance] {
        var parameters = QueryParameters()
        parameters.addList("InstanceId", ids, ec2: true)
        Self.add(filters + [Filter("instance-state-name", ["pending", "running", "stopping", "stopped"])], to: &parameters)
        let pages = try await client.queryPages(.ec2, "DescribeInstances", parameters)
        let items = pages.flatMap { page in (page.child("reservationSet")?.children("item") ?? []).flatMap { $0.child("instancesSet")?.children("item") ?? [] } }
        return try eachItem(items, "ec2", "DescribeInstances", "an instance") { item in
            guard let id = item.text(at: "instanceId") else { return nil }
            // The primary interface's groups are the instance's groups; ModifyInstanceAttribute sets them.
            var groups = (item.child("groupSet")?.children("item") ?? []).compactMap { $0.text(at: "groupId") }
            if let primary = (item.child("networkInterfaceSet")?.children("item") ?? []).first(where: { $0.text(at: "attachment", "deviceIndex") == "0" }) {
                let interfaceGroups = (primary.child("groupSet")?.children("item") ?? []).compactMap { $0.text(at: "groupId") }
                if !interfaceGroups.isEmpty { groups = interfaceGroups }
            }
            return LiveInstance(id: id, vpcID: item.text(at: "vpcId") ?? "", state: item.text(at: "instanceState", "name") ?? "", securityGroupIDs: groups)
        }
    }

    func describeSecurityGroups(ids: [String] = [], filters: [Filter] = []) async throws -> [LiveSecurityGroup] {
        var parameters = QueryParameters()
        parameters.addList("GroupId", ids, ec2: true)
        Self.add(filters, to: &parameters)
        let pages = try await client.queryPages(.ec2, "DescribeSecurityGroups", parameters)
        return try eachItem(pages.flatMap { $0.child("securityGroupInfo")?.children("item") ?? [] }, "ec2", "DescribeSecurityGroups", "a security group", Self.securityGroup)
    }

    static func securityGroup(_ item: XMLElement) -> LiveSecurityGroup? {
        guard let id = item.text(at: "groupId") else { return nil }
        var permissions: [LivePermission] = []
        for permission in item.child("ipPermissions")?.children("item") ?? [] {
            let ipProtocol = permission.text(at: "ipProtocol") ?? "-1"
            let from = permission.text(at: "fromPort").flatMap { Int($0) }.flatMap { $0 < 0 ? nil : $0 }
            let to = permission.text(at: "toPort").flatMap { Int($0) }.flatMap { $0 < 0 ? nil : $0 }
            func add(_ source: String?, _ description: String?) {
                guard let source else { return }
                permissions.append(LivePermission(ipProtocol: ipProtocol, fromPort: from, toPort: to, source: source, description: description.flatMap { $0.isEmpty ? nil : $0 }))
            }
            for range in permission.child("ipRanges")?.children("item") ?? [] { add(range.text(at: "cidrIp"), range.text(at: "description")) }
            for range in permission.child("ipv6Ranges")?.children("item") ?? [] { add(range.text(at: "cidrIpv6"), range.text(at: "description")) }
            for pair in permission.child("groups")?.children("item") ?? [] { add(pair.text(at: "groupId"), pair.text(at: "description")) }
            for list in permission.child("prefixListIds")?.children("item") ?? [] { add(list.text(at: "prefixListId"), list.text(at: "description")) }
        }
        return LiveSecurityGroup(id: id, name: item.text(at: "groupName") ?? "", vpcID: item.text(at: "vpcId") ?? "",
                                 description: item.text(at: "groupDescription") ?? "", ingress: permissions, tags: tags(item))
    }

    func createSecurityGroup(name: String, description: String, vpcID: String, tags: [(String, String)]) async throws -> String {
        var parameters = QueryParameters()
        parameters.add("GroupName", name)
        parameters.add("GroupDescription", description)
        parameters.add("VpcId", vpcID)
        parameters.add("TagSpecification.1.ResourceType", "security-group")
        parameters.addStructureList("TagSpecification.1.Tag", count: tags.count, ec2: true) { [("Key", tags[$0].0), ("Value", tags[$0].1)] }
        let result = try await client.query(.ec2, "CreateSecurityGroup", parameters, retryUnsure: false)
        guard let id = result.text(at: "groupId") else { throw malformed("CreateSecurityGroup", "no groupId") }
        return id
    }

    func createTags(resourceID: String, _ tags: [(String, String)]) async throws {
        var parameters = QueryParameters()
        parameters.add("ResourceId.1", resourceID)
        parameters.addStructureList("Tag", count: tags.count, ec2: true) { [("Key", tags[$0].0), ("Value", tags[$0].1)] }
        _ = try await client.query(.ec2, "CreateTags", parameters)
    }

    /// `Authorize`/`RevokeSecurityGroupIngress`: one permission per source, so each rule is
    /// added or removed on its own.
    func changeIngress(_ action: String, groupID: String, permissions: [LivePermission]) async throws {
        guard !permissions.isEmpty else { return }
        var parameters = QueryParameters()
        parameters.add("GroupId", groupID)
        for (index, permission) in permissions.enumerated() {
            let prefix = "IpPermissions.\(index + 1)"
            parameters.add("\(prefix).IpProtocol", permission.ipProtocol)
            if permission.ipProtocol == "tcp" || permission.ipProtocol == "udp" {
                parameters.add("\(prefix).FromPort", "\(permission.fromPort ?? 0)")
                parameters.add("\(prefix).ToPort", "\(permission.toPort ?? 65535)")
            } else if permission.ipProtocol == "icmp" || permission.ipProtocol == "icmpv6" {
                parameters.add("\(prefix).FromPort", "-1")
                parameters.add("\(prefix).ToPort", "-1")
            }
            let source = permission.source
            if source.hasPrefix("sg-") {
                parameters.add("\(prefix).Groups.1.GroupId", source)
                parameters.add("\(prefix).Groups.1.Description", permission.description)
            } else if source.hasPrefix("pl-") {
                parameters.add("\(prefix).PrefixListIds.1.PrefixListId", source)
                parameters.add("\(prefix).PrefixListIds.1.Description", permission.description)
            } else if source.contains(":") {
                parameters.add("\(prefix).Ipv6Ranges.1.CidrIpv6", source)
                parameters.add("\(prefix).Ipv6Ranges.1.Description", permission.description)
            } else {
                parameters.add("\(prefix).IpRanges.1.CidrIp", source)
                parameters.add("\(prefix).IpRanges.1.Description", permission.description)
            }
        }
        _ = try await client.query(.ec2, action, parameters)
    }

    func deleteSecurityGroup(id: String) async throws {
        var parameters = QueryParameters()
        parameters.add("GroupId", id)
        _ = try await client.query(.ec2, "DeleteSecurityGroup", parameters)
    }

    /// Replaces the groups of an instance's primary interface.
    func setInstanceGroups(instanceID: String, groupIDs: [String]) async throws {
        var parameters = QueryParameters()
        parameters.add("InstanceId", instanceID)
        parameters.addList("GroupId", groupIDs, ec2: true)
        _ = try await client.query(.ec2, "ModifyInstanceAttribute", parameters)
    }

    func malformed(_ operation: String, _ reason: String) -> AWSError {
        AWSError(service: "ec2", operation: operation, kind: .malformedResponse(httpStatus: 200, reason: reason), message: "")
    }
}
