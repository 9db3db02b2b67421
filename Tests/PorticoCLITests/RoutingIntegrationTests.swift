import Foundation
import Testing

/// The multi-service example (stacks/multi-service.yaml) in moto, read back with the AWS CLI.
struct MarketWorld {
    let server: LocalServer
    let environment: [String: String]
    let ids: [String: Any]
    let stack = "stacks/multi-service.yaml"

    init() throws {
        server = try LocalServer.moto(certificateWait: 1)
        environment = [
            "AWS_ENDPOINT_URL": server.url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1", "HOME": "/nonexistent",
            "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "NO_COLOR": "1",
        ]
        let output = try runScript(["python3", PorticoBinary.path("Tests/Support/market_world.py")], environment: environment)
        ids = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] ?? [:]
    }

    func portico(_ arguments: [String], endpoint: String? = nil) throws -> PorticoBinary.Run {
        var environment = environment
        if let endpoint { environment["AWS_ENDPOINT_URL"] = endpoint }
        return try PorticoBinary.run(arguments, environment: environment)
    }

    func apply(_ file: String, endpoint: String? = nil) throws -> PorticoBinary.Run {
        try portico(["apply", "--auto-approve", "--poll-seconds", "0.2", file], endpoint: endpoint)
    }

    /// `aws elbv2 ...` (the AWS CLI, not Portico), its JSON answer.
    func elbv2(_ arguments: [String]) throws -> [String: Any] {
        let output = try runScript(["aws", "elbv2"] + arguments + ["--output", "json"], environment: environment)
        return try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] ?? [:]
    }

    /// The HTTPS listener's rules as the AWS CLI reads them: priority to (conditions, action),
    /// target groups named by their AWS names, in priority order (the default rule last).
    func rules() throws -> [(priority: String, conditions: [String: [String]], action: [String: Any])] {
        let loadBalancers = list(try elbv2(["describe-load-balancers"])["LoadBalancers"])
        guard let arn = loadBalancers.first?["LoadBalancerArn"] as? String else { return [] }
        let listener = list(try elbv2(["describe-listeners", "--load-balancer-arn", arn])["Listeners"]).first { $0["Port"] as? Int == 443 }
        let listenerARN = listener?["ListenerArn"] as? String ?? ""
        let names = Dictionary(uniqueKeysWithValues: list(try elbv2(["describe-target-groups"])["TargetGroups"]).map {
            ($0["TargetGroupArn"] as? String ?? "", $0["TargetGroupName"] as? String ?? "")
        })
        return list(try elbv2(["describe-rules", "--listener-arn", listenerARN])["Rules"]).map { rule in
            var conditions: [String: [String]] = [:]
            for condition in list(rule["Conditions"]) {
                let field = condition["Field"] as? String ?? ""
                switch field {
                case "host-header": conditions[field] = ((condition["HostHeaderConfig"] as? [String: Any])?["Values"] as? [String] ?? []).sorted()
                case "path-pattern": conditions[field] = ((condition["PathPatternConfig"] as? [String: Any])?["Values"] as? [String] ?? []).sorted()
                case "http-header":
                    let config = condition["HttpHeaderConfig"] as? [String: Any]
                    conditions["http-header " + (config?["HttpHeaderName"] as? String ?? "")] = (config?["Values"] as? [String] ?? []).sorted()
                default: conditions[field] = []
                }
            }
            var action = list(rule["Actions"]).first ?? [:]
            if let config = action["ForwardConfig"] as? [String: Any] {
                action["groups"] = Dictionary(uniqueKeysWithValues: list(config["TargetGroups"]).map { (names[$0["TargetGroupArn"] as? String ?? ""] ?? "?", $0["Weight"] as? Int ?? 1) })
                action["stickiness"] = config["TargetGroupStickinessConfig"]
            } else if let target = action["TargetGroupArn"] as? String {
                action["groups"] = [names[target] ?? "?": 1]
            }
            return (rule["Priority"] as? String ?? "", conditions, action)
        }.sorted { (Int($0.priority) ?? Int.max) < (Int($1.priority) ?? Int.max) }
    }

    func listenerCertificates() throws -> [[String: Any]] {
        let arn = list(try elbv2(["describe-load-balancers"])["LoadBalancers"]).first?["LoadBalancerArn"] as? String ?? ""
        let listener = list(try elbv2(["describe-listeners", "--load-balancer-arn", arn])["Listeners"]).first { $0["Port"] as? Int == 443 }
        return list(try elbv2(["describe-listener-certificates", "--listener-arn", listener?["ListenerArn"] as? String ?? ""])["Certificates"])
    }
}

