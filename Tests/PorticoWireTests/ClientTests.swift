import Foundation
@testable import PorticoWire
import Testing

@Suite struct XMLTreeTests {
    @Test func parsesNamesTextAndChildren() throws {
        let root = try XMLTree.parse(Array("<a:Root xmlns:a=\"x\"><B>one</B><B>two</B><C><D> d </D></C></a:Root>".utf8))
        #expect(root.name == "Root")
        #expect(root.children("B").map(\.text) == ["one", "two"])
        #expect(root.text(at: "C", "D") == " d ")
    }

    @Test(arguments: ["<a><b></a>", "<a>", "", "not xml at all", "<a></a><b></b>", "<html><body>502 Bad Gateway</body>"])
    func rejectsBrokenDocuments(_ text: String) {
        #expect(throws: XMLDecodingError.self) { try XMLTree.parse(Array(text.utf8)) }
    }
}

@Suite struct ErrorDecodingTests {
    let client = testClient(FakeTransport([FakeTransport.xml(200, "")]))

    @Test func queryEnvelope() {
        let body = "<ErrorResponse><Error><Type>Sender</Type><Code>LoadBalancerNotFound</Code><Message>One or more load balancers not found</Message></Error><RequestId>req-9</RequestId></ErrorResponse>"
        let error = client.decodeError(.elbv2, "DescribeLoadBalancers", HTTPResponse(status: 400, headers: [], body: Array(body.utf8)))
        #expect(error.code == "LoadBalancerNotFound")
        #expect(error.requestID == "req-9")
        #expect(error.httpStatus == 400)
        #expect(!error.isRetryable)
        #expect(error.description == "elbv2 DescribeLoadBalancers failed: LoadBalancerNotFound (HTTP 400): One or more load balancers not found (request id req-9)")
    }

    @Test func ec2Envelope() {
        let body = "<?xml version=\"1.0\"?><Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>ec2-1</RequestID></Response>"
        let error = client.decodeError(.ec2, "DescribeVpcs", HTTPResponse(status: 503, headers: [], body: Array(body.utf8)))
        #expect(error.code == "RequestLimitExceeded")
        #expect(error.requestID == "ec2-1")
        #expect(error.isRetryable)
    }

    @Test func jsonEnvelope() {
        let body = #"{"__type": "com.amazonaws.acm#ResourceNotFoundException", "message": "Could not find certificate"}"#
        let error = client.decodeError(.acm, "DescribeCertificate", HTTPResponse(status: 400, headers: [.init("x-amzn-RequestId", "acm-1")], body: Array(body.utf8)))
        #expect(error.code == "ResourceNotFoundException")
        #expect(error.message == "Could not find certificate")
        #expect(error.requestID == "acm-1")
    }

    @Test func route53Envelopes() {
        let invalid = "<InvalidChangeBatch xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Messages><Message>Tried to create resource record set but it already exists</Message></Messages></InvalidChangeBatch>"
        let error = client.decodeError(.route53, "ChangeResourceRecordSets", HTTPResponse(status: 400, headers: [], body: Array(invalid.utf8)))
        #expect(error.code == "InvalidChangeBatch")
        #expect(error.message.contains("already exists"))
        let throttled = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>x</RequestId></ErrorResponse>"
        #expect(client.decodeError(.route53, "ListHostedZones", HTTPResponse(status: 400, headers: [], body: Array(throttled.utf8))).isRetryable)
    }

