import ArgumentParser
import Foundation
import PorticoCore
import PorticoStackFile

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check stack files for every mistake that can be found without AWS. No network.",
        discussion: """
        Prints each problem as FILE:LINE:COL: error|warning|note: MESSAGE [code].
        Exit code 0 when no file has an error (warnings are allowed), 1 otherwise.
        """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, dot, github
    }

    @Flag(help: "Print each stack's dependency graph, in creation order.")
    var graph = false

    @Option(help: "Output format: text, json, github (GitHub Actions annotations), or dot (Graphviz, with --graph).")
    var format: Format = .text

    @Argument(help: "One or more stack files.")
    var stacks: [String]

    func validate() throws {
        if format == .dot && !graph { throw ValidationError("--format dot draws the graph: add --graph") }
        if stacks.isEmpty { throw ValidationError("name at least one stack file") }
    }

    func run() throws {
        var failed = false
        var reports: [ValidationReport] = []
        let style = TerminalStyle.forStandardOutput()
        for path in stacks {
            let validation = StackValidator.validate(path: path)
            failed = failed || validation.hasErrors
            switch format {
            case .text:
                print(DiagnosticText.render(validation.diagnostics, style: style), terminator: "")
                if graph, let stackGraph = validation.graph, !validation.hasErrors {
                    print(stackGraph.renderText(), terminator: "")
                }
                print(DiagnosticText.summary(path: path, validation: validation))
            case .dot:
                if let stackGraph = validation.graph, !validation.hasErrors {
                    print(stackGraph.renderDot(title: validation.stack?.name.value ?? path), terminator: "")
                } else {
                    FileHandle.standardError.write(Data(DiagnosticText.render(validation.diagnostics, style: .plain).utf8))
                }
            case .github:
                print(GitHubAnnotations.render(validation.diagnostics), terminator: "")
                print(DiagnosticText.summary(path: path, validation: validation))
            case .json:
                reports.append(ValidationReport(path: path, validation: validation, includeGraph: graph))
            }
        }
        if format == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let document = ValidationDocument(schemaVersion: 1, valid: !failed, stacks: reports)
            print(String(decoding: try encoder.encode(document), as: UTF8.self))
        }
        if failed { throw ExitCode(1) }
    }
}

/// `portico validate --format json`, schema version 1 (docs/cli.md).
struct ValidationDocument: Encodable {
    var schemaVersion: Int
    var valid: Bool
    var stacks: [ValidationReport]
}

struct ValidationReport: Encodable {
    struct Position: Encodable {
        var file: String
        var line: Int
        var column: Int
        init(_ location: SourceLocation) {
            file = location.file
            line = location.line
            column = location.column
        }
    }

    struct Note: Encodable {
        var message: String
        var position: Position
    }

    struct Problem: Encodable {
        var severity: String
        var code: String
        var message: String
        var position: Position
        var notes: [Note]
    }

    struct Graph: Encodable {
        var creationOrder: [String]
        var edges: [[String]]
    }

    var file: String
    var valid: Bool
    var stack: String?
    var problems: [Problem]
    var graph: Graph?

    init(path: String, validation: StackValidation, includeGraph: Bool) {
        file = path
        valid = !validation.hasErrors
        stack = validation.stack?.name.value
        problems = validation.diagnostics.map { diagnostic in
            Problem(severity: diagnostic.severity.rawValue, code: diagnostic.code.rawValue, message: diagnostic.message,
                    position: Position(diagnostic.location),
                    notes: diagnostic.notes.map { Note(message: $0.message, position: Position($0.location)) })
        }
        if includeGraph, let stackGraph = validation.graph, valid {
            graph = Graph(creationOrder: stackGraph.creationOrder.map(\.description),
                          edges: stackGraph.edges.map { [$0.from.description, $0.to.description, $0.field] })
        }
    }
}
