import PorticoCore
import PorticoStackFile
import Testing

@Suite struct StackReaderTests {
    func validate(_ text: String) -> StackValidation {
        StackValidator.validate(bytes: Array(text.utf8), file: "t.yaml")
    }

    static let minimal = """
    stack: demo
    region: us-east-1
    existing:
      vpc: { type: vpc, default: true }
      subnets: { type: subnets, ids: [subnet-00000001, subnet-00000002] }
      web: { type: instances, ids: i-0123456789abcdef0 }
      zone: { type: hosted_zone, id: /hostedzone/Z0123456789ABC }
    resources:
      edge-sg:
        type: security_group
        vpc: vpc
        ingress:
          - { protocol: TCP, ports: 443, from: [0.0.0.0/0] }
          - { protocol: -1, from: sg-0123456789abcdef0 }
      tg:
        type: target_group
        vpc: vpc
        targets: [web, i-0123456789abcdef1]
      alb:
        type: load_balancer
        subnets: subnets
        security_groups: edge-sg
        listeners:
          - { protocol: https, port: 443, certificate: "arn:aws:acm:us-east-1:123456789012:certificate/abc", forward: tg }

    """

    @Test func defaultsAreExplicit() throws {
        let validation = validate(Self.minimal)
        #expect(!validation.hasErrors, "\(validation.diagnostics)")
        let stack = try #require(validation.stack)
        let tg = try #require(stack.resource("tg")?.targetGroup)
        #expect(tg.appProtocol.value == "HTTP")
        #expect(tg.port.value == 80)
        #expect(tg.healthCheck.path.value == "/")
        #expect(tg.healthCheck.interval.value == 30)
        #expect(tg.healthCheck.timeout.value == 5)
        #expect(tg.healthCheck.healthyThreshold.value == 5)
        #expect(tg.healthCheck.unhealthyThreshold.value == 2)
        #expect(tg.healthCheck.matcher.value == "200")
        #expect(tg.healthCheck.port == nil)
        #expect(tg.targets.map(\.value) == [.entry("web"), .awsID("i-0123456789abcdef1")])
        let alb = try #require(stack.resource("alb")?.loadBalancer)
        #expect(alb.scheme.value == "internet-facing")
        #expect(alb.ipAddressType.value == "ipv4")
        #expect(alb.deletionProtection.value == false)
        #expect(alb.listeners[0].appProtocol.value == "HTTPS", "protocol words are upper-cased")
        #expect(alb.listeners[0].sslPolicy == nil)
        #expect(alb.listeners[0].certificate?.value == .awsID("arn:aws:acm:us-east-1:123456789012:certificate/abc"))
        let group = try #require(stack.resource("edge-sg")?.securityGroup)
        #expect(group.description.value == "Managed by Portico: demo/edge-sg")
        #expect(group.ingress[0].ipProtocol.value == .tcp)
        #expect(group.ingress[1].ipProtocol.value == .all)
        #expect(group.ingress[1].ports == nil)
        guard case .id(let zoneID) = stack.existingEntry("zone")?.selector else { Issue.record("zone selector"); return }
        #expect(zoneID.value == "Z0123456789ABC")
        let note = validation.diagnostics.first { $0.code == .defaultApplied }
        #expect(note?.message.contains(SSLPolicies.defaultPolicy) == true)
    }

    @Test func mergeKeysApplyWithOwnKeysWinning() throws {
        let text = Self.minimal.replacingOccurrences(of: "    targets: [web, i-0123456789abcdef1]\n", with: """
            targets: [web, i-0123456789abcdef1]
            health_check:
              <<: { path: /health, interval: 10, timeout: 3 }
              interval: 20

        """)
        let validation = validate(text)
        #expect(!validation.hasErrors, "\(validation.diagnostics)")
        let check = try #require(validation.stack?.resource("tg")?.targetGroup?.healthCheck)
        #expect(check.path.value == "/health")
        #expect(check.interval.value == 20)
        #expect(check.timeout.value == 3)
    }

    @Test func crossEntryChecksWaitUntilEntriesReadCleanly() {
        // One shape error (bad port) and one architecture mistake (nothing opens 443): only the first is reported.
        let text = Self.minimal
            .replacingOccurrences(of: "ports: 443, from: [0.0.0.0/0]", with: "ports: 80, from: [0.0.0.0/0]")
            .replacingOccurrences(of: "- { protocol: -1, from: sg-0123456789abcdef0 }", with: "- { protocol: udp, port: 0, from: sg-0123456789abcdef0 }")
        let codes = validate(text).diagnostics.filter { $0.severity == .error }.map(\.code)
        #expect(codes == [.invalidValue])
    }

    @Test func nullValuesAreMissing() {
        let text = "stack: demo\nregion:\n"
        let diagnostics = validate(text).diagnostics
        #expect(diagnostics.map(\.code) == [.missingField])
        #expect(diagnostics[0].location == SourceLocation(file: "t.yaml", line: 2, column: 1))
    }

    @Test func referencesToBrokenEntriesAreNotReportedTwice() {
        let text = Self.minimal.replacingOccurrences(of: "    targets: [web, i-0123456789abcdef1]\n", with: "    targets: [web, i-0123456789abcdef1]\n    port: 0\n")
        let errors = validate(text).diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.code) == [.invalidValue], "only the bad port, not also 'forward names tg'")
    }
}