    @Test func nonAWSBodiesStillBecomeTypedErrors() {
        let html = client.decodeError(.elbv2, "DescribeTags", HTTPResponse(status: 502, headers: [.init("Content-Type", "text/html")], body: Array("<html><body>Bad Gateway".utf8)))
        #expect(html.code == "HTTP502")
        #expect(html.isRetryable)
        #expect(html.message.contains("text/html"))
        let htmlAsXML = client.decodeError(.sts, "GetCallerIdentity", HTTPResponse(status: 503, headers: [], body: Array("<html><body>Service Unavailable</body></html>".utf8)))
        #expect(htmlAsXML.code == "HTTP503", "a well-formed HTML page is not an AWS error envelope")
        #expect(htmlAsXML.isRetryable)
        let route53HTML = client.decodeError(.route53, "ListHostedZones", HTTPResponse(status: 502, headers: [], body: Array("<html><body><Message>Bad gateway</Message></body></html>".utf8)))
        #expect(route53HTML.code == "HTTP502")
        let empty = client.decodeError(.acm, "ListCertificates", HTTPResponse(status: 429, headers: [], body: []))
        #expect(empty.code == "TooManyRequestsException")
        #expect(empty.isRetryable)
    }
}

@Suite struct RetryTests {
    @Test func backoffIsCappedExponentialWithFullJitter() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: 0.5, maxDelay: 4, budget: 60)
        #expect((1...6).map { policy.backoffCeiling(afterAttempt: $0) } == [0.5, 1, 2, 4, 4, 4])
        #expect(policy.delay(afterAttempt: 3, unit: 0) == 0)
        #expect(policy.delay(afterAttempt: 3, unit: 0.5) == 1)
        #expect(policy.delay(afterAttempt: 100, unit: 0.999) < 4)
    }

    @Test func throttlingThenSuccess() async throws {
        let throttle = FakeTransport.xml(400, "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>")
        let unavailable = FakeTransport.xml(503, "")
        let transport = FakeTransport([throttle, unavailable, { _ in throw TransportFailure("Connection reset by peer") }, FakeTransport.xml(200, callerIdentityXML)])
        let identity = try await CallerIdentity.fetch(testClient(transport))
        #expect(identity.account == "123456789012")
        #expect(transport.sent.count == 4)
    }

    @Test func finalErrorsAreNotRetried() async {
        let transport = FakeTransport([FakeTransport.xml(403, "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>")])
        await #expect(throws: AWSError.self) { try await CallerIdentity.fetch(testClient(transport)) }
        #expect(transport.sent.count == 1)
    }

    @Test func attemptsAreBoundedAndCounted() async {
        let transport = FakeTransport([FakeTransport.xml(503, "")])
        do {
            _ = try await CallerIdentity.fetch(testClient(transport))
            Issue.record("succeeded")
        } catch let error as AWSError {
            #expect(error.attempts == 4)
            #expect(error.description.contains("after 4 attempts"))
            #expect(error.description.hasPrefix("sts GetCallerIdentity failed"))
        } catch { Issue.record("\(error)") }
        #expect(transport.sent.count == 4)
    }

    @Test func timeBudgetIsHonoured() async {
        let transport = FakeTransport([FakeTransport.xml(503, "")])
        var client = testClient(transport, retry: RetryPolicy(maxAttempts: 100, baseDelay: 1, maxDelay: 1, budget: 3))
        // A clock that moves 1 s per reading: the budget, not the attempt limit, ends it.
        let ticks = Ticker()
        client.clock = { Date(timeIntervalSince1970: ticks.next()) }
        client.random = { 0.99 }
        do {
            _ = try await CallerIdentity.fetch(client)
            Issue.record("succeeded")
        } catch let error as AWSError {
            guard case .budgetExhausted(let seconds) = error.kind else { Issue.record("\(error.kind)"); return }
            #expect(seconds == 3)
            #expect(error.description.contains("retry budget ran out"))
            #expect(error.attempts < 100)
        } catch { Issue.record("\(error)") }
    }
}

final class Ticker: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Double = 0
    func next() -> Double { lock.withLock { value += 1; return value } }
}

