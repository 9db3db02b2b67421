/// Capped exponential backoff with full jitter, a bounded number of attempts, and a time budget
/// for the whole call (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    /// The first backoff's upper bound, in seconds.
    public var baseDelay: Double
    /// No backoff is longer than this.
    public var maxDelay: Double
    /// No call goes on longer than this, retries included.
    public var budget: Double

    public init(maxAttempts: Int = 6, baseDelay: Double = 0.25, maxDelay: Double = 20, budget: Double = 120) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.budget = budget
    }

    public static let standard = RetryPolicy()

    /// The ceiling of the wait after failed attempt `attempt` (1-based): base·2^(attempt-1), capped.
    public func backoffCeiling(afterAttempt attempt: Int) -> Double {
        min(maxDelay, baseDelay * Double(1 << min(max(attempt - 1, 0), 30)))
    }

    /// Full jitter: a uniformly random wait between zero and the ceiling. `unit` is a number in
    /// [0, 1) from the caller, so tests can fix it.
    public func delay(afterAttempt attempt: Int, unit: Double) -> Double {
        backoffCeiling(afterAttempt: attempt) * min(max(unit, 0), 1)
    }
}
