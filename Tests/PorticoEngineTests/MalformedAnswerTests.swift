import Foundation
@testable import PorticoEngine
import PorticoCore
import PorticoStackFile
import PorticoWire
import Testing

/// Answers every request with one kind of broken answer, in the service's own protocol where
/// that matters, and remembers which operations it was asked.
final class BrokenAWS: HTTPTransport, @unchecked Sendable {
    enum Breakage: String, CaseIterable, Sendable {
        case brokenMarkup, htmlPageWith200, htmlPageWith502, jsonWhereXMLIsExpected, emptyBody, missingIDs, truncatedMidElement
    }

    let breakage: Breakage
    private let lock = NSLock()
    private var asked: [String] = []

    init(_ breakage: Breakage) { self.breakage = breakage }

    var operations: [String] { lock.withLock { asked } }

    /// The operation a request is for: query Action, JSON target, or Route53's path.
    static func operation(_ request: HTTPRequest) -> String {
        if let target = request.headers.first(where: { $0.name == "X-Amz-Target" }) { return String(target.value.split(separator: ".").last ?? "") }
        let body = String(decoding: request.body, as: UTF8.self)
        if let action = body.split(separator: "&").first(where: { $0.hasPrefix("Action=") }) { return String(action.dropFirst("Action=".count)) }
        if request.url.contains("/rrset") { return request.method == "POST" ? "ChangeResourceRecordSets" : "ListResourceRecordSets" }
        if request.url.contains("hostedzonesbyname") { return "ListHostedZonesByName" }
        return "GetHostedZone"
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let operation = Self.operation(request)
        lock.withLock { asked.append(operation) }
        let isJSON = request.headers.contains { $0.name == "X-Amz-Target" }
        let isEC2 = request.url.contains("ec2") || String(decoding: request.body, as: UTF8.self).contains("Version=2016-11-15")
        let html = "<html><head><title>Gateway</title></head><body><h1>It works!</h1></body></html>"
        func answer(_ status: Int, _ body: String, _ type: String = "text/xml") -> HTTPResponse {
            HTTPResponse(status: status, headers: [.init("Content-Type", type)], body: Array(body.utf8))
        }
        switch breakage {
        case .brokenMarkup: return answer(200, isJSON ? "{\"CertificateSummaryList\": [" : "<\(operation)Response><\(operation)Result><Lo")
        case .htmlPageWith200: return answer(200, html, "text/html")
        case .htmlPageWith502: return answer(502, html, "text/html")
        case .jsonWhereXMLIsExpected: return answer(200, isJSON ? "<xml/>" : "{\"ok\": true}", isJSON ? "text/xml" : "application/json")
        case .emptyBody: return answer(200, "")
        case .truncatedMidElement:
            return answer(200, isJSON ? "{\"CertificateSummaryList\": [{\"CertificateArn\": \"arn:aws:acm:x" : "<\(operation)Response><\(operation)Result><LoadBalancers><member><LoadBalancerArn>arn:aws")
        case .missingIDs:
            if isJSON { return answer(200, "{\"CertificateSummaryList\": [{\"DomainName\": \"example.com\"}]}", "application/x-amz-json-1.1") }
            if request.url.contains("hostedzone") {
                return answer(200, "<\(operation)Response><HostedZones><HostedZone><Name>askmeanything.com.</Name></HostedZone></HostedZones><ResourceRecordSets><ResourceRecordSet><TTL>300</TTL></ResourceRecordSet></ResourceRecordSets><IsTruncated>false</IsTruncated></\(operation)Response>")
            }
            if isEC2 {
                return answer(200, "<\(operation)Response><vpcSet><item><cidrBlock>10.0.0.0/16</cidrBlock></item></vpcSet><subnetSet><item><vpcId>vpc-1</vpcId></item></subnetSet><reservationSet><item><instancesSet><item><vpcId>vpc-1</vpcId></item></instancesSet></item></reservationSet><securityGroupInfo><item><groupName>x</groupName></item></securityGroupInfo></\(operation)Response>")
            }
            return answer(200, "<\(operation)Response><\(operation)Result><LoadBalancers><member><DNSName>x</DNSName></member></LoadBalancers><TargetGroups><member><Port>80</Port></member></TargetGroups><TagDescriptions/></\(operation)Result></\(operation)Response>")
        }
    }
}

@Suite("malformed AWS answers")
struct MalformedAnswerTests {
    static let stack: Stack = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return StackValidator.validate(path: root.appendingPathComponent("stacks/askmeanything.yaml").path).stack!
    }()

    static func client(_ transport: HTTPTransport) -> AWSClient {
        var client = AWSClient(region: "ap-northeast-2", credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "SECRET")),
                               endpoints: EndpointResolver(commandLine: "http://127.0.0.1:1"), transport: transport,
                               retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.001, maxDelay: 0.01, budget: 5))
        client.sleep = { _ in }
        return client
    }

    /// Reading the live state (what plan, apply, destroy and drift all start with) meets only
    /// broken answers: it fails with a typed error that names a service and an operation that
    /// was really asked, never crashes, and never takes a broken answer for "nothing there".
    @Test("reading AWS fails with a typed error naming the service and operation", arguments: BrokenAWS.Breakage.allCases)
    func observeFailsTyped(_ breakage: BrokenAWS.Breakage) async {
        let transport = BrokenAWS(breakage)
        do {
            let outcome = try await Observer(client: Self.client(transport)).observe(Self.stack, strictLookups: true)
            Issue.record("\(breakage): read a world from broken answers: \(outcome.world.loadBalancers.count) load balancers, diagnostics \(outcome.diagnostics.map(\.message))")
        } catch let error as AWSError {
            #expect(["ec2", "elbv2", "acm", "route53"].contains(error.service), "\(breakage): \(error)")
            #expect(transport.operations.contains(error.operation), "\(breakage): \(error.operation) was not asked: \(transport.operations)")
            #expect(error.description.hasPrefix("\(error.service) \(error.operation) "), "\(breakage): \(error.description)")
        } catch {
            Issue.record("\(breakage): an untyped error: \(error)")
        }
    }

    /// The same for the lock, which apply and destroy read and write before anything else.
    @Test("taking the lock fails with a typed error", arguments: BrokenAWS.Breakage.allCases)
    func lockFailsTyped(_ breakage: BrokenAWS.Breakage) async {
        let transport = BrokenAWS(breakage)
        do {
            guard let lock = try await StackLock.locate(Self.stack, client: Self.client(transport)) else {
                // A broken listing must not read as "no zone": that would skip the lock.
                Issue.record("\(breakage): the zone's listing read as no zone")
                return
            }
            _ = try await lock.acquire(StackLock.Holder(who: "t", since: Date(), run: "r", command: "apply", host: "h"))
            Issue.record("\(breakage): took a lock through broken answers")
        } catch let error as AWSError {
            #expect(error.service == "route53" && transport.operations.contains(error.operation), "\(breakage): \(error)")
        } catch {
            Issue.record("\(breakage): an untyped error: \(error)")
        }
    }
}