@Suite struct RequestEncodingTests {
    @Test func queryListsFollowEachServicesConvention() {
        var parameters = QueryParameters()
        parameters.addList("LoadBalancerArns", ["arn:a", "arn:b"], ec2: false)
        #expect(parameters.formBody(action: "DescribeTags", version: "2015-12-01") == "Action=DescribeTags&Version=2015-12-01&LoadBalancerArns.member.1=arn%3Aa&LoadBalancerArns.member.2=arn%3Ab")
        var ec2 = QueryParameters()
        ec2.addStructureList("Filter", count: 1, ec2: true) { _ in [("Name", "tag:Name"), ("Value.1", "main web")] }
        #expect(ec2.formBody(action: "DescribeVpcs", version: "2016-11-15") == "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=tag%3AName&Filter.1.Value.1=main%20web")
    }

    @Test func requestsAreSignedForTheServiceAndRegion() async throws {
        let transport = FakeTransport([FakeTransport.xml(200, callerIdentityXML)])
        _ = try await CallerIdentity.fetch(testClient(transport))
        let request = try #require(transport.sent.first)
        #expect(request.url == "http://127.0.0.1:1/")
        let authorization = try #require(request.headers.first { $0.name == "Authorization" }?.value)
        #expect(authorization.contains("/ap-northeast-2/sts/aws4_request"))
        #expect(!authorization.contains("SECRETSECRETSECRET"))
        #expect(request.headers.contains { $0.name == "Host" && $0.value == "127.0.0.1:1" })
        #expect(String(decoding: request.body, as: UTF8.self) == "Action=GetCallerIdentity&Version=2011-06-15")
    }

    @Test func route53IsSignedForUSEast1() async throws {
        let transport = FakeTransport([FakeTransport.xml(200, "<ListHostedZonesResponse><HostedZones/></ListHostedZonesResponse>")])
        _ = try await testClient(transport).restXML(.route53, "ListHostedZones", method: "GET", path: "/2013-04-01/hostedzone")
        let authorization = try #require(transport.sent.first?.headers.first { $0.name == "Authorization" }?.value)
        #expect(authorization.contains("/us-east-1/route53/aws4_request"))
        #expect(transport.sent.first?.url == "http://127.0.0.1:1/2013-04-01/hostedzone")
    }

