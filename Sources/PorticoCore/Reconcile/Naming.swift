/// AWS names for what a stack creates, and the tags that say Portico owns it.
public enum Ownership {
    /// Tag on everything Portico creates: the stack's name.
    public static let stackTag = "portico:stack"
    /// Tag on everything Portico creates: the entry's key in the stack file.
    public static let resourceTag = "portico:resource"
    /// Tag on certificates: the key algorithm requested. ACM reports the key it made, but
    /// emulators make RSA keys whatever was asked; comparing with the request keeps plans stable.
    public static let keyAlgorithmTag = "portico:key-algorithm"

    /// Route53 records cannot be tagged: an ownership TXT record sits beside each record Portico
    /// writes (external-dns's TXT registry idea). `*.example.com` gets `_portico-wildcard.example.com`
    /// because a `*` anywhere but first is a literal character in Route53.
    public static func ownerRecordName(for name: String) -> String {
        let name = DomainName.normalize(name)
        if name.hasPrefix("*.") { return "_portico-wildcard." + name.dropFirst(2) }
        return "_portico." + name
    }

    /// The TXT value of an ownership record, quoted as Route53 stores TXT strings; `applied` is
    /// the record of the spec last applied (see `AppliedRecord`).
    public static func ownerRecordValue(stack: String, resource: String, applied: String? = nil) -> String {
        "\"heritage=portico,portico/stack=\(stack),portico/resource=\(resource)\(applied.map { ",portico/applied=\($0)" } ?? "")\""
    }

    /// Reads an ownership TXT value back: (stack, resource), or nil when it is not Portico's.
    public static func parseOwnerRecordValue(_ value: String) -> (stack: String, resource: String)? {
        parseOwnerRecord(value).map { ($0.stack, $0.resource) }
    }

    public static func parseOwnerRecord(_ value: String) -> (stack: String, resource: String, applied: String?)? {
        var text = value
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
        var fields: [String: String] = [:]
        for part in text.split(separator: ",") {
            guard let equals = part.firstIndex(of: "=") else { continue }
            fields[String(part[..<equals])] = String(part[part.index(after: equals)...])
        }
        guard fields["heritage"] == "portico", let stack = fields["portico/stack"], let resource = fields["portico/resource"] else { return nil }
        return (stack, resource, fields["portico/applied"])
    }
}

public enum AWSNaming {
    /// Load balancer and target group names: at most 32 characters.
    public static let elbNameLimit = 32
    /// Security group names: at most 255 characters.
    public static let securityGroupNameLimit = 255

    /// `stack-key`, made to fit AWS's rules for ELB names (letters, digits, hyphens; no hyphen at
    /// either end; at most `limit`). A name that must be cut keeps a hash of the whole, so two
    /// long keys never collide.
    public static func derivedName(stack: String, key: String, limit: Int) -> String {
        let whole = sanitize("\(stack)-\(key)")
        if whole.count <= limit { return whole }
        let hash = shortHash(whole, length: 6)
        let kept = trimHyphens(String(whole.prefix(limit - hash.count - 1)))
        return "\(kept)-\(hash)"
    }

    /// The name a replacement takes so that it can exist beside the resource it replaces: the base
    /// name with a short suffix, or the base name again when the live one carries the suffix.
    public static func replacementName(base: String, live: String, limit: Int) -> String {
        if live != base { return base }
        let suffix = shortHash(base + "/replacement", length: 4)
        let kept = trimHyphens(String(base.prefix(limit - suffix.count - 1)))
        return "\(kept)-\(suffix)"
    }

    /// Whether a live name is the desired base name or its replacement form.
    public static func nameMatches(live: String, base: String, limit: Int) -> Bool {
        live == base || live == replacementName(base: base, live: base, limit: limit)
    }

    static func sanitize(_ text: String) -> String {
        var result = ""
        var lastWasHyphen = false
        for character in text {
            let allowed = character.isASCII && (character.isLetter || character.isNumber)
            if allowed {
                result.append(character)
                lastWasHyphen = false
            } else if !lastWasHyphen {
                result.append("-")
                lastWasHyphen = true
            }
        }
        return trimHyphens(result)
    }

    static func trimHyphens(_ text: String) -> String {
        var text = Substring(text)
        while text.hasPrefix("-") { text = text.dropFirst() }
        while text.hasSuffix("-") { text = text.dropLast() }
        return String(text)
    }

    /// FNV-1a, hex: stable across runs and platforms (Swift's Hasher is seeded per process).
    static func shortHash(_ text: String, length: Int) -> String {
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100000001b3
        }
        let hex = Array("0123456789abcdef")
        var out = ""
        for index in 0..<length { out.append(hex[Int((hash >> (UInt64(index) * 4)) & 0xf)]) }
        return out
    }
}

extension AWSNaming {
    /// ACM's IdempotencyToken (`\w+`, at most 32): the same request within an hour returns the
    /// same certificate, so an apply interrupted right after RequestCertificate makes no second one.
    public static func idempotencyToken(_ text: String) -> String {
        shortHash(text, length: 16) + shortHash(String(text.reversed()), length: 16)
    }
}
