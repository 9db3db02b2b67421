import PorticoCore
import Testing

/// Priorities for rules that leave theirs out, and the calls that take a listener's live rules
/// to the desired ones.
@Suite struct RulesTests {
    static let at = SourceLocation(file: "t.yaml", line: 1, column: 1)

    static func rule(_ path: String, priority: Int? = nil, target: String = "tg") -> ListenerRule {
        ListenerRule(priority: priority.map { Located($0, at: at) },
                     conditions: [RuleCondition(field: .path, values: [Located(path, at: at)], location: at)],
                     action: .forward(.single(Located(.entry(target), at: at))), location: at)
    }

    struct PriorityCase: CustomStringConvertible, Sendable {
        var description: String
        /// Paths, with an explicit priority after a colon: `/a:5`.
        var rules: [String]
        /// Live priorities by path.
        var live: [String: Int] = [:]
        var expected: [Int]?
    }

    static let priorityCases: [PriorityCase] = [
        PriorityCase(description: "none given: 10 apart", rules: ["/a", "/b", "/c"], expected: [10, 20, 30]),
        PriorityCase(description: "after a given one", rules: ["/a:5", "/b", "/c"], expected: [5, 15, 25]),
        PriorityCase(description: "between given ones, spread when 10 apart does not fit", rules: ["/a:10", "/b", "/c", "/d:20"], expected: [10, 14, 17, 20]),
        PriorityCase(description: "before a given one", rules: ["/a", "/b:3"], expected: [2, 3]),
        PriorityCase(description: "no room", rules: ["/a:1", "/b", "/c:2"], expected: nil),
        PriorityCase(description: "given priorities out of file order: each run takes the gap above the rule before it", rules: ["/a:30", "/b", "/c:10", "/d"], expected: [30, 40, 10, 20]),
        PriorityCase(description: "live rules keep their priorities", rules: ["/a", "/b", "/c"], live: ["/a": 10, "/b": 20, "/c": 30], expected: [10, 20, 30]),
        PriorityCase(description: "a rule inserted at the top moves no other", rules: ["/new", "/a", "/b"], live: ["/a": 10, "/b": 20], expected: [5, 10, 20]),
        PriorityCase(description: "a rule inserted in the middle moves no other", rules: ["/a", "/new", "/b"], live: ["/a": 10, "/b": 20], expected: [10, 15, 20]),
        PriorityCase(description: "a rule moved down moves alone", rules: ["/b", "/a", "/c"], live: ["/a": 10, "/b": 20, "/c": 30], expected: [20, 25, 30]),
        PriorityCase(description: "live priorities that once were given are kept while in order", rules: ["/a", "/b"], live: ["/a": 7, "/b": 900], expected: [7, 900]),
        PriorityCase(description: "a live priority outside the run's gap is not kept", rules: ["/a:50", "/b"], live: ["/b": 20], expected: [50, 60]),
        PriorityCase(description: "a new rule steps over a priority a removed rule holds", rules: ["/a", "/b"], live: ["/a": 10, "/gone": 20], expected: [10, 30]),
    ]

    @Test(arguments: priorityCases)
    func priorities(_ test: PriorityCase) {
        let rules = test.rules.map { text -> ListenerRule in
            let parts = text.split(separator: ":")
            return Self.rule(String(parts[0]), priority: parts.count > 1 ? Int(parts[1]) : nil)
        }
        let live = Dictionary(uniqueKeysWithValues: test.live.map { ("path=\($0.key)", $0.value) })
        switch RulePriorities.assign(rules, live: live) {
        case .success(let priorities): #expect(priorities == test.expected)
        case .failure: #expect(test.expected == nil)
        }
    }

    static func meaning(_ priority: Int, _ path: String, _ target: String = "tg") -> RuleMeaning {
        RuleMeaning(priority: priority, conditions: "path=\(path)", action: "forward \(target)")
    }

    @Test func nothingToDoWhenAllMatch() {
        let live = [("r1", Self.meaning(10, "/a")), ("r2", Self.meaning(20, "/b"))]
        let changes = RuleChanges(desired: [Self.meaning(10, "/a"), Self.meaning(20, "/b")], live: live.map { (arn: $0.0, meaning: $0.1) })
        #expect(changes.isEmpty && changes.callCount == 0)
    }

