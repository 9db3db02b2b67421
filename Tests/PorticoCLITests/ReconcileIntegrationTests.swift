import Foundation
import Testing

/// One emulator with the example stack's world in it, and the environment that points both
/// Portico and the independent reader (boto3) at it.
struct DemoWorld {
    let server: LocalServer
    let environment: [String: String]
    let ids: [String: Any]

    init(certificateWait: Int = 1) throws {
        server = try LocalServer.moto(certificateWait: certificateWait)
        environment = [
            "AWS_ENDPOINT_URL": server.url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "ap-northeast-2", "AWS_DEFAULT_REGION": "ap-northeast-2", "HOME": "/nonexistent",
            "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "NO_COLOR": "1",
        ]
        let output = try runScript(["python3", PorticoBinary.path("Tests/Support/demo_world.py")], environment: environment)
        ids = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] ?? [:]
    }

    var instances: [String] { ids["instances"] as? [String] ?? [] }

    func portico(_ arguments: [String]) throws -> PorticoBinary.Run {
        try PorticoBinary.run(arguments, environment: environment)
    }

    func apply(_ stack: String) throws -> PorticoBinary.Run {
        try portico(["apply", "--auto-approve", "--poll-seconds", "0.2", stack])
    }

    /// What AWS holds, read by boto3 (Tests/Support/read_world.py), not by Portico.
    func read(stack: String = "askmeanything", zone: String = "askmeanything.com") throws -> [String: Any] {
        let output = try runScript(["python3", PorticoBinary.path("Tests/Support/read_world.py"), stack, zone], environment: environment)
        return try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] ?? [:]
    }
}

