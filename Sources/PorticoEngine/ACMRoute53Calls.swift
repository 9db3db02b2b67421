import Foundation
import PorticoCore
import PorticoWire

/// The ACM calls Portico makes (botocore acm service-2.json).
struct ACMCalls: Sendable {
    let client: AWSClient

    /// ListCertificates returns only RSA_1024/RSA_2048 certificates unless asked for every key type.
    static let allKeyTypes = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]

    func listCertificateARNs() async throws -> [String] {
        let pages = try await client.jsonPages(.acm, "ListCertificates", ["Includes": ["keyTypes": Self.allKeyTypes], "MaxItems": 1000])
        return try pages.flatMap { page -> [String] in
            guard let summaries = page["CertificateSummaryList"] as? [[String: Any]] else {
                throw AWSError(service: "acm", operation: "ListCertificates", kind: .malformedResponse(httpStatus: 200, reason: "no CertificateSummaryList"), message: "")
            }
            return try eachItem(summaries, "acm", "ListCertificates", "a certificate") { $0["CertificateArn"] as? String }
        }
    }

    func tags(arn: String) async throws -> [String: String] {
        let answer = try await client.json(.acm, "ListTagsForCertificate", ["CertificateArn": arn])
        var tags: [String: String] = [:]
        for tag in (answer["Tags"] as? [[String: Any]]) ?? [] {
            if let key = tag["Key"] as? String { tags[key] = tag["Value"] as? String ?? "" }
        }
        return tags
    }

    func describe(arn: String, tags: [String: String]) async throws -> LiveCertificate {
        let answer = try await client.json(.acm, "DescribeCertificate", ["CertificateArn": arn])
        guard let certificate = answer["Certificate"] as? [String: Any] else {
            throw AWSError(service: "acm", operation: "DescribeCertificate", kind: .malformedResponse(httpStatus: 200, reason: "no Certificate"), message: "")
        }
        var records: [DNSRecord] = []
        for option in (certificate["DomainValidationOptions"] as? [[String: Any]]) ?? [] {
            guard let record = option["ResourceRecord"] as? [String: Any], let name = record["Name"] as? String,
                  let type = record["Type"] as? String, let value = record["Value"] as? String else { continue }
            let dnsRecord = DNSRecord(name: name, type: type, value: value)
            if !records.contains(dnsRecord) { records.append(dnsRecord) }
        }
        return LiveCertificate(arn: arn, domain: certificate["DomainName"] as? String ?? "",
                               subjectAlternativeNames: certificate["SubjectAlternativeNames"] as? [String] ?? [],
                               keyAlgorithm: Self.keyAlgorithm(certificate["KeyAlgorithm"] as? String ?? ""),
                               status: certificate["Status"] as? String ?? "", validationRecords: records, tags: tags,
                               inUseBy: certificate["InUseBy"] as? [String] ?? [])
    }

    /// DescribeCertificate says `EC-prime256v1` and `RSA-2048`; RequestCertificate takes `EC_prime256v1`.
    static func keyAlgorithm(_ text: String) -> String { text.replacingOccurrences(of: "-", with: "_") }

    func request(_ spec: CertificateSpec, idempotencyToken: String, tags: [(String, String)]) async throws -> String {
        var body: [String: any Sendable] = [
            "DomainName": DomainName.normalize(spec.domain.value),
            "ValidationMethod": "DNS",
            "KeyAlgorithm": spec.keyAlgorithm.value,
            "IdempotencyToken": idempotencyToken,
            "Tags": tags.map { ["Key": $0.0, "Value": $0.1] },
        ]
        let alternatives = spec.alternativeNames.map { DomainName.normalize($0.value) }
        if !alternatives.isEmpty { body["SubjectAlternativeNames"] = alternatives }
        let answer = try await client.json(.acm, "RequestCertificate", body)
        guard let arn = answer["CertificateArn"] as? String else {
            throw AWSError(service: "acm", operation: "RequestCertificate", kind: .malformedResponse(httpStatus: 200, reason: "no CertificateArn"), message: "")
        }
        return arn
    }

    func delete(arn: String) async throws {
        _ = try await client.json(.acm, "DeleteCertificate", ["CertificateArn": arn], noOutput: true)
    }

    func addTags(arn: String, _ tags: [(String, String)]) async throws {
        _ = try await client.json(.acm, "AddTagsToCertificate", ["CertificateArn": arn, "Tags": tags.map { ["Key": $0.0, "Value": $0.1] }], noOutput: true)
    }
}

/// The Route53 calls Portico makes (botocore route53 service-2.json, REST-XML).
struct Route53Calls: Sendable {
    let client: AWSClient

    static func zoneID(_ text: String) -> String {
        text.hasPrefix("/hostedzone/") ? String(text.dropFirst("/hostedzone/".count)) : text
    }

