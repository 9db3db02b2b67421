import Foundation

/// Where credentials come from; the client asks before every attempt, so a provider can
/// refresh credentials that are about to expire.
public protocol CredentialProvider: Sendable {
    func credentials() async throws -> AWSCredentials
}

public struct StaticCredentialProvider: CredentialProvider {
    public let value: AWSCredentials
    public init(_ value: AWSCredentials) { self.value = value }
    public func credentials() async throws -> AWSCredentials { value }
}

/// One line per AWS call for `--debug`: service, operation, status, attempts, time. Never
/// headers, bodies, credentials or signatures.
public struct CallRecord: Sendable, Equatable {
    public var service: String
    public var operation: String
    public var status: Int?
    public var attempts: Int
    public var milliseconds: Int
    public var error: String?

    public var line: String {
        let outcome = status.map { "HTTP \($0)" } ?? "no response"
        return "aws: \(service) \(operation) \(outcome), \(attempts) attempt\(attempts == 1 ? "" : "s"), \(milliseconds) ms\(error.map { ", \($0)" } ?? "")"
    }
}

/// Signs, sends, retries and decodes AWS calls for every protocol Portico uses.
public struct AWSClient: Sendable {
    public var region: String
    public var credentials: CredentialProvider
    public var endpoints: EndpointResolver
    public var transport: HTTPTransport
    public var retry: RetryPolicy
    public var clock: @Sendable () -> Date
    public var random: @Sendable () -> Double
    public var sleep: @Sendable (Double) async -> Void
    public var record: (@Sendable (CallRecord) -> Void)?
    /// False only for calls whose proof is in the body (STS AssumeRoleWithWebIdentity).
    public var signsRequests = true
    /// A read-only client sends only Describe*, List* and Get* operations and refuses the rest
    /// before signing: `drift` holds one, so it cannot change AWS whatever its code does.
    public var readOnly = false

    /// Whether an operation only reads (AWS's own naming convention, which its read-only managed
    /// policies rely on too).
    public static func isReadOperation(_ operation: String) -> Bool {
        ["Describe", "List", "Get"].contains { operation.hasPrefix($0) }
    }

    public init(region: String, credentials: CredentialProvider, endpoints: EndpointResolver, transport: HTTPTransport,
                retry: RetryPolicy = .standard, record: (@Sendable (CallRecord) -> Void)? = nil) {
        self.region = region
        self.credentials = credentials
        self.endpoints = endpoints
        self.transport = transport
        self.retry = retry
        self.clock = { Date() }
        self.random = { Double.random(in: 0..<1) }
        self.sleep = { seconds in try? await Task.sleep(nanoseconds: UInt64(max(seconds, 0) * 1_000_000_000)) }
        self.record = record
    }

    // MARK: Protocols

