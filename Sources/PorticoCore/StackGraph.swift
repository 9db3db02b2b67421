/// The stack as a dependency graph. Nodes are the steps AWS sees as separate objects: an entry,
/// a security group's ingress rules (so that two groups may allow each other), and each
/// listener of a load balancer (so that the load balancer need not wait for its certificate).
/// Edges point from a node to what it needs first.
public struct StackGraph: Sendable {
    public struct Node: Hashable, Sendable, CustomStringConvertible {
        public var key: String
        public var part: Part

        public enum Part: Hashable, Sendable {
            case whole
            case ingress
            case listener(port: Int)
        }

        public init(_ key: String, _ part: Part = .whole) {
            self.key = key
            self.part = part
        }

        public var description: String {
            switch part {
            case .whole: key
            case .ingress: "\(key)/ingress"
            case .listener(let port): "\(key)/listener:\(port)"
            }
        }
    }

    public struct Edge: Hashable, Sendable {
        public var from: Node
        public var to: Node
        /// The stack-file field that makes the dependency, e.g. `validation_zone`.
        public var field: String
        public var location: SourceLocation
    }

    /// Nodes in the order the file declares them.
    public private(set) var nodes: [Node] = []
    public private(set) var edges: [Edge] = []
    /// Edges by the node that needs them, built once the edges are known.
    private var needs: [Node: [Edge]] = [:]
    /// What each node is, for display.
    public private(set) var kinds: [Node: EntryKind] = [:]
    public private(set) var isExisting: Set<String> = []
    /// Unknown references, references to the wrong kind of entry, cycles.
    public private(set) var diagnostics: [Diagnostic] = []
    private let unreadableKeys: Set<String>

    /// `unreadableKeys`: keys the file declares but whose entries could not be read; references
    /// to them are not reported again as unknown.
    public init(stack: Stack, unreadableKeys: Set<String> = []) {
        self.unreadableKeys = unreadableKeys
        for entry in stack.existing {
            add(Node(entry.key.value), kind: entry.kind)
            isExisting.insert(entry.key.value)
        }
        for resource in stack.resources {
            let key = resource.key.value
            let whole = Node(key)
            add(whole, kind: resource.kind)
            switch resource.spec {
            case .certificate(let cert):
                link(whole, cert.validationZone, field: "validation_zone", allowed: [.hostedZone], in: stack)
            case .securityGroup(let group):
                link(whole, group.vpc, field: "vpc", allowed: [.vpc], in: stack)
                for instances in group.attachTo { link(whole, instances, field: "attach_to", allowed: [.instances], in: stack) }
                if !group.ingress.isEmpty {
                    let ingress = Node(key, .ingress)
                    add(ingress, kind: .securityGroup)
                    edges.append(Edge(from: ingress, to: whole, field: "ingress", location: group.ingress[0].location))
                    for rule in group.ingress {
                        for source in rule.sources {
                            if case .group(let ref) = source.value {
                                link(ingress, Located(ref, at: source.location), field: "from", allowed: [.securityGroup], in: stack)
                            }
                        }
                    }
                }
            case .targetGroup(let targetGroup):
                link(whole, targetGroup.vpc, field: "vpc", allowed: [.vpc], in: stack)
                for targets in targetGroup.targets { link(whole, targets, field: "targets", allowed: [.instances], in: stack) }
            case .loadBalancer(let loadBalancer):
                for subnet in loadBalancer.subnets { link(whole, subnet, field: "subnets", allowed: [.subnets], in: stack) }
                for group in loadBalancer.securityGroups { link(whole, group, field: "security_groups", allowed: [.securityGroup], in: stack) }
                var seenPorts = Set<Int>()
                for listener in loadBalancer.listeners where seenPorts.insert(listener.port.value).inserted {
                    let node = Node(key, .listener(port: listener.port.value))
                    add(node, kind: .loadBalancer)
                    edges.append(Edge(from: node, to: whole, field: "listeners", location: listener.location))
                    if let certificate = listener.certificate { link(node, certificate, field: "certificate", allowed: [.certificate], in: stack) }
                    for certificate in listener.certificates { link(node, certificate, field: "certificates", allowed: [.certificate], in: stack) }
                    for target in listener.action.targets { link(node, target, field: "forward", allowed: [.targetGroup], in: stack) }
                    for rule in listener.rules {
                        for target in rule.action.targets { link(node, target, field: "rules", allowed: [.targetGroup], in: stack) }
                    }
                }
            case .aliasRecord(let record):
                link(whole, record.zone, field: "zone", allowed: [.hostedZone], in: stack)
                link(whole, record.target, field: "target", allowed: [.loadBalancer, .aliasRecord], in: stack)
            }
        }
        needs = Dictionary(grouping: edges, by: \.from)
        reportCycles()
    }

    private mutating func add(_ node: Node, kind: EntryKind) {
        nodes.append(node)
        kinds[node] = kind
    }

