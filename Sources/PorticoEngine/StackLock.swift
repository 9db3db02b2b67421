import Foundation
import PorticoCore
import PorticoWire

/// One apply or destroy of a stack at a time. The lock is a TXT record
/// `_portico-lock.<stack>.<zone>` in the first hosted zone the stack names: Route53's CREATE fails
/// when the record exists, so taking it is atomic in AWS, and it needs no service or permission
/// beyond those the stack already uses. Its value says who holds it, since when, and which run;
/// releasing deletes exactly that value, so a run never releases a lock it no longer holds.
public struct StackLock: Sendable {
    public struct Holder: Sendable, Equatable {
        public var who: String
        public var since: Date
        public var run: String
        public var command: String
        public var host: String
        /// The value as read from Route53, when it was read: deleting needs it byte for byte.
        public var readValue: String?

        public init(who: String, since: Date, run: String, command: String, host: String) {
            self.who = who
            self.since = since
            self.run = run
            self.command = command
            self.host = host
        }

        /// One TXT string (at most 255 characters), quoted as Route53 stores it.
        public var recordValue: String {
            let fields = ["portico-lock", "run=\(run)", "command=\(command)", "since=\(Self.timestamp(since))", "host=\(host)", "who=\(who)"]
            let text = fields.joined(separator: " ").replacingOccurrences(of: "\"", with: "'")
            return "\"" + String(text.prefix(253)) + "\""
        }

        public static func parse(_ value: String) -> Holder? {
            var text = value
            if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
            let parts = text.split(separator: " ", maxSplits: 5).map(String.init)
            guard parts.first == "portico-lock" else { return nil }
            var fields: [String: String] = [:]
            for part in parts.dropFirst() {
                guard let equals = part.firstIndex(of: "=") else { continue }
                fields[String(part[..<equals])] = String(part[part.index(after: equals)...])
            }
            guard let run = fields["run"], let sinceText = fields["since"], let since = ISO8601DateFormatter().date(from: sinceText) else { return nil }
            var holder = Holder(who: fields["who"] ?? "unknown", since: since, run: run, command: fields["command"] ?? "?", host: fields["host"] ?? "?")
            holder.readValue = value
            return holder
        }

        public static func timestamp(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

        public func describe(now: Date) -> String {
            let age = Int(now.timeIntervalSince(since))
            let ageText = age < 120 ? "\(age) s" : age < 7200 ? "\(age / 60) min" : "\(age / 3600) h"
            return "\(who) on \(host), \(command) run \(run), since \(Self.timestamp(since)) (\(ageText) ago)"
        }
    }

    public enum Outcome: Sendable {
        case acquired
        case heldBy(Holder)
    }

    let route53: Route53Calls
    public let zone: LiveZone
    public let recordName: String

    /// The lock of `stack`, in its first hosted zone (in file order); nil when it names none or
    /// the zone does not exist.
    public static func locate(_ stack: Stack, client: AWSClient) async throws -> StackLock? {
        let route53 = Route53Calls(client: client)
        guard let entry = stack.existing.first(where: { $0.kind == .hostedZone }) else { return nil }
        let zone: LiveZone?
        switch entry.selector {
        case .id(let id): zone = try await route53.zone(id: id.value)
        case .name(let name): zone = try await route53.zones(named: name.value).first
        default: zone = nil
        }
        // Not found: the plan's lookup reports it at its line, and nothing will be changed.
        guard let zone else { return nil }
        return StackLock(route53: route53, zone: zone, recordName: "_portico-lock.\(stack.name.value).\(DomainName.normalize(zone.name))")
    }

    public var holderNow: Holder? {
        get async throws {
            try await route53.recordSet(zoneID: zone.id, name: recordName, type: "TXT")?.values.lazy.compactMap(Holder.parse).first
        }
    }

    /// Takes the lock, or says who holds it. The read first is for emulators whose CREATE
    /// overwrites; in AWS the CREATE alone decides.
    public func acquire(_ holder: Holder) async throws -> Outcome {
        if let current = try await holderNow { return .heldBy(current) }
        do {
            try await route53.change(zoneID: zone.id, [(.create, record(holder))], comment: "portico lock: \(holder.command) \(holder.run)")
        } catch let error as AWSError where error.code == "InvalidChangeBatch" {
            // A retried CREATE whose first answer was lost finds its own record.
            if let current = try await holderNow { return current.run == holder.run ? .acquired : .heldBy(current) }
            throw error
        }
        if let current = try await holderNow, current.run != holder.run { return .heldBy(current) }
        return .acquired
    }

    /// Releases the lock if it is still `holder`'s; false when it was broken meanwhile.
    @discardableResult
    public func release(_ holder: Holder) async throws -> Bool {
        guard let current = try await holderNow, current.run == holder.run else { return false }
        do {
            try await route53.change(zoneID: zone.id, [(.delete, record(current))], comment: "portico unlock: \(holder.run)")
        } catch let error as AWSError where error.code == "InvalidChangeBatch" {
            // A retried DELETE whose first answer was lost: released if the record is gone.
            if let after = try await holderNow, after.run == holder.run { throw error }
        }
        return true
    }

    /// Deletes the lock whoever holds it (`portico unlock`): only the exact value read.
    public func breakLock(_ holder: Holder) async throws {
        try await route53.change(zoneID: zone.id, [(.delete, record(holder))], comment: "portico lock broken: \(holder.run)")
    }

    func record(_ holder: Holder) -> LiveRecordSet {
        LiveRecordSet(name: recordName, type: "TXT", ttl: 60, values: [holder.readValue ?? holder.recordValue])
    }
}