    @Test func reorderingIsOneCall() {
        let live = [("r1", Self.meaning(10, "/a")), ("r2", Self.meaning(20, "/b")), ("r3", Self.meaning(30, "/c"))]
        let desired = [Self.meaning(10, "/c"), Self.meaning(20, "/a"), Self.meaning(30, "/b")]
        let changes = RuleChanges(desired: desired, live: live.map { (arn: $0.0, meaning: $0.1) })
        #expect(changes.callCount == 1)
        #expect(changes.priorities.map(\.arn) == ["r3", "r1", "r2"] && changes.priorities.map(\.priority) == [10, 20, 30])
        #expect(changes.modify.isEmpty && changes.create.isEmpty && changes.deleteFirst.isEmpty && changes.deleteLast.isEmpty)
    }

    @Test func aChangedActionIsModifiedInPlace() {
        let changes = RuleChanges(desired: [Self.meaning(10, "/a", "new-tg")], live: [(arn: "r1", meaning: Self.meaning(10, "/a", "old-tg"))])
        #expect(changes.modify == [RuleChanges.Modify(liveARN: "r1", desired: 0, conditionsChange: false)])
        #expect(changes.callCount == 1)
    }

    @Test func aRuleReplacedAtItsPriorityIsRewrittenNotDeletedAndCreated() {
        // Deleting first would send /a to the default action for a moment; creating first cannot (the priority is taken).
        let changes = RuleChanges(desired: [Self.meaning(10, "/b", "b-tg")], live: [(arn: "r1", meaning: Self.meaning(10, "/a", "a-tg"))])
        #expect(changes.modify == [RuleChanges.Modify(liveARN: "r1", desired: 0, conditionsChange: true)])
        #expect(changes.create.isEmpty && changes.deleteFirst.isEmpty && changes.deleteLast.isEmpty)
    }

    @Test func removedRulesGoLastUnlessInTheWay() {
        let live = [("r1", Self.meaning(10, "/a")), ("r2", Self.meaning(20, "/gone")), ("r3", Self.meaning(30, "/old"))]
        // /a moves to 20, where /gone stands: /gone must go first; /old goes after /new exists.
        let desired = [Self.meaning(20, "/a"), Self.meaning(40, "/new")]
        let changes = RuleChanges(desired: desired, live: live.map { (arn: $0.0, meaning: $0.1) })
        #expect(changes.deleteFirst == ["r2"])
        #expect(changes.deleteLast == ["r3"])
        #expect(changes.create == [1])
        #expect(changes.priorities.map(\.arn) == ["r1"])
        #expect(changes.summary == "rules: 1 re-prioritised in one SetRulePriorities call, 1 created, 2 deleted")
    }

    @Test func conditionsCompareByMeaningNotOrder() {
        let at = Self.at
        let written = [RuleCondition(field: .path, values: [Located("/b", at: at), Located("/a", at: at)], location: at),
                       RuleCondition(field: .host, values: [Located("API.Example.com", at: at)], location: at),
                       RuleCondition(field: .header("X-Canary"), values: [Located("on", at: at)], location: at)]
        let live = [LiveRuleCondition(field: "http-header", headerName: "x-canary", values: ["on"]),
                    LiveRuleCondition(field: "host-header", values: ["api.example.com"]),
                    LiveRuleCondition(field: "path-pattern", values: ["/a", "/b"])]
        #expect(ConditionText.desired(written) == ConditionText.live(live))
        // Paths are case-sensitive in ELB: a different case is a different rule.
        let otherCase = [LiveRuleCondition(field: "http-header", headerName: "x-canary", values: ["on"]),
                         LiveRuleCondition(field: "host-header", values: ["api.example.com"]),
                         LiveRuleCondition(field: "path-pattern", values: ["/A", "/b"])]
        #expect(ConditionText.desired(written) != ConditionText.live(otherCase))
    }