/// Operations a recording proxy saw, as "operation" for ELBv2 calls.
func elbv2Operations(_ log: String) -> [String] {
    struct Sent: Decodable { var service: String; var operation: String? }
    return ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
        guard let sent = try? JSONDecoder().decode(Sent.self, from: Data(line.utf8)), sent.service == "elasticloadbalancing" else { return nil }
        return sent.operation
    }
}

@Suite("routing rules against moto, read back with the AWS CLI", .serialized)
struct RoutingIntegrationTests {
    @Test("the multi-service example: every rule as written, the plan after is empty, re-ordering is one SetRulePriorities call, drift in a rule is seen and undone, destroy leaves nothing; every request valid against botocore's models")
    func multiServiceExample() throws {
        let world = try MarketWorld()
        // Everything Portico sends goes through a recording proxy; at the end every request is checked against botocore's models.
        let everything = FileManager.default.temporaryDirectory.appendingPathComponent("portico-all-\(UUID().uuidString).log").path
        let recorder = try LocalServer.recordingProxy(upstream: world.server.url, log: everything, bodies: true)
        defer { recorder.stop() }
        let applied = try world.apply(world.stack, endpoint: recorder.url)
        try #require(applied.status == 0, "\(applied.stdout)\n\(applied.stderr)")

        var rules = try world.rules()
        #expect(rules.map(\.priority) == ["10", "20", "30", "40", "default"])
        #expect(rules[0].conditions == ["host-header": ["api.market.example.org"]])
        #expect(rules[0].action["groups"] as? [String: Int] == ["market-api-tg": 1])
        #expect(rules[1].conditions == ["path-pattern": ["/favicon.ico", "/static/*"]])
        #expect(rules[1].action["groups"] as? [String: Int] == ["market-static-tg": 1])
        #expect(rules[2].conditions == ["host-header": ["market.example.org", "www.market.example.org"], "http-header X-Canary": ["always"]])
        #expect(rules[2].action["groups"] as? [String: Int] == ["market-canary-tg": 1])
        #expect(rules[3].conditions == ["host-header": ["market.example.org", "www.market.example.org"]])
        #expect(rules[3].action["groups"] as? [String: Int] == ["market-web-tg": 90, "market-canary-tg": 10])
        let stickiness = rules[3].action["stickiness"] as? [String: Any]
        #expect(stickiness?["Enabled"] as? Bool == true && stickiness?["DurationSeconds"] as? Int == 3600)
        let fallback = rules[4].action
        #expect(fallback["Type"] as? String == "fixed-response")
        let response = fallback["FixedResponseConfig"] as? [String: Any]
        #expect(response?["StatusCode"] as? String == "404" && response?["ContentType"] as? String == "text/plain" && response?["MessageBody"] as? String == "No such page.")
        let certificates = try world.listenerCertificates()
        #expect(certificates.count == 2 && certificates.filter { $0["IsDefault"] as? Bool == true }.count == 1, "\(certificates)")

        let settled = try world.portico(["plan", "--detailed-exitcode", world.stack])
        #expect(settled.status == 0, "\(settled.stdout)\n\(settled.stderr)")
        #expect(try world.portico(["drift", world.stack]).status == 0)

        // The static rule moved to the top of the file: one rule moves, in one call, nothing else is sent.
        let reordered = try editedStack(world.stack, [("""
                  - host: api.market.example.org
                    forward: api-tg
                  - path: [/static/*, /favicon.ico]
                    forward: static-tg

        """, """
                  - path: [/static/*, /favicon.ico]
                    forward: static-tg
                  - host: api.market.example.org
                    forward: api-tg

        """)])
        let plan = try world.portico(["plan", reordered])
        #expect(plan.stdout.contains("rules: 1 re-prioritised in one SetRulePriorities call"), "\(plan.stdout)")
        // The rules read as what goes and what comes, not as two whole lists.
        #expect(plan.stdout.contains("- 10: host=api.market.example.org → forward api-tg\n") && plan.stdout.contains("+ 25: host=api.market.example.org → forward api-tg\n"), "\(plan.stdout)")
        #expect(!plan.stdout.contains("20: path=/favicon.ico"), "an unchanged rule is not listed: \(plan.stdout)")
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("portico-rules-\(UUID().uuidString).log").path
        let proxy = try LocalServer.recordingProxy(upstream: world.server.url, log: log)
        defer { proxy.stop() }
        let moved = try world.apply(reordered, endpoint: proxy.url)
        #expect(moved.status == 0, "\(moved.stdout)\n\(moved.stderr)")
        let writes = elbv2Operations(log).filter { !$0.hasPrefix("Describe") }
        #expect(writes.filter { $0 != "AddTags" } == ["SetRulePriorities"], "\(writes)")
        rules = try world.rules()
        #expect(rules.map(\.priority) == ["20", "25", "30", "40", "default"], "the static rule keeps 20; the API rule alone moves, after it")
        #expect(rules[0].conditions["path-pattern"] != nil && rules[1].conditions["host-header"] == ["api.market.example.org"])
        #expect(try world.portico(["plan", "--detailed-exitcode", reordered]).status == 0)

        // The canary's share changed in the console: drift on the listener's rules; apply puts it back in place.
        let canaryRule = list(try world.elbv2(["describe-rules", "--listener-arn", try listenerARN(world)])["Rules"]).first { $0["Priority"] as? String == "40" }
        let ruleARN = canaryRule?["RuleArn"] as? String ?? ""
        let groups = list((list(canaryRule?["Actions"]).first?["ForwardConfig"] as? [String: Any])?["TargetGroups"])
        let changed = "Type=forward,ForwardConfig={TargetGroups=[" + groups.map { "{TargetGroupArn=\($0["TargetGroupArn"] as? String ?? ""),Weight=50}" }.joined(separator: ",") + "]}"
        _ = try world.elbv2(["modify-rule", "--rule-arn", ruleARN, "--actions", changed])
        let drift = try world.portico(["drift", "--json", reordered])
        #expect(drift.status == 2, "\(drift.stdout)\n\(drift.stderr)")
        let document = (try? JSONSerialization.jsonObject(with: Data(drift.stdout.utf8))) as? [String: Any] ?? [:]
        let rulesDifference = difference(document, "alb/listener:443", "rules")
        #expect(rulesDifference?["class"] as? String == "drift")
        #expect((rulesDifference?["onlyLive"] as? [String])?.first?.contains("canary-tg:50 web-tg:50") == true, "\(rulesDifference ?? [:])")
        try? FileManager.default.removeItem(atPath: log)
        let repaired = try world.apply(reordered, endpoint: proxy.url)
        #expect(repaired.status == 0)
        #expect(elbv2Operations(log).filter { !$0.hasPrefix("Describe") && $0 != "AddTags" } == ["ModifyRule"])
        rules = try world.rules()
        #expect(rules.first { $0.priority == "40" }?.action["groups"] as? [String: Int] == ["market-web-tg": 90, "market-canary-tg": 10])

        // Every condition and action kind, created and then changed in place.
        let everyKind = try editedStack(reordered, [("""
                    stickiness: 3600              # a visitor stays on the release they first reached

        """, """
                    stickiness: 3600              # a visitor stays on the release they first reached
                  - method: POST
                    query: [debug=1, =trace]
                    source_ip: "2001:db8::/32"
                    header: { X-Debug: "on" }
                    fixed_response: { status: 403, content_type: application/json, body: '{"error": "forbidden"}' }
                  - path: /old/*
                    redirect: { host: www.market.example.org, path: /new/, query: "from=old", status: 302 }

        """)])
        let added = try world.apply(everyKind, endpoint: recorder.url)
        #expect(added.status == 0, "\(added.stdout)\n\(added.stderr)")
        #expect(try world.portico(["plan", "--detailed-exitcode", everyKind]).status == 0)
        rules = try world.rules()
        #expect(rules.map(\.priority) == ["20", "25", "30", "40", "50", "60", "default"])
        #expect(rules[4].conditions.keys.sorted() == ["http-header X-Debug", "http-request-method", "query-string", "source-ip"])

        // Two rules trade given priorities: AWS takes that in one SetRulePriorities call; moto
        // refuses it, and Portico moves them aside (old order kept) and then into place.
        let traded = try editedStack(everyKind, [
            ("          - method: POST\n", "          - method: POST\n            priority: 60\n"),
            ("          - path: /old/*\n", "          - path: /old/*\n            priority: 50\n"),
        ])
        let trade = try world.apply(traded, endpoint: recorder.url)
        #expect(trade.status == 0, "\(trade.stdout)\n\(trade.stderr)")
        #expect(trade.stderr.contains("moving 2 rule(s) through free priorities"), "\(trade.stderr)")
        rules = try world.rules()
        #expect(rules.map(\.priority) == ["20", "25", "30", "40", "50", "60", "default"])
        #expect(rules[4].conditions == ["path-pattern": ["/old/*"]] && rules[5].conditions["http-request-method"] != nil)
        #expect(try world.portico(["plan", "--detailed-exitcode", traded]).status == 0)

        // A target group replaced (a new name): the rule forwarding to it moves to the new one before the old one goes.
        let renamed = try editedStack(traded, [("  static-tg:\n    type: target_group\n", "  static-tg:\n    type: target_group\n    name: market-static-v2\n")])
        let replaced = try world.apply(renamed, endpoint: recorder.url)
        #expect(replaced.status == 0, "\(replaced.stdout)\n\(replaced.stderr)")
        rules = try world.rules()
        #expect(rules.first { $0.conditions["path-pattern"] == ["/favicon.ico", "/static/*"] }?.action["groups"] as? [String: Int] == ["market-static-v2": 1])
        #expect(!list(try world.elbv2(["describe-target-groups"])["TargetGroups"]).contains { $0["TargetGroupName"] as? String == "market-static-tg" })
        #expect(try world.portico(["plan", "--detailed-exitcode", renamed]).status == 0)

        let destroyed = try world.portico(["destroy", "--auto-approve", "--poll-seconds", "0.2", renamed], endpoint: recorder.url)
        #expect(destroyed.status == 0, "\(destroyed.stdout)\n\(destroyed.stderr)")
        #expect(list(try world.elbv2(["describe-load-balancers"])["LoadBalancers"]).isEmpty)
        #expect(list(try world.elbv2(["describe-target-groups"])["TargetGroups"]).isEmpty)
        let check = try runScriptStatus(["python3", PorticoBinary.path("Tests/Support/check_requests.py"), everything])
        #expect(check.status == 0, "\(check.output)")
        #expect(check.output.contains(": 0 problem(s)"), "\(check.output)")
    }

