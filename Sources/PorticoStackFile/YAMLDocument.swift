import CYAML
import PorticoCore

/// A YAML node with the position it starts at. Scalars stay untyped text: what a scalar means
/// (a port, a flag, a name) depends on the field, and the stack reader decides.
public struct YAMLNode: Sendable {
    public enum Content: Sendable {
        /// `plain` is false for quoted, block and `!!str`-tagged scalars: text the author meant as a string.
        case scalar(String, plain: Bool)
        case mapping([Pair])
        case sequence([YAMLNode])
    }

    public struct Pair: Sendable {
        public var key: YAMLNode
        public var value: YAMLNode
    }

    public var content: Content
    public var location: SourceLocation
    /// Nodes in this subtree with aliases expanded: what a reader will walk.
    var weight: Int

    /// `~`, `null`, or nothing at all after a key.
    public var isNull: Bool {
        if case .scalar(let text, plain: true) = content { return ["", "~", "null", "Null", "NULL"].contains(text) }
        return false
    }

    public var kindName: String {
        switch content {
        case .scalar: isNull ? "nothing (null)" : "a scalar"
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }
}

/// Limits that keep hostile input from exhausting memory or the stack.
public struct YAMLLimits: Sendable {
    public var maxBytes = 4 << 20
    public var maxDepth = 64
    /// Nodes after alias expansion: stops "billion laughs" documents.
    public var maxNodes = 200_000
    public var maxScalarBytes = 64 << 10

    public static let standard = YAMLLimits()
    public init() {}
}

public enum YAMLDocument {
    /// Parses one YAML document. Returns nil for an empty document; a syntax problem is one
    /// diagnostic at the place libyaml stopped (it cannot resume after one).
    public static func parse(_ bytes: [UInt8], file: String, limits: YAMLLimits = .standard) -> Result<YAMLNode?, Diagnostic> {
        if bytes.count > limits.maxBytes {
            return .failure(.error(.yamlLimits, "the file is \(bytes.count) bytes; stack files may be at most \(limits.maxBytes) bytes", at: SourceLocation(file: file, line: 1, column: 1)))
        }
        // libyaml keeps a pointer to the input for the whole parse: the buffer stays pinned here.
        return bytes.withUnsafeBufferPointer { buffer in
            var builder = Builder(file: file, limits: limits)
            return builder.run(buffer)
        }
    }
}

private struct Builder {
    let file: String
    let limits: YAMLLimits

    private struct Frame {
        var isMapping: Bool
        var location: SourceLocation
        var anchor: String?
        var children: [YAMLNode] = []
    }

    private var frames: [Frame] = []
    private var anchors: [String: YAMLNode] = [:]
    private var totalWeight = 0
    private var root: YAMLNode?
    private var documents = 0

    init(file: String, limits: YAMLLimits) {
        self.file = file
        self.limits = limits
    }

