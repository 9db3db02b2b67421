import Foundation

/// Why no credentials could be had, with every source tried, so one message says it all.
public struct CredentialsError: Error, Sendable, CustomStringConvertible {
    public var tried: [String]
    public var description: String {
        "no usable AWS credentials; tried, in order:\n" + tried.map { "  - \($0)" }.joined(separator: "\n")
            + "\nSet AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, choose a profile with --profile or AWS_PROFILE, or run where a role is available."
    }
}

/// Settings the chain reads, gathered once so tests can hand in their own.
public struct CredentialSettings: Sendable {
    public var environment: [String: String]
    /// `--profile`, which (as in the AWS CLI) wins over credentials in the environment.
    public var explicitProfile: String?
    public var files: AWSConfigFiles
    public var region: String
    /// Endpoint overrides, so STS calls made for credentials reach the same place as the rest.
    public var endpoints: EndpointResolver
    public var transport: HTTPTransport
    public var retry: RetryPolicy

    public init(environment: [String: String], explicitProfile: String?, files: AWSConfigFiles, region: String,
                endpoints: EndpointResolver, transport: HTTPTransport, retry: RetryPolicy = RetryPolicy(maxAttempts: 3, budget: 20)) {
        self.environment = environment
        self.explicitProfile = explicitProfile
        self.files = files
        self.region = region
        self.endpoints = endpoints
        self.transport = transport
        self.retry = retry
    }

    public var profileName: String { explicitProfile ?? environment["AWS_PROFILE"] ?? "default" }
}