    /// Public zones with this name; a private zone of the same name is not where public DNS lives.
    func zones(named name: String) async throws -> [LiveZone] {
        let wanted = DomainName.normalize(name)
        let query = "dnsname=\(SigV4Signer.encode(wanted))&maxitems=100"
        let answer = try await client.restXML(.route53, "ListHostedZonesByName", method: "GET", path: "/2013-04-01/hostedzonesbyname", query: query)
        let zones = try eachItem(answer.child("HostedZones")?.children("HostedZone") ?? [], "route53", "ListHostedZonesByName", "a hosted zone") { zone in
            zone.text(at: "Id").flatMap { id in zone.text(at: "Name").map { (LiveZone(id: Self.zoneID(id), name: $0), private: zone.text(at: "Config", "PrivateZone") == "true") } }
        }
        return zones.filter { DomainName.normalize($0.0.name) == wanted && !$0.private }.map(\.0)
    }

    func zone(id: String) async throws -> LiveZone? {
        do {
            let answer = try await client.restXML(.route53, "GetHostedZone", method: "GET", path: "/2013-04-01/hostedzone/\(Self.zoneID(id))")
            guard let zone = answer.child("HostedZone"), let zoneID = zone.text(at: "Id"), let name = zone.text(at: "Name") else {
                throw AWSError(service: "route53", operation: "GetHostedZone", kind: .malformedResponse(httpStatus: 200, reason: "no HostedZone with an Id and a Name"), message: "")
            }
            return LiveZone(id: Self.zoneID(zoneID), name: name)
        } catch let error as AWSError where error.code == "NoSuchHostedZone" {
            return nil
        }
    }

    func recordSets(zoneID: String) async throws -> [LiveRecordSet] {
        let pages = try await client.route53RecordSetPages(zoneID: zoneID)
        return try eachItem(pages.flatMap { $0.child("ResourceRecordSets")?.children("ResourceRecordSet") ?? [] }, "route53", "ListResourceRecordSets", "a record set", Self.recordSet)
    }

    /// One record set by name and type: a single-item listing that starts there (Route53 has no
    /// get-one call), so a large zone is not read whole.
    func recordSet(zoneID: String, name: String, type: String) async throws -> LiveRecordSet? {
        let query = "maxitems=1&name=\(SigV4Signer.encode(DomainName.normalize(name) + "."))&type=\(type)"
        let answer = try await client.restXML(.route53, "ListResourceRecordSets", method: "GET", path: "/2013-04-01/hostedzone/\(Self.zoneID(zoneID))/rrset", query: query)
        let first = try eachItem(answer.child("ResourceRecordSets")?.children("ResourceRecordSet") ?? [], "route53", "ListResourceRecordSets", "a record set", Self.recordSet).first
        guard let first, DomainName.normalize(first.name) == DomainName.normalize(name), first.type == type else { return nil }
        return first
    }

    static func recordSet(_ set: XMLElement) -> LiveRecordSet? {
        guard let name = set.text(at: "Name"), let type = set.text(at: "Type") else { return nil }
        let alias = set.child("AliasTarget").map {
            AliasTarget(hostedZoneID: $0.text(at: "HostedZoneId") ?? "", dnsName: $0.text(at: "DNSName") ?? "", evaluateTargetHealth: $0.text(at: "EvaluateTargetHealth") == "true")
        }
        return LiveRecordSet(name: Self.unescape(name), type: type, ttl: set.text(at: "TTL").flatMap { Int($0) },
                             values: (set.child("ResourceRecords")?.children("ResourceRecord") ?? []).compactMap { $0.text(at: "Value") },
                             alias: alias, setIdentifier: set.text(at: "SetIdentifier"))
    }

    /// Route53 lists `*` as `\052`.
    static func unescape(_ name: String) -> String { name.replacingOccurrences(of: "\\052", with: "*") }

    enum ChangeAction: String { case create = "CREATE", delete = "DELETE", upsert = "UPSERT" }

    /// One atomic batch: all its changes happen or none do.
    func change(zoneID: String, _ changes: [(ChangeAction, LiveRecordSet)], comment: String) async throws {
        guard !changes.isEmpty else { return }
        var body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ChangeResourceRecordSetsRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><ChangeBatch>"
        body += "<Comment>\(Self.escape(comment))</Comment><Changes>"
        for (action, set) in changes {
            body += "<Change><Action>\(action.rawValue)</Action><ResourceRecordSet><Name>\(Self.escape(set.name)).</Name><Type>\(set.type)</Type>"
            if let alias = set.alias {
                body += "<AliasTarget><HostedZoneId>\(Self.escape(alias.hostedZoneID))</HostedZoneId><DNSName>\(Self.escape(alias.dnsName))</DNSName>"
                body += "<EvaluateTargetHealth>\(alias.evaluateTargetHealth)</EvaluateTargetHealth></AliasTarget>"
            } else {
                body += "<TTL>\(set.ttl ?? 300)</TTL><ResourceRecords>"
                for value in set.values { body += "<ResourceRecord><Value>\(Self.escape(value))</Value></ResourceRecord>" }
                body += "</ResourceRecords>"
            }
            body += "</ResourceRecordSet></Change>"
        }
        body += "</Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"
        _ = try await client.restXML(.route53, "ChangeResourceRecordSets", method: "POST", path: "/2013-04-01/hostedzone/\(Self.zoneID(zoneID))/rrset/", body: body)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