    /// Resolves one reference: an entry key becomes an edge, after checking it names an entry
    /// of an allowed kind. Literal AWS ids need nothing first.
    private mutating func link(_ from: Node, _ reference: Located<Reference>, field: String, allowed: [EntryKind], in stack: Stack) {
        guard case .entry(let key) = reference.value, !unreadableKeys.contains(key) else { return }
        guard let kind = stack.kind(of: key) else {
            let candidates = stack.allKeys.filter { stack.kind(of: $0).map(allowed.contains) ?? false }
            let hint = Suggestions.hint(for: key, in: candidates)
            let expected = allowed.map(\.withArticle).joined(separator: " or ")
            diagnostics.append(.error(.unknownReference, "'\(field)' names '\(key)', but there is no entry with that key (expected \(expected) entry)\(hint)", at: reference.location))
            return
        }
        guard allowed.contains(kind) else {
            let expected = allowed.map(\.withArticle).joined(separator: " or ")
            let declared = stack.existingEntry(key)?.key.location ?? stack.resource(key)?.key.location ?? reference.location
            diagnostics.append(.error(.wrongReferenceType, "'\(field)' must name \(expected), but '\(key)' is \(kind.withArticle)", at: reference.location,
                                      notes: [.init("'\(key)' is declared here", at: declared)]))
            return
        }
        edges.append(Edge(from: from, to: Node(key), field: field, location: reference.location))
    }

    /// The nodes `node` needs first, in file order.
    public func dependencies(of node: Node) -> [Node] {
        var seen = Set<Node>()
        return (needs[node] ?? []).filter { seen.insert($0.to).inserted }.map(\.to)
    }

    // MARK: Order

    /// Dependencies before dependents; among nodes that are ready together, file order.
    /// Nodes on a cycle are left out (the cycle is reported as an error).
    public var creationOrder: [Node] {
        let index = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1, $0) })
        var remaining: [Node: Int] = [:]
        var dependents: [Node: [Node]] = [:]
        for node in nodes { remaining[node] = Set(dependencies(of: node)).count }
        for node in nodes { for dependency in Set(dependencies(of: node)) { dependents[dependency, default: []].append(node) } }
        var ready = nodes.filter { remaining[$0] == 0 }
        var order: [Node] = []
        while !ready.isEmpty {
            ready.sort { index[$0]! < index[$1]! }
            let next = ready.removeFirst()
            order.append(next)
            for dependent in dependents[next] ?? [] {
                remaining[dependent]! -= 1
                if remaining[dependent] == 0 { ready.append(dependent) }
            }
        }
        return order
    }

    /// Dependents before what they depend on: the order to delete in.
    public var deletionOrder: [Node] { creationOrder.reversed() }

    // MARK: Cycles

    /// Every elementary cycle is reported once, as the path it takes, starting from the node
    /// written first in the file.
    private mutating func reportCycles() {
        let index = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1, $0) })
        var state: [Node: Int] = [:] // 1 on the current path, 2 done
        var path: [Node] = []
        var found: [[Node]] = []

        func visit(_ node: Node) {
            state[node] = 1
            path.append(node)
            for next in dependencies(of: node) {
                if state[next] == 1 {
                    let start = path.firstIndex(of: next)!
                    found.append(Array(path[start...]))
                } else if state[next] == nil {
                    visit(next)
                }
            }
            path.removeLast()
            state[node] = 2
        }
        for node in nodes where state[node] == nil { visit(node) }

        var reported = Set<Set<Node>>()
        for cycle in found where reported.insert(Set(cycle)).inserted {
            let startIndex = cycle.indices.min { index[cycle[$0]]! < index[cycle[$1]]! }!
            let rotated = Array(cycle[startIndex...] + cycle[..<startIndex])
            let hops = zip(rotated, rotated.dropFirst() + [rotated[0]]).compactMap { pair in
                needs[pair.0]?.first { $0.to == pair.1 }
            }
            let text = (rotated + [rotated[0]]).map(\.description).joined(separator: " -> ")
            diagnostics.append(.error(.dependencyCycle, "dependency cycle: \(text)", at: hops[0].location,
                                      notes: hops.dropFirst().map { .init("'\($0.from)' needs '\($0.to)' through '\($0.field)' here", at: $0.location) }))
        }
    }

    // MARK: Rendering

    /// One line per node in creation order, each with what it waits for.
    public func renderText() -> String {
        var lines: [String] = []
        for (position, node) in creationOrder.enumerated() {
            let kind = kinds[node].map { isExisting.contains(node.key) ? "existing \($0)" : "\($0)" } ?? ""
            let label = node.part == .whole ? kind : (node.part == .ingress ? "ingress rules" : "listener")
            var line = "\(position + 1). \(node) (\(label))"
            let needs = dependencies(of: node)
            if !needs.isEmpty { line += " <- " + needs.map(\.description).joined(separator: ", ") }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Graphviz: existing entries dashed, owned resources solid; edges labelled with the field.
    public func renderDot(title: String) -> String {
        var lines = ["digraph \(dotQuote(title)) {", "  rankdir=LR;", "  node [shape=box, fontname=\"Helvetica\"];"]
        for node in creationOrder {
            let kind = kinds[node].map(\.rawValue) ?? ""
            let style = isExisting.contains(node.key) ? ", style=dashed" : ""
            let label = node.part == .whole ? dotQuote(node.description, kind) : dotQuote(node.description)
            lines.append("  \(dotQuote(node.description)) [label=\(label)\(style)];")
        }
        var seen = Set<[String]>()
        for edge in edges where seen.insert([edge.from.description, edge.to.description, edge.field]).inserted {
            lines.append("  \(dotQuote(edge.from.description)) -> \(dotQuote(edge.to.description)) [label=\(dotQuote(edge.field))];")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// A quoted DOT string; several lines are joined with DOT's own line break.
    private func dotQuote(_ lines: String...) -> String {
        let escaped = lines.map { line in
            line.reduce(into: "") { out, character in
                if character == "\"" || character == "\\" { out.append("\\") }
                out.append(character)
            }
        }
        return "\"" + escaped.joined(separator: "\\n") + "\""
    }
}
