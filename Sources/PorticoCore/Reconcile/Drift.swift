/// Tells apart the two reasons live AWS can differ from the stack file, using the records the
/// last apply left on each resource (`AppliedRecord`):
/// - **drift**: AWS was changed outside Portico since the last apply;
/// - **pending**: the file was changed since the last apply and nobody applied it.
public struct DriftReport: Sendable {
    public enum Class: String, Sendable, Codable {
        case drift, pending
    }

    public struct Difference: Sendable, Equatable {
        public var address: String
        public var kind: EntryKind
        public var attribute: String
        /// nil when the file does not have the resource.
        public var fileValue: FieldValue?
        /// nil when AWS does not have the resource.
        public var liveValue: FieldValue?
        public var liveID: String?
        public var `class`: Class
        /// Why it was put in its class, in words.
        public var note: String
    }

    public var stack: String
    public var differences: [Difference]

    public var drifted: Bool { differences.contains { $0.class == .drift } }
    public var pending: Bool { differences.contains { $0.class == .pending } }
    public var inSync: Bool { differences.isEmpty }

    /// 0 in sync, 2 drift (with or without pending), 3 pending only.
    public var exitCode: Int32 { drifted ? 2 : pending ? 3 : 0 }

    public var headline: String {
        if inSync { return "In sync: live AWS matches the stack file (stack \(stack))." }
        let drift = differences.filter { $0.class == .drift }.count, pending = differences.count - drift
        var parts: [String] = []
        if drift > 0 { parts.append("\(drift) change\(drift == 1 ? "" : "s") made in AWS outside Portico") }
        if pending > 0 { parts.append("\(pending) change\(pending == 1 ? "" : "s") in the file not applied yet") }
        return (drift > 0 ? "Drift" : "Pending") + " (stack \(stack)): " + parts.joined(separator: ", ") + "."
    }

    /// `plan` is a `.drift` plan of the file against `world`.
    public init(plan: Plan, stack: Stack, world: LiveWorld) {
        self.stack = stack.name.value
        let records = world.allAppliedRecords(stack: stack.name.value)
        let latest = records.max { $0.time < $1.time }
        let fileKeys = Set(stack.resources.map(\.key.value))
        let removedKeys = Set(plan.steps.filter { $0.action == .delete && $0.node.part == .whole && stack.resource($0.node.key) == nil }.map(\.node.key))
        let missingKeys = Set(plan.steps.filter { $0.action == .create && $0.node.part == .whole }.map(\.node.key))
        let addedKeys = Self.addedSinceApply(missing: missingKeys, file: fileKeys, removed: removedKeys, members: latest?.members)

        var differences: [Difference] = []
        for step in plan.steps {
            switch step.action {
            case .noop:
                continue
            case .update, .replace:
                // An alias whose records were deleted, its ownership TXT left: the record is gone.
                if step.kind == .aliasRecord, let live = world.aliasRecord(step.liveID), live.recordSets.isEmpty {
                    differences.append(Difference(address: step.address, kind: step.kind, attribute: "exists", fileValue: .text("yes"), liveValue: .text("no"),
                                                  liveID: step.liveID, class: .drift, note: "deleted outside Portico since the last apply"))
                    continue
                }
                let record = world.appliedRecord(for: step.node, kind: step.kind, liveID: step.liveID)
                for change in step.changes {
                    let (kind, note) = Self.classify(change, record: record)
                    differences.append(Difference(address: step.address, kind: step.kind, attribute: change.field, fileValue: change.desired,
                                                  liveValue: change.live, liveID: step.liveID, class: kind, note: note))
                }
            case .create:
                // A part of a missing resource goes with it.
                if step.node.part != .whole && missingKeys.contains(step.node.key) { continue }
                let kind: Class, note: String
                if step.node.part == .whole {
                    if latest == nil {
                        (kind, note) = (.pending, "not in AWS: the stack was never applied")
                    } else if let addedKeys {
                        (kind, note) = addedKeys.contains(step.node.key)
                            ? (.pending, "added to the file since the last apply")
                            : (.drift, "deleted outside Portico since the last apply")
                    } else {
                        (kind, note) = (.drift, "not in AWS, and the file's resources differ from the last apply's in more than that")
                    }
                } else {
                    // A listener or the rules of a resource that exists: was it applied?
                    let owner = plan.steps.first { $0.node == StackGraph.Node(step.node.key) }
                    let ownerTags = Self.tags(of: owner, in: world)
                    (kind, note) = ownerTags?[AppliedRecordTag.key(for: step.node)] != nil
                        ? (.drift, "deleted outside Portico since the last apply")
                        : (.pending, "added to the file since the last apply")
                }
                differences.append(Difference(address: step.address, kind: step.kind, attribute: "exists", fileValue: .text("yes"),
                                              liveValue: .text("no"), liveID: nil, class: kind, note: note))
            case .delete:
                // The old half of a replacement, and rules that go with their group, say nothing new.
                if step.completesReplacement || step.node.part == .ingress { continue }
                let kind: Class, note: String
                if stack.resource(step.node.key) == nil {
                    (kind, note) = (.pending, "removed from the file since the last apply")
                } else if case .listener(let port) = step.node.part {
                    let tags = world.loadBalancer(holdingListener: step.liveID)?.tags
                    (kind, note) = tags?[AppliedRecordTag.listener(port)] != nil
                        ? (.pending, "removed from the file since the last apply")
                        : (.drift, "added outside Portico")
                } else {
                    (kind, note) = (.pending, "a second copy left by an interrupted apply")
                }
                differences.append(Difference(address: step.address, kind: step.kind, attribute: "exists", fileValue: .text("no"),
                                              liveValue: .text("yes"), liveID: step.liveID, class: kind, note: note))
            }
        }
        self.differences = differences
    }

