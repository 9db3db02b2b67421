/// The comparable form of a resource: named fields whose desired and live values are both
/// normalised to the same words, so that equal means equal and a plan after an apply is empty.
public enum FieldValue: Sendable, Hashable, CustomStringConvertible {
    case text(String)
    /// An unordered collection: sorted and without duplicates.
    case set([String])
    /// An ordered collection, where the order means something (rules by priority).
    case list([String])
    /// Known only once apply has run (an id AWS assigns).
    case unknown

    public static func setOf<S: Sequence>(_ values: S) -> FieldValue where S.Element == String {
        .set(Array(Set(values)).sorted())
    }

    /// The elements of a set or list.
    public var elements: [String]? {
        switch self {
        case .set(let values), .list(let values): values
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .text(let text): text
        case .set(let values), .list(let values): "[" + values.joined(separator: ", ") + "]"
        case .unknown: "(known after apply)"
        }
    }
}

/// One field as the stack file wants it.
public struct DesiredField: Sendable, Equatable {
    public var name: String
    public var value: FieldValue
    /// A change AWS cannot make in place.
    public var forcesReplacement: Bool
    /// Kept in the applied record (`AppliedRecord`). Not for fields that follow from AWS's own
    /// answers rather than the file (a certificate's status and validation records): their
    /// differences are drift whatever the file says.
    public var recorded: Bool
    public init(_ name: String, _ value: FieldValue, forcesReplacement: Bool = false, recorded: Bool = true) {
        self.name = name
        self.value = value
        self.forcesReplacement = forcesReplacement
        self.recorded = recorded
    }
}

public struct FieldChange: Sendable, Equatable {
    public var field: String
    /// nil when the resource does not exist yet.
    public var live: FieldValue?
    public var desired: FieldValue
    public var forcesReplacement: Bool
    public init(field: String, live: FieldValue?, desired: FieldValue, forcesReplacement: Bool) {
        self.field = field
        self.live = live
        self.desired = desired
        self.forcesReplacement = forcesReplacement
    }
}

/// Compares fields by name. A field the live side lacks counts as changed.
public func diff(desired: [DesiredField], live: [String: FieldValue]) -> [FieldChange] {
    desired.compactMap { field in
        let liveValue = live[field.name]
        if liveValue == field.value { return nil }
        return FieldChange(field: field.name, live: liveValue, desired: field.value, forcesReplacement: field.forcesReplacement)
    }
}

/// Security group rules in one word form for both sides: `tcp 80 from 0.0.0.0/0`,
/// `tcp 8000-8100 from web-sg`, `icmp from 10.0.0.0/8`, `all from sg-0abc`.
public enum RuleText {
    public static func desired(_ rule: IngressRule, sourceName: (Reference) -> String) -> [String] {
        let head: String
        switch rule.ipProtocol.value {
        case .tcp, .udp:
            let ports = rule.ports?.value ?? PortRange(0, 65535)
            head = "\(rule.ipProtocol.value.rawValue) \(portText(ports.from, ports.to))"
        case .icmp, .icmpv6: head = rule.ipProtocol.value.rawValue
        case .all: head = "all"
        }
        return rule.sources.map { source in
            let from: String
            switch source.value {
            case .cidr(let cidr): from = cidr.description
            case .group(let reference): from = sourceName(reference)
            }
            return withDescription("\(head) from \(from)", rule.description?.value)
        }
    }

    public static func live(_ permission: LivePermission, sourceName: (String) -> String) -> String {
        let head: String
        switch permission.ipProtocol.lowercased() {
        case "tcp", "6": head = "tcp \(portText(permission.fromPort ?? 0, permission.toPort ?? 65535))"
        case "udp", "17": head = "udp \(portText(permission.fromPort ?? 0, permission.toPort ?? 65535))"
        case "icmp", "1": head = "icmp"
        case "icmpv6", "58": head = "icmpv6"
        case "-1", "all": head = "all"
        default: head = "protocol-\(permission.ipProtocol)"
        }
        let from: String
        if case .success(let cidr) = CIDR.parse(permission.source) { from = cidr.description } else { from = sourceName(permission.source) }
        return withDescription("\(head) from \(from)", permission.description)
    }

    static func portText(_ from: Int, _ to: Int) -> String { from == to ? "\(from)" : "\(from)-\(to)" }

    static func withDescription(_ text: String, _ description: String?) -> String {
        guard let description, !description.isEmpty else { return text }
        return "\(text) (\(description))"
    }
}

/// How listener and rule actions read, for both sides: `forward web-tg`,
/// `forward canary-tg:10 web-tg:90 sticky 300s`, `redirect HTTPS:443 301`, `fixed-response 404 text/plain "gone"`.
public enum ActionText {
    public static func desired(_ action: Listener.Action, targetName: (Reference) -> String) -> String {
        switch action {
        case .forward(let forward):
            return forwardText(forward.groups.map { (targetName($0.target.value), $0.weight?.value) }, stickiness: forward.stickiness?.value)
        case .redirect(let redirect):
            return redirectText(protocol: redirect.redirectProtocol.value, port: "\(redirect.port.value)",
                                host: redirect.host?.value ?? "#{host}", path: redirect.path?.value ?? "/#{path}",
                                query: redirect.query?.value ?? "#{query}", status: "\(redirect.status.value)")
        case .fixedResponse(let response):
            return fixedResponseText(status: "\(response.status.value)", contentType: response.contentType?.value, body: response.body?.value)
        }
    }

    public static func live(_ action: LiveListenerAction, targetName: (String) -> String) -> String {
        switch action {
        case .forward(let groups, let stickiness):
            return forwardText(groups.map { (targetName($0.arn), $0.weight) }, stickiness: stickiness)
        case .redirect(let proto, let port, let host, let path, let query, let status):
            let code = status.hasPrefix("HTTP_") ? String(status.dropFirst(5)) : status
            return redirectText(protocol: proto, port: port, host: host, path: path, query: query, status: code)
        case .fixedResponse(let status, let contentType, let body):
            return fixedResponseText(status: status, contentType: contentType, body: body)
        case .other(let text): return text
        }
    }

    /// One group reads as its name whatever its weight; several as `name:weight`, by name.
    static func forwardText(_ groups: [(String, Int?)], stickiness: Int?) -> String {
        var text = "forward "
        if groups.count == 1 {
            text += groups[0].0
        } else {
            text += groups.sorted { $0.0 < $1.0 }.map { "\($0.0):\($0.1 ?? 1)" }.joined(separator: " ")
        }
        if let stickiness { text += " sticky \(stickiness)s" }
        return text
    }

    /// ELB's defaults (`#{host}`, `/#{path}`, `#{query}`, `#{port}`) are left out so both sides read alike.
    static func redirectText(protocol proto: String, port: String, host: String, path: String, query: String, status: String) -> String {
        var text = "redirect \(proto):\(port)"
        if host != "#{host}" { text += " host=\(host)" }
        if path != "/#{path}" { text += " path=\(path)" }
        if query != "#{query}" { text += " query=\(query)" }
        return text + " \(status)"
    }

    static func fixedResponseText(status: String, contentType: String?, body: String?) -> String {
        var text = "fixed-response \(status)"
        if let contentType, !contentType.isEmpty { text += " \(contentType)" }
        if let body, !body.isEmpty { text += " " + quoted(body) }
        return text
    }

    /// A body on one line: quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// `dualstack.` prefix, trailing dot and case do not change where an alias points.
public func normalizedAliasDNSName(_ name: String) -> String {
    var text = DomainName.normalize(name)
    if text.hasPrefix("dualstack.") { text.removeFirst("dualstack.".count) }
    return text
}
