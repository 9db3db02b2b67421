import Foundation
import Testing

/// The broken-stack catalogue: each file under Tests/Fixtures/broken ends with the diagnostics it
/// must produce. The set of errors and warnings must match exactly (position, severity, code),
/// each message must contain the expected words, and the exit code must match.
@Suite struct BrokenStackCatalogue {
    struct Expectation: Hashable, CustomStringConvertible {
        var line: Int, column: Int, severity: String, code: String
        var description: String { "\(line):\(column) \(severity) \(code)" }
    }

    static let fixtures = PorticoBinary.files(in: "Tests/Fixtures/broken", ending: ".yaml")

    @Test func catalogueIsLargeAndCoversEveryMistakeClass() throws {
        #expect(Self.fixtures.count >= 30)
        var codes = Set<String>()
        for fixture in Self.fixtures {
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: PorticoBinary.path(fixture))), as: UTF8.self)
            for line in text.split(separator: "\n") where line.hasPrefix("# expect: ") {
                codes.insert(String(line.split(separator: " ")[4]))
            }
        }
        let required = ["yaml-syntax", "unknown-key", "wrong-type", "missing-field", "invalid-value", "duplicate-key",
                        "unknown-reference", "wrong-reference-type", "dependency-cycle", "listener-port-blocked",
                        "target-port-blocked", "https-without-certificate", "certificate-does-not-cover-name",
                        "zone-not-parent", "too-few-subnets", "http-listener-forwards", "vpc-mismatch",
                        "target-port-open-to-world", "yaml-limits"]
        for code in required { #expect(codes.contains(code), "no broken stack exercises \(code)") }
    }

    @Test(arguments: fixtures)
    func reportsTheMistakeWhereItIs(_ fixture: String) throws {
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: PorticoBinary.path(fixture))), as: UTF8.self)
        var expected: [Expectation: String] = [:]
        var expectedExit: Int32 = 1
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# exit: ") { expectedExit = Int32(line.dropFirst(8))! }
            guard line.hasPrefix("# expect: ") else { continue }
            let parts = line.dropFirst(10).split(separator: " ", maxSplits: 3).map(String.init)
            let position = parts[0].split(separator: ":").map { Int($0)! }
            expected[Expectation(line: position[0], column: position[1], severity: parts[1], code: parts[2])] = parts[3]
        }
        #expect(!expected.isEmpty, "\(fixture) states no expectation")

        let run = try PorticoBinary.run(["validate", "--format", "json", fixture])
        #expect(run.status == expectedExit, "\(fixture): exit \(run.status), expected \(expectedExit)\n\(run.stdout)\(run.stderr)")
        let document = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        let report = (document["stacks"] as! [[String: Any]])[0]
        var actual: [Expectation: String] = [:]
        for problem in report["problems"] as! [[String: Any]] where problem["severity"] as! String != "note" {
            let position = problem["position"] as! [String: Any]
            #expect(position["file"] as? String == fixture)
            actual[Expectation(line: position["line"] as! Int, column: position["column"] as! Int,
                               severity: problem["severity"] as! String, code: problem["code"] as! String)] = problem["message"] as? String
        }
        #expect(Set(actual.keys) == Set(expected.keys), "\(fixture): got \(actual)")
        for (key, words) in expected {
            guard let message = actual[key] else { continue }
            #expect(message.contains(words), "\(fixture) \(key): '\(message)' does not say '\(words)'")
        }
    }

    @Test func humanOutputNamesFileLineAndColumnAndQuotesTheLine() throws {
        let run = try PorticoBinary.run(["validate", "Tests/Fixtures/broken/listener-port-not-allowed.yaml"])
        #expect(run.status == 1)
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let first = try #require(lines.first)
        #expect(first.hasPrefix("Tests/Fixtures/broken/listener-port-not-allowed.yaml:29:34: error: nothing can reach listener HTTPS:443 of 'alb'"))
        #expect(first.hasSuffix("[listener-port-blocked]"))
        #expect(lines[1].contains("- { protocol: HTTPS, port: 443, certificate: cert"))
        #expect(lines[2] == "  " + String(repeating: " ", count: 33) + "^")
        #expect(!run.stdout.contains("\u{1B}["), "no colour when piped")
        #expect(run.stdout.hasSuffix("listener-port-not-allowed.yaml: 1 error, 0 warnings\n"))
    }

    @Test func everyProblemIsPrintedNotOnlyTheFirst() throws {
        let run = try PorticoBinary.run(["validate", "--format", "json", "Tests/Fixtures/multiple-mistakes.yaml"])
        #expect(run.status == 1)
        let document = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: Any]
        let problems = (document["stacks"] as! [[String: Any]])[0]["problems"] as! [[String: Any]]
        let codes = problems.map { $0["code"] as! String }
        #expect(codes.count == 4, "\(codes)")
        #expect(Set(codes).isSuperset(of: ["invalid-value", "unknown-key", "wrong-type", "unknown-reference"]))
    }
}

