import Foundation
import PorticoCore
import PorticoWire

/// Carries out a plan: creates and updates first, in dependency order and several at once,
/// then deletions, dependents first. A step that fails stops the steps that need it; steps
/// that do not need it still run. Deletions wait for every change step, so nothing is removed
/// while something might still point at it.
public struct Applier: Sendable {
    public struct Outcome: Sendable, Equatable {
        public enum State: Sendable, Equatable {
            case done
            case failed(String)
            /// Not attempted: a step it needs failed.
            case skipped(String)
            /// Stopped or not started because the run was asked to stop.
            case interrupted(String)
        }
        public var step: PlanStep
        public var state: State
        public var seconds: Double
    }

    public struct Report: Sendable {
        public var outcomes: [Outcome]
        /// Resources left as they were whose record of the applied spec was brought up to date.
        public var recorded = 0
        /// The run was asked to stop before it finished.
        public var interrupted = false
        public var succeeded: Bool { outcomes.allSatisfy { $0.state == .done } }
    }

    let stack: Stack
    let graph: StackGraph
    let world: LiveWorld
    let plan: Plan
    let client: AWSClient
    let wait: WaitSettings
    let parallelism: Int
    let disableDeletionProtection: Bool
    let stop: StopRequest
    let report: @Sendable (String) -> Void

    public init(stack: Stack, graph: StackGraph, world: LiveWorld, plan: Plan, client: AWSClient, wait: WaitSettings = WaitSettings(),
                parallelism: Int = 4, disableDeletionProtection: Bool = false, stop: StopRequest = StopRequest(), report: @escaping @Sendable (String) -> Void) {
        self.stop = stop
        self.stack = stack
        self.graph = graph
        self.world = world
        self.plan = plan
        self.client = client
        self.wait = wait
        self.parallelism = max(1, parallelism)
        self.disableDeletionProtection = disableDeletionProtection
        self.report = report
    }

    /// The steps to run, and for each the indexes of the steps it waits for.
    static func schedule(_ plan: Plan, graph: StackGraph) -> (steps: [PlanStep], needs: [[Int]]) {
        let steps = plan.steps.filter { $0.action != .noop }
        var changeIndexByNode: [StackGraph.Node: Int] = [:]
        for (index, step) in steps.enumerated() where step.action != .delete { changeIndexByNode[step.node] = index }
        let changeIndexes = steps.indices.filter { steps[$0].action != .delete }
        var needs: [[Int]] = Array(repeating: [], count: steps.count)
        for (index, step) in steps.enumerated() {
            if step.action == .delete {
                let rank = Plan.deletionRank(step)
                needs[index] = changeIndexes + steps.indices.filter { steps[$0].action == .delete && Plan.deletionRank(steps[$0]) < rank }
            } else {
                needs[index] = graph.dependencies(of: step.node).compactMap { changeIndexByNode[$0] }.filter { $0 != index }
            }
        }
        return (steps, needs)
    }

