import Foundation
import PorticoCore
import PorticoStackFile
import Testing

/// Listener rules through the whole of `validate`: what the reader takes, and every mistake
/// reported at the line and column of the value that makes it.
@Suite struct RuleTests {
    /// A stack whose HTTPS listener takes the lines given as its rules (indented 8 spaces).
    /// The first rule line is line 31.
    static func stack(rules: String, listenerExtra: String = "") -> String {
        """
        stack: rules
        region: us-east-1
        existing:
          vpc: { type: vpc, default: true }
          subnets: { type: subnets, ids: [subnet-00000001, subnet-00000002] }
          web: { type: instances, ids: i-0123456789abcdef0 }
          zone: { type: hosted_zone, name: example.com }
        resources:
          cert: { type: certificate, domain: example.com, alternative_names: [www.example.com], validation_zone: zone }
          api-cert: { type: certificate, domain: api.example.com, validation_zone: zone }
          edge-sg:
            type: security_group
            vpc: vpc
            ingress:
              - { protocol: tcp, port: 443, from: [0.0.0.0/0] }
          web-tg: { type: target_group, vpc: vpc, targets: web }
          api-tg: { type: target_group, vpc: vpc, targets: web }
          canary-tg: { type: target_group, vpc: vpc, targets: web }
          alb:
            type: load_balancer
            subnets: subnets
            security_groups: edge-sg
            listeners:
              - protocol: HTTPS
                port: 443
                certificate: cert
                certificates: [api-cert]
                ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06
                fixed_response: { status: 404 }\(listenerExtra)
                rules:
        \(rules.split(separator: "\n", omittingEmptySubsequences: false).map { "        " + $0 }.joined(separator: "\n"))

        """
    }

    static let firstRuleLine = 31

    func validate(_ text: String) -> StackValidation { StackValidator.validate(bytes: Array(text.utf8), file: "r.yaml") }

    @Test func everyConditionAndActionIsRead() throws {
        let validation = validate(Self.stack(rules: """
        - priority: 5
          host: [API.example.com]
          path: /v1/*
          header: { X-Env: [beta, canary], X-Team: core }
          forward: { api-tg: 3, canary-tg: 1 }
          stickiness: 600
        - method: [GET, HEAD]
          query: [version=2, =preview]
          source_ip: 10.1.0.0/16
          forward: web-tg
        - path: /old/*
          redirect: { path: /new/, status: 302 }
        - path: /teapot
          fixed_response: { status: 418, content_type: application/json, body: '{"tea": true}' }
        """))
        #expect(!validation.hasErrors, "\(validation.diagnostics)")
        let listener = try #require(validation.stack?.resource("alb")?.loadBalancer?.listeners.first)
        #expect(listener.certificates.map(\.value) == [.entry("api-cert")])
        guard case .fixedResponse(let fallback) = listener.action else { Issue.record("default action"); return }
        #expect(fallback.status.value == 404)
        try #require(listener.rules.count == 4)
        let first = listener.rules[0], second = listener.rules[1]
        #expect(first.priority?.value == 5)
        #expect(first.conditions.map(\.field) == [.host, .path, .header("X-Env"), .header("X-Team")])
        #expect(ConditionText.desired(first.conditions) == "header x-env=beta,canary & header x-team=core & host=api.example.com & path=/v1/*")
        #expect(ConditionText.desired(second.conditions) == "method=GET,HEAD & query=preview,version=2 & source_ip=10.1.0.0/16")
        #expect(ActionText.desired(first.action, targetName: \.description) == "forward api-tg:3 canary-tg:1 sticky 600s")
        #expect(ActionText.desired(listener.rules[2].action, targetName: \.description) == "redirect HTTPS:443 path=/new/ 302")
        #expect(ActionText.desired(listener.rules[3].action, targetName: \.description) == #"fixed-response 418 application/json "{\"tea\": true}""#)
        // Omitted priorities follow the rule above them, 10 apart.
        #expect(try RulePriorities.assign(listener.rules).get() == [5, 15, 25, 35])
    }

    struct Case: CustomStringConvertible, Sendable {
        var description: String
        var rules: String
        var code: DiagnosticCode
        /// Line offset from the first rule line, and column.
        var line: Int
        var column: Int
        var severity: Severity = .error
    }

