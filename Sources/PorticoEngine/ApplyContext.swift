import Foundation
import PorticoCore
import PorticoWire

/// How long apply waits for AWS, and how often it looks.
public struct WaitSettings: Sendable {
    public var pollSeconds: Double
    public var certificateTimeout: Double
    public var loadBalancerTimeout: Double
    /// Deletes AWS refuses while a dependency is still going away are retried this long.
    public var dependencyTimeout: Double

    public init(pollSeconds: Double = 5, certificateTimeout: Double = 1800, loadBalancerTimeout: Double = 600, dependencyTimeout: Double = 600) {
        self.pollSeconds = pollSeconds
        self.certificateTimeout = certificateTimeout
        self.loadBalancerTimeout = loadBalancerTimeout
        self.dependencyTimeout = dependencyTimeout
    }
}

/// A failure apply can explain: which step, what AWS or the wait said.
public struct ApplyError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A step given up because the run was asked to stop (Ctrl-C): what it had done stays, and
/// the next apply carries on from what is live.
struct StepInterrupted: Error, Sendable {
    var message: String
}

/// Whether the run was asked to stop; set from a signal handler, read by the steps.
public final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var requested = false

    public init() {}

    public func request() {
        lock.lock()
        requested = true
        lock.unlock()
    }

    public var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return requested
    }
}

/// What earlier steps of this apply produced (ids of what they created) on top of what was
/// live, so later steps can name them. Shared by steps running at once.
actor Outputs {
    var groupIDs: [String: String] = [:]
    var targetGroupARNs: [String: String] = [:]
    var certificateARNs: [String: String] = [:]
    var loadBalancers: [String: LiveLoadBalancer] = [:]
    /// Validation records of the certificates that stay, so a deleted certificate's records
    /// are removed only when no remaining certificate uses the same ones.
    var validationRecords: [String: [DNSRecord]] = [:]

    func set(group key: String, _ id: String) { groupIDs[key] = id }
    func set(targetGroup key: String, _ arn: String) { targetGroupARNs[key] = arn }
    func set(certificate key: String, _ arn: String, records: [DNSRecord]) {
        certificateARNs[key] = arn
        validationRecords[key] = records
    }
    func set(loadBalancer key: String, _ loadBalancer: LiveLoadBalancer) { loadBalancers[key] = loadBalancer }

    func recordsInUse() -> Set<DNSRecord> { Set(validationRecords.values.flatMap { $0 }) }
}

