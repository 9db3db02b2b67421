/// What the last apply wanted for one resource, kept with the resource itself (a tag, or a part
/// of the ownership TXT record) so that `drift` can tell a change made in AWS from a change made
/// in the file without a state file.
///
/// The text is `1.<unix seconds>.<members>.<fields>`: `members` is a hash of the keys of every
/// resource in the file at that apply; `fields` is, per field, 4 hex digits of the field name's
/// hash then 6 of its value's. Only the characters ELBv2 and ACM allow in tag values are used.
/// Hashes, not values: 24 bits per value is plenty to tell "as applied" from "not".
public struct AppliedRecord: Sendable, Equatable {
    public static let version = "1"

    public var time: Int
    public var members: String
    /// Field-name hash to value hash.
    public var fields: [String: String]

    public init(time: Int = 0, members: String, fields: [String: String]) {
        self.time = time
        self.members = members
        self.fields = fields
    }

    /// The record of a desired spec. Values known only after apply are left out: nothing can be
    /// said about them later.
    public init(desired: [DesiredField], members: String, time: Int = 0) {
        var fields: [String: String] = [:]
        for field in desired where field.value != .unknown && field.recorded {
            fields[Self.nameHash(field.name)] = Self.valueHash(field.value)
        }
        self.init(time: time, members: members, fields: fields)
    }

    public var text: String {
        let pairs = fields.sorted { $0.key < $1.key }.map { $0.key + $0.value }.joined()
        return "\(Self.version).\(time).\(members).\(pairs)"
    }

    public static func parse(_ text: String) -> AppliedRecord? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == Substring(version), let time = Int(parts[1]) else { return nil }
        let pairs = Array(parts[3])
        guard pairs.count % 10 == 0, pairs.allSatisfy(\.isHexDigit) else { return nil }
        var fields: [String: String] = [:]
        for start in stride(from: 0, to: pairs.count, by: 10) {
            fields[String(pairs[start..<start + 4])] = String(pairs[start + 4..<start + 10])
        }
        return AppliedRecord(time: time, members: String(parts[2]), fields: fields)
    }

    /// Whether the record says `field` was applied with `value`; nil when the record does not
    /// have the field.
    public func recorded(_ field: String, as value: FieldValue) -> Bool? {
        guard let hash = fields[Self.nameHash(field)] else { return nil }
        return hash == Self.valueHash(value)
    }

    /// Same spec and same file membership, whenever it was written.
    public func sameSpec(as other: AppliedRecord) -> Bool { members == other.members && fields == other.fields }

    public func stamped(_ time: Int) -> AppliedRecord {
        var copy = self
        copy.time = time
        return copy
    }

    /// The hash of the set of resource keys a file declares.
    public static func membersHash<S: Sequence>(_ keys: S) -> String where S.Element == String {
        AWSNaming.shortHash(Set(keys).sorted().joined(separator: "\n"), length: 8)
    }

    static func nameHash(_ name: String) -> String { AWSNaming.shortHash("field:" + name, length: 4) }

    static func valueHash(_ value: FieldValue) -> String {
        switch value {
        case .text(let text): AWSNaming.shortHash("t:" + text, length: 6)
        case .set(let values): AWSNaming.shortHash("s:" + values.joined(separator: "\n"), length: 6)
        case .list(let values): AWSNaming.shortHash("l:" + values.joined(separator: "\n"), length: 6)
        case .unknown: "000000"
        }
    }
}

/// Where each node's record lives.
public enum AppliedRecordTag {
    /// On the certificate, security group, target group or load balancer itself.
    public static let whole = "portico:applied"
    /// On the security group: its ingress rules.
    public static let ingress = "portico:applied:ingress"
    /// On the load balancer: one per listener (listeners are read without their tags).
    public static func listener(_ port: Int) -> String { "portico:applied:listener:\(port)" }

    public static func key(for node: StackGraph.Node) -> String {
        switch node.part {
        case .whole: whole
        case .ingress: ingress
        case .listener(let port): listener(port)
        }
    }
}

extension LiveWorld {
    /// The load balancer a listener belongs to (listener records live on its tags).
    public func loadBalancer(holdingListener arn: String?) -> LiveLoadBalancer? {
        loadBalancers.first { $0.listeners.contains { $0.arn == arn } }
    }

    /// The alias record a step names by its id.
    public func aliasRecord(_ id: String?) -> LiveAliasRecord? { aliasRecords.first { $0.id == id } }

    /// The record kept with the live resource a step acts on, if any.
    public func appliedRecord(for node: StackGraph.Node, kind: EntryKind, liveID: String?) -> AppliedRecord? {
        guard let liveID else { return nil }
        let tagKey = AppliedRecordTag.key(for: node)
        let text: String?
        switch (kind, node.part) {
        case (.certificate, _): text = certificates.first { $0.arn == liveID }?.tags[tagKey]
        case (.securityGroup, _): text = securityGroups.first { $0.id == liveID }?.tags[tagKey]
        case (.targetGroup, _): text = targetGroups.first { $0.arn == liveID }?.tags[tagKey]
        case (.loadBalancer, .listener):
            text = loadBalancer(holdingListener: liveID)?.tags[tagKey]
        case (.loadBalancer, _): text = loadBalancers.first { $0.arn == liveID }?.tags[tagKey]
        case (.aliasRecord, _):
            text = aliasRecord(liveID)?.owner.values.lazy.compactMap(Ownership.parseOwnerRecord).first?.applied
        default: text = nil
        }
        return text.flatMap(AppliedRecord.parse)
    }

    /// Every record the stack's live resources carry.
    public func allAppliedRecords(stack: String) -> [AppliedRecord] {
        var texts: [String] = []
        let tagged = certificates.map(\.tags) + securityGroups.map(\.tags) + targetGroups.map(\.tags) + loadBalancers.map(\.tags)
        for tags in tagged where tags[Ownership.stackTag] == stack {
            texts += tags.filter { $0.key.hasPrefix(AppliedRecordTag.whole) }.map(\.value)
        }
        for record in aliasRecords {
            if let applied = record.owner.values.lazy.compactMap(Ownership.parseOwnerRecord).first?.applied { texts.append(applied) }
        }
        return texts.compactMap(AppliedRecord.parse)
    }
}
