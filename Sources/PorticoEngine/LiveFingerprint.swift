import Foundation
import PorticoCore
import PorticoWire

/// A fingerprint of every live read a plan was made from, one per read: each lookup, each
/// resource the stack owns, each instance it touches, the records of the names it writes, the
/// names others hold. A saved plan keeps them; applying it reads again and refuses if any moved,
/// appeared or went away. A plan made from an empty account has fingerprints too (of what was
/// absent: the read's absence is itself compared), so a resource created since is noticed.
public enum LiveFingerprint {
    /// Read name (`target_group web-tg`) to SHA-256 of its canonical form.
    public static func reads(of world: LiveWorld, stack: Stack) -> [String: String] {
        var reads: [String: String] = [:]
        func add<T: Encodable>(_ name: String, _ value: T) { reads[name] = fingerprint(value) }
        let stackName = stack.name.value
        for (key, entry) in world.existing { add("existing \(key)", entry) }
        for certificate in world.certificates { add("certificate \(certificate.tags.porticoResource(in: stackName) ?? "-") \(certificate.arn)", certificate) }
        for group in world.securityGroups { add("security_group \(group.tags.porticoResource(in: stackName) ?? "-") \(group.id)", group) }
        for targetGroup in world.targetGroups { add("target_group \(targetGroup.tags.porticoResource(in: stackName) ?? "-") \(targetGroup.arn)", targetGroup) }
        for loadBalancer in world.loadBalancers { add("load_balancer \(loadBalancer.tags.porticoResource(in: stackName) ?? "-") \(loadBalancer.arn)", loadBalancer) }
        for (id, instance) in world.instances { add("instance \(id)", instance) }
        for (zoneID, records) in world.zoneRecords {
            let names = relevantRecordNames(world: world, stack: stack, zoneID: zoneID)
            add("records \(zoneID)", records.filter { names.contains(DomainName.normalize($0.name)) })
        }
        add("names held by others", world.nameHolders)
        return reads
    }

    /// What moved between two sets of reads, in words: `target_group web-tg … changed`.
    public static func moved(from saved: [String: String], to now: [String: String]) -> [String] {
        var moved: [String] = []
        for name in Set(saved.keys).union(now.keys).sorted() {
            switch (saved[name], now[name]) {
            case (nil, _?): moved.append("\(name): appeared")
            case (_?, nil): moved.append("\(name): gone")
            case let (a?, b?) where a != b: moved.append("\(name): changed")
            default: break
            }
        }
        return moved
    }

    /// Names of the records a plan depends on: the alias names the file declares and those the
    /// stack owns, their ownership records, and the certificates' validation records. Other
    /// records of the zone (and Portico's lock record) may change freely.
    static func relevantRecordNames(world: LiveWorld, stack: Stack, zoneID: String) -> Set<String> {
        var names = Set<String>()
        for resource in stack.resources {
            guard let name = resource.aliasRecord?.name.value else { continue }
            names.insert(DomainName.normalize(name))
            names.insert(DomainName.normalize(Ownership.ownerRecordName(for: name)))
        }
        for record in world.aliasRecords where record.zoneID == zoneID {
            names.insert(DomainName.normalize(record.name))
            names.insert(DomainName.normalize(record.owner.name))
        }
        for certificate in world.certificates {
            for record in certificate.validationRecords { names.insert(DomainName.normalize(record.name)) }
        }
        return names
    }

    static func fingerprint<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value), let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return "unreadable" }
        return Digest.hex(Digest.sha256(Array(canonical(object).utf8)))
    }

    /// Keys sorted and every list sorted too: AWS does not promise an order, and a reordered
    /// answer is not a change.
    static func canonical(_ object: Any) -> String {
        switch object {
        case let dictionary as [String: Any]:
            return "{" + dictionary.keys.sorted().map { "\(quoted($0)):\(canonical(dictionary[$0]!))" }.joined(separator: ",") + "}"
        case let array as [Any]:
            return "[" + array.map(canonical).sorted().joined(separator: ",") + "]"
        case let string as String:
            return quoted(string)
        case let number as NSNumber:
            return "\(number)"
        default:
            return "null"
        }
    }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
