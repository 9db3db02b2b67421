import Foundation
import Testing

extension DemoWorld {
    /// Changes the applied stack behind Portico's back (Tests/Support/out_of_band.py, boto3).
    func changeOutOfBand(_ change: String, _ extra: String...) throws {
        _ = try runScript(["python3", PorticoBinary.path("Tests/Support/out_of_band.py"), "askmeanything", change] + extra, environment: environment)
    }

    func driftJSON(_ stack: String) throws -> (status: Int32, document: [String: Any], run: PorticoBinary.Run) {
        let run = try portico(["drift", "--json", stack])
        let document = (try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))) as? [String: Any] ?? [:]
        return (run.status, document, run)
    }
}

/// The difference for `resource` and `attribute` in a drift document.
func difference(_ document: [String: Any], _ resource: String, _ attribute: String) -> [String: Any]? {
    list(document["differences"]).first { $0["resource"] as? String == resource && $0["attribute"] as? String == attribute }
}

@Suite("drift, saved plans and the lock against moto", .serialized)
struct PipelineIntegrationTests {
    let stack = "stacks/askmeanything.yaml"

    @Test("out-of-band changes are drift (exit 2) with the right entry; an edited file is pending (exit 3); apply brings back in sync (exit 0)")
    func driftClasses() throws {
        let world = try DemoWorld()
        let applied = try world.apply(stack)
        try #require(applied.status == 0, "\(applied.stdout)\n\(applied.stderr)")
        let clean = try world.driftJSON(stack)
        #expect(clean.status == 0, "\(clean.run.stdout)\n\(clean.run.stderr)")
        #expect(clean.document["status"] as? String == "in-sync")
        let text = try world.portico(["drift", stack])
        #expect(text.stdout.hasPrefix("In sync: live AWS matches the stack file"), "\(text.stdout)")

        // Each change on top of the ones before: each must show up as drift with its own entry.
        try world.changeOutOfBand("revoke-ingress")
        var drift = try world.driftJSON(stack)
        #expect(drift.status == 2, "\(drift.run.stdout)\n\(drift.run.stderr)")
        let rule = difference(drift.document, "alb-sg/ingress", "rules")
        #expect(rule?["class"] as? String == "drift")
        #expect(rule?["onlyInFile"] as? [String] == ["tcp 80 from 0.0.0.0/0"])
        #expect(rule?["line"] as? Int == 19)

        try world.changeOutOfBand("health-path")
        drift = try world.driftJSON(stack)
        #expect(drift.status == 2)
        let path = difference(drift.document, "web-tg", "health_check.path")
        #expect(path?["class"] as? String == "drift")
        #expect(path?["fileValue"] as? String == "/")
        #expect(path?["liveValue"] as? String == "/changed-in-console")

        try world.changeOutOfBand("http-forward")
        drift = try world.driftJSON(stack)
        #expect(drift.status == 2)
        let action = difference(drift.document, "alb/listener:80", "action")
        #expect(action?["class"] as? String == "drift")
        #expect(action?["fileValue"] as? String == "redirect HTTPS:443 301")
        #expect(action?["liveValue"] as? String == "forward web-tg")

        try world.changeOutOfBand("delete-alias")
        drift = try world.driftJSON(stack)
        #expect(drift.status == 2)
        let alias = difference(drift.document, "site", "exists")
        #expect(alias?["class"] as? String == "drift")
        #expect(alias?["liveValue"] as? String == "no")
        #expect((drift.document["summary"] as? [String: Int])?["drift"] == 4, "\(drift.run.stdout)")
        let annotations = try world.portico(["drift", "--format", "github", stack])
        #expect(annotations.status == 2)
        #expect(annotations.stdout.contains("::error file=stacks/askmeanything.yaml,line=33,col=3,title=portico drift%3A web-tg health_check.path::"), "\(annotations.stdout)")
        let human = try world.portico(["drift", stack])
        #expect(human.status == 2)
        #expect(human.stdout.hasPrefix("Drift (stack askmeanything): 4 changes made in AWS outside Portico."), "\(human.stdout)")

        // The file edited on top: still exit 2, with the edit as pending beside the drift.
        let edited = try editedStack(stack, [("interval: 30", "interval: 20")])
        drift = try world.driftJSON(edited)
        #expect(drift.status == 2)
        #expect(difference(drift.document, "web-tg", "health_check.interval")?["class"] as? String == "pending")

        // Apply the original file: drift gone; then the edited file alone is pending only.
        let restored = try world.apply(stack)
        #expect(restored.status == 0, "\(restored.stdout)\n\(restored.stderr)")
        let live = try world.read()
        #expect(list(live["target_groups"]).first?["health_check_path"] as? String == "/")
        #expect(try world.driftJSON(stack).status == 0)
        let pending = try world.driftJSON(edited)
        #expect(pending.status == 3, "\(pending.run.stdout)\n\(pending.run.stderr)")
        #expect(pending.document["status"] as? String == "pending")
        #expect(difference(pending.document, "web-tg", "health_check.interval")?["note"] as? String == "changed in the file since the last apply")

        // An owned resource the file no longer has is pending too.
        let withoutSite = try editedStack(stack, [("  site:\n    type: alias_record", "  unused:\n    type: alias_record"), ("name: askmeanything.com\n    target: alb", "name: www.askmeanything.com\n    target: alb")])
        let removed = try world.driftJSON(withoutSite)
        #expect(difference(removed.document, "site", "exists")?["class"] as? String == "pending", "\(removed.run.stdout)")
        #expect(difference(removed.document, "site", "exists")?["note"] as? String == "removed from the file since the last apply")
        #expect(difference(removed.document, "unused", "exists")?["class"] as? String == "pending")

        let appliedEdit = try world.apply(edited)
        #expect(appliedEdit.status == 0)
        #expect(try world.driftJSON(edited).status == 0)
        #expect(try world.driftJSON(stack).status == 3, "the original file is now the one not applied")
    }

