import ArgumentParser
import Foundation
import PorticoCore
import PorticoEngine
import PorticoStackFile
import PorticoWire

/// Counts AWS calls for the closing line of a plan; shared by concurrent calls.
final class CallCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var calls = 0
    func add() { lock.lock(); calls += 1; lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return calls }
}

/// Progress on standard error, so standard output stays the plan or JSON: timestamped lines;
/// on a terminal, "waiting" messages share one live line that the next message replaces.
final class Progress: @unchecked Sendable {
    private let started = Date()
    private let live = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb" && !RunEnvironment.isCI
    private let lock = NSLock()
    private var lineOpen = false

    func line(_ text: String) {
        let stamp = String(format: "[%6.1fs] ", Date().timeIntervalSince(started))
        lock.lock()
        defer { lock.unlock() }
        var out = lineOpen ? "\r\u{1B}[K" : ""
        lineOpen = live && text.hasPrefix("waiting for ")
        out += stamp + text + (lineOpen ? "" : "\n")
        FileHandle.standardError.write(Data(out.utf8))
    }
}

/// The part every reconcile command shares: read and check the file, read AWS, plan.
struct Reconciliation {
    var stack: Stack
    var graph: StackGraph
    var session: AWSSession
    var client: AWSClient
    var world: LiveWorld
    var plan: Plan
    var diagnostics: [Diagnostic]
    var counter: CallCounter
    var seconds: Double
    /// Held by apply and destroy from before the reads until the run ends.
    var lock: HeldLock?

    static func prepare(path: String, aws: AWSOptions, mode: Planner.Mode, allowDeletingProtected: Bool, readOnly: Bool = false,
                        beforeReading: ((AWSClient, Stack) async throws -> HeldLock?)? = nil) async throws -> Reconciliation {
        let validation = StackValidator.validate(path: path)
        let style = TerminalStyle(color: TerminalStyle.forStandardOutput().color && isatty(STDERR_FILENO) == 1)
        if !validation.diagnostics.isEmpty {
            FileHandle.standardError.write(Data(DiagnosticText.render(validation.diagnostics.filter { $0.severity != .note }, style: style).utf8))
        }
        guard let stack = validation.stack, let graph = validation.graph, !validation.hasErrors else {
            throw fail("\(path) has errors; nothing was read from or changed in AWS")
        }
        if let region = aws.region, region != stack.region.value {
            throw fail("--region \(region) differs from the stack file's region \(stack.region.value) (\(stack.region.location)); the file says where the stack lives")
        }
        let counter = CallCounter()
        let debug = aws.debug
        let session: AWSSession
        do {
            var options = aws
            options.region = stack.region.value
            session = try options.session(stackRegion: stack.region.value, onCall: { call in
                counter.add()
                if debug { FileHandle.standardError.write(Data((call.line + "\n").utf8)) }
            })
        } catch {
            throw fail("\(error)")
        }
        var client = session.client()
        client.readOnly = readOnly
        let lock: HeldLock?
        do {
            lock = try await beforeReading?(client, stack)
        } catch let error as AWSError {
            throw fail("taking the stack's lock: \(error)")
        }
        let started = Date()
        let outcome: Observer.Outcome
        do {
            outcome = try await Observer(client: client).observe(stack, strictLookups: mode != .destroy)
        } catch {
            await lock?.release(progress: Progress())
            throw fail("reading AWS: \(error)")
        }
        var diagnostics = outcome.diagnostics
        if mode == .apply && !diagnostics.hasErrors { diagnostics += LiveChecks.check(stack, outcome.world) }
        var plan = Plan(stack: stack.name.value, steps: [])
        if !diagnostics.hasErrors {
            let result = Planner(stack: stack, graph: graph, world: outcome.world).plan(mode: mode, allowDeletingProtected: allowDeletingProtected)
            plan = result.plan
            diagnostics += result.diagnostics
        }
        return Reconciliation(stack: stack, graph: graph, session: session, client: client, world: outcome.world, plan: plan,
                              diagnostics: diagnostics, counter: counter, seconds: Date().timeIntervalSince(started), lock: lock)
    }

    var callLine: String { "AWS: \(counter.count) calls in \(String(format: "%.2f", seconds)) s." }

    var document: PlanDocument { PlanDocument(plan: plan, region: stack.region.value, diagnostics: diagnostics, calls: counter.count, seconds: seconds) }

    /// Prints the plan in `format` and any plan-time problems. Returns false when a problem stops it.
    func show(_ format: ReportFormat) -> Bool {
        let style = TerminalStyle.forStandardOutput()
        switch format {
        case .json:
            print(document.json())
        case .markdown:
            print(PlanMarkdown.render(plan, stack: stack, diagnostics: diagnostics, calls: callLine), terminator: "")
        case .github:
            print(GitHubAnnotations.render(diagnostics), terminator: "")
            if !diagnostics.hasErrors { print(PlanText.render(plan, style: .plain), terminator: "") }
            print(callLine)
        case .text:
            if !diagnostics.isEmpty {
                FileHandle.standardError.write(Data(DiagnosticText.render(diagnostics, style: TerminalStyle(color: style.color && isatty(STDERR_FILENO) == 1)).utf8))
            }
            if !diagnostics.hasErrors { print(PlanText.render(plan, style: style), terminator: "") }
            print(callLine)
        }
        return !diagnostics.hasErrors
    }

