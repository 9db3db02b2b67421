import ArgumentParser
import Foundation
import PorticoCore
import PorticoEngine
import PorticoWire

/// A plan written by `plan --out` for `apply FILE`: the plan itself (as in `plan --json`), the
/// stack file's SHA-256, and a fingerprint of every live read the plan was made from. No
/// credentials, tokens or signatures: only what the plan already shows.
struct SavedPlan: Encodable {
    static let kind = "portico-plan"
    static let schemaVersion = 1

    var kind = SavedPlan.kind
    var schemaVersion = SavedPlan.schemaVersion
    var porticoVersion = Portico.version
    var createdAt: String
    var stackFile: String
    var stackFileSHA256: String
    var stack: String
    var region: String
    var plan: PlanDocument
    /// Read name to SHA-256 of what it returned (docs/ci.md, "Saved plans").
    var reads: [String: String]

    init(_ run: Reconciliation, stackPath: String) throws {
        createdAt = ISO8601DateFormatter().string(from: Date())
        stackFile = stackPath
        stackFileSHA256 = try Self.sha256(ofFile: stackPath)
        stack = run.stack.name.value
        region = run.stack.region.value
        plan = run.document
        reads = LiveFingerprint.reads(of: run.world, stack: run.stack)
    }

    func write(to path: String) throws {
        try Data((json() + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    static func sha256(ofFile path: String) throws -> String {
        Digest.hex(Digest.sha256(Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
    }

    /// What `apply` needs back from the file.
    struct Header: Decodable {
        struct PlanPart: Decodable {
            struct Step: Decodable {
                var address: String
                var action: String
            }
            var steps: [Step]
        }
        var kind: String
        var schemaVersion: Int
        var createdAt: String
        var stackFile: String
        var stackFileSHA256: String
        var stack: String
        var plan: PlanPart
        var reads: [String: String]
    }

    /// The saved plan in `path`, or nil when `path` is not one (a stack file).
    static func read(_ path: String) -> Header? {
        guard let data = FileManager.default.contents(atPath: path), data.first(where: { !" \t\r\n".utf8.contains($0) }) == UInt8(ascii: "{"),
              let header = try? JSONDecoder().decode(Header.self, from: data), header.kind == kind else { return nil }
        return header
    }
}

extension SavedPlan.Header {
    /// Re-reads AWS under the stack's lock and carries the plan out only if nothing it was made
    /// from moved: the file, any live read, and so the steps.
    func carryOut(aws: AWSOptions, waiting: WaitOptions, locking: LockOptions, format: ReportFormat, disableDeletionProtection: Bool) async throws {
        guard schemaVersion == SavedPlan.schemaVersion else {
            throw fail("the plan file has schema version \(schemaVersion); this Portico reads version \(SavedPlan.schemaVersion). Make a new plan")
        }
        let currentHash: String
        do {
            currentHash = try SavedPlan.sha256(ofFile: stackFile)
        } catch {
            throw fail("the plan was made from \(stackFile), which cannot be read here (\(error.localizedDescription)); run apply from the directory plan ran in")
        }
        guard currentHash == stackFileSHA256 else {
            throw fail("\(stackFile) changed since the plan was made (\(createdAt)): SHA-256 \(stackFileSHA256.prefix(12))… then, \(currentHash.prefix(12))… now. Nothing was changed; make a new plan")
        }
        try await Reconciliation.underLock(.apply, path: stackFile, aws: aws, allowDeletingProtected: disableDeletionProtection, waiting: waiting,
                                           locking: locking) { run, progress in
            let moved = LiveFingerprint.moved(from: reads, to: LiveFingerprint.reads(of: run.world, stack: run.stack))
            guard moved.isEmpty else {
                let lines = moved.map { "  \($0)" }.joined(separator: "\n")
                throw fail("AWS changed since the plan was made (\(createdAt)); nothing was changed. What moved:\n\(lines)\nMake a new plan and review it")
            }
            let planned = plan.steps.filter { $0.action != "noop" }.map { "\($0.action) \($0.address)" }
            let now = run.plan.steps.filter { $0.action != .noop }.map { "\($0.action.rawValue) \($0.address)" }
            guard planned == now else {
                throw fail("the plan made now differs from the saved one (\(planned.joined(separator: ", ")) then; \(now.joined(separator: ", ")) now); nothing was changed. Make a new plan")
            }
            guard run.show(format) else { throw ExitCode(1) }
            FileHandle.standardError.write(Data("Carrying out the saved plan of \(createdAt): the stack file and AWS are as they were.\n".utf8))
            guard Applier.hasWork(run.plan, world: run.world) else { return }
            try await run.execute(wait: waiting.settings, parallelism: waiting.parallelism, disableDeletionProtection: disableDeletionProtection,
                                  progress: progress, again: "apply")
        }
    }
}

/// A plan as a pull-request comment: the summary first, each step folded.
enum PlanMarkdown {
    static func render(_ plan: Plan, stack: Stack, diagnostics: [Diagnostic], calls: String) -> String {
        var out = "### Portico plan: `\(stack.name.value)` (\(stack.region.value))\n\n"
        for diagnostic in diagnostics {
            out += "- **\(diagnostic.severity.rawValue)** `\(diagnostic.location.file):\(diagnostic.location.line):\(diagnostic.location.column)` \(diagnostic.message) (`\(diagnostic.code.rawValue)`)\n"
        }
        if !diagnostics.isEmpty { out += "\n" }
        if diagnostics.hasErrors { return out + "The plan cannot be made until the problems above are fixed.\n" }
        out += "**\(plan.summary)**\n\n"
        let changes = plan.changes
        if !changes.isEmpty {
            out += "| | resource | kind | why |\n|---|---|---|---|\n"
            for step in changes {
                let why = step.reasons.first ?? (step.action == .update ? step.changes.map(\.field).joined(separator: ", ") : "")
                out += "| `\(step.action.symbol)` | `\(step.address)` | \(step.kind.rawValue) | \(cell(why)) |\n"
            }
            out += "\n<details><summary>Details</summary>\n\n```diff\n"
            out += PlanText.render(plan, style: .plain).split(separator: "\n", omittingEmptySubsequences: false).map { line in
                let trimmed = line.drop { $0 == " " }
                if trimmed.hasPrefix("+/-") { return "!" + line }
                if trimmed.hasPrefix("+") { return "+" + line }
                if trimmed.hasPrefix("-") { return "-" + line }
                if trimmed.hasPrefix("~") { return "!" + line }
                return " " + line
            }.joined(separator: "\n")
            out += "```\n\n</details>\n\n"
        }
        out += "<sub>\(calls)</sub>\n"
        return out
    }

    static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ") }
}