@Suite struct ExampleStacks {
    static let stacks = PorticoBinary.files(in: "stacks", ending: ".yaml")

    @Test func thereAreAtLeastThreeExamples() {
        #expect(Self.stacks.count >= 3)
    }

    @Test(arguments: stacks)
    func validatesWithoutErrors(_ stack: String) throws {
        let run = try PorticoBinary.run(["validate", stack])
        #expect(run.status == 0, "\(stack):\n\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("\(stack): valid"))
        #expect(!run.stdout.contains("warning:"), "example stacks should be warning-free:\n\(run.stdout)")
    }

    @Test func severalFilesAtOnceFailIfAnyFails() throws {
        let run = try PorticoBinary.run(["validate", "stacks/askmeanything.yaml", "Tests/Fixtures/broken/one-subnet.yaml"])
        #expect(run.status == 1)
        #expect(run.stdout.contains("stacks/askmeanything.yaml: valid"))
        #expect(run.stdout.contains("one-subnet.yaml: 1 error"))
    }

    @Test func defaultSSLPolicyIsAnnounced() throws {
        let run = try PorticoBinary.run(["validate", "stacks/ipv4-only.yaml"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("note: listener HTTPS:443 of 'lb' names no ssl_policy; Portico uses ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"))
    }

    @Test func missingFileIsAClearError() throws {
        let run = try PorticoBinary.run(["validate", "stacks/no-such-stack.yaml"])
        #expect(run.status == 1)
        #expect(run.stdout.contains("stacks/no-such-stack.yaml:1:1: error: the stack file 'stacks/no-such-stack.yaml' does not exist"))
    }
}

@Suite struct GraphOutput {
    @Test func textGraphIsInCreationOrderWithDependencies() throws {
        let run = try PorticoBinary.run(["validate", "--graph", "stacks/askmeanything.yaml"])
        #expect(run.status == 0)
        let golden = """
        1. main-vpc (existing vpc)
        2. public-subnets (existing subnets)
        3. web-servers (existing instances)
        4. zone (existing hosted_zone)
        5. cert (certificate) <- zone
        6. alb-sg (security_group) <- main-vpc
        7. alb-sg/ingress (ingress rules) <- alb-sg
        8. web-sg (security_group) <- main-vpc, web-servers
        9. web-sg/ingress (ingress rules) <- web-sg, alb-sg
        10. web-tg (target_group) <- main-vpc, web-servers
        11. alb (load_balancer) <- public-subnets, alb-sg
        12. alb/listener:80 (listener) <- alb
        13. alb/listener:443 (listener) <- alb, cert, web-tg
        14. site (alias_record) <- zone, alb
        stacks/askmeanything.yaml: valid (stack 'askmeanything': 6 resources, 4 existing entries)

        """
        #expect(run.stdout == golden)
    }

    @Test func dotGraphIsGraphviz() throws {
        let run = try PorticoBinary.run(["validate", "--graph", "--format", "dot", "stacks/wildcard-records.yaml"])
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("digraph \"shop-front\" {\n"))
        #expect(run.stdout.contains("\"store\" -> \"www\" [label=\"target\"];"))
        #expect(run.stdout.contains("\"edge/listener:443\" -> \"wildcard-cert\" [label=\"certificate\"];"))
        #expect(run.stdout.contains("\"vpc\" [label=\"vpc\\nvpc\", style=dashed];"))
        #expect(run.stdout.hasSuffix("}\n"))
    }

