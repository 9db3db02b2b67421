import Foundation
@testable import PorticoWire
import Testing

/// AWS's SigV4 signing test suite (Tests/Fixtures/aws-signing-test-suite, Apache-2.0): every
/// case, header signing and query signing, each stage compared with the suite's files.
@Suite struct SigningSuiteTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/aws-signing-test-suite/v4")

    static let cases: [String] = (try? FileManager.default.contentsOfDirectory(atPath: root.path))?.sorted() ?? []

    struct Case {
        var signer: SigV4Signer
        var request: SigV4Request
        var date: Date
        var expires: Int

        init(_ name: String) throws {
            let directory = SigningSuiteTests.root.appendingPathComponent(name)
            let context = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("context.json"))) as! [String: Any]
            let credentials = context["credentials"] as! [String: String]
            signer = SigV4Signer(credentials: AWSCredentials(accessKeyID: credentials["access_key_id"]!, secretAccessKey: credentials["secret_access_key"]!,
                                                             sessionToken: credentials["token"]),
                                 region: context["region"] as! String, service: context["service"] as! String)
            signer.normalizePath = context["normalize"] as? Bool ?? true
            signer.signBody = context["sign_body"] as? Bool ?? false
            signer.omitSessionToken = context["omit_session_token"] as? Bool ?? false
            expires = context["expiration_in_seconds"] as? Int ?? 3600
            let formatter = ISO8601DateFormatter()
            date = formatter.date(from: context["timestamp"] as! String)!
            request = try Self.parse(Data(contentsOf: directory.appendingPathComponent("request.txt")))
        }

        /// request.txt is a raw HTTP/1.1 request; the target may hold spaces, and a header line
        /// starting with white space continues the previous header.
        static func parse(_ data: Data) throws -> SigV4Request {
            let text = String(decoding: data, as: UTF8.self)
            let (head, body) = text.range(of: "\n\n").map { (String(text[..<$0.lowerBound]), String(text[$0.upperBound...])) } ?? (text, "")
            var lines = head.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let requestLine = lines.removeFirst()
            let method = String(requestLine.prefix { $0 != " " })
            let target = String(requestLine.dropFirst(method.count + 1).dropLast(" HTTP/1.1".count))
            let (path, query) = target.firstIndex(of: "?").map { (String(target[..<$0]), String(target[target.index(after: $0)...])) } ?? (target, "")
            var headers: [SigV4Request.Header] = []
            for line in lines where !line.isEmpty {
                if line.first == " " || line.first == "\t" {
                    headers[headers.count - 1].value += "\n" + line
                } else {
                    let colon = line.firstIndex(of: ":")!
                    headers.append(.init(String(line[..<colon]), String(line[line.index(after: colon)...])))
                }
            }
            return SigV4Request(method: method, path: path, query: query, headers: headers, body: Array(body.utf8))
        }
    }

    static func expected(_ name: String, _ file: String) throws -> String {
        String(decoding: try Data(contentsOf: root.appendingPathComponent(name).appendingPathComponent(file)), as: UTF8.self)
    }

    @Test func suiteIsPresent() {
        #expect(Self.cases.count >= 30, "the signing suite was not found at \(Self.root.path)")
    }

    @Test(arguments: cases)
    func headerSigning(_ name: String) throws {
        let suiteCase = try Case(name)
        let result = suiteCase.signer.signHeaders(suiteCase.request, at: suiteCase.date)
        #expect(result.canonicalRequest == (try Self.expected(name, "header-canonical-request.txt")))
        #expect(result.stringToSign == (try Self.expected(name, "header-string-to-sign.txt")))
        #expect(result.signature == (try Self.expected(name, "header-signature.txt")).trimmingCharacters(in: .whitespacesAndNewlines))
        let signed = try Self.expected(name, "header-signed-request.txt")
        let authorization = try #require(result.headers.first { $0.name == "Authorization" })
        #expect(signed.contains("Authorization:\(authorization.value)\n"))
        for header in result.headers { #expect(signed.contains("\(header.name):\(header.value)"), "\(header.name) missing from the signed request") }
    }

    @Test(arguments: cases)
    func querySigning(_ name: String) throws {
        let suiteCase = try Case(name)
        let result = suiteCase.signer.presign(suiteCase.request, at: suiteCase.date, expires: suiteCase.expires)
        #expect(result.canonicalRequest == (try Self.expected(name, "query-canonical-request.txt")))
        #expect(result.stringToSign == (try Self.expected(name, "query-string-to-sign.txt")))
        #expect(result.signature == (try Self.expected(name, "query-signature.txt")).trimmingCharacters(in: .whitespacesAndNewlines))
        // The signed request carries the same parameters (the suite leaves a raw UTF-8 name
        // unencoded in its request line; on the wire it is percent-encoded: compare decoded).
        let signedLine = try Self.expected(name, "query-signed-request.txt").split(separator: "\n")[0]
        let signedQuery = String(signedLine.split(separator: "?", maxSplits: 1).last!.split(separator: " ")[0])
        func decoded(_ query: String) -> Set<String> { Set(SigV4Signer.queryPairs(query).map { "\($0.0)=\($0.1)" }) }
        #expect(decoded(result.query) == decoded(signedQuery))
    }

    @Test func amzTimeRendersUTC() {
        #expect(AmzTime(Date(timeIntervalSince1970: 1_440_938_160)).stamp == "20150830T123600Z")
        #expect(AmzTime(Date(timeIntervalSince1970: 951_782_400)).stamp == "20000229T000000Z")
        #expect(AmzTime(Date(timeIntervalSince1970: 0)).day == "19700101")
        #expect(AmzTime(Date(timeIntervalSince1970: 4_102_444_799)).stamp == "20991231T235959Z")
    }

    @Test func credentialsNeverDescribeTheirSecret() {
        let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: "TOKEN123")
        #expect(!"\(credentials)".contains("wJalr"))
        #expect(!String(reflecting: credentials).contains("wJalr"))
        #expect(!"\(credentials)".contains("TOKEN123"))
    }
}