    static let cases: [Case] = [
        Case(description: "priority out of range", rules: "- { priority: 50001, path: /a, forward: web-tg }", code: .invalidValue, line: 0, column: 23),
        Case(description: "two rules with one priority", rules: "- { priority: 7, path: /a, forward: web-tg }\n- { priority: 7, path: /b, forward: web-tg }", code: .rulePriority, line: 1, column: 23),
        Case(description: "no room for an omitted priority", rules: "- { priority: 1, path: /a, forward: web-tg }\n- { path: /b, forward: web-tg }\n- { priority: 2, path: /c, forward: web-tg }", code: .rulePriority, line: 1, column: 11),
        Case(description: "four values in one condition", rules: "- path: [/a, /b, /c, /d]\n  forward: web-tg", code: .ruleLimit, line: 0, column: 30),
        Case(description: "six values in one rule", rules: "- path: [/a, /b, /c]\n  method: [GET, PUT]\n  source_ip: 10.0.0.0/8\n  forward: web-tg", code: .ruleLimit, line: 2, column: 22),
        Case(description: "six wildcards in one rule", rules: "- path: [/a*?*, /b**]\n  host: '*.example.com'\n  forward: web-tg", code: .ruleLimit, line: 1, column: 17),
        Case(description: "a host no certificate covers", rules: "- host: [www.example.com, shop.example.net]\n  forward: web-tg", code: .hostNotCovered, line: 0, column: 35),
        Case(description: "a host two labels under a wildcard", rules: "- host: a.b.api.example.com\n  forward: web-tg", code: .hostNotCovered, line: 0, column: 17),
        Case(description: "a rule without conditions", rules: "- forward: web-tg", code: .missingField, line: 0, column: 11),
        Case(description: "a rule with two actions", rules: "- path: /a\n  forward: web-tg\n  fixed_response: { status: 200 }", code: .conflictingFields, line: 2, column: 11),
        Case(description: "stickiness without forward", rules: "- path: /a\n  stickiness: 60\n  redirect: { path: /b }", code: .conflictingFields, line: 1, column: 11),
        Case(description: "a weight out of range", rules: "- path: /a\n  forward: { web-tg: 1000 }", code: .invalidValue, line: 1, column: 30),
        Case(description: "a weight that is not a number", rules: "- path: /a\n  forward: { web-tg: heavy }", code: .wrongType, line: 1, column: 30),
        Case(description: "every weight 0", rules: "- path: /a\n  forward: { web-tg: 0, api-tg: 0 }", code: .invalidValue, line: 1, column: 20),
        Case(description: "six weighted groups", rules: "- path: /a\n  forward: { web-tg: 1, api-tg: 1, canary-tg: 1, a: 1, b: 1, c: 1 }", code: .invalidValue, line: 1, column: 20),
        Case(description: "a forward to a certificate", rules: "- path: /a\n  forward: cert", code: .wrongReferenceType, line: 1, column: 20),
        Case(description: "a forward to nothing", rules: "- path: /a\n  forward: { web-tgg: 1, api-tg: 1 }", code: .unknownReference, line: 1, column: 22),
        Case(description: "a lower-case method", rules: "- method: get\n  forward: web-tg", code: .invalidValue, line: 0, column: 19),
        Case(description: "a path without a slash", rules: "- path: api/*\n  forward: web-tg", code: .invalidValue, line: 0, column: 17),
        Case(description: "a host without a dot", rules: "- host: localhost\n  forward: web-tg", code: .invalidValue, line: 0, column: 17),
        Case(description: "the Host header as a header", rules: "- header: { Host: example.com }\n  forward: web-tg", code: .invalidValue, line: 0, column: 21),
        Case(description: "a bad source CIDR", rules: "- source_ip: 10.0.0.0/33\n  forward: web-tg", code: .invalidValue, line: 0, column: 22),
        Case(description: "a redirect to itself", rules: "- path: /a\n  redirect: { protocol: HTTPS, port: 443 }", code: .redirectLoop, line: 1, column: 21),
        Case(description: "a fixed response with a 3XX status", rules: "- path: /a\n  fixed_response: { status: 301 }", code: .invalidValue, line: 1, column: 37),
        Case(description: "a fixed response with an unknown content type", rules: "- path: /a\n  fixed_response: { status: 200, content_type: text/xml }", code: .invalidValue, line: 1, column: 56),
        Case(description: "the same conditions twice", rules: "- { path: [/a, /b], forward: web-tg }\n- { path: [/b, /a], forward: api-tg }", code: .duplicateRule, line: 1, column: 11),
        Case(description: "a rule an earlier one always matches first", rules: "- { host: example.com, forward: web-tg }\n- { host: example.com, path: /x, forward: api-tg }", code: .ruleShadowed, line: 1, column: 11, severity: .warning),
        Case(description: "an unknown field in a rule", rules: "- path: /a\n  hosts: example.com\n  forward: web-tg", code: .unknownKey, line: 1, column: 11),
    ]

    @Test(arguments: cases)
    func mistakesAreReportedWhereTheyAre(_ test: Case) {
        let validation = validate(Self.stack(rules: test.rules))
        let found = validation.diagnostics.first { $0.code == test.code && $0.severity == test.severity }
        #expect(found != nil, "no \(test.code) in \(validation.diagnostics.map(\.description))")
        #expect(found?.location.line == Self.firstRuleLine + test.line, "\(found?.description ?? "")")
        #expect(found?.location.column == test.column, "\(found?.description ?? "")")
    }

    @Test func httpListenerTakesNoCertificates() {
        let text = Self.stack(rules: "- { path: /a, forward: web-tg }").replacingOccurrences(of: "protocol: HTTPS", with: "protocol: HTTP")
        let validation = validate(text)
        #expect(validation.diagnostics.contains { $0.code == .conflictingFields && $0.message.contains("cannot offer certificates") })
    }

    @Test func aTargetGroupServesOneLoadBalancer() {
        let text = Self.stack(rules: "- { path: /a, forward: web-tg }") + """
          other-lb:
            type: load_balancer
            subnets: subnets
            security_groups: edge-sg
            listeners:
              - { protocol: HTTPS, port: 443, certificate: cert, ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06, forward: web-tg }

        """
        let validation = validate(text)
        #expect(validation.diagnostics.contains { $0.code == .targetGroupShared }, "\(validation.diagnostics)")
    }

    @Test func theMultiServiceExampleIsValidWithoutWarnings() {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let validation = StackValidator.validate(path: root.appendingPathComponent("stacks/multi-service.yaml").path)
        #expect(!validation.hasErrors, "\(validation.diagnostics)")
        #expect(validation.diagnostics.allSatisfy { $0.severity == .note }, "\(validation.diagnostics)")
    }
}