    @Test func dotWithoutGraphIsAUsageError() throws {
        let run = try PorticoBinary.run(["validate", "--format", "dot", "stacks/askmeanything.yaml"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("--format dot draws the graph: add --graph"))
    }

    @Test func cycleIsPrinted() throws {
        let run = try PorticoBinary.run(["validate", "--graph", "Tests/Fixtures/broken/dependency-cycle.yaml"])
        #expect(run.status == 1)
        #expect(run.stdout.contains("error: dependency cycle: site -> www -> site"))
    }
}

@Suite struct CommandsBeforeAWS {
    /// A broken file stops plan, apply, destroy and drift before any AWS call: the endpoint given
    /// here does not exist, and the error is the file's, not a connection failure.
    @Test(arguments: ["plan", "apply", "destroy", "drift"])
    func brokenFileStopsBeforeAWS(_ command: String) throws {
        let run = try PorticoBinary.run([command, "--endpoint-url", "http://127.0.0.1:9", "Tests/Fixtures/broken/listener-port-not-allowed.yaml"],
                                        environment: ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "HOME": "/nonexistent"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("[listener-port-blocked]"), "\(run.stderr)")
        #expect(run.stderr.contains("has errors; nothing was read from or changed in AWS"))
    }

    /// Hostile files, each given to every command that talks to AWS, through a recording proxy:
    /// a clear error at the file's position, no crash, and not one request seen.
    @Test func hostileFilesMakeNoAWSCall() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("portico-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var files = ["alias-bomb", "deep-nesting", "non-utf8", "yaml-tab-indent", "duplicate-field", "port-out-of-range", "multiple-documents"]
            .map { PorticoBinary.path("Tests/Fixtures/broken/\($0).yaml") }
        var junk = SystemRandomNumberGenerator()
        let generated: [(String, [UInt8])] = [
            ("huge-scalar", Array(("stack: demo\nregion: us-east-1\ntags: { a: " + String(repeating: "x", count: 1 << 20) + " }\n").utf8)),
            ("binary-junk", (0..<8192).map { _ in UInt8.random(in: 0...255, using: &junk) }),
            ("too-big", Array(String(repeating: "# padding\n", count: 500_000).utf8)),
        ]
        for (name, bytes) in generated {
            let url = folder.appendingPathComponent("\(name).yaml")
            try Data(bytes).write(to: url)
            files.append(url.path)
        }
        let log = folder.appendingPathComponent("requests.log").path
        let proxy = try LocalServer.recordingProxy(upstream: "http://127.0.0.1:9", log: log)
        defer { proxy.stop() }
        let environment = ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "HOME": "/nonexistent", "AWS_ENDPOINT_URL": proxy.url]
        for file in files {
            for command in [["plan"], ["apply", "--auto-approve"], ["destroy", "--auto-approve"], ["drift"], ["unlock", "--auto-approve"]] {
                let run = try PorticoBinary.run(command + [file], environment: environment)
                #expect(run.status == 1, "\(command) \(file): exit \(run.status)\n\(run.stderr)")
                #expect(run.stderr.contains("\(file):"), "\(command) \(file): the error does not name the file's position:\n\(run.stderr.prefix(600))")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: log), "requests were sent: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    @Test func versionNamesTheLibraries() throws {
        let run = try PorticoBinary.run(["version"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("portico 0.1.0"))
        #expect(run.stdout.contains("libyaml 0."))
        #expect(run.stdout.contains("libcurl "))
        #expect(run.stdout.contains("libcrypto OpenSSL"))
    }

    /// `--format github`: one workflow command per problem, at the problem's line and column.
    @Test func validateGitHubAnnotations() throws {
        let run = try PorticoBinary.run(["validate", "--format", "github", "Tests/Fixtures/broken/listener-port-not-allowed.yaml"])
        #expect(run.status == 1)
        let annotation = run.stdout.split(separator: "\n").first { $0.hasPrefix("::error file=Tests/Fixtures/broken/listener-port-not-allowed.yaml,line=") }
        #expect(annotation != nil, "\(run.stdout)")
        #expect(annotation?.contains("title=portico%3A listener-port-blocked::") == true, "\(run.stdout)")
    }
}
