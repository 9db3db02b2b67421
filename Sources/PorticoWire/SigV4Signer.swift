import Foundation

/// Credentials as AWS issues them. The secret and the token never appear in descriptions,
/// logs or errors: `description` shows the key id only.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    /// When temporary credentials stop working; nil for long-term keys.
    public var expiration: Date?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    public var description: String { "AWSCredentials(\(accessKeyID), secret hidden\(sessionToken == nil ? "" : ", session token hidden"))" }
}

/// An HTTP request as it will go on the wire, before signing.
public struct SigV4Request: Sendable {
    public var method: String
    /// The path as sent in the request line (already percent-encoded where needed).
    public var path: String
    /// The query as sent, without the `?`.
    public var query: String
    public var headers: [Header]
    public var body: [UInt8]

    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(method: String, path: String, query: String = "", headers: [Header], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

/// AWS Signature Version 4, as a pure function of the request, the credentials and a time
/// given by the caller (no clock inside, no I/O), so every stage can be checked against AWS's
/// test suite.
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    public var service: String
    /// Remove `.`/`..` segments and repeated slashes from the path (every service but S3).
    public var normalizePath = true
    /// Add and sign `x-amz-content-sha256`.
    public var signBody = false
    /// Add the session token after signing instead of signing it (some services want that).
    public var omitSessionToken = false

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Every stage, for tests and for `--debug` explanations of signature mismatches.
    public struct Signature: Sendable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signature: String
        /// Header signing: the headers to add to the request, in order. Query signing: empty.
        public var headers: [SigV4Request.Header]
        /// Query signing: the whole query string to send. Header signing: the request's own.
        public var query: String
    }

    public static let algorithm = "AWS4-HMAC-SHA256"

    /// Signs with an `Authorization` header.
    public func signHeaders(_ request: SigV4Request, at date: Date) -> Signature {
        let time = AmzTime(date)
        let payloadHash = Digest.hex(Digest.sha256(request.body))
        var added: [SigV4Request.Header] = [.init("X-Amz-Date", time.stamp)]
        if let token = credentials.sessionToken, !omitSessionToken { added.append(.init("X-Amz-Security-Token", token)) }
        if signBody { added.append(.init("x-amz-content-sha256", payloadHash)) }
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(request.headers + added)
        let canonicalRequest = [request.method, canonicalPath(request.path), Self.canonicalQuery(Self.queryPairs(request.query)),
                                canonicalHeaders, signedHeaders, payloadHash].joined(separator: "\n")
        let (stringToSign, signature) = sign(canonicalRequest, time)
        let authorization = "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(time.scope(region, service)), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        var headers = added
        if let token = credentials.sessionToken, omitSessionToken { headers.append(.init("X-Amz-Security-Token", token)) }
        headers.append(.init("Authorization", authorization))
        return Signature(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature, headers: headers, query: request.query)
    }

    /// Signs in the query string (a presigned URL), valid for `expires` seconds.
    public func presign(_ request: SigV4Request, at date: Date, expires: Int) -> Signature {
        let time = AmzTime(date)
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(request.headers)
        var pairs = Self.queryPairs(request.query)
        pairs += [
            ("X-Amz-Algorithm", Self.algorithm),
            ("X-Amz-Credential", "\(credentials.accessKeyID)/\(time.scope(region, service))"),
            ("X-Amz-Date", time.stamp),
            ("X-Amz-Expires", String(expires)),
            ("X-Amz-SignedHeaders", signedHeaders),
        ]
        if let token = credentials.sessionToken, !omitSessionToken { pairs.append(("X-Amz-Security-Token", token)) }
        let canonicalQuery = Self.canonicalQuery(pairs)
        let payloadHash = Digest.hex(Digest.sha256(request.body))
        let canonicalRequest = [request.method, canonicalPath(request.path), canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].joined(separator: "\n")
        let (stringToSign, signature) = sign(canonicalRequest, time)
        var query = canonicalQuery + "&X-Amz-Signature=" + signature
        if let token = credentials.sessionToken, omitSessionToken { query += "&X-Amz-Security-Token=" + Self.encode(token) }
        return Signature(canonicalRequest: canonicalRequest, stringToSign: stringToSign, signature: signature, headers: [], query: query)
    }

    private func sign(_ canonicalRequest: String, _ time: AmzTime) -> (stringToSign: String, signature: String) {
        let stringToSign = [Self.algorithm, time.stamp, time.scope(region, service), Digest.hex(Digest.sha256(Array(canonicalRequest.utf8)))].joined(separator: "\n")
        var key = Digest.hmacSHA256(key: Array("AWS4\(credentials.secretAccessKey)".utf8), data: Array(time.day.utf8))
        for part in [region, service, "aws4_request"] { key = Digest.hmacSHA256(key: key, data: Array(part.utf8)) }
        return (stringToSign, Digest.hex(Digest.hmacSHA256(key: key, data: Array(stringToSign.utf8))))
    }

    // MARK: Canonical forms

    /// The path, normalised unless told not to, with each byte outside the unreserved set
    /// percent-encoded. The path arrives as sent, so this is AWS's "encode twice" for every
    /// service but S3.
    func canonicalPath(_ path: String) -> String {
        var path = path.isEmpty ? "/" : path
        if normalizePath {
            var segments: [Substring] = []
            for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
                switch segment {
                case ".": continue
                case "..": _ = segments.popLast()
                default: segments.append(segment)
                }
            }
            let trailing = path.hasSuffix("/") && !segments.isEmpty
            path = "/" + segments.joined(separator: "/") + (trailing ? "/" : "")
        }
        return Self.encode(path, keepSlash: true)
    }

    /// `name=value` pairs of a query string, percent-decoded.
    static func queryPairs(_ query: String) -> [(String, String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (decode(String(parts[0])), parts.count > 1 ? decode(String(parts[1])) : "")
        }
    }

    /// Encoded pairs sorted by name, then value (all ASCII once encoded, so this is byte order).
    static func canonicalQuery(_ pairs: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = pairs.map { (encode($0.0), encode($0.1)) }
        let sorted = encoded.sorted { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        return sorted.map { $0.name + "=" + $0.value }.joined(separator: "&")
    }

    /// Lower-case names sorted; values trimmed with inner runs of white space folded to one
    /// space; a header given twice gets its values joined with commas, in order.
    static func canonicalHeaders(_ headers: [SigV4Request.Header]) -> (canonical: String, signed: String) {
        var values: [String: [String]] = [:]
        for header in headers {
            let folded = header.value.split(whereSeparator: isFoldedSpace).joined(separator: " ")
            values[header.name.lowercased(), default: []].append(folded)
        }
        let names = values.keys.sorted()
        let canonical = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        return (canonical, names.joined(separator: ";"))
    }

    private static func isFoldedSpace(_ character: Character) -> Bool {
        character == " " || character == "\t" || character == "\n" || character == "\r"
    }

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8)

    /// RFC 3986 percent-encoding of everything but the unreserved characters (and `/` when asked).
    public static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if unreserved.contains(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    static func decode(_ text: String) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
               let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// SigV4's two renderings of a UTC time: `20150830T123600Z` and `20150830`.
struct AmzTime {
    let stamp: String
    let day: String

    init(_ date: Date) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int) -> String { String(value).leftPadded(to: 2) }
        day = String(year).leftPadded(to: 4) + two(month) + two(dayOfMonth)
        stamp = day + "T" + two(rest / 3600) + two(rest % 3600 / 60) + two(rest % 60) + "Z"
    }

    func scope(_ region: String, _ service: String) -> String { "\(day)/\(region)/\(service)/aws4_request" }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
