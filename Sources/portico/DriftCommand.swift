import ArgumentParser
import Foundation
import PorticoCore

struct Drift: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tell whether live AWS still matches the stack file, and why not: drift (changed in AWS) or pending (file not applied).",
        discussion: """
        Makes only Describe, List and Get calls: its AWS client refuses anything else, so read-only
        credentials are enough. Exit 0 in sync, 2 drift (with or without pending), 3 pending only, 1 error.
        """)

    @OptionGroup var aws: AWSOptions
    @Option(help: "Output format: text, json, markdown or github (annotations on the stack file's lines).") var format: ReportFormat = .text
    @Flag(help: "Same as --format json.") var json = false
    @Argument(help: "The stack file.") var stack: String

    func run() async throws {
        let format = json ? .json : format
        let run = try await Reconciliation.prepare(path: stack, aws: aws, mode: .drift, allowDeletingProtected: true, readOnly: true)
        if run.diagnostics.hasErrors {
            if format == .json {
                print(DriftDocument(report: nil, run: run).json())
            } else if format == .github {
                print(GitHubAnnotations.render(run.diagnostics), terminator: "")
            } else {
                FileHandle.standardError.write(Data(DiagnosticText.render(run.diagnostics, style: .plain).utf8))
            }
            throw ExitCode(1)
        }
        let report = DriftReport(plan: run.plan, stack: run.stack, world: run.world)
        switch format {
        case .json: print(DriftDocument(report: report, run: run).json())
        case .text: print(DriftText.render(report, stack: run.stack, style: TerminalStyle.forStandardOutput()) + run.callLine)
        case .markdown: print(DriftText.markdown(report, stack: run.stack))
        case .github:
            print(DriftText.annotations(report, stack: run.stack), terminator: "")
            print(DriftText.render(report, stack: run.stack, style: .plain) + run.callLine)
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}

enum DriftText {
    static func render(_ report: DriftReport, stack: Stack, style: TerminalStyle) -> String {
        var out = style.paint(report.headline, report.inSync ? "1;32" : report.drifted ? "1;31" : "1;33") + "\n"
        if report.inSync { return out }
        out += "\n"
        for difference in report.differences {
            let label = difference.class.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
            out += "  \(style.paint(label, difference.class == .drift ? "1;31" : "1;33")) \(style.paint(difference.address, "1")) \(difference.attribute)"
            if let location = location(difference, stack) { out += "  (\(location.file):\(location.line):\(location.column))" }
            out += "\n"
            out += "           file: \(difference.fileValue?.description ?? "(not in the file)")\n"
            out += "           live: \(difference.liveValue?.description ?? "(not in AWS)")\n"
            out += "           " + style.paint("# \(difference.note)", "2") + "\n"
        }
        out += "\n"
        if report.drifted { out += "Run 'portico apply' to put AWS back as the file says, or change the file to keep what is live.\n" } else { out += "Run 'portico apply' to carry out the file's changes.\n" }
        return out
    }

    static func markdown(_ report: DriftReport, stack: Stack) -> String {
        var out = "**\(report.headline)**\n"
        guard !report.inSync else { return out }
        out += "\n| class | resource | attribute | file | live | why |\n|---|---|---|---|---|---|\n"
        for difference in report.differences {
            let cells = [difference.class.rawValue, "`\(difference.address)`", difference.attribute,
                         difference.fileValue?.description ?? "(not in the file)", difference.liveValue?.description ?? "(not in AWS)", difference.note]
            out += "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
        }
        return out
    }

    static func annotations(_ report: DriftReport, stack: Stack) -> String {
        report.differences.map { difference in
            let location = location(difference, stack)
            let message = "\(difference.note): file \(difference.fileValue?.description ?? "(not in the file)"), live \(difference.liveValue?.description ?? "(not in AWS)")"
            return GitHubAnnotations.line(difference.class == .drift ? "error" : "warning", file: location?.file ?? stack.file, line: location?.line,
                                          column: location?.column, title: "portico \(difference.class.rawValue): \(difference.address) \(difference.attribute)",
                                          message: message) + "\n"
        }.joined()
    }

    /// Where in the file the resource is declared (nil when the file no longer has it).
    static func location(_ difference: DriftReport.Difference, _ stack: Stack) -> SourceLocation? {
        let parts = difference.address.split(separator: "/", maxSplits: 1).map(String.init)
        guard let resource = stack.resource(parts[0]) else { return nil }
        if parts.count == 2, parts[1].hasPrefix("listener:"), let port = Int(parts[1].dropFirst("listener:".count)),
           let listener = resource.loadBalancer?.listeners.first(where: { $0.port.value == port }) {
            return listener.port.location
        }
        return resource.key.location
    }
}

/// `portico drift --json`, schema version 1 (docs/drift.md).
struct DriftDocument: Encodable {
    var schemaVersion = 1
    var stack: String
    var region: String
    var status: String
    var exitCode: Int32
    var summary: Summary
    var differences: [Difference]
    var problems: [PlanDocument.Problem]
    var calls: PlanDocument.Calls

    struct Summary: Encodable {
        var drift: Int
        var pending: Int
    }

    struct Difference: Encodable {
        var resource: String
        var kind: String
        var attribute: String
        var fileValue: PlanDocument.Value?
        var liveValue: PlanDocument.Value?
        /// For sets: what only the file has, what only AWS has.
        var onlyInFile: [String]?
        var onlyLive: [String]?
        var `class`: String
        var note: String
        var liveId: String?
        var file: String?
        var line: Int?
        var column: Int?
    }

    init(report: DriftReport?, run: Reconciliation) {
        stack = run.stack.name.value
        region = run.stack.region.value
        let differences = report?.differences ?? []
        status = report.map { $0.inSync ? "in-sync" : $0.drifted ? "drift" : "pending" } ?? "error"
        exitCode = report?.exitCode ?? 1
        summary = Summary(drift: differences.filter { $0.class == .drift }.count, pending: differences.filter { $0.class == .pending }.count)
        self.differences = differences.map { difference in
            var onlyInFile: [String]?, onlyLive: [String]?
            if let file = difference.fileValue?.elements, let live = difference.liveValue?.elements {
                onlyInFile = file.filter { !live.contains($0) }
                onlyLive = live.filter { !file.contains($0) }
            }
            let location = DriftText.location(difference, run.stack)
            return Difference(resource: difference.address, kind: difference.kind.rawValue, attribute: difference.attribute,
                              fileValue: difference.fileValue.map(PlanDocument.Value.field), liveValue: difference.liveValue.map(PlanDocument.Value.field),
                              onlyInFile: onlyInFile, onlyLive: onlyLive, class: difference.class.rawValue, note: difference.note,
                              liveId: difference.liveID, file: location?.file, line: location?.line, column: location?.column)
        }
        problems = run.diagnostics.map { PlanDocument.Problem(code: $0.code.rawValue, severity: $0.severity.rawValue, message: $0.message, file: $0.location.file, line: $0.location.line, column: $0.location.column) }
        calls = PlanDocument.Calls(count: run.counter.count, seconds: (run.seconds * 1000).rounded() / 1000)
    }

}
