/// Listener rules: how their conditions read on both sides, how priorities left out of the file
/// are chosen, and which calls turn the live rules of a listener into the desired ones.

/// Conditions in one word form for both sides. A rule's conditions read as one text, the same
/// whatever order the file or ELB lists them in: `host=api.example.com & path=/v1/*,/v2/*`.
public enum ConditionText {
    public static func desired(_ conditions: [RuleCondition]) -> String {
        join(conditions.map { condition in
            let values = condition.values.map { condition.field == .query ? QueryMatch($0.value).text : $0.value }
            return one(condition.field.awsName, headerName: headerName(condition.field), values)
        })
    }

    public static func live(_ conditions: [LiveRuleCondition]) -> String {
        join(conditions.map { one($0.field, headerName: $0.headerName, $0.values) })
    }

    static func headerName(_ field: RuleCondition.Field) -> String? {
        if case .header(let name) = field { return name }
        return nil
    }

    /// Host and header names are not case-sensitive in ELB; paths, methods and values are kept.
    static func one(_ field: String, headerName: String?, _ values: [String]) -> String {
        let word: String
        var values = values
        switch field {
        case "host-header":
            word = "host"
            values = values.map { $0.lowercased() }
        case "path-pattern": word = "path"
        case "http-header": word = "header \(headerName?.lowercased() ?? "")"
        case "http-request-method": word = "method"
        case "query-string": word = "query"
        case "source-ip": word = "source_ip"
        default: word = field
        }
        return "\(word)=" + Array(Set(values)).sorted().joined(separator: ",")
    }

    static func join(_ parts: [String]) -> String { parts.sorted().joined(separator: " & ") }
}

/// A rule as both sides are compared: what it matches, its priority, what it does.
public struct RuleMeaning: Sendable, Equatable {
    public var priority: Int
    public var conditions: String
    public var action: String
    public init(priority: Int, conditions: String, action: String) {
        self.priority = priority
        self.conditions = conditions
        self.action = action
    }

    /// `10: host=api.example.com → forward api-tg`
    public var text: String { "\(priority): \(conditions) → \(action)" }

    /// Rules by priority: the order ELB evaluates them in.
    public static func list(_ rules: [RuleMeaning]) -> FieldValue { .list(rules.sorted { $0.priority < $1.priority }.map(\.text)) }
}

// MARK: - Priorities

/// Priorities for rules that leave theirs out. A rule without one is evaluated right after the
/// rule written above it: the rules between two given priorities (or the start, or the end) share
/// the gap between them, 10 apart when there is room. With the listener's live rules at hand,
/// a rule that is already live keeps its priority when that keeps the file's order, so inserting
/// or moving one rule moves no other.
public enum RulePriorities {
    public struct NoRoom: Error, Sendable, Equatable {
        /// Index of the first rule that found no free priority.
        public var index: Int
        public var low: Int
        public var high: Int
    }

    public static let stride = 10

    /// `live`: priorities of the listener's live rules by their conditions text.
    public static func assign(_ rules: [ListenerRule], live: [String: Int] = [:]) -> Result<[Int], NoRoom> {
        var priorities = rules.map { $0.priority?.value ?? 0 }
        let given = Set(rules.compactMap { $0.priority?.value })
        let taken = Set(live.values)
        var index = 0
        while index < rules.count {
            guard rules[index].priority == nil else { index += 1; continue }
            let start = index
            while index < rules.count, rules[index].priority == nil { index += 1 }
            let low = start == 0 ? 0 : priorities[start - 1]
            let high = given.filter { $0 > low }.min() ?? ListenerRule.priorities.upperBound + 1
            let run = Array(start..<index)
            let liveInRun = run.map { live[ConditionText.desired(rules[$0].conditions)].flatMap { low < $0 && $0 < high ? $0 : nil } }
            if let chosen = fill(count: run.count, low: low, high: high, keeping: liveInRun, taken: taken) {
                for (offset, position) in run.enumerated() { priorities[position] = chosen[offset] }
            } else if let fresh = fill(count: run.count, low: low, high: high, keeping: run.map { _ in nil }, taken: []) {
                for (offset, position) in run.enumerated() { priorities[position] = fresh[offset] }
            } else {
                return .failure(NoRoom(index: start + max(0, high - low - 1), low: low, high: high))
            }
        }
        return .success(priorities)
    }