/// A copy of an example stack with some lines changed, in a temporary file.
func editedStack(_ path: String, _ edits: [(String, String)]) throws -> String {
    var text = try String(contentsOfFile: PorticoBinary.path(path), encoding: .utf8)
    for (old, new) in edits {
        guard text.contains(old) else { throw LocalServer.ServerError(description: "the edit target '\(old)' is not in \(path)") }
        text = text.replacingOccurrences(of: old, with: new)
    }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("portico-\(UUID().uuidString).yaml")
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

func list(_ value: Any?) -> [[String: Any]] { value as? [[String: Any]] ?? [] }

@Suite("plan, apply and destroy against moto", .serialized)
struct ReconcileIntegrationTests {
    let stack = "stacks/askmeanything.yaml"

    @Test("apply builds the seed architecture exactly as written; plan after is empty; destroy leaves only the existing world")
    func applyPlanDestroy() throws {
        let world = try DemoWorld()
        let before = try world.read()
        let applied = try world.apply(stack)
        #expect(applied.status == 0, "\(applied.stdout)\n\(applied.stderr)")
        #expect(applied.stdout.contains("Plan: 10 to add, 0 to change, 0 to replace, 0 to destroy."))

        let live = try world.read()
        let loadBalancers = list(live["load_balancers"]), targetGroups = list(live["target_groups"]), certificates = list(live["certificates"])
        try #require(loadBalancers.count == 1 && targetGroups.count == 1 && certificates.count == 1)
        let loadBalancer = loadBalancers[0], targetGroup = targetGroups[0], certificate = certificates[0]
        #expect(loadBalancer["scheme"] as? String == "internet-facing")
        #expect(loadBalancer["ip_address_type"] as? String == "dualstack")
        #expect(loadBalancer["security_groups"] as? [String] == ["askmeanything-alb-sg"])
        #expect(loadBalancer["subnets"] as? [String] == world.ids["subnets"] as? [String])
        #expect((loadBalancer["tags"] as? [String: String])?["portico:resource"] == "alb")

        let listeners = list(loadBalancer["listeners"])
        try #require(listeners.count == 2)
        let http = listeners[0], https = listeners[1]
        #expect(http["port"] as? Int == 80 && http["protocol"] as? String == "HTTP" && http["type"] as? String == "redirect")
        let redirect = http["redirect"] as? [String: Any]
        #expect(redirect?["Protocol"] as? String == "HTTPS" && redirect?["Port"] as? String == "443" && redirect?["StatusCode"] as? String == "HTTP_301")
        #expect(https["port"] as? Int == 443 && https["protocol"] as? String == "HTTPS" && https["type"] as? String == "forward")
        #expect(https["ssl_policy"] as? String == "ELBSecurityPolicy-TLS13-1-2-2021-06")
        #expect(https["certificates"] as? [String] == [certificate["arn"] as? String ?? "?"])
        #expect(https["target_group"] as? String == targetGroup["arn"] as? String)

        #expect(certificate["names"] as? [String] == ["askmeanything.com", "www.askmeanything.com"])
        #expect(certificate["status"] as? String == "ISSUED")
        #expect(targetGroup["targets"] as? [String] == world.instances)
        #expect(targetGroup["port"] as? Int == 80 && targetGroup["health_check_path"] as? String == "/")

        let groups = Dictionary(uniqueKeysWithValues: list(live["security_groups"]).map { ($0["name"] as? String ?? "", $0) })
        #expect(groups["askmeanything-alb-sg"]?["rules"] as? [String] == ["tcp 443-443 from 0.0.0.0/0", "tcp 443-443 from ::/0", "tcp 80-80 from 0.0.0.0/0", "tcp 80-80 from ::/0"])
        #expect(groups["askmeanything-web-sg"]?["rules"] as? [String] == ["tcp 80-80 from askmeanything-alb-sg"])
        let instanceGroups = live["instances"] as? [String: [String]] ?? [:]
        for instance in world.instances { #expect(instanceGroups[instance] == ["askmeanything-web-sg", "ssh"], "\(instance)") }

        let records = list(live["records"]).filter { ($0["name"] as? String) == "askmeanything.com." }
        let aliasTypes = records.filter { $0["alias"] is String }.map { $0["type"] as? String ?? "" }.sorted()
        #expect(aliasTypes == ["A", "AAAA"])
        for record in records where record["alias"] is String {
            #expect(record["alias"] as? String == "dualstack.\(loadBalancer["dns"] as? String ?? "")")
            #expect(record["alias_zone"] as? String == loadBalancer["zone_id"] as? String)
        }
        let owner = list(live["records"]).first { ($0["name"] as? String) == "_portico.askmeanything.com." }
        #expect((owner?["values"] as? [String])?.first?.contains("portico/resource=site") == true)

        let again = try world.portico(["plan", "--detailed-exitcode", stack])
        #expect(again.status == 0, "\(again.stdout)\n\(again.stderr)")
        #expect(again.stdout.contains("No changes."))

        let destroyed = try world.portico(["destroy", "--auto-approve", "--poll-seconds", "0.2", stack])
        #expect(destroyed.status == 0, "\(destroyed.stdout)\n\(destroyed.stderr)")
        let after = try world.read()
        for kind in ["load_balancers", "target_groups", "security_groups", "certificates"] { #expect(list(after[kind]).isEmpty, "\(kind) left: \(list(after[kind]))") }
        #expect(after["vpcs"] as? [String] == before["vpcs"] as? [String])
        #expect(after["subnets"] as? [String] == before["subnets"] as? [String])
        #expect(after["instances"] as? [String: [String]] == before["instances"] as? [String: [String]])
        let leftRecords = list(after["records"]).map { "\($0["name"] ?? "") \($0["type"] ?? "")" }
        #expect(leftRecords == ["askmeanything.com. NS", "askmeanything.com. SOA"])
    }

    @Test("editing the file converges: a new rule, a changed health check, a new SAN (certificate replaced first), a target group port (new group, listener moved, old deleted)")
    func editsConverge() throws {
        let world = try DemoWorld()
        #expect(try world.apply(stack).status == 0)
        let first = try world.read()
        let oldCertificate = list(first["certificates"]).first?["arn"] as? String
        let oldTargetGroup = list(first["target_groups"]).first?["arn"] as? String

        let edited = try editedStack(stack, [
            ("alternative_names: [www.askmeanything.com]", "alternative_names: [www.askmeanything.com, api.askmeanything.com]"),
            ("      - { protocol: tcp, port: 443, from: [\"0.0.0.0/0\", \"::/0\"] }\n", "      - { protocol: tcp, port: 443, from: [\"0.0.0.0/0\", \"::/0\"] }\n      - { protocol: tcp, port: 8443, from: 10.0.0.0/8 }\n"),
            ("{ protocol: tcp, port: 80, from: alb-sg }", "{ protocol: tcp, port: 8080, from: alb-sg }"),
            ("    port: 80\n", "    port: 8080\n"),
            ("health_check: { path: /,", "health_check: { path: /healthz,"),
        ])
        let plan = try world.portico(["plan", "--detailed-exitcode", edited])
        #expect(plan.status == 2, "\(plan.stdout)\n\(plan.stderr)")
        #expect(plan.stdout.contains("Plan: 0 to add, 3 to change, 2 to replace, 0 to destroy."), "\(plan.stdout)")
        #expect(plan.stdout.contains("follows the replacement of web-tg"))
        #expect(plan.stdout.contains("follows the replacement of cert"))

        let applied = try world.apply(edited)
        #expect(applied.status == 0, "\(applied.stdout)\n\(applied.stderr)")
        // Order: new certificate and target group first, the listener moved, then the old ones deleted.
        let log = applied.stderr
        let positions = ["] +/- cert: done", "] +/- web-tg: done", "] ~ alb/listener:443: done", "] - cert: done", "] - web-tg: done"].map { log.range(of: $0)?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil }, "\(log)")
        if let newCert = positions[0], let newGroup = positions[1], let moved = positions[2], let oldCert = positions[3], let oldGroup = positions[4] {
            #expect(newCert < moved && newGroup < moved && moved < oldCert && moved < oldGroup)
        }

        let live = try world.read()
        let certificates = list(live["certificates"]), targetGroups = list(live["target_groups"])
        try #require(certificates.count == 1 && targetGroups.count == 1)
        #expect(certificates[0]["arn"] as? String != oldCertificate)
        #expect(certificates[0]["names"] as? [String] == ["api.askmeanything.com", "askmeanything.com", "www.askmeanything.com"])
        #expect(targetGroups[0]["arn"] as? String != oldTargetGroup)
        #expect(targetGroups[0]["port"] as? Int == 8080 && targetGroups[0]["health_check_path"] as? String == "/healthz")
        #expect(targetGroups[0]["targets"] as? [String] == world.instances)
        let https = list(list(live["load_balancers"]).first?["listeners"]).first { $0["port"] as? Int == 443 }
        #expect(https?["target_group"] as? String == targetGroups[0]["arn"] as? String)
        #expect(https?["certificates"] as? [String] == [certificates[0]["arn"] as? String ?? "?"])
        let groups = Dictionary(uniqueKeysWithValues: list(live["security_groups"]).map { ($0["name"] as? String ?? "", $0["rules"] as? [String] ?? []) })
        #expect(groups["askmeanything-alb-sg"]?.contains("tcp 8443-8443 from 10.0.0.0/8") == true)
        #expect(groups["askmeanything-web-sg"] == ["tcp 8080-8080 from askmeanything-alb-sg"])
        let validation = Set(list(live["records"]).filter { $0["type"] as? String == "CNAME" }.map { $0["name"] as? String ?? "" })
        #expect(Set(certificates[0]["validation"] as? [String] ?? []).isSubset(of: validation), "validation records missing")

        let settled = try world.portico(["plan", "--detailed-exitcode", edited])
        #expect(settled.status == 0, "\(settled.stdout)\n\(settled.stderr)")
    }

    @Test("another stack with the same keys is left alone by plan, apply and destroy")
    func otherStackLeftAlone() throws {
        let world = try DemoWorld()
        #expect(try world.apply(stack).status == 0)
        let other = try editedStack(stack, [
            ("stack: askmeanything", "stack: other-app"), ("    name: askmeanything.com\n", "    name: other.askmeanything.com\n"),
            ("domain: askmeanything.com", "domain: other.askmeanything.com"), ("alternative_names: [www.askmeanything.com]", "alternative_names: []"),
        ])
        let otherApplied = try world.apply(other)
        #expect(otherApplied.status == 0, "\(otherApplied.stdout)\n\(otherApplied.stderr)")
        let ours = try world.portico(["plan", "--detailed-exitcode", stack])
        #expect(ours.status == 0, "\(ours.stdout)\n\(ours.stderr)")

        let destroyed = try world.portico(["destroy", "--auto-approve", "--poll-seconds", "0.2", other])
        #expect(destroyed.status == 0, "\(destroyed.stdout)\n\(destroyed.stderr)")
        #expect(list(try world.read(stack: "other-app")["load_balancers"]).isEmpty)
        let stillOurs = try world.portico(["plan", "--detailed-exitcode", stack])
        #expect(stillOurs.status == 0, "destroying the other stack touched this one:\n\(stillOurs.stdout)")
    }

    @Test("a name held by something Portico does not own is an error at plan time, with the file position; nothing is created")
    func nameTakenByUnownedResource() throws {
        let world = try DemoWorld()
        _ = try runScript(["python3", "-c", """
            import boto3, os
            boto3.client("elbv2", endpoint_url=os.environ["AWS_ENDPOINT_URL"]).create_target_group(Name="askmeanything-web-tg", Protocol="HTTP", Port=80, VpcId="\(world.ids["vpc"] as? String ?? "")")
            """], environment: world.environment)
        let plan = try world.portico(["plan", stack])
        #expect(plan.status == 1)
        #expect(plan.stderr.contains("stacks/askmeanything.yaml:33:3: error:"), "\(plan.stderr)")
        #expect(plan.stderr.contains("[name-taken]"))
        let applied = try world.apply(stack)
        #expect(applied.status == 1)
        #expect(list(try world.read()["security_groups"]).isEmpty, "apply changed AWS despite a plan error")
    }

    @Test("an existing entry that finds nothing is an error naming the entry and its line")
    func lookupFindsNothing() throws {
        let world = try DemoWorld()
        let edited = try editedStack(stack, [("tags: { Role: web }", "tags: { Role: api }")])
        let plan = try world.portico(["plan", edited])
        #expect(plan.status == 1)
        #expect(plan.stderr.contains(":10:3: error: 'web-servers': no running or stopped instances found"), "\(plan.stderr)")
        #expect(plan.stderr.contains("[lookup-not-found]"))
    }

    @Test("apply without a terminal and without --auto-approve refuses and changes nothing")
    func applyRefusesWithoutTerminal() throws {
        let world = try DemoWorld()
        let run = try world.portico(["apply", stack])
        #expect(run.status == 1)
        #expect(run.stderr.contains("--auto-approve"))
        #expect(list(try world.read()["security_groups"]).isEmpty)
    }

    @Test("a certificate that is not issued in time: the steps needing it stop, the rest finish, and a second apply continues")
    func certificateTimeoutThenContinue() throws {
        let world = try DemoWorld(certificateWait: 8)
        let first = try world.portico(["apply", "--auto-approve", "--poll-seconds", "0.5", "--certificate-timeout", "1", stack])
        #expect(first.status == 1)
        #expect(first.stderr.contains("gave up waiting for certificate cert to be issued after 1 s: PENDING_VALIDATION; ACM is waiting to see"), "\(first.stderr)")
        #expect(first.stdout.contains("failed:  + cert"), "\(first.stdout)")
        #expect(first.stdout.contains("not run: + alb/listener:443: needs cert"), "\(first.stdout)")
        #expect(!first.stdout.contains("not run: + site"), "the alias record does not need the certificate: \(first.stdout)")
        let partial = try world.read()
        #expect(list(partial["load_balancers"]).count == 1, "independent steps should have finished")
        #expect(list(partial["certificates"]).count == 1)

        let plan = try world.portico(["plan", stack])
        #expect(plan.stdout.contains("+   alb/listener:443"), "\(plan.stdout)")
        #expect(plan.stdout.contains("Plan: 1 to add, 1 to change, 0 to replace, 0 to destroy.") || plan.stdout.contains("Plan: 1 to add, 0 to change"), "\(plan.stdout)")
        let second = try world.apply(stack)
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        let live = try world.read()
        #expect(list(live["certificates"]).count == 1, "a second certificate was requested")
        #expect(list(live["load_balancers"]).count == 1 && list(live["target_groups"]).count == 1 && list(live["security_groups"]).count == 2)
        #expect(try world.portico(["plan", "--detailed-exitcode", stack]).status == 0)
    }

    @Test("deletion protection: destroy refuses without --disable-deletion-protection, and deletes with it")
    func deletionProtection() throws {
        let world = try DemoWorld()
        let protected = try editedStack(stack, [("    subnets: public-subnets\n", "    subnets: public-subnets\n    deletion_protection: true\n")])
        #expect(try world.apply(protected).status == 0)
        #expect(list(try world.read()["load_balancers"]).first?["deletion_protection"] as? String == "true")
        let refused = try world.portico(["destroy", "--auto-approve", protected])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("[deletion-protected]"), "\(refused.stderr)")
        #expect(list(try world.read()["load_balancers"]).count == 1)
        let destroyed = try world.portico(["destroy", "--auto-approve", "--poll-seconds", "0.2", "--disable-deletion-protection", protected])
        #expect(destroyed.status == 0, "\(destroyed.stdout)\n\(destroyed.stderr)")
        #expect(list(try world.read()["load_balancers"]).isEmpty)
    }

    @Test("plan --json follows the documented schema")
    func planJSON() throws {
        let world = try DemoWorld()
        let run = try world.portico(["plan", "--json", stack])
        #expect(run.status == 0)
        let document = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(document["schemaVersion"] as? Int == 1)
        #expect(document["stack"] as? String == "askmeanything" && document["hasChanges"] as? Bool == true)
        #expect(document["summary"] as? [String: Int] == ["add": 10, "change": 0, "replace": 0, "destroy": 0])
        let steps = list(document["steps"])
        #expect(steps.map { $0["address"] as? String ?? "" }.contains("alb/listener:443"))
        let cert = steps.first { $0["address"] as? String == "cert" }
        let validation = list(cert?["changes"]).first { $0["field"] as? String == "validation_records" }
        #expect(validation?["desired"] as? [String: Bool] == ["knownAfterApply": true])
        #expect((document["calls"] as? [String: Any])?["count"] as? Int ?? 0 > 0)
    }

    @Test("the wildcard example (EC key, named group, four records, one an alias of another) applies, settles and destroys")
    func wildcardExample() throws {
        let world = try DemoWorld()
        var environment = world.environment
        environment["AWS_REGION"] = "us-east-1"
        environment["AWS_DEFAULT_REGION"] = "us-east-1"
        _ = try runScript(["python3", PorticoBinary.path("Tests/Support/shop_world.py")], environment: environment)
        let shop = try editedStack("stacks/wildcard-records.yaml", [("{ type: vpc, id: vpc-0123456789abcdef0 }", "{ type: vpc, tags: { Name: shop } }")])
        let applied = try PorticoBinary.run(["apply", "--auto-approve", "--poll-seconds", "0.2", shop], environment: environment)
        #expect(applied.status == 0, "\(applied.stdout)\n\(applied.stderr)")
        let settled = try PorticoBinary.run(["plan", "--detailed-exitcode", shop], environment: environment)
        #expect(settled.status == 0, "\(settled.stdout)")
        let drift = try PorticoBinary.run(["drift", shop], environment: environment)
        #expect(drift.status == 0, "records of the applied spec fit every resource of this stack too: \(drift.stdout)\n\(drift.stderr)")

        let read = { try runScript(["python3", PorticoBinary.path("Tests/Support/read_world.py"), "shop-front", "shop.example.net"], environment: environment) }
        let live = try JSONSerialization.jsonObject(with: Data(try read().utf8)) as? [String: Any] ?? [:]
        let records = list(live["records"])
        let store = records.filter { $0["name"] as? String == "store.shop.example.net." && $0["alias"] != nil && !($0["alias"] is NSNull) }
        #expect(store.map { $0["alias"] as? String } == ["www.shop.example.net", "www.shop.example.net"], "\(store)")
        #expect(list(live["security_groups"]).contains { $0["name"] as? String == "shop-front-edge" })
        #expect(list(live["certificates"]).first?["names"] as? [String] == ["*.shop.example.net", "shop.example.net"])

        let destroyed = try PorticoBinary.run(["destroy", "--auto-approve", "--poll-seconds", "0.2", shop], environment: environment)
        #expect(destroyed.status == 0, "\(destroyed.stdout)\n\(destroyed.stderr)")
        let after = try JSONSerialization.jsonObject(with: Data(try read().utf8)) as? [String: Any] ?? [:]
        #expect(list(after["records"]).map { $0["type"] as? String ?? "" }.sorted() == ["NS", "SOA"])
        for kind in ["load_balancers", "target_groups", "security_groups", "certificates"] { #expect(list(after[kind]).isEmpty, "\(kind)") }
    }

    @Test("two groups attached to the same instances in one apply both stay, beside the instances' own group")
    func twoGroupsOnOneInstance() throws {
        let world = try DemoWorld()
        let edited = try editedStack(stack, [("  web-tg:\n", """
              mon-sg:
                type: security_group
                vpc: main-vpc
                description: Metrics scrapes from the monitoring range
                attach_to: web-servers
                ingress:
                  - { protocol: tcp, port: 9100, from: 10.99.0.0/16 }
              web-tg:

            """)])
        let applied = try world.apply(edited)
        #expect(applied.status == 0, "\(applied.stdout)\n\(applied.stderr)")
        let instanceGroups = try world.read()["instances"] as? [String: [String]] ?? [:]
        for instance in world.instances {
            #expect(instanceGroups[instance] == ["askmeanything-mon-sg", "askmeanything-web-sg", "ssh"], "\(instance)")
        }
        #expect(try world.portico(["plan", "--detailed-exitcode", edited]).status == 0)
    }
}