    public func run() async -> Report {
        let outputs = Outputs()
        await seed(outputs)
        let context = ApplyContext(stack: stack, world: world, outputs: outputs, ec2: EC2Calls(client: client), elbv2: ELBv2Calls(client: client),
                                   acm: ACMCalls(client: client), route53: Route53Calls(client: client), wait: wait,
                                   sleep: client.sleep, clock: client.clock, report: report, disableDeletionProtection: disableDeletionProtection,
                                   runID: "\(client.clock().timeIntervalSince1970)-\(client.random())",
                                   records: Self.records(plan, time: Int(client.clock().timeIntervalSince1970)),
                                   deletedIDs: Set(plan.steps.filter { $0.action == .delete && $0.node.part == .whole }.compactMap(\.liveID)), stop: stop,
                                   parallelism: parallelism)
        let (steps, needs) = Self.schedule(plan, graph: graph)
        var states: [Outcome?] = Array(repeating: nil, count: steps.count)
        var started = Set<Int>()
        let limit = parallelism

        await withTaskGroup(of: (Int, Outcome.State, Double).self) { group in
            var running = 0
            func startReady() {
                // Asked to stop: the steps under way finish (or give up their waits); no new one starts.
                if stop.isRequested { return }
                for index in steps.indices where !started.contains(index) && running < limit {
                    guard needs[index].allSatisfy({ states[$0]?.state == .done }) else { continue }
                    started.insert(index)
                    running += 1
                    let step = steps[index]
                    group.addTask {
                        let begin = Date()
                        do {
                            try await Self.perform(step, context)
                            // Bookkeeping for drift: the change is made whether or not its record can be written
                            // (a resource at its tag limit); without a record, drift counts differences as drift.
                            do {
                                if step.action == .delete { try await Recorder.forget(step, context) } else { try await Recorder.record(step, context) }
                            } catch {
                                context.report("warning: \(step.address): could not record the applied spec: \(Self.describe(error))")
                            }
                            return (index, .done, Date().timeIntervalSince(begin))
                        } catch let interruption as StepInterrupted {
                            return (index, .interrupted(interruption.message), Date().timeIntervalSince(begin))
                        } catch {
                            return (index, .failed(Self.describe(error)), Date().timeIntervalSince(begin))
                        }
                    }
                }
            }
            /// Marks every step that needs a failed or skipped one, however indirectly.
            func skipDependents() {
                var changed = true
                while changed {
                    changed = false
                    for index in steps.indices where !started.contains(index) {
                        if let blocker = needs[index].first(where: { states[$0].map { $0.state != .done } ?? false }) {
                            started.insert(index)
                            states[index] = Outcome(step: steps[index], state: .skipped("needs \(steps[blocker].address), which did not complete"), seconds: 0)
                            changed = true
                        }
                    }
                }
            }
            startReady()
            while let (index, state, seconds) = await group.next() {
                running -= 1
                states[index] = Outcome(step: steps[index], state: state, seconds: seconds)
                let step = steps[index]
                switch state {
                case .done: report("\(step.action.symbol) \(step.address): done in \(String(format: "%.1f", seconds)) s")
                case .failed(let message): report("\(step.action.symbol) \(step.address): FAILED: \(message)")
                case .interrupted(let message): report("\(step.action.symbol) \(step.address): interrupted: \(message)")
                case .skipped: break
                }
                if case .failed = state { skipDependents() }
                startReady()
            }
        }
        var recorded = 0
        let interrupted = stop.isRequested
        for step in interrupted ? [] : Recorder.staleRecords(plan, world: world) {
            do {
                try await Recorder.record(step, context)
                recorded += 1
            } catch {
                report("could not record the applied spec on \(step.address): \(Self.describe(error))")
            }
        }
        return Report(outcomes: states.enumerated().map { index, outcome in
            outcome ?? Outcome(step: steps[index], state: interrupted ? .interrupted("not started") : .skipped("not reached"), seconds: 0)
        }, recorded: recorded, interrupted: interrupted)
    }

    /// Each node's record, stamped with the run's time.
    static func records(_ plan: Plan, time: Int) -> [StackGraph.Node: String] {
        var records: [StackGraph.Node: String] = [:]
        for step in plan.steps where step.action != .delete {
            if let record = step.record, records[step.node] == nil { records[step.node] = record.stamped(time).text }
        }
        return records
    }

    /// Whether running the plan would do anything: steps to carry out, or records to bring up to date.
    public static func hasWork(_ plan: Plan, world: LiveWorld) -> Bool {
        plan.hasChanges || !Recorder.staleRecords(plan, world: world).isEmpty
    }

    /// What is live and stays is what later steps point at, unless a step replaces it.
    func seed(_ outputs: Outputs) async {
        let replacedOrDeleted = Set(plan.steps.filter { $0.action == .replace || $0.action == .delete }.compactMap(\.liveID))
        for step in plan.steps where (step.action == .noop || step.action == .update) && step.node.part == .whole {
            guard let id = step.liveID, !replacedOrDeleted.contains(id) else { continue }
            switch step.kind {
            case .securityGroup: await outputs.set(group: step.node.key, id)
            case .targetGroup: await outputs.set(targetGroup: step.node.key, id)
            case .certificate:
                let live = world.certificates.first { $0.arn == id }
                await outputs.set(certificate: step.node.key, id, records: live?.validationRecords ?? [])
            case .loadBalancer:
                if let live = world.loadBalancers.first(where: { $0.arn == id }) { await outputs.set(loadBalancer: step.node.key, live) }
            default: break
            }
        }
    }

    static func perform(_ step: PlanStep, _ context: ApplyContext) async throws {
        let driver = driver(for: step.kind)
        switch step.action {
        case .create, .replace: try await driver.create(step, context)
        case .update: try await driver.update(step, context)
        case .delete: try await driver.delete(step, context)
        case .noop: break
        }
    }

    static func describe(_ error: Error) -> String {
        if let error = error as? AWSError { return error.description }
        if let error = error as? ApplyError { return error.message }
        return "\(error)"
    }
}