    func releaseLock(_ progress: Progress) async { await lock?.release(progress: progress) }

    /// Asks on a terminal; refuses without one unless approved in advance.
    static func confirm(_ question: String, autoApprove: Bool) throws {
        if autoApprove { return }
        guard isatty(STDIN_FILENO) == 1 else {
            throw fail("no terminal to ask for confirmation; pass --auto-approve to run without asking")
        }
        print("\n\(question) Only 'yes' is accepted: ", terminator: "")
        fflush(nil)
        guard readLine()?.trimmingCharacters(in: .whitespaces) == "yes" else {
            FileHandle.standardError.write(Data("portico: cancelled; nothing was changed.\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Runs the plan and prints what was and was not done. Exits 1 when a step failed, 130 when interrupted.
    func execute(wait: WaitSettings, parallelism: Int, disableDeletionProtection: Bool, progress: Progress, again: String) async throws {
        Interruption.shared.enter(.changing)
        let applier = Applier(stack: stack, graph: graph, world: world, plan: plan, client: client, wait: wait, parallelism: parallelism,
                              disableDeletionProtection: disableDeletionProtection, stop: Interruption.shared.stop, report: progress.line)
        let report = await applier.run()
        let done = report.outcomes.filter { $0.state == .done }
        let recorded = report.recorded > 0 ? " Recorded the applied spec on \(report.recorded) unchanged resource(s)." : ""
        if report.succeeded {
            print("Done: \(done.count) step(s) carried out.\(recorded)")
            return
        }
        var failed: [(PlanStep, String)] = [], skipped: [(PlanStep, String)] = [], interrupted: [(PlanStep, String)] = []
        for outcome in report.outcomes {
            switch outcome.state {
            case .done: break
            case .failed(let message): failed.append((outcome.step, message))
            case .skipped(let message): skipped.append((outcome.step, message))
            case .interrupted(let message): interrupted.append((outcome.step, message))
            }
        }
        if report.interrupted {
            print("Interrupted: \(done.count) step(s) done, \(interrupted.count) stopped or not started, \(failed.count) failed.")
        } else {
            print("Stopped: \(done.count) step(s) done, \(failed.count) failed, \(skipped.count) not attempted.")
        }
        for outcome in done { print("  done:    \(outcome.step.action.symbol) \(outcome.step.address)") }
        for (step, message) in failed { print("  failed:  \(step.action.symbol) \(step.address): \(message)") }
        for (step, message) in interrupted { print("  stopped: \(step.action.symbol) \(step.address): \(message)") }
        for (step, message) in skipped { print("  not run: \(step.action.symbol) \(step.address): \(message)") }
        print("Run \(again) again to continue from what is live now; nothing done is undone.")
        throw ExitCode(report.interrupted ? 130 : 1)
    }
}

extension Reconciliation {
    /// apply and destroy: lock, plan, show, ask, run, unlock; exit 1 when anything stops it.
    static func carryOut(_ mode: Planner.Mode, stack path: String, aws: AWSOptions, waiting: WaitOptions, locking: LockOptions, options: RunOptions,
                         question: String) async throws {
        let (autoApprove, format, disableDeletionProtection) = (options.autoApprove, options.reportFormat, options.disableDeletionProtection)
        try await underLock(mode, path: path, aws: aws, allowDeletingProtected: disableDeletionProtection, waiting: waiting, locking: locking) { run, progress in
            guard run.show(format) else { throw ExitCode(1) }
            guard Applier.hasWork(run.plan, world: run.world) else { return }
            if run.plan.hasChanges { try confirm("\(question) stack \(run.stack.name.value) in \(run.stack.region.value)?", autoApprove: autoApprove) }
            try await run.execute(wait: waiting.settings, parallelism: waiting.parallelism, disableDeletionProtection: disableDeletionProtection,
                                  progress: progress, again: mode == .destroy ? "destroy" : "apply")
        }
    }

    /// Takes the stack's lock, reads AWS and plans, runs `body`, and releases the lock however
    /// `body` ends.
    static func underLock(_ mode: Planner.Mode, path: String, aws: AWSOptions, allowDeletingProtected: Bool, waiting: WaitOptions, locking: LockOptions,
                          _ body: (Reconciliation, Progress) async throws -> Void) async throws {
        let progress = Progress()
        Interruption.shared.install()
        let run = try await prepare(path: path, aws: aws, mode: mode, allowDeletingProtected: allowDeletingProtected, beforeReading: { client, stack in
            let held = try await HeldLock.take(stack, client: client, command: mode == .destroy ? "destroy" : "apply", timeout: locking.lockTimeout,
                                               poll: waiting.pollSeconds, progress: progress)
            await Interruption.shared.onStopBeforeChanges { await held?.release(progress: progress) }
            return held
        })
        do {
            try await body(run, progress)
        } catch {
            await run.releaseLock(progress)
            throw error
        }
        await run.releaseLock(progress)
    }
}

/// Flags shared by apply and destroy.
struct RunOptions: ParsableArguments {
    @Flag(help: "Do not ask for confirmation (pipelines).") var autoApprove = false
    @Option(help: "How to print the plan before carrying it out: text, json, markdown or github.") var format: ReportFormat = .text
    @Flag(help: "Same as --format json.") var json = false
    @Flag(help: "Turn deletion protection off on the stack's load balancers where the plan replaces or deletes them.") var disableDeletionProtection = false

    var reportFormat: ReportFormat { json ? .json : format }
}

/// Waiting flags shared by apply and destroy.
struct WaitOptions: ParsableArguments {
    @Option(help: "Seconds between checks while waiting for AWS.")
    var pollSeconds: Double = 5

    @Option(help: "Seconds to wait for a certificate to be issued.")
    var certificateTimeout: Double = 1800

    @Option(help: "Seconds to wait for a load balancer to become active or go away.")
    var loadBalancerTimeout: Double = 600

    @Option(help: "Steps run at once, at most.")
    var parallelism: Int = 4

    var settings: WaitSettings {
        WaitSettings(pollSeconds: pollSeconds, certificateTimeout: certificateTimeout, loadBalancerTimeout: loadBalancerTimeout, dependencyTimeout: max(certificateTimeout, loadBalancerTimeout) / 3)
    }
}

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what apply would change, reading AWS and changing nothing.",
        discussion: "Exit 0 (with --detailed-exitcode: 0 no changes, 2 changes), 1 on an error.")

    @OptionGroup var aws: AWSOptions
    @Option(help: "Output format: text, json, markdown (for a pull-request comment) or github (annotations).") var format: ReportFormat = .text
    @Flag(help: "Same as --format json.") var json = false
    @Option(help: "Also write the plan to this file, for 'portico apply FILE' (refused there if the file or AWS moved since).") var out: String?
    @Flag(name: .customLong("detailed-exitcode"), help: "Exit 2 when there are changes, 0 when there are none.") var detailedExitCode = false
    @Argument(help: "The stack file.") var stack: String

    func run() async throws {
        let run = try await Reconciliation.prepare(path: stack, aws: aws, mode: .apply, allowDeletingProtected: true)
        guard run.show(json ? .json : format) else { throw ExitCode(1) }
        if let out {
            do {
                try SavedPlan(run, stackPath: stack).write(to: out)
            } catch {
                throw fail("writing the plan to \(out): \(error)")
            }
            FileHandle.standardError.write(Data("Plan written to \(out); carry it out with: portico apply \(out)\n".utf8))
        }
        if detailedExitCode && run.plan.hasChanges { throw ExitCode(2) }
    }
}

struct Apply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make AWS match the stack file: show the plan, ask, carry it out. Or carry out a plan saved by 'plan --out'.",
        discussion: """
        Asks for 'yes' on a terminal. Without a terminal it refuses unless --auto-approve is given.
        Given a saved plan, it does not ask (the plan was the approval), but refuses when the stack
        file or anything the plan read in AWS changed since the plan was made.
        Holds the stack's lock while it runs (docs/ci.md).
        """)

    @OptionGroup var aws: AWSOptions
    @OptionGroup var waiting: WaitOptions
    @OptionGroup var locking: LockOptions
    @OptionGroup var options: RunOptions
    @Argument(help: "The stack file, or a plan file written by 'portico plan --out'.") var stack: String

    func run() async throws {
        if let saved = SavedPlan.read(stack) {
            try await saved.carryOut(aws: aws, waiting: waiting, locking: locking, format: options.reportFormat, disableDeletionProtection: options.disableDeletionProtection)
            return
        }
        try await Reconciliation.carryOut(.apply, stack: stack, aws: aws, waiting: waiting, locking: locking, options: options, question: "Apply these changes to")
    }
}

struct Destroy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete everything the stack owns (found by its tags), dependents first. Existing entries are never touched.")

    @OptionGroup var aws: AWSOptions
    @OptionGroup var waiting: WaitOptions
    @OptionGroup var locking: LockOptions
    @OptionGroup var options: RunOptions
    @Argument(help: "The stack file.") var stack: String

    func run() async throws {
        try await Reconciliation.carryOut(.destroy, stack: stack, aws: aws, waiting: waiting, locking: locking, options: options, question: "Destroy everything owned by")
    }
}
