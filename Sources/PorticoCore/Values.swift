/// Parsers and rules for the values a stack file holds. Each `parse`/`check` returns a reason a
/// person can act on instead of a bare failure, so the reader can quote it.

public struct PortRange: Hashable, Sendable, CustomStringConvertible {
    public var from: Int
    public var to: Int

    public static let valid = 1...65535

    public init(_ from: Int, _ to: Int) {
        self.from = from
        self.to = to
    }

    public init(single port: Int) { self.init(port, port) }

    public func contains(_ port: Int) -> Bool { from <= port && port <= to }

    public var description: String { from == to ? "\(from)" : "\(from)-\(to)" }

    /// `8000-8100` or `443`.
    public static func parse(_ text: String) -> Result<PortRange, ValueError> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count <= 2, let from = Int(parts[0]), let to = Int(parts.last!) else {
            return .failure(ValueError("'\(text)' is not a port or a port range such as 8000-8100"))
        }
        guard valid.contains(from), valid.contains(to) else {
            return .failure(ValueError("ports must be between 1 and 65535, got '\(text)'"))
        }
        guard from <= to else {
            return .failure(ValueError("the range '\(text)' ends before it starts"))
        }
        return .success(PortRange(from, to))
    }
}

public struct ValueError: Error, Equatable, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// An IPv4 or IPv6 network in CIDR notation, kept in canonical text form.
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    public enum Family: Sendable { case ipv4, ipv6 }

    public var family: Family
    /// The address bytes (4 or 16).
    public var address: [UInt8]
    public var prefixLength: Int

    public var description: String {
        switch family {
        case .ipv4: return address.map(String.init).joined(separator: ".") + "/\(prefixLength)"
        case .ipv6: return CIDR.formatIPv6(address) + "/\(prefixLength)"
        }
    }

    /// Whether this is the whole internet: 0.0.0.0/0 or ::/0.
    public var isAnywhere: Bool { prefixLength == 0 }

    public static func parse(_ text: String) -> Result<CIDR, ValueError> {
        let pieces = text.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count == 2 else {
            return .failure(ValueError("'\(text)' is not a CIDR block: write an address and a prefix length, such as 10.0.0.0/16 or 2001:db8::/32"))
        }
        let addressText = String(pieces[0])
        guard let prefix = Int(pieces[1]), String(prefix) == pieces[1] else {
            return .failure(ValueError("'\(pieces[1])' in '\(text)' is not a prefix length"))
        }
        let family: Family
        let bytes: [UInt8]
        if addressText.contains(":") {
            guard let parsed = parseIPv6(addressText) else { return .failure(ValueError("'\(addressText)' is not an IPv6 address")) }
            family = .ipv6
            bytes = parsed
        } else {
            guard let parsed = parseIPv4(addressText) else { return .failure(ValueError("'\(addressText)' is not an IPv4 address")) }
            family = .ipv4
            bytes = parsed
        }
        let maxPrefix = bytes.count * 8
        guard (0...maxPrefix).contains(prefix) else {
            return .failure(ValueError("the prefix length of '\(text)' must be between 0 and \(maxPrefix)"))
        }
        // AWS rejects a CIDR with host bits set; saying which network was meant saves a round trip.
        var network = bytes
        for bit in prefix..<maxPrefix { network[bit / 8] &= ~(UInt8(0x80) >> UInt8(bit % 8)) }
        let cidr = CIDR(family: family, address: network, prefixLength: prefix)
        guard network == bytes else {
            return .failure(ValueError("'\(text)' has host bits set; the network is \(cidr)"))
        }
        return .success(cidr)
    }

    static func parseIPv4(_ text: String) -> [UInt8]? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for octet in octets {
            // No leading zeros: `010` is octal to some tools and decimal to others.
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy(\.isASCIIDigit),
                  octet == "0" || !octet.hasPrefix("0"), let value = UInt8(octet) else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    static func parseIPv6(_ text: String) -> [UInt8]? {
        guard text.allSatisfy({ $0.isHexDigit || $0 == ":" }) else { return nil }
        let halves = text.splitAll("::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(group.count), let value = UInt16(group, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
            all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }

    static func formatIPv6(_ bytes: [UInt8]) -> String {
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        // RFC 5952: compress the longest run of two or more zero groups.
        var bestStart = -1, bestLength = 0, index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - index > bestLength && end - index >= 2 { bestStart = index; bestLength = end - index }
                index = end
            } else {
                index += 1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        if bestStart < 0 { return hex.joined(separator: ":") }
        let head = hex[0..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
        return head + "::" + tail
    }
}

extension String {
    /// Splits at every occurrence of a multi-character separator.
    func splitAll(_ separator: String) -> [String] {
        var parts: [String] = []
        var rest = Substring(self)
        while let range = rest.firstRange(of: separator) {
            parts.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}

/// DNS names as Route53 and ACM take them.
public enum DomainName {
    /// Lower-cased, without a trailing dot: the form every comparison uses.
    public static func normalize(_ name: String) -> String {
        var text = name.lowercased()
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Checks a host name; `allowWildcard` permits one leading `*.` label (certificates only).
    public static func check(_ name: String, allowWildcard: Bool) -> ValueError? {
        let text = normalize(name)
        guard !text.isEmpty else { return ValueError("the domain name is empty") }
        guard text.utf8.count <= 253 else { return ValueError("'\(name)' is longer than 253 characters") }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return ValueError("'\(name)' is not a fully qualified domain name (it needs a dot, as in example.com)") }
        for (index, label) in labels.enumerated() {
            if label == "*" {
                if !allowWildcard { return ValueError("'\(name)' has a wildcard, which is allowed only in certificate names") }
                if index != 0 { return ValueError("'\(name)': a wildcard may only be the first label, as in *.example.com") }
                continue
            }
            guard !label.isEmpty else { return ValueError("'\(name)' has an empty label") }
            guard label.utf8.count <= 63 else { return ValueError("the label '\(label)' in '\(name)' is longer than 63 characters") }
            guard label.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || $0 == "-" }) else {
                return ValueError("'\(name)' may contain only letters, digits, hyphens and dots (use punycode, xn--, for other characters)")
            }
            guard !label.hasPrefix("-"), !label.hasSuffix("-") else { return ValueError("the label '\(label)' in '\(name)' starts or ends with a hyphen") }
        }
        if labels.last!.allSatisfy(\.isASCIIDigit) { return ValueError("'\(name)' looks like an IP address, not a domain name") }
        return nil
    }

    /// Whether `name` equals `zone` or lies below it.
    public static func isWithin(_ name: String, zone: String) -> Bool {
        let name = normalize(name), zone = normalize(zone)
        return name == zone || name.hasSuffix("." + zone)
    }

    /// Whether a certificate name (possibly `*.example.com`) covers a host name, as TLS clients judge it:
    /// a wildcard stands for exactly one label.
    public static func certificateName(_ certificateName: String, covers host: String) -> Bool {
        let pattern = normalize(certificateName), host = normalize(host)
        if pattern == host { return true }
        guard pattern.hasPrefix("*.") else { return false }
        let suffix = pattern.dropFirst(1) // ".example.com"
        guard host.hasSuffix(suffix) else { return false }
        let firstLabel = host.dropLast(suffix.count)
        return !firstLabel.isEmpty && !firstLabel.contains(".")
    }

    /// The name a DNS validation record is written for: a wildcard's base name.
    public static func validatedName(_ certificateName: String) -> String {
        let name = normalize(certificateName)
        return name.hasPrefix("*.") ? String(name.dropFirst(2)) : name
    }
}

/// The shapes of AWS identifiers that a stack file may name directly.
public enum AWSIdentifier {
    public enum Kind: String, Sendable {
        case vpc, subnet, instance, securityGroup, hostedZone, certificateARN

        public var example: String {
            switch self {
            case .vpc: "vpc-0a1b2c3d4e5f67890"
            case .subnet: "subnet-0a1b2c3d4e5f67890"
            case .instance: "i-0a1b2c3d4e5f67890"
            case .securityGroup: "sg-0a1b2c3d4e5f67890"
            case .hostedZone: "Z0123456789ABCDEFGHIJ"
            case .certificateARN: "arn:aws:acm:us-east-1:123456789012:certificate/…"
            }
        }

        var prefix: String? {
            switch self {
            case .vpc: "vpc-"
            case .subnet: "subnet-"
            case .instance: "i-"
            case .securityGroup: "sg-"
            case .hostedZone, .certificateARN: nil
            }
        }
    }

    /// Whether `text` is written like an id of this kind (so it is not an entry key).
    public static func looksLike(_ kind: Kind, _ text: String) -> Bool {
        switch kind {
        case .hostedZone:
            return text.hasPrefix("Z") && text.count > 1 && text.allSatisfy { $0.isASCIIDigit || ("A"..."Z").contains($0) }
        case .certificateARN:
            return text.hasPrefix("arn:")
        default:
            guard let prefix = kind.prefix, text.hasPrefix(prefix) else { return false }
            let rest = text.dropFirst(prefix.count)
            return !rest.isEmpty && rest.allSatisfy(\.isHexDigit)
        }
    }

    /// Checks an id that looks like `kind`: EC2 ids have 8 or 17 hex digits, lower case.
    public static func check(_ kind: Kind, _ text: String) -> ValueError? {
        switch kind {
        case .hostedZone:
            return (2...32).contains(text.count) ? nil : ValueError("'\(text)' is not a hosted zone id (such as \(kind.example))")
        case .certificateARN:
            let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
            let ok = parts.count == 6 && parts[0] == "arn" && parts[1].hasPrefix("aws") && parts[2] == "acm"
                && !parts[3].isEmpty && parts[4].count == 12 && parts[4].allSatisfy(\.isASCIIDigit) && parts[5].hasPrefix("certificate/")
            return ok ? nil : ValueError("'\(text)' is not an ACM certificate ARN (arn:aws:acm:REGION:ACCOUNT:certificate/ID)")
        default:
            let rest = text.dropFirst(kind.prefix!.count)
            guard rest.count == 8 || rest.count == 17, rest.allSatisfy({ $0.isASCIIDigit || ("a"..."f").contains($0) }) else {
                return ValueError("'\(text)' is not a valid id: \(kind.prefix!) followed by 8 or 17 lower-case hex digits, such as \(kind.example)")
            }
            return nil
        }
    }
}

/// Names that AWS gives its own rules for.
public enum AWSNames {
    /// Load balancers and target groups: 1-32 characters, letters, digits and hyphens, no hyphen at either end.
    public static func checkELBName(_ name: String, what: String) -> ValueError? {
        guard (1...32).contains(name.count) else { return ValueError("a \(what) name must be 1 to 32 characters, '\(name)' has \(name.count)") }
        guard name.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || $0 == "-" }) else {
            return ValueError("a \(what) name may contain only letters, digits and hyphens: '\(name)'")
        }
        guard !name.hasPrefix("-"), !name.hasSuffix("-") else { return ValueError("a \(what) name must not start or end with a hyphen: '\(name)'") }
        if name.lowercased().hasPrefix("internal-") { return ValueError("a \(what) name must not start with 'internal-'") }
        return nil
    }

    /// Characters EC2 accepts in security group names and descriptions inside a VPC.
    static let ec2TextCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-:/()#,@[]+=&;{}!$*")

    public static func checkEC2Text(_ text: String, what: String, maxLength: Int = 255) -> ValueError? {
        guard text.count <= maxLength else { return ValueError("a \(what) may be at most \(maxLength) characters, this one has \(text.count)") }
        if let bad = text.first(where: { !ec2TextCharacters.contains($0) }) {
            return ValueError("a \(what) may not contain '\(bad)': EC2 accepts letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*")
        }
        return nil
    }

    public static func checkSecurityGroupName(_ name: String) -> ValueError? {
        if name.isEmpty { return ValueError("a security group name must not be empty") }
        if name.lowercased().hasPrefix("sg-") { return ValueError("a security group name must not start with 'sg-'") }
        return checkEC2Text(name, what: "security group name")
    }

    /// Tag keys and values as EC2, ELB, ACM and Route53 all accept them.
    public static func checkTag(key: String, value: String) -> ValueError? {
        guard (1...128).contains(key.count) else { return ValueError("a tag key must be 1 to 128 characters") }
        guard value.count <= 256 else { return ValueError("a tag value may be at most 256 characters") }
        if key.lowercased().hasPrefix("aws:") { return ValueError("tag keys starting with 'aws:' are reserved by AWS") }
        if key.lowercased().hasPrefix("portico:") { return ValueError("tag keys starting with 'portico:' are Portico's own ownership tags") }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.:/=+-@")
        if let bad = (key + value).first(where: { !allowed.contains($0) && $0.isASCII }) {
            return ValueError("tags may contain letters, digits, spaces and _.:/=+-@, not '\(bad)'")
        }
        return nil
    }

    /// The keys of a stack file's entries: also used in tags and in derived AWS names.
    public static func checkEntryKey(_ key: String) -> ValueError? {
        guard (1...63).contains(key.count) else { return ValueError("an entry key must be 1 to 63 characters") }
        guard key.allSatisfy({ ("a"..."z").contains($0) || $0.isASCIIDigit || $0 == "-" }), key.first != "-", key.last != "-" else {
            return ValueError("an entry key may contain only lower-case letters, digits and hyphens, and must not start or end with a hyphen: '\(key)'")
        }
        for kind in [AWSIdentifier.Kind.vpc, .subnet, .instance, .securityGroup] where AWSIdentifier.looksLike(kind, key) {
            return ValueError("the key '\(key)' reads as an AWS id; choose a key that does not")
        }
        return nil
    }

    /// `[a-z0-9-]`, 1 to 32 characters: it names the owner in every tag Portico writes.
    public static func checkStackName(_ name: String) -> ValueError? {
        guard (1...32).contains(name.count) else { return ValueError("the stack name must be 1 to 32 characters, '\(name)' has \(name.count)") }
        guard name.allSatisfy({ ("a"..."z").contains($0) || $0.isASCIIDigit || $0 == "-" }) else {
            return ValueError("the stack name may contain only lower-case letters, digits and hyphens: '\(name)'")
        }
        return nil
    }

    /// Region names such as us-east-1, ap-northeast-2, us-gov-west-1.
    public static func checkRegion(_ region: String) -> ValueError? {
        let parts = region.split(separator: "-", omittingEmptySubsequences: false)
        let ok = parts.count >= 3 && parts.count <= 4
            && parts.dropLast().allSatisfy { !$0.isEmpty && $0.allSatisfy { ("a"..."z").contains($0) } }
            && parts.last!.allSatisfy(\.isASCIIDigit) && !parts.last!.isEmpty
        return ok ? nil : ValueError("'\(region)' is not an AWS region name such as us-east-1 or ap-northeast-2")
    }
}