/// The AWS CLI's order: explicit `--profile`; else environment keys; else the profile
/// (static keys, `role_arn` with `source_profile` or `credential_source`, web identity); else
/// web identity from `AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE`; else container
/// credentials; else the EC2 instance metadata service (IMDSv2). Temporary credentials are
/// cached and refreshed five minutes before they expire.
public actor CredentialChain: CredentialProvider {
    private let settings: CredentialSettings
    private var cached: AWSCredentials?
    private var source: String?
    private let clock: @Sendable () -> Date
    static let refreshMargin: TimeInterval = 300

    public init(settings: CredentialSettings, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.clock = clock
    }

    /// Where the credentials in use came from, for `whoami`.
    public func sourceDescription() async throws -> String {
        _ = try await credentials()
        return source ?? "unknown"
    }

    public func credentials() async throws -> AWSCredentials {
        if let cached, cached.expiration.map({ $0.timeIntervalSince(clock()) > Self.refreshMargin }) ?? true { return cached }
        let (credentials, source) = try await resolve()
        self.cached = credentials
        self.source = source
        return credentials
    }

    private func resolve() async throws -> (AWSCredentials, String) {
        let env = settings.environment
        var tried: [String] = []
        if let profile = settings.explicitProfile {
            return (try await profileCredentials(profile, chain: []), "profile '\(profile)' (--profile)")
        }
        if let key = env["AWS_ACCESS_KEY_ID"], !key.isEmpty {
            guard let secret = env["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
                throw CredentialsError(tried: ["environment: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"])
            }
            return (AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: env["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }), "environment variables")
        }
        tried.append("environment: AWS_ACCESS_KEY_ID is not set")

        let profile = settings.profileName
        if let settingsOfProfile = settings.files.profiles[profile] {
            // A profile with only a region (the usual [default] in ~/.aws/config) says nothing
            // about credentials: go on down the chain. One that does say must work.
            if Self.holdsCredentialSettings(settingsOfProfile) {
                return (try await profileCredentials(profile, chain: []), "profile '\(profile)'")
            }
            tried.append("profile '\(profile)': has no credentials (no aws_access_key_id, role_arn or web_identity_token_file)")
        } else {
            tried.append("profile '\(profile)': not found in the config or credentials file\(settings.files.problems.isEmpty ? "" : " (" + settings.files.problems.joined(separator: "; ") + ")")")
        }

        if let role = env["AWS_ROLE_ARN"], let tokenFile = env["AWS_WEB_IDENTITY_TOKEN_FILE"] {
            return (try await webIdentity(role: role, tokenFile: tokenFile, sessionName: env["AWS_ROLE_SESSION_NAME"]), "web identity (AWS_ROLE_ARN)")
        }
        tried.append("web identity: AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE are not both set")

        if env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] != nil || env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] != nil {
            return (try await containerCredentials(), "container credentials")
        }
        tried.append("container: AWS_CONTAINER_CREDENTIALS_FULL_URI and _RELATIVE_URI are not set")

        if env["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" {
            tried.append("instance metadata: disabled by AWS_EC2_METADATA_DISABLED")
        } else {
            do {
                return (try await instanceMetadataCredentials(), "instance metadata (\(metadataEndpoint))")
            } catch let error as CredentialsError {
                tried += error.tried
            }
        }
        throw CredentialsError(tried: tried)
    }

    // MARK: Profiles

    private func profileCredentials(_ name: String, chain: [String]) async throws -> AWSCredentials {
        guard !chain.contains(name) else {
            throw CredentialsError(tried: ["profile '\(name)': source_profile loops: \((chain + [name]).joined(separator: " -> "))"])
        }
        guard let profile = settings.files.profiles[name] else {
            throw CredentialsError(tried: ["profile '\(name)': not found in the config or credentials file"])
        }
        if let role = profile["role_arn"] {
            if let tokenFile = profile["web_identity_token_file"] {
                return try await webIdentity(role: role, tokenFile: tokenFile, sessionName: profile["role_session_name"])
            }
            let source: AWSCredentials
            if let sourceProfile = profile["source_profile"] {
                // A profile that names itself as source uses its own static keys for the call.
                if sourceProfile == name, let keys = staticKeys(profile) {
                    source = keys
                } else {
                    source = try await profileCredentials(sourceProfile, chain: chain + [name])
                }
            } else if let credentialSource = profile["credential_source"] {
                switch credentialSource {
                case "Environment":
                    guard let key = settings.environment["AWS_ACCESS_KEY_ID"], let secret = settings.environment["AWS_SECRET_ACCESS_KEY"] else {
                        throw CredentialsError(tried: ["profile '\(name)': credential_source = Environment, but AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set"])
                    }
                    source = AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: settings.environment["AWS_SESSION_TOKEN"])
                case "Ec2InstanceMetadata": source = try await instanceMetadataCredentials()
                case "EcsContainer": source = try await containerCredentials()
                default: throw CredentialsError(tried: ["profile '\(name)': credential_source '\(credentialSource)' is not Environment, Ec2InstanceMetadata or EcsContainer"])
                }
            } else {
                throw CredentialsError(tried: ["profile '\(name)': role_arn needs source_profile, credential_source or web_identity_token_file"])
            }
            return try await assumeRole(role: role, with: source, profile: profile, profileName: name)
        }
        if let keys = staticKeys(profile) { return keys }
        if profile["aws_access_key_id"] != nil {
            throw CredentialsError(tried: ["profile '\(name)': aws_access_key_id is set but aws_secret_access_key is not"])
        }
        throw CredentialsError(tried: ["profile '\(name)': has no credentials (no aws_access_key_id, role_arn or web_identity_token_file)"])
    }

    static func holdsCredentialSettings(_ profile: [String: String]) -> Bool {
        ["aws_access_key_id", "aws_secret_access_key", "role_arn", "web_identity_token_file", "credential_source"].contains { profile[$0] != nil }
    }

    private func staticKeys(_ profile: [String: String]) -> AWSCredentials? {
        guard let key = profile["aws_access_key_id"], let secret = profile["aws_secret_access_key"], !key.isEmpty, !secret.isEmpty else { return nil }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: profile["aws_session_token"])
    }

    // MARK: STS

    private func stsClient(_ credentials: CredentialProvider, signed: Bool) -> AWSClient {
        var client = AWSClient(region: settings.region, credentials: credentials, endpoints: settings.endpoints, transport: settings.transport, retry: settings.retry)
        client.signsRequests = signed
        return client
    }

    private func assumeRole(role: String, with source: AWSCredentials, profile: [String: String], profileName: String) async throws -> AWSCredentials {
        var parameters = QueryParameters()
        parameters.add("RoleArn", role)
        parameters.add("RoleSessionName", profile["role_session_name"] ?? "portico-\(Int(clock().timeIntervalSince1970))")
        parameters.add("ExternalId", profile["external_id"])
        parameters.add("DurationSeconds", profile["duration_seconds"])
        do {
            let result = try await stsClient(StaticCredentialProvider(source), signed: true).query(.sts, "AssumeRole", parameters)
            return try Self.temporaryCredentials(result, operation: "AssumeRole")
        } catch let error as AWSError {
            throw CredentialsError(tried: ["profile '\(profileName)': sts:AssumeRole for \(role) failed: \(error)"])
        }
    }

    private func webIdentity(role: String, tokenFile: String, sessionName: String?) async throws -> AWSCredentials {
        guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty else {
            throw CredentialsError(tried: ["web identity: the token file '\(tokenFile)' cannot be read or is empty"])
        }
        var parameters = QueryParameters()
        parameters.add("RoleArn", role)
        parameters.add("RoleSessionName", sessionName ?? "portico-\(Int(clock().timeIntervalSince1970))")
        parameters.add("WebIdentityToken", token)
        do {
            // AssumeRoleWithWebIdentity is not signed: the token is the proof.
            let result = try await stsClient(StaticCredentialProvider(AWSCredentials(accessKeyID: "", secretAccessKey: "")), signed: false)
                .query(.sts, "AssumeRoleWithWebIdentity", parameters)
            return try Self.temporaryCredentials(result, operation: "AssumeRoleWithWebIdentity")
        } catch let error as AWSError {
            throw CredentialsError(tried: ["web identity: sts:AssumeRoleWithWebIdentity for \(role) failed: \(error)"])
        }
    }

    static func temporaryCredentials(_ result: XMLElement, operation: String) throws -> AWSCredentials {
        guard let node = result.child("Credentials"), let key = node.text(at: "AccessKeyId"), let secret = node.text(at: "SecretAccessKey") else {
            throw CredentialsError(tried: ["sts:\(operation) answered without credentials"])
        }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: node.text(at: "SessionToken"),
                              expiration: node.text(at: "Expiration").flatMap(parseTimestamp))
    }

    // MARK: Container and instance metadata

    private func containerCredentials() async throws -> AWSCredentials {
        let env = settings.environment
        let url: String
        if let relative = env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] {
            url = "http://169.254.170.2" + relative
        } else {
            url = env["AWS_CONTAINER_CREDENTIALS_FULL_URI"]!
        }
        var headers: [SigV4Request.Header] = []
        if let path = env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], let token = try? String(contentsOfFile: path, encoding: .utf8) {
            headers.append(.init("Authorization", token.trimmingCharacters(in: .whitespacesAndNewlines)))
        } else if let token = env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] {
            headers.append(.init("Authorization", token))
        }
        do {
            let response = try await settings.transport.send(HTTPRequest(method: "GET", url: url, headers: headers))
            guard response.status == 200 else { throw CredentialsError(tried: ["container: \(CurlTransport.hostAndPort(url)) answered HTTP \(response.status)"]) }
            return try Self.jsonCredentials(response.body, source: "container")
        } catch let failure as TransportFailure {
            throw CredentialsError(tried: ["container: \(failure.reason)"])
        }
    }

    private var metadataEndpoint: String {
        var endpoint = settings.environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? "http://169.254.169.254"
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        return endpoint
    }

    /// IMDSv2: a session token first (PUT), then the role name, then its credentials.
    private func instanceMetadataCredentials() async throws -> AWSCredentials {
        let base = metadataEndpoint
        do {
            let tokenResponse = try await settings.transport.send(HTTPRequest(method: "PUT", url: "\(base)/latest/api/token",
                                                                             headers: [.init("X-aws-ec2-metadata-token-ttl-seconds", "21600")]))
            guard tokenResponse.status == 200 else { throw CredentialsError(tried: ["instance metadata: the token request answered HTTP \(tokenResponse.status)"]) }
            let token = [SigV4Request.Header("X-aws-ec2-metadata-token", String(decoding: tokenResponse.body, as: UTF8.self))]
            let roles = try await settings.transport.send(HTTPRequest(method: "GET", url: "\(base)/latest/meta-data/iam/security-credentials/", headers: token))
            let role = String(decoding: roles.body, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
            guard roles.status == 200, !role.isEmpty else { throw CredentialsError(tried: ["instance metadata: no IAM role is attached (HTTP \(roles.status))"]) }
            let credentials = try await settings.transport.send(HTTPRequest(method: "GET", url: "\(base)/latest/meta-data/iam/security-credentials/\(role)", headers: token))
            guard credentials.status == 200 else { throw CredentialsError(tried: ["instance metadata: role '\(role)' answered HTTP \(credentials.status)"]) }
            return try Self.jsonCredentials(credentials.body, source: "instance metadata")
        } catch let failure as TransportFailure {
            throw CredentialsError(tried: ["instance metadata: \(failure.reason)"])
        }
    }

    /// The JSON both the container endpoint and IMDS return.
    static func jsonCredentials(_ body: [UInt8], source: String) throws -> AWSCredentials {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let key = object["AccessKeyId"] as? String, let secret = object["SecretAccessKey"] as? String else {
            throw CredentialsError(tried: ["\(source): the answer holds no AccessKeyId and SecretAccessKey"])
        }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: object["Token"] as? String,
                              expiration: (object["Expiration"] as? String).flatMap(parseTimestamp))
    }

    static func parseTimestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