/// One holder at a time, across awaits (an actor alone is re-entered at each await). Instance
/// security groups are read and written whole, so two groups attached at once must take turns.
actor AsyncLock {
    private var held = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func withLock<T: Sendable>(_ body: @Sendable () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        if !held {
            held = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty { held = false } else { waiting.removeFirst().resume() }
    }
}

/// Everything a driver needs while apply runs.
struct ApplyContext: Sendable {
    let stack: Stack
    let world: LiveWorld
    let outputs: Outputs
    let ec2: EC2Calls
    let elbv2: ELBv2Calls
    let acm: ACMCalls
    let route53: Route53Calls
    let wait: WaitSettings
    let sleep: @Sendable (Double) async -> Void
    let clock: @Sendable () -> Date
    let report: @Sendable (String) -> Void
    let disableDeletionProtection: Bool
    /// Different for every apply run.
    let runID: String
    /// Each step's applied record, stamped with this run's time (see `Recorder`).
    let records: [StackGraph.Node: String]
    /// Live ids this run deletes whole (their records go with them).
    let deletedIDs: Set<String>
    let stop: StopRequest
    /// How many calls one step may have under way at once (rules of a listener, say).
    let parallelism: Int
    let instanceLock = AsyncLock()

    var stackName: String { stack.name.value }

    /// Tags for a created resource: the file's own tags, then the ownership tags.
    func tags(for key: String) -> [(String, String)] {
        stack.tags.map { ($0.key.value, $0.value.value) } + [(Ownership.stackTag, stackName), (Ownership.resourceTag, key)]
    }

    func resource(_ key: String) throws -> Resource {
        guard let resource = stack.resource(key) else { throw ApplyError("\(key) is not in the stack file") }
        return resource
    }

    // MARK: References, resolved to ids

    func vpcID(_ reference: Reference) throws -> String {
        guard let id = world.vpcID(reference) else { throw ApplyError("the vpc '\(reference)' was not found") }
        return id
    }

    func subnetIDs(_ references: [Located<Reference>]) throws -> [String] {
        try references.flatMap { reference in
            guard let ids = world.subnetIDs(reference.value) else { throw ApplyError("the subnets '\(reference.value)' were not found") }
            return ids
        }
    }

    func instanceIDs(_ references: [Located<Reference>]) throws -> [String] {
        try references.flatMap { reference in
            guard let ids = world.instanceIDs(reference.value) else { throw ApplyError("the instances '\(reference.value)' were not found") }
            return ids
        }
    }

    func zone(_ reference: Reference) throws -> LiveZone {
        guard let zone = world.zone(reference.description) else { throw ApplyError("the hosted zone '\(reference)' was not found") }
        return zone
    }

    func groupID(_ reference: Reference) async throws -> String {
        switch reference {
        case .awsID(let id): return id
        case .entry(let key):
            guard let id = await outputs.groupIDs[key] else { throw ApplyError("the security group '\(key)' does not exist yet") }
            return id
        }
    }

    func targetGroupARN(_ reference: Reference) async throws -> String {
        switch reference {
        case .awsID(let arn): return arn
        case .entry(let key):
            guard let arn = await outputs.targetGroupARNs[key] else { throw ApplyError("the target group '\(key)' does not exist yet") }
            return arn
        }
    }

    func certificateARN(_ reference: Reference) async throws -> String {
        switch reference {
        case .awsID(let arn): return arn
        case .entry(let key):
            guard let arn = await outputs.certificateARNs[key] else { throw ApplyError("the certificate '\(key)' does not exist yet") }
            return arn
        }
    }

    func loadBalancer(_ key: String) async throws -> LiveLoadBalancer {
        guard let loadBalancer = await outputs.loadBalancers[key] else { throw ApplyError("the load balancer '\(key)' does not exist yet") }
        return loadBalancer
    }

    // MARK: Creating exactly once

    /// What a lookup after an uncertain create found: its id, its tags, and the value the create returns.
    struct Found<T: Sendable>: Sendable {
        var id: String
        var tags: [String: String]
        var value: T
    }

    /// Creates a resource AWS gives no idempotency token for (a group, a target group, a load
    /// balancer, a listener), at most once. When the outcome of a create is unknown (the
    /// connection dropped after sending, a 5xx, an answer that cannot be read) or AWS says the
    /// name is taken, the resource is looked up first: if it is there and tagged as this
    /// entry's, from its first moment, it is the one the lost attempt made and is used as is.
    /// Only when it is not there is the create sent again. A resource with the name that is
    /// not this entry's is someone else's and is left alone.
    func createOnce<T: Sendable>(_ what: String, key: String, duplicateCodes: Set<String>,
                                 lookup: () async throws -> Found<T>?, create: () async throws -> T) async throws -> T {
        let retry = ec2.client.retry
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await create()
            } catch let error as AWSError where error.outcomeUnknown || duplicateCodes.contains(error.code ?? "") {
                if let found = try await lookup() {
                    guard found.tags[Ownership.stackTag] == stackName, found.tags[Ownership.resourceTag] == key else {
                        let owner = found.tags[Ownership.stackTag].map { "stack \($0)'s \(found.tags[Ownership.resourceTag] ?? "?")" } ?? "not made by Portico"
                        throw ApplyError("\(what) already exists (\(found.id), \(owner)); it is not \(key) of stack \(stackName), so it was left alone. Rename the entry (name:) or remove that resource")
                    }
                    report("\(what): made by an earlier attempt whose answer was lost; using \(found.id)")
                    return found.value
                }
                guard error.outcomeUnknown, attempt < retry.maxAttempts, !stop.isRequested else { throw error }
                report("\(what): \(error.description); it was not made, creating it again")
                await sleep(retry.delay(afterAttempt: attempt, unit: 0.5))
            }
        }
    }

    // MARK: Many calls at once

    /// Runs `body` for each item, at most `parallelism` at a time; the first error is thrown
    /// once the calls under way have finished. No new call starts after a stop request.
    func forEach<Item: Sendable>(_ items: [Item], _ body: @escaping @Sendable (Item) async throws -> Void) async throws {
        guard items.count > 1, parallelism > 1 else {
            for item in items {
                if stop.isRequested { throw StepInterrupted(message: "stopped before every call of this step was made") }
                try await body(item)
            }
            return
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            var firstError: Error?
            func startNext() {
                guard next < items.count, firstError == nil, !stop.isRequested else { return }
                let item = items[next]
                next += 1
                group.addTask { try await body(item) }
            }
            for _ in 0..<min(parallelism, items.count) { startNext() }
            while let result = await group.nextResult() {
                if case .failure(let error) = result, firstError == nil { firstError = error }
                startNext()
            }
            if let firstError { throw firstError }
            if next < items.count { throw StepInterrupted(message: "stopped before every call of this step was made") }
        }
    }

    // MARK: Waiting and retrying

    /// Polls `check` until it returns a value or `timeout` passes; `pending` says what is still awaited.
    func waitFor<T: Sendable>(_ what: String, timeout: Double, _ check: () async throws -> (T?, String)) async throws -> T {
        let started = clock()
        var lastState = ""
        while true {
            // What is awaited goes on in AWS without us; the next apply sees where it got to.
            if stop.isRequested { throw StepInterrupted(message: "stopped waiting for \(what)\(lastState.isEmpty ? "" : " (\(lastState))")") }
            let (value, state) = try await check()
            if let value { return value }
            if state != lastState { report("waiting for \(what): \(state)") }
            lastState = state
            if clock().timeIntervalSince(started) >= timeout {
                throw ApplyError("gave up waiting for \(what) after \(Int(timeout)) s: \(state)")
            }
            await sleep(wait.pollSeconds)
        }
    }

    /// Runs `body`, retrying while AWS answers one of `codes` (a dependency still going away).
    func retrying(_ what: String, codes: Set<String>, _ body: () async throws -> Void) async throws {
        let started = clock()
        while true {
            do {
                try await body()
                return
            } catch let error as AWSError where error.code.map(codes.contains) ?? false {
                if clock().timeIntervalSince(started) >= wait.dependencyTimeout { throw error }
                if stop.isRequested { throw StepInterrupted(message: "stopped retrying \(what) (\(error.code ?? ""))") }
                report("\(what): \(error.code ?? "") (\(error.message)); retrying")
                await sleep(wait.pollSeconds)
            }
        }
    }
}

extension AWSError {
    /// Whether the error says the thing is already gone: deleting it again succeeds.
    var isNotFound: Bool {
        guard let code else { return false }
        return code.hasSuffix("NotFound") || code == "ResourceNotFoundException" || code == "NoSuchHostedZone"
    }
}
