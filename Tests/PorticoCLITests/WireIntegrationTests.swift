import Foundation
import PorticoWire
import Testing

/// Against moto started with INITIAL_NO_AUTH_ACTION_COUNT, so that it checks signatures and
/// IAM policies: the IAM users are made with boto3 in the first, unauthenticated calls.
@Suite(.serialized) struct SignatureCheckingServerTests {
    struct Keys: Decodable { var id: String; var secret: String }

    func withServer(_ body: (LocalServer, [String: Keys]) async throws -> Void) async throws {
        let server = try LocalServer.moto(authAfter: 5)
        defer { server.stop() }
        let output = try runScript(["python3", PorticoBinary.path("Tests/Support/moto_iam_setup.py"), server.url])
        let keys = try JSONDecoder().decode([String: Keys].self, from: Data(output.utf8))
        try await body(server, keys)
    }

    func client(_ server: LocalServer, _ keys: Keys, secret: String? = nil) -> AWSClient {
        AWSClient(region: "ap-northeast-2", credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: keys.id, secretAccessKey: secret ?? keys.secret)),
                  endpoints: EndpointResolver(commandLine: server.url), transport: CurlTransport(settings: TransportSettings(userAgent: "portico-test")),
                  retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.01, maxDelay: 0.05, budget: 10))
    }

    @Test func everyServiceAcceptsOurSignatureAndRejectsAWrongOne() async throws {
        try await withServer { server, keys in
            let admin = keys["portico-admin"]!
            let aws = client(server, admin)
            let vpcs = try await aws.query(.ec2, "DescribeVpcs")
            #expect(vpcs.name == "DescribeVpcsResponse")
            let balancers = try await aws.query(.elbv2, "DescribeLoadBalancers")
            #expect(balancers.name == "DescribeLoadBalancersResult")
            let certificates = try await aws.json(.acm, "ListCertificates", [:])
            #expect(certificates["CertificateSummaryList"] != nil)
            let identity = try await CallerIdentity.fetch(aws)
            #expect(identity.arn.hasSuffix(":user/portico-admin"))
            let zone = try await aws.restXML(.route53, "CreateHostedZone", method: "POST", path: "/2013-04-01/hostedzone", body: """
                <?xml version="1.0" encoding="UTF-8"?><CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Name>signed.example.com</Name><CallerReference>portico-signature-test</CallerReference></CreateHostedZoneRequest>
                """)
            #expect(zone.find("Id")?.text.contains("/hostedzone/") == true)

            // The same calls with a wrong secret fail with the emulator's signature errors, typed.
            let forged = client(server, admin, secret: "not-the-secret")
            for (service, expected) in [(AWSService.elbv2, "SignatureDoesNotMatch"), (.ec2, "AuthFailure"), (.sts, "SignatureDoesNotMatch")] {
                do {
                    _ = try await forged.query(service, service == .ec2 ? "DescribeVpcs" : service == .sts ? "GetCallerIdentity" : "DescribeLoadBalancers")
                    Issue.record("\(service) accepted a wrong signature")
                } catch let error as AWSError {
                    #expect(error.code == expected, "\(service): \(error)")
                    #expect(error.attempts == 1, "signature errors are not retried")
                }
            }
        }
    }

    @Test func wrongSecretIsAClearCLIErrorAndNoSecretIsPrinted() async throws {
        try await withServer { server, keys in
            let admin = keys["portico-admin"]!
            let environment = ["AWS_ACCESS_KEY_ID": admin.id, "AWS_SECRET_ACCESS_KEY": "wrong-secret-value-123", "HOME": "/nonexistent"]
            let run = try PorticoBinary.run(["whoami", "--region", "us-east-1", "--endpoint-url", server.url, "--debug"], environment: environment)
            #expect(run.status == 1)
            #expect(run.stderr.contains("portico: error: sts GetCallerIdentity failed: SignatureDoesNotMatch (HTTP 403)"), "\(run.stderr)")
            #expect(run.stderr.contains("aws: sts GetCallerIdentity HTTP 403, 1 attempt"))
            for secret in ["wrong-secret-value-123", admin.secret, "Signature="] {
                #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret), "\(secret) leaked")
            }

            let good = try PorticoBinary.run(["whoami", "--region", "us-east-1", "--endpoint-url", server.url],
                                             environment: ["AWS_ACCESS_KEY_ID": admin.id, "AWS_SECRET_ACCESS_KEY": admin.secret, "HOME": "/nonexistent"])
            #expect(good.status == 0, "\(good.stderr)")
            #expect(good.stdout.contains("arn:         arn:aws:iam::123456789012:user/portico-admin"))
            #expect(good.stdout.contains("endpoint:    \(server.url) (--endpoint-url)"))
        }
    }

    @Test func userWithoutPermissionGetsAccessDenied() async throws {
        try await withServer { server, keys in
            do {
                _ = try await client(server, keys["portico-readonly-no-elb"]!).query(.elbv2, "DescribeLoadBalancers")
                Issue.record("a user without a policy was allowed")
            } catch let error as AWSError {
                #expect(error.code == "AccessDenied")
                #expect(error.description.contains("elbv2 DescribeLoadBalancers failed: AccessDenied (HTTP 403)"))
                #expect(error.message.contains("not authorized to perform: elasticloadbalancing:DescribeLoadBalancers"))
            }
        }
    }
}

/// Retries against a server of the test's own that fails on purpose.
@Suite(.serialized) struct RetryAgainstFlakyServerTests {
    func counterFile() -> String { FileManager.default.temporaryDirectory.appendingPathComponent("portico-flaky-\(UUID().uuidString)").path }

    @Test func throttlingAnd503sThenSuccess() throws {
        let counter = counterFile()
        let server = try LocalServer.flaky(["throttle", "ec2throttle", "429", "503", "reset", "ok"], counter: counter)
        defer { server.stop() }
        let run = try PorticoBinary.run(["whoami", "--region", "us-east-1", "--endpoint-url", server.url, "--debug"],
                                        environment: ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "HOME": "/nonexistent"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("user/flaky"))
        #expect(run.stderr.contains("aws: sts GetCallerIdentity HTTP 200, 6 attempts"), "\(run.stderr)")
        #expect(try String(contentsOfFile: counter, encoding: .utf8) == "6")
    }

    @Test func neverSucceedingGivesUpAndSaysHowOftenItTried() throws {
        let counter = counterFile()
        let server = try LocalServer.flaky(["503"], counter: counter)
        defer { server.stop() }
        let run = try PorticoBinary.run(["whoami", "--region", "us-east-1", "--endpoint-url", server.url],
                                        environment: ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret", "HOME": "/nonexistent"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("sts GetCallerIdentity failed after 6 attempts: HTTP503 (HTTP 503)"), "\(run.stderr)")
        #expect(try String(contentsOfFile: counter, encoding: .utf8) == "6")
    }
}