    @Test func weightedForwardsReadAlikeOnBothSides() {
        let at = Self.at
        let forward = Forward(groups: [.init(target: Located(.entry("web"), at: at), weight: Located(90, at: at)),
                                       .init(target: Located(.entry("canary"), at: at), weight: Located(10, at: at))],
                              stickiness: Located(300, at: at), location: at)
        let desired = ActionText.desired(.forward(forward), targetName: \.description)
        let live = ActionText.live(.forward(groups: [LiveForwardGroup(arn: "arn-canary", weight: 10), LiveForwardGroup(arn: "arn-web", weight: 90)], stickiness: 300),
                                   targetName: { String($0.dropFirst(4)) })
        #expect(desired == live && desired == "forward canary:10 web:90 sticky 300s")
        // A plain forward as AWS reports it (one group, weight 1, stickiness off) reads as a plain forward.
        #expect(ActionText.live(.forward(groups: [LiveForwardGroup(arn: "web", weight: 1)], stickiness: nil), targetName: { $0 }) == "forward web")
    }
}

/// The planner on a listener with rules: by meaning, no flapping, knock-on moves.
@Suite("planner with rules")
struct PlannerRulesTests {
    static let at = SourceLocation(file: "model", line: 1, column: 1)

    /// The seed stack with two rules on its HTTPS listener (priorities left out) and the live world
    /// holding them as AWS words them: conditions in another order, host in upper case.
    static func stackAndWorld() -> (Stack, LiveWorld) {
        var fixture = ModelFixture()
        var stack = fixture.seed()
        let at = Self.at
        stack.editLoadBalancer("alb") { spec in
            spec.listeners[1].rules = [
                ListenerRule(conditions: [RuleCondition(field: .host, values: [Located("api.example.com", at: at)], location: at),
                                          RuleCondition(field: .path, values: [Located("/v1/*", at: at), Located("/v2/*", at: at)], location: at)],
                             action: .forward(.single(Located(.entry("tg"), at: at))), location: at),
                ListenerRule(conditions: [RuleCondition(field: .path, values: [Located("/gone", at: at)], location: at)],
                             action: .fixedResponse(FixedResponse(status: Located(410, at: at), contentType: Located("text/plain", at: at), body: Located("gone", at: at), location: at)), location: at),
            ]
        }
        var world = ConvergedWorld.make()
        world.loadBalancers[0].listeners[1].rules = [
            LiveRule(arn: "rule/2", priority: 20, conditions: [LiveRuleCondition(field: "path-pattern", values: ["/gone"])],
                     action: .fixedResponse(status: "410", contentType: "text/plain", body: "gone")),
            LiveRule(arn: "rule/1", priority: 10, conditions: [LiveRuleCondition(field: "path-pattern", values: ["/v2/*", "/v1/*"]),
                                                              LiveRuleCondition(field: "host-header", values: ["API.example.com"])],
                     action: .forward(ConvergedWorld.targetGroupARN)),
        ]
        return (stack, world)
    }

    @Test("rules as AWS words them plan no changes")
    func converged() {
        let (stack, world) = Self.stackAndWorld()
        #expect(actions(plan(stack, world)) == [])
    }

    @Test("a rule added in the console is a change of the listener's rules, and goes")
    func extraLiveRule() {
        let (stack, world) = Self.stackAndWorld()
        var changed = world
        changed.loadBalancers[0].listeners[1].rules.append(LiveRule(arn: "rule/3", priority: 5, conditions: [LiveRuleCondition(field: "source-ip", values: ["10.0.0.0/8"])],
                                                                    action: .fixedResponse(status: "403", contentType: nil, body: nil)))
        let result = plan(stack, changed)
        #expect(actions(result) == ["alb/listener:443 update"])
        let step = result.plan.changes[0]
        #expect(step.reasons == ["rules: 1 deleted"])
        #expect(step.changes.first?.field == "rules")
    }

    @Test("a replaced target group moves the rules that forward to it before the old one goes")
    func knockOn() {
        var (stack, world) = Self.stackAndWorld()
        stack.edit("tg") { spec in
            guard case .targetGroup(var value) = spec else { return }
            value.port = Located(8080, at: Self.at)
            spec = .targetGroup(value)
        }
        world.loadBalancers[0].listeners[1].action = .fixedResponse(status: "404", contentType: nil, body: nil)
        stack.editLoadBalancer("alb") { spec in
            spec.listeners[1].action = .fixedResponse(FixedResponse(status: Located(404, at: Self.at), location: Self.at))
        }
        let result = plan(stack, world)
        #expect(actions(result).contains("tg replace"))
        let listener = result.plan.changes.first { $0.address == "alb/listener:443" }
        #expect(listener?.action == .update)
        #expect(listener?.reasons.contains("follows the replacement of tg") == true, "\(listener?.reasons ?? [])")
    }
}
