import Foundation
import PorticoCore

/// The plan as people read it: one block per step, the fields that change, why.
enum PlanText {
    static func render(_ plan: Plan, style: TerminalStyle, showUnchanged: Bool = false) -> String {
        var out = ""
        let changes = plan.changes
        if changes.isEmpty {
            return style.paint("No changes.", "1;32") + " Live AWS matches the stack file.\n"
        }
        out += "Portico will make these changes to stack \(plan.stack):\n\n"
        for step in plan.steps where step.action != .noop || showUnchanged {
            let colour: String
            switch step.action {
            case .create: colour = "32"
            case .update: colour = "33"
            case .replace: colour = "35"
            case .delete: colour = "31"
            case .noop: colour = "0"
            }
            var head = "  \(style.paint(step.action.symbol.padding(toLength: 3, withPad: " ", startingAt: 0), "1;" + colour)) \(style.paint(step.address, "1")) (\(step.kind)"
            if let name = step.newName, step.action == .create || step.action == .replace { head += ", name \(name)" }
            head += ")"
            if step.action == .replace { head += " " + style.paint("replace, create before destroy", colour) }
            out += head + "\n"
            if let id = step.liveID, step.action != .create { out += "        id: \(id)\n" }
            let width = step.changes.map(\.field.count).max() ?? 0
            // A new resource's empty sets say nothing (no instances to attach to, say).
            for change in step.changes where !(change.live == nil && change.desired == .set([])) {
                let field = (change.field + ":").padding(toLength: width + 1, withPad: " ", startingAt: 0)
                var line = "        \(field) "
                if let live = change.live?.elements, let desired = change.desired.elements, live.count + desired.count > 2 {
                    // Long collections (rules, ingress rules) read as what goes and what comes.
                    out += line.trimmingTrailingSpaces + "\n"
                    for gone in live where !desired.contains(gone) { out += "          " + style.paint("- \(gone)", "31") + "\n" }
                    for added in desired where !live.contains(added) { out += "          " + style.paint("+ \(added)", "32") + "\n" }
                    continue
                }
                if let live = change.live {
                    line += "\(live) → \(change.desired)"
                } else if case .list(let desired) = change.desired, desired.count > 1 {
                    out += line.trimmingTrailingSpaces + "\n"
                    for added in desired { out += "          + \(added)\n" }
                    continue
                } else {
                    line += "\(change.desired)"
                }
                if change.forcesReplacement && step.action == .replace { line += style.paint("  # forces replacement", "35") }
                out += line + "\n"
            }
            for reason in step.reasons { out += "        " + style.paint("# \(reason)", "2") + "\n" }
        }
        out += "\n" + style.paint(plan.summary, "1") + "\n"
        return out
    }
}

/// `--json` output of plan (and of apply and destroy before they run), schema version 1,
/// described in docs/cli.md.
struct PlanDocument: Encodable {
    var schemaVersion = 1
    var stack: String
    var region: String
    var hasChanges: Bool
    var summary: Summary
    var steps: [Step]
    var problems: [Problem]
    var calls: Calls

    struct Summary: Encodable {
        var add: Int
        var change: Int
        var replace: Int
        var destroy: Int
    }

    struct Step: Encodable {
        var address: String
        var kind: String
        var action: String
        var liveId: String?
        var name: String?
        var reasons: [String]
        var changes: [Change]
    }

    struct Change: Encodable {
        var field: String
        var live: Value?
        var desired: Value
        var forcesReplacement: Bool
    }

    /// A text, a set (JSON array), or `{"knownAfterApply": true}`.
    enum Value: Encodable {
        case field(FieldValue)
        func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .field(.text(let text)): try container.encode(text)
            case .field(.set(let values)), .field(.list(let values)): try container.encode(values)
            case .field(.unknown): try container.encode(["knownAfterApply": true])
            }
        }
    }

    struct Problem: Encodable {
        var code: String
        var severity: String
        var message: String
        var file: String
        var line: Int
        var column: Int
    }

    struct Calls: Encodable {
        var count: Int
        var seconds: Double
    }

    init(plan: Plan, region: String, diagnostics: [Diagnostic], calls: Int, seconds: Double) {
        stack = plan.stack
        self.region = region
        hasChanges = plan.hasChanges
        summary = Summary(add: plan.count(.create), change: plan.count(.update), replace: plan.count(.replace), destroy: plan.count(.delete))
        steps = plan.steps.map { step in
            Step(address: step.address, kind: step.kind.rawValue, action: step.action.rawValue, liveId: step.liveID, name: step.newName, reasons: step.reasons,
                 changes: step.changes.map { Change(field: $0.field, live: $0.live.map(Value.field), desired: .field($0.desired), forcesReplacement: $0.forcesReplacement) })
        }
        problems = diagnostics.map { Problem(code: $0.code.rawValue, severity: $0.severity.rawValue, message: $0.message, file: $0.location.file, line: $0.location.line, column: $0.location.column) }
        self.calls = Calls(count: calls, seconds: (seconds * 1000).rounded() / 1000)
    }

}

extension String {
    var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