    /// Priorities in (low, high) for `count` rules in order: those with a live priority on the
    /// longest increasing run keep it, the others fill the gaps between them, away from `taken`.
    static func fill(count: Int, low: Int, high: Int, keeping live: [Int?], taken: Set<Int>) -> [Int]? {
        let kept = Set(longestIncreasing(live))
        var result = [Int](repeating: 0, count: count)
        var position = 0
        var floor = low
        while position < count {
            if kept.contains(position) {
                result[position] = live[position]!
                floor = live[position]!
                position += 1
                continue
            }
            var end = position
            while end < count, !kept.contains(end) { end += 1 }
            let ceiling = end < count ? live[end]! : high
            guard let values = spread(end - position, low: floor, high: ceiling, taken: taken) else { return nil }
            for (offset, value) in values.enumerated() { result[position + offset] = value }
            floor = values.last ?? floor
            position = end
        }
        return result
    }

    /// `count` increasing values in (low, high): 10 apart from `low` when they fit, else evenly
    /// spread; values in `taken` are stepped over while there is room.
    static func spread(_ count: Int, low: Int, high: Int, taken: Set<Int>) -> [Int]? {
        guard count > 0 else { return [] }
        if low + stride * count < high {
            var values: [Int] = []
            var next = low + stride
            while values.count < count, next < high {
                if !taken.contains(next) { values.append(next) }
                next += stride
            }
            if values.count == count { return values }
        }
        let all = Array(low + 1..<max(low + 1, high))
        guard all.count >= count else { return nil }
        let free = all.filter { !taken.contains($0) }
        let pool = free.count >= count ? free : all
        // Evenly over the pool: strictly increasing, since the pool has at least `count` values.
        return (0..<count).map { pool[($0 + 1) * pool.count / (count + 1)] }
    }

    /// Indices of a longest strictly increasing subsequence of the non-nil values.
    static func longestIncreasing(_ values: [Int?]) -> [Int] {
        let indices = values.indices.filter { values[$0] != nil }
        guard !indices.isEmpty else { return [] }
        var length = [Int](repeating: 1, count: indices.count)
        var previous = [Int](repeating: -1, count: indices.count)
        for i in indices.indices {
            for j in 0..<i where values[indices[j]]! < values[indices[i]]! && length[j] + 1 > length[i] {
                length[i] = length[j] + 1
                previous[i] = j
            }
        }
        var best = length.indices.max { length[$0] < length[$1] || (length[$0] == length[$1] && $0 > $1) }!
        var chain: [Int] = []
        while best >= 0 {
            chain.append(indices[best])
            best = previous[best]
        }
        return chain.reversed()
    }
}

// MARK: - Changes to a listener's rules

/// The calls that turn a listener's live rules into the desired ones, chosen so that no request
/// is ever routed to a target neither the old nor the new rules send it to:
/// - a rule whose conditions stay is kept; a changed action is modified in place (atomic);
/// - a rule removed and one added at the same priority are one rule modified in place;
/// - priorities move in one `SetRulePriorities` call (AWS applies it as one change);
/// - rules are created once everything they forward to exists, at their final priority;
/// - removed rules go last, except one that holds a priority another rule moves to.
public struct RuleChanges: Sendable, Equatable {
    public struct Modify: Sendable, Equatable {
        public var liveARN: String
        /// Index into the desired rules.
        public var desired: Int
        /// Whether the conditions change too (a rule rewritten at its priority).
        public var conditionsChange: Bool
        public init(liveARN: String, desired: Int, conditionsChange: Bool) {
            self.liveARN = liveARN
            self.desired = desired
            self.conditionsChange = conditionsChange
        }
    }