    @Test func acmUsesJSONWithATarget() async throws {
        let transport = FakeTransport([FakeTransport.xml(200, #"{"CertificateSummaryList": []}"#)])
        let answer = try await testClient(transport).json(.acm, "ListCertificates", ["MaxItems": 100])
        #expect((answer["CertificateSummaryList"] as? [Any])?.isEmpty == true)
        let request = try #require(transport.sent.first)
        #expect(request.headers.contains { $0.name == "X-Amz-Target" && $0.value == "CertificateManager.ListCertificates" })
        #expect(request.headers.contains { $0.name == "Content-Type" && $0.value == "application/x-amz-json-1.1" })
    }

    @Test func malformedSuccessIsATypedError() async {
        let transport = FakeTransport([FakeTransport.xml(200, "<GetCallerIdentityResponse><GetCallerIdentityResult>")])
        do {
            _ = try await CallerIdentity.fetch(testClient(transport))
            Issue.record("succeeded")
        } catch let error as AWSError {
            guard case .malformedResponse = error.kind else { Issue.record("\(error.kind)"); return }
            #expect(error.service == "sts")
            #expect(error.operation == "GetCallerIdentity")
        } catch { Issue.record("\(error)") }
    }
}

@Suite struct EndpointTests {
    @Test func precedenceFollowsTheAWSCLI() throws {
        let environment = ["AWS_ENDPOINT_URL": "http://global:1", "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2": "http://elb:2"]
        var resolver = EndpointResolver(commandLine: nil, environment: environment, profileEndpoint: "http://profile:3", profileServiceEndpoints: ["acm": "http://profile-acm:4"])
        #expect(resolver.source(for: .elbv2, region: "eu-west-1").url == "http://elb:2")
        #expect(resolver.source(for: .ec2, region: "eu-west-1").url == "http://global:1")
        resolver.environment = [:]
        #expect(resolver.source(for: .acm, region: "eu-west-1").url == "http://profile-acm:4")
        #expect(resolver.source(for: .ec2, region: "eu-west-1").url == "http://profile:3")
        resolver.commandLine = "http://cli:5"
        #expect(resolver.source(for: .acm, region: "eu-west-1").url == "http://cli:5")
        #expect(EndpointResolver().source(for: .elbv2, region: "ap-northeast-2").url == "https://elasticloadbalancing.ap-northeast-2.amazonaws.com")
        #expect(EndpointResolver().source(for: .route53, region: "ap-northeast-2").url == "https://route53.amazonaws.com")
    }

    @Test func hostHeaderAndBasePath() throws {
        let endpoint = try EndpointResolver(commandLine: "http://localhost:4566/aws/").endpoint(for: .ec2, region: "us-east-1")
        #expect(endpoint == Endpoint(origin: "http://localhost:4566", basePath: "/aws", hostHeader: "localhost:4566"))
        let https = try EndpointResolver(commandLine: "https://ec2.us-east-1.amazonaws.com:443").endpoint(for: .ec2, region: "us-east-1")
        #expect(https.hostHeader == "ec2.us-east-1.amazonaws.com")
        #expect(throws: EndpointError.self) { try EndpointResolver(commandLine: "ftp://x").endpoint(for: .ec2, region: "us-east-1") }
    }

    @Test func regionOrder() {
        let env = ["AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-2"]
        #expect(RegionResolver.resolve(commandLine: "us-west-2", environment: env, profileRegion: "x", stackRegion: "y")?.region == "us-west-2")
        #expect(RegionResolver.resolve(commandLine: nil, environment: env, profileRegion: "x", stackRegion: "y")?.region == "eu-west-1")
        #expect(RegionResolver.resolve(commandLine: nil, environment: ["AWS_DEFAULT_REGION": "eu-west-2"], profileRegion: "x", stackRegion: "y")?.region == "eu-west-2")
        #expect(RegionResolver.resolve(commandLine: nil, environment: [:], profileRegion: "ap-south-1", stackRegion: "y")?.region == "ap-south-1")
        #expect(RegionResolver.resolve(commandLine: nil, environment: [:], profileRegion: nil, stackRegion: "ap-northeast-2")?.source == "stack file")
        #expect(RegionResolver.resolve(commandLine: nil, environment: [:], profileRegion: nil, stackRegion: nil) == nil)
    }
}

@Suite struct ReadOnlyClientTests {
    /// A read-only client refuses a write before it is signed or sent, whatever the protocol.
    @Test func writesAreNeverSent() async throws {
        let transport = FakeTransport([FakeTransport.xml(200, callerIdentityXML)])
        var client = testClient(transport)
        client.readOnly = true
        for attempt in [
            { try await client.query(.ec2, "CreateTags") as Any },
            { try await client.json(.acm, "AddTagsToCertificate", [:]) as Any },
            { try await client.restXML(.route53, "ChangeResourceRecordSets", method: "POST", path: "/2013-04-01/hostedzone/Z/rrset/", body: "<x/>") as Any },
        ] as [() async throws -> Any] {
            do {
                _ = try await attempt()
                Issue.record("a write went through a read-only client")
            } catch let error as AWSError {
                #expect(error.kind == .refusedReadOnly)
                #expect(error.description.contains("read-only"))
            }
        }
        #expect(transport.sent.isEmpty)
        _ = try await CallerIdentity.fetch(client)
        #expect(transport.sent.count == 1, "reads still go")
    }

    @Test(arguments: [("DescribeSecurityGroups", true), ("ListTagsForCertificate", true), ("GetHostedZone", true), ("GetCallerIdentity", true),
                      ("CreateTags", false), ("ModifyListener", false), ("DeleteCertificate", false), ("ChangeResourceRecordSets", false), ("AddTags", false)])
    func operationNames(_ operation: String, _ isRead: Bool) {
        #expect(AWSClient.isReadOperation(operation) == isRead)
    }
}