    /// A query-protocol call (EC2, ELBv2, STS): returns the `<Action>Result` element (EC2: the
    /// response element itself).
    /// `retryUnsure: false` is for creates AWS has no idempotency token for: a failure that may
    /// have been carried out (`AWSError.outcomeUnknown`) is thrown at once, for the caller to
    /// look before creating again.
    public func query(_ service: AWSService, _ action: String, _ parameters: QueryParameters = QueryParameters(), retryUnsure: Bool = true) async throws -> XMLElement {
        guard case .query(let version, let ec2) = service.wireProtocol else { preconditionFailure("\(service) is not a query service") }
        let body = Array(parameters.formBody(action: action, version: version).utf8)
        let response = try await send(service, action, method: "POST", path: "/", query: "",
                                      headers: [.init("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: body, retryUnsure: retryUnsure)
        let root = try decodeXML(service, action, response)
        if ec2 {
            // EC2 answers with the response element itself; anything else (an HTML page from a
            // proxy that said 200) would read as an empty answer.
            guard root.name == "\(action)Response" else {
                throw AWSError(service: service.name, operation: action, kind: .malformedResponse(httpStatus: response.status, reason: "the answer is <\(root.name)>, not <\(action)Response>"),
                               message: "", requestID: Self.requestID(response, root))
            }
            return root
        }
        guard let result = root.child("\(action)Result") else {
            if root.name == "\(action)Response" { return XMLElement(name: "\(action)Result") }
            throw AWSError(service: service.name, operation: action, kind: .malformedResponse(httpStatus: response.status, reason: "no <\(action)Result> in <\(root.name)>"),
                           message: "", requestID: Self.requestID(response, root))
        }
        return result
    }

    /// A JSON 1.1 call (ACM): `body` is the request object, the answer is the response object.
    /// `noOutput` is for operations whose answer has no fields (an empty body is then fine);
    /// from any other, an empty body is an answer that cannot be read, not an empty one.
    public func json(_ service: AWSService, _ operation: String, _ body: [String: any Sendable], noOutput: Bool = false) async throws -> [String: Any] {
        guard case .json(let prefix) = service.wireProtocol else { preconditionFailure("\(service) is not a JSON service") }
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        let response = try await send(service, operation, method: "POST", path: "/", query: "",
                                      headers: [.init("Content-Type", "application/x-amz-json-1.1"), .init("X-Amz-Target", "\(prefix).\(operation)")], body: Array(data))
        if response.body.isEmpty {
            if noOutput { return [:] }
            throw AWSError(service: service.name, operation: operation, kind: .malformedResponse(httpStatus: response.status, reason: "an empty body"),
                           message: "", requestID: response.header("x-amzn-RequestId"))
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw AWSError(service: service.name, operation: operation, kind: .malformedResponse(httpStatus: response.status, reason: "the body is not a JSON object"),
                           message: "", requestID: response.header("x-amzn-RequestId"))
        }
        return object
    }

    /// A REST-XML call (Route53). Returns the root element, `<OperationResponse>`: every
    /// Route53 call Portico makes answers with one, so an empty body is an unreadable answer.
    public func restXML(_ service: AWSService, _ operation: String, method: String, path: String, query: String = "", body: String? = nil) async throws -> XMLElement {
        let bytes = body.map { Array($0.utf8) } ?? []
        let headers: [SigV4Request.Header] = body == nil ? [] : [.init("Content-Type", "application/xml")]
        let response = try await send(service, operation, method: method, path: path, query: query, headers: headers, body: bytes)
        let root = try decodeXML(service, operation, response)
        guard root.name == "\(operation)Response" else {
            throw AWSError(service: service.name, operation: operation, kind: .malformedResponse(httpStatus: response.status, reason: "the answer is <\(root.name)>, not <\(operation)Response>"),
                           message: "", requestID: Self.requestID(response, root))
        }
        return root
    }

    // MARK: Sending

    /// Signs and sends, retrying what is worth retrying within the policy and its time budget.
    func send(_ service: AWSService, _ operation: String, method: String, path: String, query: String,
              headers: [SigV4Request.Header], body: [UInt8], retryUnsure: Bool = true) async throws -> HTTPResponse {
        if readOnly && !Self.isReadOperation(operation) {
            let error = AWSError(service: service.name, operation: operation, kind: .refusedReadOnly, message: "read-only client")
            record?(CallRecord(service: service.name, operation: operation, status: nil, attempts: 0, milliseconds: 0, error: error.description))
            throw error
        }
        let endpoint = try endpoints.endpoint(for: service, region: region)
        let started = clock()
        var attempt = 0
        while true {
            attempt += 1
            let outcome: Result<HTTPResponse, AWSError>
            do {
                let request = try await signedRequest(service, endpoint: endpoint, method: method, path: path, query: query, headers: headers, body: body)
                let response = try await transport.send(request)
                if (200..<300).contains(response.status) {
                    outcome = .success(response)
                } else {
                    outcome = .failure(decodeError(service, operation, response))
                }
            } catch let failure as TransportFailure {
                outcome = .failure(AWSError(service: service.name, operation: operation, kind: .transport(failure.reason), message: failure.reason))
            } catch let error as AWSError {
                outcome = .failure(error)
            }
            let elapsed = clock().timeIntervalSince(started)
            switch outcome {
            case .success(let response):
                record?(CallRecord(service: service.name, operation: operation, status: response.status, attempts: attempt, milliseconds: Int(elapsed * 1000)))
                return response
            case .failure(var error):
                error.attempts = attempt
                let wait = retry.delay(afterAttempt: attempt, unit: random())
                let retryable = error.isRetryable && attempt < retry.maxAttempts && (retryUnsure || !error.outcomeUnknown)
                if retryable && elapsed + wait <= retry.budget {
                    await sleep(wait)
                    continue
                }
                if retryable {
                    error = AWSError(service: service.name, operation: operation, kind: .budgetExhausted(seconds: retry.budget),
                                     message: error.description, requestID: error.requestID, attempts: attempt)
                }
                record?(CallRecord(service: service.name, operation: operation, status: error.httpStatus, attempts: attempt, milliseconds: Int(elapsed * 1000), error: error.code ?? "failed"))
                throw error
            }
        }
    }

    func signedRequest(_ service: AWSService, endpoint: Endpoint, method: String, path: String, query: String,
                       headers: [SigV4Request.Header], body: [UInt8]) async throws -> HTTPRequest {
        let fullPath = endpoint.basePath + path
        let toSign = SigV4Request(method: method, path: fullPath, query: query, headers: headers + [.init("Host", endpoint.hostHeader)], body: body)
        let url = endpoint.origin + fullPath + (query.isEmpty ? "" : "?" + query)
        guard signsRequests else { return HTTPRequest(method: method, url: url, headers: toSign.headers, body: body) }
        let credentials = try await self.credentials.credentials()
        let signer = SigV4Signer(credentials: credentials, region: service.signingRegion(region), service: service.signingName)
        let signature = signer.signHeaders(toSign, at: clock())
        return HTTPRequest(method: method, url: url, headers: toSign.headers + signature.headers, body: body)
    }

    // MARK: Decoding

    func decodeXML(_ service: AWSService, _ operation: String, _ response: HTTPResponse) throws -> XMLElement {
        do {
            return try XMLTree.parse(response.body)
        } catch {
            throw AWSError(service: service.name, operation: operation, kind: .malformedResponse(httpStatus: response.status, reason: error.reason),
                           message: "", requestID: response.header("x-amzn-RequestId") ?? response.header("x-amz-request-id"))
        }
    }

    /// AWS's error envelopes: query `<ErrorResponse><Error><Code>`, EC2 `<Response><Errors><Error>`,
    /// JSON `{"__type": "…#Code", "message": …}`, Route53's own roots. Anything else (an HTML
    /// page from a proxy, an empty 503) still becomes a typed error with the status.
    func decodeError(_ service: AWSService, _ operation: String, _ response: HTTPResponse) -> AWSError {
        let headerID = response.header("x-amzn-RequestId") ?? response.header("x-amz-request-id")
        let fallbackCode = response.status == 429 ? "TooManyRequestsException" : "HTTP\(response.status)"
        if case .json = service.wireProtocol {
            if let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] {
                let type = (object["__type"] as? String) ?? response.header("x-amzn-ErrorType") ?? fallbackCode
                let code = String(type.split(separator: "#").last ?? Substring(type)).split(separator: ":").first.map(String.init) ?? type
                let message = (object["message"] as? String) ?? (object["Message"] as? String) ?? ""
                return AWSError(service: service.name, operation: operation, kind: .service(code: code, httpStatus: response.status), message: message, requestID: headerID)
            }
        } else if let root = try? XMLTree.parse(response.body) {
            if let error = root.find("Error"), let code = error.text(at: "Code"), !code.isEmpty {
                return AWSError(service: service.name, operation: operation, kind: .service(code: code, httpStatus: response.status),
                                message: error.text(at: "Message") ?? "", requestID: Self.requestID(response, root))
            }
            // Route53 names some errors by their root element (<InvalidChangeBatch><Messages>…).
            if case .restXML = service.wireProtocol, root.name != "ErrorResponse", root.name.lowercased() != "html", let message = root.find("Message") {
                return AWSError(service: service.name, operation: operation, kind: .service(code: root.name, httpStatus: response.status),
                                message: message.text, requestID: Self.requestID(response, root))
            }
        }
        let snippet = String(decoding: response.body.prefix(120), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        let reason = response.body.isEmpty ? "an empty body" : "a body that is not an AWS error (\(response.header("Content-Type") ?? "no content type")): \(snippet)"
        return AWSError(service: service.name, operation: operation, kind: .service(code: fallbackCode, httpStatus: response.status), message: reason, requestID: headerID)
    }

    static func requestID(_ response: HTTPResponse, _ root: XMLElement) -> String? {
        root.text(at: "RequestId") ?? root.text(at: "RequestID") ?? response.header("x-amzn-RequestId") ?? response.header("x-amz-request-id")
    }
}