    @Test("drift sends only Describe, List and Get, as a recording proxy in front of the emulator sees")
    func driftIsReadOnly() throws {
        let world = try DemoWorld()
        try #require(try world.apply(stack).status == 0)
        try world.changeOutOfBand("health-path")
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("portico-ops-\(UUID().uuidString).log").path
        let proxy = try LocalServer.recordingProxy(upstream: world.server.url, log: log)
        defer { proxy.stop() }
        var environment = world.environment
        environment["AWS_ENDPOINT_URL"] = proxy.url
        struct Sent: Decodable { var service: String; var operation: String?; var method: String }
        /// "service operation method" of each request the proxy forwarded.
        func operations(_ arguments: [String]) throws -> (PorticoBinary.Run, [String]) {
            try? FileManager.default.removeItem(atPath: log)
            let run = try PorticoBinary.run(arguments, environment: environment)
            let lines = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map { line in
                guard let sent = try? JSONDecoder().decode(Sent.self, from: Data(line.utf8)) else { return "unreadable: \(line)" }
                return "\(sent.service) \(sent.operation ?? "-") \(sent.method)"
            }
            return (run, lines)
        }
        func mutating(_ lines: [String]) -> [String] {
            lines.filter { line in
                let parts = line.split(separator: " ").map(String.init)
                guard parts.count == 3 else { return true }
                if parts[0] == "route53" { return parts[2] != "GET" }
                return !["Describe", "List", "Get"].contains { parts[1].hasPrefix($0) }
            }
        }

        let (drift, sent) = try operations(["drift", stack])
        #expect(drift.status == 2, "\(drift.stdout)\n\(drift.stderr)")
        #expect(sent.count >= 10, "\(sent)")
        #expect(Set(sent.compactMap { $0.split(separator: " ").first.map(String.init) }) == ["ec2", "elasticloadbalancing", "acm", "route53"])
        #expect(mutating(sent).isEmpty, "drift sent: \(mutating(sent))")
        // Every call is one the read-only policy in docs/drift.md allows.
        let doc = try String(contentsOfFile: PorticoBinary.path("docs/drift.md"), encoding: .utf8)
        let policy = Set(doc.split(separator: "\"").filter { $0.contains(":") && !$0.contains(" ") && $0.first?.isLetter == true }.map(String.init))
        for line in Set(sent) {
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count == 3, parts[1] != "-" else { continue }
            let action = "\(parts[0]):\(parts[1])"
            #expect(policy.contains(action), "\(action) is not in the read-only policy of docs/drift.md")
        }

        // The same check sees an apply's writes: it is not a check that cannot fail.
        let (apply, applySent) = try operations(["apply", "--auto-approve", "--poll-seconds", "0.2", stack])
        #expect(apply.status == 0)
        #expect(mutating(applySent).contains { $0.hasPrefix("elasticloadbalancing ModifyTargetGroup ") }, "\(applySent)")
    }