    @Test("a rule whose CreateRule answer was lost is found by its priority and conditions, not made twice")
    func lostCreateRuleAnswer() throws {
        let world = try MarketWorld()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("portico-lost-\(UUID().uuidString).log").path
        let proxy = try LocalServer.helper(["Tests/Support/fault_proxy.py", world.server.url, log, "--rate", "0", "--force", "CreateRule=reset-after"])
        defer { proxy.stop() }
        let applied = try world.apply(world.stack, endpoint: proxy.url)
        #expect(applied.status == 0, "\(applied.stdout)\n\(applied.stderr)")
        #expect(applied.stderr.contains("made by an earlier attempt whose answer was lost"), "\(applied.stderr)")
        #expect(elbv2Operations(log).filter { $0 == "CreateRule" }.count == 4, "the lost one is not sent again")
        #expect(try world.rules().map(\.priority) == ["10", "20", "30", "40", "default"])
        #expect(try world.portico(["plan", "--detailed-exitcode", world.stack]).status == 0)
    }

    func listenerARN(_ world: MarketWorld) throws -> String {
        let arn = list(try world.elbv2(["describe-load-balancers"])["LoadBalancers"]).first?["LoadBalancerArn"] as? String ?? ""
        return list(try world.elbv2(["describe-listeners", "--load-balancer-arn", arn])["Listeners"]).first { $0["Port"] as? Int == 443 }?["ListenerArn"] as? String ?? ""
    }
}