    private func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    mutating func run(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<YAMLNode?, Diagnostic> {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            return .failure(.error(.yamlSyntax, "the YAML parser could not start (out of memory)", at: SourceLocation(file: file, line: 1, column: 1)))
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)

        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { return .failure(syntaxError(parser, buffer)) }
            defer { yaml_event_delete(&event) }
            let start = location(event.start_mark)
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return .success(root)
            case YAML_DOCUMENT_START_EVENT:
                documents += 1
                if documents > 1 {
                    return .failure(.error(.multipleDocuments, "a stack file holds one YAML document; this is a second one (remove the '---' or split the file)", at: start))
                }
            case YAML_MAPPING_START_EVENT, YAML_SEQUENCE_START_EVENT:
                if frames.count >= limits.maxDepth {
                    return .failure(.error(.yamlLimits, "the document nests deeper than \(limits.maxDepth) levels", at: start))
                }
                let isMapping = event.type == YAML_MAPPING_START_EVENT
                let anchor = isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
                let tag = isMapping ? event.data.mapping_start.tag : event.data.sequence_start.tag
                if let problem = checkTag(tag, at: start) { return .failure(problem) }
                frames.append(Frame(isMapping: isMapping, location: start, anchor: anchor.map { String(cString: $0) }))
            case YAML_MAPPING_END_EVENT, YAML_SEQUENCE_END_EVENT:
                let frame = frames.removeLast()
                let weight = 1 + frame.children.reduce(0) { $0 + $1.weight }
                let content: YAMLNode.Content
                if frame.isMapping {
                    var pairs: [YAMLNode.Pair] = []
                    var index = 0
                    while index + 1 < frame.children.count {
                        pairs.append(YAMLNode.Pair(key: frame.children[index], value: frame.children[index + 1]))
                        index += 2
                    }
                    content = .mapping(pairs)
                } else {
                    content = .sequence(frame.children)
                }
                if let problem = add(YAMLNode(content: content, location: frame.location, weight: weight), anchor: frame.anchor, counted: false) {
                    return .failure(problem)
                }
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                if scalar.length > limits.maxScalarBytes {
                    return .failure(.error(.yamlLimits, "a value of \(scalar.length) bytes is longer than the \(limits.maxScalarBytes) bytes a stack file value may have", at: start))
                }
                if let problem = checkTag(scalar.tag, at: start) { return .failure(problem) }
                let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                let tag = scalar.tag.map { String(cString: $0) }
                let plain = scalar.style == YAML_PLAIN_SCALAR_STYLE && tag != "tag:yaml.org,2002:str"
                let node = YAMLNode(content: .scalar(text, plain: plain), location: start, weight: 1)
                if let problem = add(node, anchor: scalar.anchor.map { String(cString: $0) }, counted: true) { return .failure(problem) }
            case YAML_ALIAS_EVENT:
                let name = String(cString: event.data.alias.anchor)
                guard let node = anchors[name] else {
                    return .failure(.error(.yamlSyntax, "the alias '*\(name)' names no anchor defined before it", at: start))
                }
                if let problem = add(node, anchor: nil, counted: true) { return .failure(problem) }
            default:
                break
            }
        }
    }

    /// Attaches a finished node to its parent (or makes it the root) and keeps the expansion count.
    private mutating func add(_ node: YAMLNode, anchor: String?, counted: Bool) -> Diagnostic? {
        // Containers count their own children as they arrive; a scalar or alias adds its whole weight.
        totalWeight += counted ? node.weight : 1
        if totalWeight > limits.maxNodes {
            return .error(.yamlLimits, "the document expands to more than \(limits.maxNodes) values (aliases repeating aliases?); a stack file is far smaller", at: node.location)
        }
        if let anchor { anchors[anchor] = node }
        if frames.isEmpty {
            root = node
        } else {
            frames[frames.count - 1].children.append(node)
        }
        return nil
    }

    /// CloudFormation habits (`!Ref`, `!Sub`) have no meaning here: say so instead of ignoring them.
    private func checkTag(_ tag: UnsafeMutablePointer<yaml_char_t>?, at location: SourceLocation) -> Diagnostic? {
        guard let tag else { return nil }
        let text = String(cString: tag)
        if text.hasPrefix("tag:yaml.org,2002:") { return nil }
        return .error(.yamlSyntax, "the YAML tag '\(text)' is not supported in stack files (references are written as plain entry keys)", at: location)
    }

    private func syntaxError(_ parser: yaml_parser_t, _ buffer: UnsafeBufferPointer<UInt8>) -> Diagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "the YAML is malformed"
        var notes: [Diagnostic.Note] = []
        if let context = parser.context {
            notes.append(.init(String(cString: context), at: location(parser.context_mark)))
        }
        var message = problem
        if problem.contains("cannot start any token") {
            message += " (a tab used for indentation? YAML indents with spaces)"
        }
        // For encoding errors libyaml reports a byte offset, not a line and column.
        let mark = parser.error == YAML_READER_ERROR ? location(ofByte: parser.problem_offset, in: buffer) : location(parser.problem_mark)
        if parser.error == YAML_READER_ERROR { message += " (stack files must be UTF-8 text)" }
        return .error(.yamlSyntax, message, at: mark, notes: notes)
    }

    private func location(ofByte offset: Int, in buffer: UnsafeBufferPointer<UInt8>) -> SourceLocation {
        var line = 1, column = 1
        for byte in buffer.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 { // count characters, not UTF-8 continuation bytes
                column += 1
            }
        }
        return SourceLocation(file: file, line: line, column: column)
    }
}
