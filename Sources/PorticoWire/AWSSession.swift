import Foundation

/// The AWS settings of one run, resolved once from flags, the environment and the profile:
/// region, endpoints, credentials, transport. Commands build their clients from it.
public struct AWSSession: Sendable {
    public var region: String
    public var regionSource: String
    public var endpoints: EndpointResolver
    public var credentials: CredentialChain
    public var transport: HTTPTransport
    public var record: (@Sendable (CallRecord) -> Void)?

    public struct Options: Sendable {
        public var region: String?
        public var profile: String?
        public var endpointURL: String?
        public var stackRegion: String?
        public var userAgent: String
        public var environment: [String: String]

        public init(region: String? = nil, profile: String? = nil, endpointURL: String? = nil, stackRegion: String? = nil,
                    userAgent: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
            self.region = region
            self.profile = profile
            self.endpointURL = endpointURL
            self.stackRegion = stackRegion
            self.userAgent = userAgent
            self.environment = environment
        }
    }

    public struct SetupError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(_ options: Options, record: (@Sendable (CallRecord) -> Void)? = nil) throws {
        let files = AWSConfigFiles.load(environment: options.environment)
        let profileName = options.profile ?? options.environment["AWS_PROFILE"] ?? "default"
        if let explicit = options.profile, files.profiles[explicit] == nil {
            throw SetupError(description: "the profile '\(explicit)' is not in the AWS config or credentials file")
        }
        let profile = files.profiles[profileName] ?? [:]
        guard let (region, source) = RegionResolver.resolve(commandLine: options.region, environment: options.environment,
                                                           profileRegion: profile["region"], stackRegion: options.stackRegion) else {
            throw SetupError(description: "no AWS region: give --region, set AWS_REGION, or put a region in the profile or the stack file")
        }
        let endpointSettings = files.endpointSettings(profile: profileName)
        endpoints = EndpointResolver(commandLine: options.endpointURL, environment: options.environment,
                                     profileEndpoint: endpointSettings.global, profileServiceEndpoints: endpointSettings.perService)
        var transportSettings = TransportSettings(userAgent: options.userAgent, caBundle: options.environment["AWS_CA_BUNDLE"] ?? profile["ca_bundle"])
        transportSettings.maxInFlight = 8
        transport = CurlTransport(settings: transportSettings)
        // Metadata and container endpoints answer fast or not at all: do not wait long for them.
        var quickSettings = transportSettings
        quickSettings.connectTimeout = 2
        quickSettings.totalTimeout = 5
        credentials = CredentialChain(settings: CredentialSettings(environment: options.environment, explicitProfile: options.profile, files: files,
                                                                   region: region, endpoints: endpoints, transport: CurlTransport(settings: quickSettings)))
        self.region = region
        self.regionSource = source
        self.record = record
    }

    public func client(retry: RetryPolicy = .standard) -> AWSClient {
        AWSClient(region: region, credentials: credentials, endpoints: endpoints, transport: transport, retry: retry, record: record)
    }
}

/// STS GetCallerIdentity: who the credentials belong to.
public struct CallerIdentity: Sendable, Equatable {
    public var account: String
    public var arn: String
    public var userID: String

    public static func fetch(_ client: AWSClient) async throws -> CallerIdentity {
        let result = try await client.query(.sts, "GetCallerIdentity")
        guard let account = result.text(at: "Account"), let arn = result.text(at: "Arn") else {
            throw AWSError(service: "sts", operation: "GetCallerIdentity", kind: .malformedResponse(httpStatus: 200, reason: "no Account or Arn in the answer"), message: "")
        }
        return CallerIdentity(account: account, arn: arn, userID: result.text(at: "UserId") ?? "")
    }
}
