import Foundation
import PorticoCore
import PorticoStackFile

/// Colour on a terminal, none when piped, in CI, or when NO_COLOR is set (https://no-color.org).
struct TerminalStyle {
    var color: Bool

    static let plain = TerminalStyle(color: false)

    static func forStandardOutput() -> TerminalStyle {
        let environment = ProcessInfo.processInfo.environment
        let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return TerminalStyle(color: isatty(STDOUT_FILENO) == 1 && !noColor && environment["TERM"] != "dumb" && !RunEnvironment.isCI)
    }

    func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    func severity(_ severity: Severity) -> String {
        switch severity {
        case .error: paint("error", "1;31")
        case .warning: paint("warning", "1;33")
        case .note: paint("note", "1;36")
        }
    }
}

/// Compiler-style diagnostics, with the offending line and a caret under the column.
enum DiagnosticText {
    static func render(_ diagnostics: [Diagnostic], style: TerminalStyle) -> String {
        var sources = SourceCache()
        var out = ""
        for diagnostic in diagnostics {
            out += "\(diagnostic.location): \(style.severity(diagnostic.severity)): \(diagnostic.message) [\(diagnostic.code.rawValue)]\n"
            out += sources.excerpt(at: diagnostic.location)
            for note in diagnostic.notes {
                out += "\(note.location): \(style.severity(.note)): \(note.message)\n"
            }
        }
        return out
    }

    static func summary(path: String, validation: StackValidation) -> String {
        let errors = validation.diagnostics.count { $0.severity == .error }
        let warnings = validation.diagnostics.count { $0.severity == .warning }
        func plural(_ count: Int, _ word: String, _ words: String? = nil) -> String { "\(count) \(count == 1 ? word : words ?? word + "s")" }
        if errors > 0 { return "\(path): \(plural(errors, "error")), \(plural(warnings, "warning"))" }
        let stack = validation.stack
        let counts = stack.map { " (stack '\($0.name.value)': \(plural($0.resources.count, "resource")), \(plural($0.existing.count, "existing entry", "existing entries")))" } ?? ""
        return "\(path): valid\(counts)\(warnings > 0 ? ", \(plural(warnings, "warning"))" : "")"
    }
}

/// Reads each stack file once to quote its lines under diagnostics.
private struct SourceCache {
    private var lines: [String: [Substring]] = [:]

    mutating func excerpt(at location: SourceLocation) -> String {
        guard location.line > 0 else { return "" }
        if lines[location.file] == nil {
            let data = FileManager.default.contents(atPath: location.file) ?? Data()
            let text = String(decoding: data, as: UTF8.self)
            lines[location.file] = text.split(separator: "\n", omittingEmptySubsequences: false)
        }
        guard let fileLines = lines[location.file], location.line <= fileLines.count else { return "" }
        let line = fileLines[location.line - 1].replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\r", with: "")
        guard line.count <= 240, !line.isEmpty else { return "" }
        let caretColumn = min(max(location.column - 1, 0), line.count)
        return "  \(line)\n  \(String(repeating: " ", count: caretColumn))^\n"
    }
}
