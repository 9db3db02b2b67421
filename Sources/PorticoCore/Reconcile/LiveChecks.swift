/// Checks that need the live world: what `validate` could only guess from ids, known once the
/// `existing` entries are looked up. The classic console mistakes: a target group in another
/// VPC than its instances, a load balancer in one Availability Zone.
public enum LiveChecks {
    public static func check(_ stack: Stack, _ world: LiveWorld) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        func instancesOutside(_ vpc: String, _ references: [Located<Reference>]) -> [(Located<Reference>, [String])] {
            references.compactMap { reference in
                let ids = world.instanceIDs(reference.value) ?? []
                let outside = ids.filter { id in world.instances[id].map { $0.vpcID != vpc } ?? false }
                return outside.isEmpty ? nil : (reference, outside)
            }
        }
        for resource in stack.resources {
            let key = resource.key.value
            switch resource.spec {
            case .targetGroup(let spec):
                guard let vpc = world.vpcID(spec.vpc.value) else { continue }
                for (reference, outside) in instancesOutside(vpc, spec.targets) {
                    diagnostics.append(.error(.vpcMismatch, "'\(key)' is in \(vpc), but its targets \(outside.joined(separator: ", ")) are in \(world.instances[outside[0]]?.vpcID ?? "another VPC"); a target group only reaches instances in its own VPC", at: reference.location))
                }
            case .securityGroup(let spec):
                guard let vpc = world.vpcID(spec.vpc.value) else { continue }
                for (reference, outside) in instancesOutside(vpc, spec.attachTo) {
                    diagnostics.append(.error(.vpcMismatch, "'\(key)' is in \(vpc), but \(outside.joined(separator: ", ")) are in \(world.instances[outside[0]]?.vpcID ?? "another VPC"); a group can only be attached to instances in its VPC", at: reference.location))
                }
            case .loadBalancer(let spec):
                var subnets: [LiveSubnet] = []
                for reference in spec.subnets {
                    if case .entry(let subnetsKey) = reference.value, case .subnets(let found) = world.existing[subnetsKey] { subnets += found }
                }
                guard !subnets.isEmpty else { continue }
                let zones = Set(subnets.map(\.availabilityZone))
                if zones.count < 2 && spec.subnets.allSatisfy({ $0.value.entryKey != nil }) {
                    diagnostics.append(.error(.tooFewSubnets, "'\(key)' would have subnets in \(zones.count) Availability Zone (\(zones.sorted().joined(separator: ", "))); an Application Load Balancer needs two or more", at: spec.subnetsLocation))
                }
                let vpcs = Set(subnets.map(\.vpcID))
                if vpcs.count > 1 {
                    diagnostics.append(.error(.vpcMismatch, "'\(key)' has subnets in several VPCs (\(vpcs.sorted().joined(separator: ", "))); a load balancer lives in one", at: spec.subnetsLocation))
                } else if let vpc = vpcs.first {
                    for group in spec.securityGroups {
                        guard case .entry(let groupKey) = group.value, let groupSpec = stack.resource(groupKey)?.securityGroup else { continue }
                        if let groupVPC = world.vpcID(groupSpec.vpc.value), groupVPC != vpc {
                            diagnostics.append(.error(.vpcMismatch, "'\(key)' is in \(vpc) (its subnets), but its security group '\(groupKey)' is in \(groupVPC)", at: group.location))
                        }
                    }
                }
            default: break
            }
        }
        return diagnostics
    }
}
