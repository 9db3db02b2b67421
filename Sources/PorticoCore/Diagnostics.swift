/// A position in a stack file. Lines and columns are 1-based, as editors show them.
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// For values built in code (tests, defaults) rather than read from a file.
    public static let unknown = SourceLocation(file: "<none>", line: 0, column: 0)

    public var description: String { "\(file):\(line):\(column)" }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// A value together with where it was written, so that every later check can point at it.
public struct Located<Value>: CustomStringConvertible {
    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }

    public var description: String { "\(value)" }
}

extension Located: Sendable where Value: Sendable {}
extension Located: Equatable where Value: Equatable {}
extension Located: Hashable where Value: Hashable {}

public enum Severity: String, Sendable, Comparable {
    case note, warning, error

    private var rank: Int {
        switch self {
        case .note: 0
        case .warning: 1
        case .error: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// A problem found in a stack file: a stable code for machines, a message for people.
public struct Diagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    public var severity: Severity
    public var code: DiagnosticCode
    public var message: String
    public var location: SourceLocation
    /// Secondary positions, e.g. where a duplicated key was first written.
    public var notes: [Note]

    public struct Note: Sendable, Equatable {
        public var message: String
        public var location: SourceLocation
        public init(_ message: String, at location: SourceLocation) {
            self.message = message
            self.location = location
        }
    }

    public init(_ severity: Severity, _ code: DiagnosticCode, _ message: String, at location: SourceLocation, notes: [Note] = []) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
        self.notes = notes
    }

    public static func error(_ code: DiagnosticCode, _ message: String, at location: SourceLocation, notes: [Note] = []) -> Diagnostic {
        Diagnostic(.error, code, message, at: location, notes: notes)
    }

    public static func warning(_ code: DiagnosticCode, _ message: String, at location: SourceLocation, notes: [Note] = []) -> Diagnostic {
        Diagnostic(.warning, code, message, at: location, notes: notes)
    }

    public static func note(_ code: DiagnosticCode, _ message: String, at location: SourceLocation) -> Diagnostic {
        Diagnostic(.note, code, message, at: location)
    }

    /// `FILE:LINE:COL: severity: message [code]`, the form compilers use and editors parse.
    public var description: String {
        "\(location): \(severity.rawValue): \(message) [\(code.rawValue)]"
    }
}

/// Stable identifiers for every kind of problem. They appear in JSON output and in docs, so
/// they are never renamed.
public enum DiagnosticCode: String, Sendable, CaseIterable {
    // Reading the file.
    case fileUnreadable = "file-unreadable"
    case yamlSyntax = "yaml-syntax"
    case yamlLimits = "yaml-limits"
    case emptyFile = "empty-file"
    case multipleDocuments = "multiple-documents"
    // Shape of the document.
    case unknownKey = "unknown-key"
    case duplicateKey = "duplicate-key"
    case wrongType = "wrong-type"
    case missingField = "missing-field"
    case conflictingFields = "conflicting-fields"
    case invalidValue = "invalid-value"
    case defaultApplied = "default-applied"
    // References between entries.
    case unknownReference = "unknown-reference"
    case wrongReferenceType = "wrong-reference-type"
    case dependencyCycle = "dependency-cycle"
    // Mistakes made with this architecture.
    case listenerPortBlocked = "listener-port-blocked"
    case targetPortBlocked = "target-port-blocked"
    case targetPortOpenToWorld = "target-port-open-to-world"
    case httpsWithoutCertificate = "https-without-certificate"
    case certificateDoesNotCoverName = "certificate-does-not-cover-name"
    case zoneNotParent = "zone-not-parent"
    case tooFewSubnets = "too-few-subnets"
    case httpListenerForwards = "http-listener-forwards"
    case vpcMismatch = "vpc-mismatch"
    case duplicateListenerPort = "duplicate-listener-port"
    case redirectLoop = "redirect-loop"
    case unusedResource = "unused-resource"
    case duplicateAWSName = "duplicate-aws-name"
    case rulePriority = "rule-priority"
    case ruleLimit = "rule-limit"
    case duplicateRule = "duplicate-rule"
    case ruleShadowed = "rule-shadowed"
    case hostNotCovered = "host-not-covered"
    case targetGroupShared = "target-group-shared"
    // Found at plan time, by reading AWS.
    case lookupNotFound = "lookup-not-found"
    case lookupAmbiguous = "lookup-ambiguous"
    case nameTaken = "name-taken"
    case deletionProtected = "deletion-protected"
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }

    /// File order, then severity (errors first at the same place), so output is stable.
    public func sortedForOutput() -> [Diagnostic] {
        enumerated().sorted { a, b in
            if a.element.location != b.element.location { return a.element.location < b.element.location }
            if a.element.severity != b.element.severity { return a.element.severity > b.element.severity }
            return a.offset < b.offset
        }.map(\.element)
    }
}
