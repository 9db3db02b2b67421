import Foundation
import PorticoCore

/// The whole of `portico validate`: read the file, resolve references, check the architecture.
/// No network, no AWS call.
public struct StackValidation: Sendable {
    /// nil when the file could not be read into a stack at all.
    public var stack: Stack?
    public var graph: StackGraph?
    /// Every problem found, in file order.
    public var diagnostics: [Diagnostic]

    public var hasErrors: Bool { diagnostics.hasErrors }
}

public enum StackValidator {
    public static func validate(path: String) -> StackValidation {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read (permissions?)" : "does not exist"
            return StackValidation(diagnostics: [.error(.fileUnreadable, "the stack file '\(path)' \(reason)", at: SourceLocation(file: path, line: 1, column: 1))])
        }
        return validate(bytes: [UInt8](data), file: path)
    }

    /// Phases: syntax, then shape and values, then references and cycles, then the
    /// cross-entry checks. The last phase runs only when the earlier ones found no error, so
    /// that one mistake is not reported again as its consequences.
    public static func validate(bytes: [UInt8], file: String, limits: YAMLLimits = .standard) -> StackValidation {
        let root: YAMLNode?
        switch YAMLDocument.parse(bytes, file: file, limits: limits) {
        case .success(let node): root = node
        case .failure(let diagnostic): return StackValidation(diagnostics: [diagnostic])
        }
        let reader = StackReader(file: file)
        guard let stack = reader.read(root) else {
            return StackValidation(diagnostics: reader.diagnostics.sortedForOutput())
        }
        let graph = StackGraph(stack: stack, unreadableKeys: reader.unreadableKeys)
        var diagnostics = reader.diagnostics + graph.diagnostics
        if !diagnostics.hasErrors {
            diagnostics += StackChecks.run(stack)
        }
        return StackValidation(stack: stack, graph: graph, diagnostics: diagnostics.sortedForOutput())
    }
}
