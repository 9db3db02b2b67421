import Foundation
import PorticoWire

/// A transport that answers from a script and remembers what it was sent.
final class FakeTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var script: [(HTTPRequest) throws -> HTTPResponse]
    private(set) var requests: [HTTPRequest] = []

    init(_ script: [(HTTPRequest) throws -> HTTPResponse]) { self.script = script }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let next: (HTTPRequest) throws -> HTTPResponse = lock.withLock {
            requests.append(request)
            return script.count > 1 ? script.removeFirst() : script[0]
        }
        return try next(request)
    }

    var sent: [HTTPRequest] { lock.withLock { requests } }

    static func xml(_ status: Int, _ body: String, headers: [SigV4Request.Header] = []) -> (HTTPRequest) throws -> HTTPResponse {
        { _ in HTTPResponse(status: status, headers: headers, body: Array(body.utf8)) }
    }
}

func testClient(_ transport: HTTPTransport, retry: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: 0.001, maxDelay: 0.01, budget: 5)) -> AWSClient {
    var client = AWSClient(region: "ap-northeast-2", credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "SECRETSECRETSECRET")),
                           endpoints: EndpointResolver(commandLine: "http://127.0.0.1:1"), transport: transport, retry: retry)
    client.sleep = { _ in }
    return client
}

let callerIdentityXML = """
<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/dev</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>
"""
