/// Paging loops written once, so no caller forgets a page or loops forever on a token that
/// does not move.
extension AWSClient {
    /// Fetches every page: `fetch` gets the token for the page (nil first) and returns the
    /// page and the next token (nil at the end).
    public static func allPages<Page, Token: Equatable>(service: String, operation: String, maxPages: Int = 1000,
                                                        _ fetch: (Token?) async throws -> (page: Page, next: Token?)) async throws -> [Page] {
        var pages: [Page] = []
        var token: Token?
        var seen: [Token] = []
        repeat {
            let (page, next) = try await fetch(token)
            pages.append(page)
            if let next {
                guard !seen.contains(next) else {
                    throw AWSError(service: service, operation: operation, kind: .malformedResponse(httpStatus: 200, reason: "the pagination token repeated; stopping instead of looping"), message: "")
                }
                seen.append(next)
                guard pages.count < maxPages else {
                    throw AWSError(service: service, operation: operation, kind: .malformedResponse(httpStatus: 200, reason: "more than \(maxPages) pages"), message: "")
                }
            }
            token = next
        } while token != nil
        return pages
    }

    /// Every page of a query-protocol list call. EC2 pages with `NextToken` both ways; ELBv2
    /// sends `Marker` and answers `NextMarker`.
    public func queryPages(_ service: AWSService, _ action: String, _ parameters: QueryParameters = QueryParameters()) async throws -> [XMLElement] {
        let (requestKey, responseKey) = service == .elbv2 ? ("Marker", "NextMarker") : ("NextToken", "NextToken")
        return try await Self.allPages(service: service.name, operation: action) { (token: String?) in
            var page = parameters
            page.add(requestKey, token)
            let result = try await query(service, action, page)
            let next = result.text(at: responseKey).flatMap { $0.isEmpty ? nil : $0 }
            return (result, next)
        }
    }

    /// Every page of a JSON list call (`NextToken` both ways).
    public func jsonPages(_ service: AWSService, _ operation: String, _ body: [String: any Sendable] = [:]) async throws -> [[String: Any]] {
        let pages: [SendableJSON] = try await Self.allPages(service: service.name, operation: operation) { (token: String?) in
            var page = body
            if let token { page["NextToken"] = token }
            let object = try await json(service, operation, page)
            let next = (object["NextToken"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            return (SendableJSON(object: object), next)
        }
        return pages.map(\.object)
    }

    /// Every record set of a Route53 zone: pages continue from NextRecordName/Type/Identifier
    /// while IsTruncated is true.
    public func route53RecordSetPages(zoneID: String) async throws -> [XMLElement] {
        struct Start: Equatable { var name: String; var type: String?; var identifier: String? }
        return try await Self.allPages(service: "route53", operation: "ListResourceRecordSets") { (start: Start?) in
            var query: [(String, String)] = []
            if let start {
                query.append(("name", start.name))
                if let type = start.type { query.append(("type", type)) }
                if let identifier = start.identifier { query.append(("identifier", identifier)) }
            }
            let queryString = query.map { SigV4Signer.encode($0.0) + "=" + SigV4Signer.encode($0.1) }.joined(separator: "&")
            let page = try await restXML(.route53, "ListResourceRecordSets", method: "GET", path: "/2013-04-01/hostedzone/\(zoneID)/rrset", query: queryString)
            guard page.text(at: "IsTruncated") == "true", let name = page.text(at: "NextRecordName") else { return (page, nil) }
            return (page, Start(name: name, type: page.text(at: "NextRecordType"), identifier: page.text(at: "NextRecordIdentifier")))
        }
    }
}

/// A JSON object carried across an async boundary; JSONSerialization's values are immutable.
struct SendableJSON: @unchecked Sendable {
    var object: [String: Any]
}