    /// One changed field: as applied live and changed in the file is pending; as applied in the
    /// file and changed live is drift; changed on both sides, or no record, is drift (AWS moved).
    static func classify(_ change: FieldChange, record: AppliedRecord?) -> (Class, String) {
        guard let record else { return (.drift, "differs, and the resource has no record of the last apply") }
        let liveAsApplied = change.live.flatMap { record.recorded(change.field, as: $0) }
        let fileAsApplied = record.recorded(change.field, as: change.desired)
        switch (liveAsApplied, fileAsApplied) {
        case (true?, _): return (.pending, "changed in the file since the last apply")
        case (_, true?): return (.drift, "changed in AWS since the last apply")
        case (nil, nil): return (.drift, "differs from what the last apply left")
        default: return (.drift, "changed in AWS and in the file since the last apply")
        }
    }

    /// Which missing resources were added to the file since the last apply: the subset whose
    /// removal makes the file's keys (plus those removed from it but still live) hash to the
    /// last apply's. nil when no subset does.
    static func addedSinceApply(missing: Set<String>, file: Set<String>, removed: Set<String>, members: String?) -> Set<String>? {
        guard let members else { return nil }
        let candidates = missing.sorted()
        guard candidates.count <= 12 else { return nil }
        // Fewest additions first: "nothing was added" is the likeliest story.
        let subsets = (0..<(1 << candidates.count)).sorted { $0.nonzeroBitCount < $1.nonzeroBitCount }
        for mask in subsets {
            let added = Set(candidates.indices.filter { mask & (1 << $0) != 0 }.map { candidates[$0] })
            if AppliedRecord.membersHash(file.subtracting(added).union(removed)) == members { return added }
        }
        return nil
    }

    static func tags(of step: PlanStep?, in world: LiveWorld) -> [String: String]? {
        guard let step, let id = step.liveID else { return nil }
        switch step.kind {
        case .securityGroup: return world.securityGroups.first { $0.id == id }?.tags
        case .loadBalancer: return world.loadBalancers.first { $0.arn == id }?.tags
        default: return nil
        }
    }
}
