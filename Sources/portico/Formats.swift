import ArgumentParser
import Foundation
import PorticoCore

/// `--format` of plan and drift.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, markdown, github
}

/// Where Portico runs: a CI system sets `CI` (GitHub Actions, GitLab, Buildkite, Jenkins via
/// plugins, CircleCI all do). There: plain lines, no colour, no line rewritten in place.
enum RunEnvironment {
    static var isCI: Bool {
        guard let value = ProcessInfo.processInfo.environment["CI"]?.lowercased() else { return false }
        return !value.isEmpty && value != "false" && value != "0"
    }
}

/// GitHub Actions workflow commands (`::error file=…,line=…,col=…::message`): the runner turns
/// them into annotations on the pull request's lines.
enum GitHubAnnotations {
    static func line(_ severity: String, file: String?, line: Int?, column: Int?, title: String, message: String) -> String {
        var properties: [String] = []
        if let file { properties.append("file=" + escapeProperty(file)) }
        if let line { properties.append("line=\(line)") }
        if let column { properties.append("col=\(column)") }
        properties.append("title=" + escapeProperty(title))
        return "::\(severity) \(properties.joined(separator: ","))::\(escapeData(message))"
    }

    static func render(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map { diagnostic in
            let severity = switch diagnostic.severity {
            case .error: "error"
            case .warning: "warning"
            case .note: "notice"
            }
            var message = diagnostic.message
            for note in diagnostic.notes { message += "\n\(note.location.file):\(note.location.line):\(note.location.column): \(note.message)" }
            return line(severity, file: diagnostic.location.file, line: diagnostic.location.line, column: diagnostic.location.column,
                        title: "portico: \(diagnostic.code.rawValue)", message: message) + "\n"
        }.joined()
    }

    // https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts
    static func escapeData(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }

    static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}

extension Encodable {
    /// The JSON documents Portico prints: indented, keys sorted, so that they diff well.
    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}
