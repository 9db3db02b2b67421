import ArgumentParser
import Foundation
import PorticoCore
import PorticoEngine
import PorticoStackFile
import PorticoWire

/// `--lock-timeout` of apply and destroy.
struct LockOptions: ParsableArguments {
    @Option(help: "Seconds to wait for another apply or destroy of the stack to finish (0: refuse at once).")
    var lockTimeout: Double = 0
}

/// The lock an apply or destroy holds while it reads, plans and changes AWS.
struct HeldLock {
    var lock: StackLock
    var holder: StackLock.Holder

    /// Takes the stack's lock, waiting up to `timeout`; refuses naming the holder otherwise.
    static func take(_ stack: Stack, client: AWSClient, command: String, timeout: Double, poll: Double, progress: Progress) async throws -> HeldLock? {
        guard let lock = try await StackLock.locate(stack, client: client) else {
            if !stack.existing.contains(where: { $0.kind == .hostedZone }) {
                progress.line("warning: stack \(stack.name.value) names no hosted zone, where Portico keeps its lock; this run is not protected from a concurrent apply")
            }
            return nil
        }
        let identity = (try? await CallerIdentity.fetch(client))?.arn ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        let holder = StackLock.Holder(who: identity, since: Date(), run: UUID().uuidString.lowercased().prefix(13).description, command: command, host: hostDescription)
        let started = Date()
        var reported = false
        while true {
            switch try await lock.acquire(holder) {
            case .acquired:
                return HeldLock(lock: lock, holder: holder)
            case .heldBy(let other) where holderIsGone(other):
                progress.line("the lock of \(other.describe(now: Date())) was left by a process of this machine that is gone; taking it over")
                try await lock.breakLock(other)
            case .heldBy(let other):
                let elapsed = Date().timeIntervalSince(started)
                if elapsed >= timeout {
                    throw fail("""
                        stack \(stack.name.value) is locked by \(other.describe(now: Date())).
                        Nothing was planned or changed. Wait for that run (--lock-timeout SECONDS waits), or if it is dead, break the lock: portico unlock \(stack.file)
                        """)
                }
                if Interruption.shared.stop.isRequested { throw ExitCode(130) }
                if !reported { progress.line("waiting for the lock held by \(other.describe(now: Date()))") }
                reported = true
                try? await Task.sleep(nanoseconds: UInt64(min(poll, max(0.1, timeout - elapsed)) * 1_000_000_000))
            }
        }
    }

    func release(progress: Progress) async {
        do {
            if try await !lock.release(holder) { progress.line("warning: the lock was broken while this run held it; another run may have changed the stack") }
        } catch {
            progress.line("warning: could not release the lock \(lock.recordName) in \(lock.zone.name): \(error); break it with 'portico unlock'")
        }
    }

    /// Whether the holder was a run on this machine whose process no longer exists (killed,
    /// crashed). A process id reused since only makes this say no: the safe way to be wrong.
    static func holderIsGone(_ holder: StackLock.Holder) -> Bool {
        guard let colon = holder.host.lastIndex(of: ":"), String(holder.host[..<colon]) == ProcessInfo.processInfo.hostName,
              let pid = Int32(holder.host[holder.host.index(after: colon)...]), pid > 0, pid != getpid() else { return false }
        return kill(pid, 0) == -1 && errno == ESRCH
    }

    /// `host` in the lock: the machine, or the CI run that holds it.
    static var hostDescription: String {
        let environment = ProcessInfo.processInfo.environment
        if let repository = environment["GITHUB_REPOSITORY"], let run = environment["GITHUB_RUN_ID"] { return "github.com/\(repository)/actions/runs/\(run)" }
        return ProcessInfo.processInfo.hostName + ":\(getpid())"
    }
}

struct Unlock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Break a stack's lock left by an apply or destroy that died: says whose it was and since when, then removes it.",
        discussion: "Asks for 'yes' on a terminal; without one it refuses unless --auto-approve is given.")

    @OptionGroup var aws: AWSOptions
    @Flag(help: "Do not ask for confirmation.") var autoApprove = false
    @Argument(help: "The stack file.") var stack: String

    func run() async throws {
        let validation = StackValidator.validate(path: stack)
        guard let stackModel = validation.stack, !validation.hasErrors else {
            FileHandle.standardError.write(Data(DiagnosticText.render(validation.diagnostics, style: .plain).utf8))
            throw fail("\(stack) has errors; nothing was read from or changed in AWS")
        }
        var options = aws
        options.region = stackModel.region.value
        let client = try options.session(stackRegion: stackModel.region.value).client()
        do {
            guard let lock = try await StackLock.locate(stackModel, client: client) else {
                let names = stackModel.existing.contains { $0.kind == .hostedZone }
                print("Stack \(stackModel.name.value) has no lock: \(names ? "its hosted zone was not found" : "it names no hosted zone").")
                return
            }
            guard let holder = try await lock.holderNow else {
                print("Stack \(stackModel.name.value) is not locked (\(lock.recordName) is not in \(lock.zone.name)).")
                return
            }
            print("Stack \(stackModel.name.value) is locked by \(holder.describe(now: Date())).")
            try Reconciliation.confirm("Break this lock? If that run is still going, two runs will change the stack at once.", autoApprove: autoApprove)
            try await lock.breakLock(holder)
            print("Lock broken.")
        } catch let error as AWSError {
            throw fail("\(error)")
        }
    }
}
