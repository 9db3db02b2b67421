import Foundation

/// Everything that can go wrong with an AWS call, as a value: which service and operation, what
/// AWS (or the network) said, and how often it was tried. Never holds credentials or signatures.
public struct AWSError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// AWS answered with an error.
        case service(code: String, httpStatus: Int)
        /// No usable answer: connection refused, reset, timed out, TLS failure.
        case transport(String)
        /// An answer that does not parse as the protocol promises.
        case malformedResponse(httpStatus: Int, reason: String)
        /// The retry budget ran out before an attempt succeeded.
        case budgetExhausted(seconds: Double)
        /// Not sent: the client is read-only and the operation is not a read.
        case refusedReadOnly
    }

    public var service: String
    public var operation: String
    public var kind: Kind
    public var message: String
    public var requestID: String?
    /// Attempts made, the failing one included.
    public var attempts: Int

    public init(service: String, operation: String, kind: Kind, message: String, requestID: String? = nil, attempts: Int = 1) {
        self.service = service
        self.operation = operation
        self.kind = kind
        self.message = message
        self.requestID = requestID
        self.attempts = attempts
    }

    public var code: String? {
        if case .service(let code, _) = kind { return code }
        return nil
    }

    public var httpStatus: Int? {
        switch kind {
        case .service(_, let status), .malformedResponse(let status, _): status
        default: nil
        }
    }

    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "RequestLimitExceeded", "RequestThrottled", "SlowDown", "PriorRequestNotComplete", "ProvisionedThroughputExceededException",
        "BandwidthLimitExceeded", "EC2ThrottledException", "RequestTimeout", "RequestTimeoutException",
    ]

    /// Throttling, 5xx and transport failures are worth another try; everything else is final.
    public var isRetryable: Bool {
        switch kind {
        case .service(let code, let status): return Self.throttlingCodes.contains(code) || status == 429 || status >= 500
        case .transport: return true
        case .malformedResponse(let status, _): return status >= 500 || status == 429
        case .budgetExhausted, .refusedReadOnly: return false
        }
    }

    /// Whether AWS may have carried the request out although no good answer came back: the
    /// connection failed mid-way, a 5xx, an answer that cannot be read. A create without an
    /// idempotency token is not sent again on these before looking for what it may have made.
    public var outcomeUnknown: Bool {
        switch kind {
        case .transport: return true
        case .malformedResponse: return true
        case .service(let code, let status): return status >= 500 && !Self.throttlingCodes.contains(code)
        case .budgetExhausted, .refusedReadOnly: return false
        }
    }

    public var description: String {
        let attemptsText = attempts > 1 ? " after \(attempts) attempts" : ""
        let request = requestID.map { " (request id \($0))" } ?? ""
        switch kind {
        case .service(let code, let status):
            return "\(service) \(operation) failed\(attemptsText): \(code) (HTTP \(status)): \(message)\(request)"
        case .transport(let reason):
            return "\(service) \(operation) failed\(attemptsText): \(reason)"
        case .malformedResponse(let status, let reason):
            return "\(service) \(operation) returned a response Portico cannot read (HTTP \(status)): \(reason)\(request)"
        case .budgetExhausted(let seconds):
            return "\(service) \(operation) gave up\(attemptsText) when its \(Int(seconds)) s retry budget ran out; last error: \(message)"
        case .refusedReadOnly:
            return "\(service) \(operation) was not sent: this command is read-only and may only Describe, List or Get"
        }
    }
}
