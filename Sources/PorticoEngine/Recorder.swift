import PorticoCore
import PorticoWire

/// Writes what a step made true onto the resource it acted on (`AppliedRecord`), so that `drift`
/// can later tell a change made in AWS from one made in the file. Alias records carry theirs in
/// the ownership TXT, written by their driver in the same batch as the records.
enum Recorder {
    /// Records the step's spec, once the step is done.
    static func record(_ step: PlanStep, _ context: ApplyContext) async throws {
        guard let text = context.records[step.node] else { return }
        let key = AppliedRecordTag.key(for: step.node)
        switch step.kind {
        case .certificate:
            guard let arn = await context.outputs.certificateARNs[step.node.key] else { return }
            try await context.acm.addTags(arn: arn, [(key, text)])
        case .securityGroup:
            guard let id = await context.outputs.groupIDs[step.node.key] else { return }
            try await context.ec2.createTags(resourceID: id, [(key, text)])
        case .targetGroup:
            guard let arn = await context.outputs.targetGroupARNs[step.node.key] else { return }
            try await context.elbv2.addTags(arn: arn, [(key, text)])
        case .loadBalancer:
            guard let loadBalancer = await context.outputs.loadBalancers[step.node.key] else { return }
            try await context.elbv2.addTags(arn: loadBalancer.arn, [(key, text)])
        case .aliasRecord:
            try await AliasRecordDriver().writeOwner(step, context)
        default:
            return
        }
    }

    /// A deleted listener's record goes with it (the load balancer keeps the others).
    static func forget(_ step: PlanStep, _ context: ApplyContext) async throws {
        guard step.action == .delete, case .listener(let port) = step.node.part,
              let loadBalancer = context.world.loadBalancer(holdingListener: step.liveID),
              loadBalancer.tags[AppliedRecordTag.listener(port)] != nil, !context.deletedIDs.contains(loadBalancer.arn) else { return }
        do {
            try await context.elbv2.removeTags(arn: loadBalancer.arn, keys: [AppliedRecordTag.listener(port)])
        } catch let error as AWSError where error.isNotFound {}
    }

    /// Steps that change nothing but whose resource's record is missing or out of date (an
    /// apply interrupted before recording, a resource added to or removed from the file).
    static func staleRecords(_ plan: Plan, world: LiveWorld) -> [PlanStep] {
        plan.steps.filter { step in
            guard step.action == .noop, let wanted = step.record else { return false }
            guard let live = world.appliedRecord(for: step.node, kind: step.kind, liveID: step.liveID) else { return true }
            return !live.sameSpec(as: wanted)
        }
    }
}