    @Test("a saved plan is refused when AWS or the stack file moved since, and carried out when neither did")
    func savedPlans() throws {
        let world = try DemoWorld()
        let planFile = FileManager.default.temporaryDirectory.appendingPathComponent("portico-plan-\(UUID().uuidString).json").path

        // Made from an empty account, then the stack is applied by someone else: refused.
        var planned = try world.portico(["plan", "--out", planFile, stack])
        try #require(planned.status == 0, "\(planned.stderr)")
        let saved = try String(contentsOfFile: planFile, encoding: .utf8)
        #expect(saved.contains("\"kind\" : \"portico-plan\""))
        #expect(!saved.contains("testing"), "no credentials in a plan file")
        try #require(try world.apply(stack).status == 0)
        var applied = try world.portico(["apply", planFile])
        #expect(applied.status == 1)
        #expect(applied.stderr.contains("AWS changed since the plan was made"), "\(applied.stderr)")
        #expect(applied.stderr.contains("load_balancer alb"), "\(applied.stderr)")

        // Made, then a change out of band: refused, and nothing changed.
        let edited = try editedStack(stack, [("interval: 30", "interval: 15")])
        planned = try world.portico(["plan", "--out", planFile, edited])
        try #require(planned.status == 0)
        try world.changeOutOfBand("health-path")
        applied = try world.portico(["apply", planFile])
        #expect(applied.status == 1)
        #expect(applied.stderr.contains("target_group web-tg"), "\(applied.stderr)")
        let untouched = list(try world.read()["target_groups"]).first
        #expect(untouched?["health_check_path"] as? String == "/changed-in-console")

        // Made, then the stack file edited: refused.
        planned = try world.portico(["plan", "--out", planFile, edited])
        try #require(planned.status == 0)
        try (String(contentsOfFile: edited, encoding: .utf8) + "\n# edited after the plan\n").write(toFile: edited, atomically: true, encoding: .utf8)
        applied = try world.portico(["apply", planFile])
        #expect(applied.status == 1)
        #expect(applied.stderr.contains("changed since the plan was made"), "\(applied.stderr)")

        // Made, nothing moved: carried out without asking (no terminal, no --auto-approve).
        planned = try world.portico(["plan", "--out", planFile, edited])
        try #require(planned.status == 0)
        applied = try world.portico(["apply", "--poll-seconds", "0.2", planFile])
        #expect(applied.status == 0, "\(applied.stdout)\n\(applied.stderr)")
        #expect(applied.stdout.contains("Done: 1 step(s) carried out."), "\(applied.stdout)")
        let live = list(try world.read()["target_groups"]).first
        #expect(live?["health_check_path"] as? String == "/")
        #expect(try world.driftJSON(edited).status == 0)
    }

    @Test("plan --format markdown: the summary first, the details folded")
    func markdownPlan() throws {
        let world = try DemoWorld()
        let run = try world.portico(["plan", "--format", "markdown", stack])
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "### Portico plan: `askmeanything` (ap-northeast-2)")
        #expect(lines.dropFirst().first == "**Plan: 10 to add, 0 to change, 0 to replace, 0 to destroy.**")
        #expect(run.stdout.contains("<details><summary>Details</summary>"))
        #expect(run.stdout.contains("| `+` | `alb` | load_balancer |"))
    }

    @Test("a second apply while one runs is refused, naming the holder; a dead run's lock is broken by unlock")
    func lock() throws {
        let world = try DemoWorld(certificateWait: 4)
        // The first apply waits about 4 s for its certificate, holding the lock.
        let first = try PorticoBinary.Background(["apply", "--auto-approve", "--poll-seconds", "0.2", stack], environment: world.environment)
        let deadline = Date().addingTimeInterval(30)
        while !first.stderrSoFar.contains("waiting for certificate"), first.process.isRunning, Date() < deadline { usleep(100_000) }
        let second = try world.apply(stack)
        // A third one waits for the lock instead, then finds nothing left to do.
        let third = try world.portico(["apply", "--auto-approve", "--poll-seconds", "0.2", "--lock-timeout", "60", stack])
        let firstRun = first.wait()
        #expect(firstRun.status == 0, "\(firstRun.stdout)\n\(firstRun.stderr)")
        #expect(firstRun.stdout.contains("Plan: 10 to add"))
        #expect(second.status == 1)
        #expect(second.stderr.contains("stack askmeanything is locked by"), "\(second.stderr)")
        #expect(second.stderr.contains("apply run"), "\(second.stderr)")
        #expect(!second.stdout.contains("Plan:"), "the refused apply planned nothing")
        #expect(third.status == 0, "\(third.stdout)\n\(third.stderr)")
        #expect(third.stderr.contains("waiting for the lock held by"), "\(third.stderr)")
        #expect(third.stdout.contains("No changes."), "the waiting apply planned after the first one finished: \(third.stdout)")
        #expect(list(try world.read()["load_balancers"]).count == 1, "one load balancer, not two")

        // A lock left by a run that died: refused with whose it was and since when, then broken.
        try world.changeOutOfBand("lock", "arn:aws:iam::123456789012:user/alice")
        let refused = try world.portico(["destroy", "--auto-approve", stack])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("locked by arn:aws:iam::123456789012:user/alice on ci-runner-7:4242, apply run deadbeef, since 2026-01-02T03:04:05Z"), "\(refused.stderr)")
        #expect(list(try world.read()["load_balancers"]).count == 1, "nothing destroyed")
        let noTerminal = try world.portico(["unlock", stack])
        #expect(noTerminal.status == 1)
        let unlocked = try world.portico(["unlock", "--auto-approve", stack])
        #expect(unlocked.status == 0)
        #expect(unlocked.stdout.contains("user/alice"))
        #expect(unlocked.stdout.contains("Lock broken."))
        let destroyed = try world.portico(["destroy", "--auto-approve", "--poll-seconds", "0.2", stack])
        #expect(destroyed.status == 0, "\(destroyed.stdout)\n\(destroyed.stderr)")
        let lockRecords = list(try world.read()["records"]).filter { ($0["name"] as? String ?? "").hasPrefix("_portico-lock.") }
        #expect(lockRecords.isEmpty, "the lock is released when destroy ends")
    }
}
