/// A plan: what apply would do to make the live world match the stack file, step by step,
/// with the fields that change and why. Built by `Planner` from plain values; no I/O.
public struct PlanStep: Sendable, Equatable {
    public enum Action: String, Sendable, Equatable, CaseIterable {
        case create, update, replace, delete, noop

        /// `+`, `~`, `+/-`, `-`, ` `.
        public var symbol: String {
            switch self {
            case .create: "+"
            case .update: "~"
            case .replace: "+/-"
            case .delete: "-"
            case .noop: " "
            }
        }
    }

    public var node: StackGraph.Node
    public var kind: EntryKind
    public var action: Action
    public var changes: [FieldChange]
    /// Why: the fields forcing a replacement, the replacement a step follows, why something goes.
    public var reasons: [String]
    /// The live resource this step acts on (updated, replaced or deleted): an id or ARN.
    public var liveID: String?
    /// The AWS name a created resource takes, where it has one.
    public var newName: String?
    /// A deletion that is the second half of a replacement (counted with the replacement).
    public var completesReplacement = false
    /// What this step makes true, kept with the resource once done (not for deletions).
    public var record: AppliedRecord?

    public init(node: StackGraph.Node, kind: EntryKind, action: Action, changes: [FieldChange] = [], reasons: [String] = [], liveID: String? = nil, newName: String? = nil) {
        self.node = node
        self.kind = kind
        self.action = action
        self.changes = changes
        self.reasons = reasons
        self.liveID = liveID
        self.newName = newName
    }

    public var address: String { node.description }
}

public struct Plan: Sendable {
    public var stack: String
    public var steps: [PlanStep]

    public init(stack: String, steps: [PlanStep]) {
        self.stack = stack
        self.steps = steps
    }

    public var changes: [PlanStep] { steps.filter { $0.action != .noop } }
    public var hasChanges: Bool { !changes.isEmpty }

    public func count(_ action: PlanStep.Action) -> Int { steps.filter { $0.action == action && !$0.completesReplacement }.count }

    /// `Plan: 3 to add, 1 to change, 1 to replace, 0 to destroy.`
    public var summary: String {
        if !hasChanges { return "No changes. Live AWS matches the stack file." }
        return "Plan: \(count(.create)) to add, \(count(.update)) to change, \(count(.replace)) to replace, \(count(.delete)) to destroy."
    }

    /// Deletion happens in this order of kinds: what points at a thing goes before the thing.
    public static func deletionRank(_ step: PlanStep) -> Int {
        switch (step.kind, step.node.part) {
        case (.aliasRecord, _): 0
        case (.loadBalancer, .listener): 1
        case (.loadBalancer, _): 2
        case (.targetGroup, _): 3
        case (.certificate, _): 3
        case (.securityGroup, .ingress): 4
        case (.securityGroup, _): 5
        default: 6
        }
    }
}