    public var deleteFirst: [String] = []
    public var modify: [Modify] = []
    /// Rule ARN to its new priority.
    public var priorities: [(arn: String, priority: Int)] = []
    /// Indices into the desired rules.
    public var create: [Int] = []
    public var deleteLast: [String] = []

    public var isEmpty: Bool { deleteFirst.isEmpty && modify.isEmpty && priorities.isEmpty && create.isEmpty && deleteLast.isEmpty }

    /// Calls this takes, SetRulePriorities counted once.
    public var callCount: Int { deleteFirst.count + modify.count + (priorities.isEmpty ? 0 : 1) + create.count + deleteLast.count }

    public static func == (a: RuleChanges, b: RuleChanges) -> Bool {
        a.deleteFirst == b.deleteFirst && a.modify == b.modify && a.create == b.create && a.deleteLast == b.deleteLast
            && a.priorities.map(\.arn) == b.priorities.map(\.arn) && a.priorities.map(\.priority) == b.priorities.map(\.priority)
    }

    /// `desired` in file order; `live` as read (arn, meaning).
    public init(desired: [RuleMeaning], live: [(arn: String, meaning: RuleMeaning)]) {
        var pairedLive = Set<Int>()
        var pairs: [(desired: Int, live: Int)] = []
        var unpairedDesired: [Int] = []
        // 1. Same conditions: the same rule. Among several, the one already at the priority.
        for (index, rule) in desired.enumerated() {
            let candidates = live.indices.filter { !pairedLive.contains($0) && live[$0].meaning.conditions == rule.conditions }
            if let chosen = candidates.first(where: { live[$0].meaning.priority == rule.priority }) ?? candidates.first {
                pairedLive.insert(chosen)
                pairs.append((index, chosen))
            } else {
                unpairedDesired.append(index)
            }
        }
        // 2. A new rule where a removed one stands: rewrite that one in place.
        var created: [Int] = []
        for index in unpairedDesired {
            if let chosen = live.indices.first(where: { !pairedLive.contains($0) && live[$0].meaning.priority == desired[index].priority }) {
                pairedLive.insert(chosen)
                modify.append(Modify(liveARN: live[chosen].arn, desired: index, conditionsChange: true))
            } else {
                created.append(index)
            }
        }
        for pair in pairs where live[pair.live].meaning.action != desired[pair.desired].action {
            modify.append(Modify(liveARN: live[pair.live].arn, desired: pair.desired, conditionsChange: false))
        }
        modify.sort { $0.desired < $1.desired }
        let moves = pairs.filter { live[$0.live].meaning.priority != desired[$0.desired].priority }
        priorities = moves.sorted { $0.desired < $1.desired }.map { (live[$0.live].arn, desired[$0.desired].priority) }
        create = created
        let removed = live.indices.filter { !pairedLive.contains($0) }
        let wanted = Set(priorities.map(\.priority))
        deleteFirst = removed.filter { wanted.contains(live[$0].meaning.priority) }.map { live[$0].arn }
        deleteLast = removed.filter { !wanted.contains(live[$0].meaning.priority) }.map { live[$0].arn }
    }

    /// What the calls do, for a plan's reasons: `1 rule created, 2 re-prioritised in one call`.
    public var summary: String {
        var parts: [String] = []
        let rewritten = modify.filter(\.conditionsChange).count, changed = modify.count - rewritten
        if changed > 0 { parts.append("\(changed) changed in place") }
        if rewritten > 0 { parts.append("\(rewritten) rewritten in place") }
        if !priorities.isEmpty { parts.append("\(priorities.count) re-prioritised in one SetRulePriorities call") }
        if !create.isEmpty { parts.append("\(create.count) created") }
        let deleted = deleteFirst.count + deleteLast.count
        if deleted > 0 { parts.append("\(deleted) deleted") }
        return "rules: " + parts.joined(separator: ", ")
    }
}
