import Foundation
@testable import PorticoWire
import Testing

@Suite struct ConfigFileTests {
    @Test func profilesServicesAndPrecedence() {
        var files = AWSConfigFiles()
        files.read("""
        # comment
        [default]
        region = eu-west-1
        [profile dev]
        region=ap-northeast-2
        role_arn = arn:aws:iam::111122223333:role/deploy
        source_profile = base
        services = local
        [services local]
        elastic_load_balancing_v2 =
          endpoint_url = http://localhost:4566
        sts =
          endpoint_url = http://localhost:4567
        [sso-session corp]
        sso_region = us-east-1
        """, path: "config", isConfig: true)
        files.read("""
        [base]
        aws_access_key_id = AKIABASE
        aws_secret_access_key = base/secret#with-hash ; a comment
        [default]
        aws_access_key_id = AKIADEFAULT
        aws_secret_access_key = s3cr3t
        """, path: "credentials", isConfig: false)
        #expect(files.problems.isEmpty, "\(files.problems)")
        #expect(files.profiles["default"]?["region"] == "eu-west-1")
        #expect(files.profiles["default"]?["aws_access_key_id"] == "AKIADEFAULT")
        #expect(files.profiles["dev"]?["source_profile"] == "base")
        #expect(files.profiles["base"]?["aws_secret_access_key"] == "base/secret#with-hash")
        let endpoints = files.endpointSettings(profile: "dev")
        #expect(endpoints.perService == ["elastic_load_balancing_v2": "http://localhost:4566", "sts": "http://localhost:4567"])
        #expect(files.profiles["corp"] == nil)
    }

    @Test func brokenFileIsReportedWithLines() {
        var files = AWSConfigFiles()
        files.read("aws_access_key_id = x\n[default\nthis is not a setting\n", path: "credentials", isConfig: false)
        #expect(files.problems == ["credentials:1: a setting outside any [section]", "credentials:2: a section header must end with ']'",
                                   "credentials:3: expected 'key = value'"])
    }
}