/// Health-check success codes: `200`, `200,202`, `200-299`; ALB accepts 200 to 499.
public enum HealthCheckMatcher {
    public static func check(_ text: String) -> ValueError? {
        guard !text.isEmpty else { return ValueError("the matcher is empty") }
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2, let low = Int(bounds[0]), let high = Int(bounds.last!) else {
                return ValueError("'\(text)' is not a list of HTTP codes such as 200, 200,202 or 200-299")
            }
            guard (200...499).contains(low), (200...499).contains(high) else {
                return ValueError("an application load balancer's health check accepts HTTP codes from 200 to 499, not '\(item)'")
            }
            guard low <= high else { return ValueError("the range '\(item)' ends before it starts") }
        }
        return nil
    }
}

/// The values ELB takes in listener rule conditions (the Application Load Balancer guide,
/// "Condition types for listener rules").
public enum RuleValues {
    public static let maxLength = 128
    public static let maxHeaderNameLength = 40
    public static let maxMethodLength = 40
    public static let valuesPerCondition = 3
    public static let valuesPerRule = 5
    public static let wildcardsPerRule = 5

    static func visibleASCII(_ text: String) -> Bool { text.unicodeScalars.allSatisfy { $0.value >= 0x21 && $0.value <= 0x7e } }

    /// A host pattern: letters, digits, `-`, `.`, `*`, `?`; at least one dot, letters only after the last.
    public static func checkHost(_ text: String) -> ValueError? {
        guard !text.isEmpty, text.count <= maxLength else { return ValueError("a host is 1 to \(maxLength) characters") }
        guard text.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || "-.*?".contains($0) }) else {
            return ValueError("'\(text)' is not a host pattern: letters, digits, '-', '.', and the wildcards '*' and '?'")
        }
        guard let dot = text.lastIndex(of: "."), text[text.index(after: dot)...].allSatisfy({ $0.isASCIILetter || $0 == "*" || $0 == "?" }),
              text.index(after: dot) != text.endIndex else {
            return ValueError("'\(text)' is not a host pattern: it needs a dot, and only letters after the last one (as in api.example.com)")
        }
        return nil
    }

    /// A path pattern: case-sensitive, starting with `/` (or a wildcard).
    public static func checkPath(_ text: String) -> ValueError? {
        guard !text.isEmpty, text.count <= maxLength else { return ValueError("a path pattern is 1 to \(maxLength) characters") }
        guard text.hasPrefix("/") || text.hasPrefix("*") else { return ValueError("a path pattern starts with '/', as in /api/*") }
        guard text.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || "_-.$/~\"'@:+&*?".contains($0) }) else {
            return ValueError("'\(text)' has a character ELB does not take in a path pattern (letters, digits and _ - . $ / ~ \" ' @ : + & * ?)")
        }
        return nil
    }

    /// An HTTP header name, as a token: not `Host` (that is the `host` condition).
    public static func checkHeaderName(_ text: String) -> ValueError? {
        guard !text.isEmpty, text.count <= maxHeaderNameLength else { return ValueError("a header name is 1 to \(maxHeaderNameLength) characters") }
        guard text.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || "*?-!#$%&'+.^_`|~".contains($0) }) else {
            return ValueError("'\(text)' is not an HTTP header name")
        }
        if text.lowercased() == "host" { return ValueError("route on the Host header with 'host:', not 'header:'") }
        return nil
    }

    /// A header value or query part: visible ASCII and spaces.
    public static func checkText(_ text: String, what: String) -> ValueError? {
        guard !text.isEmpty, text.count <= maxLength else { return ValueError("\(what) is 1 to \(maxLength) characters") }
        guard text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value <= 0x7e }) else {
            return ValueError("\(what) '\(text)' has a character outside printable ASCII, which ELB does not match")
        }
        return nil
    }

    /// An HTTP method: case-sensitive, so upper case as clients send it.
    public static func checkMethod(_ text: String) -> ValueError? {
        guard !text.isEmpty, text.count <= maxMethodLength else { return ValueError("a method is 1 to \(maxMethodLength) characters") }
        guard text.allSatisfy({ ($0.isASCIILetter && $0.isUppercase) || $0 == "-" || $0 == "_" }) else {
            let upper = text.uppercased()
            let hint = upper.allSatisfy({ $0.isASCIILetter || $0 == "-" || $0 == "_" }) ? "; methods are case-sensitive: write '\(upper)'" : ""
            return ValueError("'\(text)' is not an HTTP method (upper-case letters, '-' and '_')\(hint)")
        }
        return nil
    }

    /// How many wildcards a value spends of the rule's allowance.
    public static func wildcards(_ text: String) -> Int { text.count { $0 == "*" || $0 == "?" } }
}