/// STS and metadata endpoints played by a fake transport, answering by URL and action.
func credentialTransport(log: CallLog) -> FakeTransport {
    FakeTransport([{ request in
        let body = String(decoding: request.body, as: UTF8.self)
        log.add("\(request.method) \(request.url) \(body.split(separator: "&").first ?? "")")
        if body.hasPrefix("Action=AssumeRoleWithWebIdentity") {
            #expect(!request.headers.contains { $0.name == "Authorization" }, "web identity calls are unsigned")
            return HTTPResponse(status: 200, headers: [], body: Array(stsCredentials(action: "AssumeRoleWithWebIdentity", key: "ASIAWEB").utf8))
        }
        if body.hasPrefix("Action=AssumeRole") {
            let authorization = request.headers.first { $0.name == "Authorization" }?.value ?? ""
            log.add("signed by \(authorization.split(separator: "=")[1].split(separator: "/")[0])")
            return HTTPResponse(status: 200, headers: [], body: Array(stsCredentials(action: "AssumeRole", key: "ASIAROLE").utf8))
        }
        if request.url.hasPrefix("http://imds.test/"), request.url.hasSuffix("/latest/api/token") { return HTTPResponse(status: request.method == "PUT" ? 200 : 405, headers: [], body: Array("TOKEN".utf8)) }
        if request.url.hasPrefix("http://imds.test/"), request.url.hasSuffix("/security-credentials/") {
            #expect(request.headers.contains { $0.name == "X-aws-ec2-metadata-token" && $0.value == "TOKEN" })
            return HTTPResponse(status: 200, headers: [], body: Array("web-role\n".utf8))
        }
        if request.url == "http://imds.test/latest/meta-data/iam/security-credentials/web-role" || request.url == "http://container.test/creds" {
            return HTTPResponse(status: 200, headers: [], body: Array(#"{"AccessKeyId": "ASIAMETA", "SecretAccessKey": "s", "Token": "t", "Expiration": "2099-01-01T00:00:00Z"}"#.utf8))
        }
        throw TransportFailure("Couldn't connect to server (\(request.url))")
    }])
}

func stsCredentials(action: String, key: String) -> String {
    "<\(action)Response><\(action)Result><Credentials><AccessKeyId>\(key)</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></\(action)Result></\(action)Response>"
}

final class CallLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

@Suite struct CredentialChainTests {
    func chain(environment: [String: String], profile: String? = nil, config: String = "", credentials: String = "", log: CallLog = CallLog(),
               clock: @escaping @Sendable () -> Date = { Date() }) -> CredentialChain {
        var files = AWSConfigFiles()
        files.read(config, path: "config", isConfig: true)
        files.read(credentials, path: "credentials", isConfig: false)
        var environment = environment
        environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? "http://imds.invalid"
        return CredentialChain(settings: CredentialSettings(environment: environment, explicitProfile: profile, files: files, region: "us-east-1",
                                                            endpoints: EndpointResolver(commandLine: "http://sts.test"), transport: credentialTransport(log: log),
                                                            retry: RetryPolicy(maxAttempts: 1)), clock: clock)
    }

    @Test func environmentFirst() async throws {
        let provider = chain(environment: ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "x", "AWS_SESSION_TOKEN": "tok"],
                             credentials: "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = y\n")
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyID == "AKIAENV")
        #expect(credentials.sessionToken == "tok")
    }

    @Test func explicitProfileWinsOverEnvironment() async throws {
        let provider = chain(environment: ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "x"], profile: "ops",
                             credentials: "[ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = y\n")
        #expect(try await provider.credentials().accessKeyID == "AKIAOPS")
    }

    @Test func sourceProfileChainAssumesTheRoleWithTheSourceKeys() async throws {
        let log = CallLog()
        let provider = chain(environment: ["AWS_PROFILE": "deploy"], config: """
            [profile deploy]
            role_arn = arn:aws:iam::111122223333:role/deploy
            source_profile = middle
            external_id = ext-1
            [profile middle]
            role_arn = arn:aws:iam::111122223333:role/middle
            source_profile = base
            """, credentials: "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = b\n", log: log)
        let credentials = try await provider.credentials()
        #expect(credentials.accessKeyID == "ASIAROLE")
        #expect(credentials.expiration != nil)
        // middle is assumed with base's keys, then deploy with middle's temporary keys.
        #expect(log.all.filter { $0.hasPrefix("signed by") } == ["signed by AKIABASE", "signed by ASIAROLE"])
    }

    @Test func sourceProfileLoopIsAClearError() async {
        let provider = chain(environment: ["AWS_PROFILE": "a"], config: "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n")
        do {
            _ = try await provider.credentials()
            Issue.record("succeeded")
        } catch {
            #expect("\(error)".contains("source_profile loops: a -> b -> a"))
        }
    }

    @Test func webIdentityFromTheEnvironment() async throws {
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("portico-token-\(UUID().uuidString)")
        try "eyJ.token.sig\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: tokenFile) }
        let log = CallLog()
        let provider = chain(environment: ["AWS_ROLE_ARN": "arn:aws:iam::1:role/ci", "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile.path, "HOME": "/nonexistent"], log: log)
        #expect(try await provider.credentials().accessKeyID == "ASIAWEB")
        #expect(log.all.first?.contains("Action=AssumeRoleWithWebIdentity") == true)
    }

    @Test func containerCredentials() async throws {
        let provider = chain(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://container.test/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer x"])
        #expect(try await provider.credentials().accessKeyID == "ASIAMETA")
    }

    @Test func instanceMetadataWithIMDSv2() async throws {
        let log = CallLog()
        let provider = chain(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://imds.test/"], log: log)
        #expect(try await provider.credentials().accessKeyID == "ASIAMETA")
        #expect(log.all.first == "PUT http://imds.test/latest/api/token ")
    }

    @Test func aProfileWithOnlyARegionFallsThroughToTheNextSource() async throws {
        let provider = chain(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://imds.test"], config: "[default]\nregion = eu-west-1\n")
        #expect(try await provider.credentials().accessKeyID == "ASIAMETA")
        #expect(try await provider.sourceDescription().hasPrefix("instance metadata"))
    }

    @Test func aProfileThatSaysHowButFailsIsAnErrorNotAFallThrough() async {
        let provider = chain(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://imds.test"],
                             credentials: "[default]\naws_access_key_id = AKIAHALF\n")
        do {
            _ = try await provider.credentials()
            Issue.record("fell through to another source")
        } catch {
            #expect("\(error)".contains("aws_access_key_id is set but aws_secret_access_key is not"))
        }
    }

    @Test func nothingFoundSaysWhatWasTried() async {
        let provider = chain(environment: ["HOME": "/nonexistent"])
        do {
            _ = try await provider.credentials()
            Issue.record("succeeded")
        } catch let error as CredentialsError {
            #expect(error.tried.count == 5)
            #expect(error.description.contains("environment: AWS_ACCESS_KEY_ID is not set"))
            #expect(error.description.contains("instance metadata: Couldn't connect"))
        } catch { Issue.record("\(error)") }
    }

    @Test func temporaryCredentialsAreRefreshedBeforeTheyExpire() async throws {
        let log = CallLog()
        let now = Clock2099()
        let provider = chain(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://imds.test"], log: log, clock: { now.date })
        now.date = Date(timeIntervalSince1970: 4_070_908_800 - 3600) // an hour before 2099-01-01
        _ = try await provider.credentials()
        _ = try await provider.credentials()
        #expect(log.all.filter { $0.hasPrefix("PUT") }.count == 1, "cached while far from expiry")
        now.date = Date(timeIntervalSince1970: 4_070_908_800 - 120) // two minutes before
        _ = try await provider.credentials()
        #expect(log.all.filter { $0.hasPrefix("PUT") }.count == 2, "refreshed inside the margin")
    }
}

final class Clock2099: @unchecked Sendable {
    private let lock = NSLock()
    private var value = Date()
    var date: Date {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
