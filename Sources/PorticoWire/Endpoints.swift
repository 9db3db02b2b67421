import Foundation

/// Where requests for one service go.
public struct Endpoint: Sendable, Equatable {
    /// `https://host[:port]`
    public var origin: String
    /// A path prefix from an override URL such as `http://localhost:4566/aws`; usually empty.
    public var basePath: String
    /// The Host header, which is signed.
    public var hostHeader: String
}

public struct EndpointError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Endpoint overrides, in the order the AWS CLI applies them: `--endpoint-url`, then
/// `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then the profile's per-service
/// `services` section, then the profile's `endpoint_url`; else the public endpoint.
public struct EndpointResolver: Sendable {
    public var commandLine: String?
    public var environment: [String: String]
    public var profileEndpoint: String?
    /// Service config id (e.g. `elastic_load_balancing_v2`) to URL, from the profile's `services` section.
    public var profileServiceEndpoints: [String: String]

    public init(commandLine: String? = nil, environment: [String: String] = [:], profileEndpoint: String? = nil, profileServiceEndpoints: [String: String] = [:]) {
        self.commandLine = commandLine
        self.environment = environment
        self.profileEndpoint = profileEndpoint
        self.profileServiceEndpoints = profileServiceEndpoints
    }

    /// The URL in use and where it came from, for `whoami` and error messages.
    public func source(for service: AWSService, region: String) -> (url: String, source: String) {
        if let url = commandLine { return (url, "--endpoint-url") }
        if let url = environment["AWS_ENDPOINT_URL_\(service.environmentID)"], !url.isEmpty { return (url, "AWS_ENDPOINT_URL_\(service.environmentID)") }
        if let url = environment["AWS_ENDPOINT_URL"], !url.isEmpty { return (url, "AWS_ENDPOINT_URL") }
        if let url = profileServiceEndpoints[service.configID] { return (url, "profile services.\(service.configID).endpoint_url") }
        if let url = profileEndpoint { return (url, "profile endpoint_url") }
        return (service.defaultEndpoint(region: region), "default")
    }

    public func endpoint(for service: AWSService, region: String) throws -> Endpoint {
        let (url, source) = source(for: service, region: region)
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = components.host, !host.isEmpty else {
            throw EndpointError(description: "the endpoint '\(url)' (from \(source)) is not an http:// or https:// URL")
        }
        let defaultPort = scheme == "https" ? 443 : 80
        let port = components.port.flatMap { $0 == defaultPort ? nil : $0 }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let authority = hostPart + (port.map { ":\($0)" } ?? "")
        var basePath = components.percentEncodedPath
        while basePath.hasSuffix("/") { basePath.removeLast() }
        return Endpoint(origin: "\(scheme)://\(authority)", basePath: basePath, hostHeader: authority)
    }
}

/// The region, in the AWS CLI's order: `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the
/// profile's `region`; Portico adds the stack file's `region` last.
public enum RegionResolver {
    public static func resolve(commandLine: String?, environment: [String: String], profileRegion: String?, stackRegion: String?) -> (region: String, source: String)? {
        if let region = commandLine, !region.isEmpty { return (region, "--region") }
        if let region = environment["AWS_REGION"], !region.isEmpty { return (region, "AWS_REGION") }
        if let region = environment["AWS_DEFAULT_REGION"], !region.isEmpty { return (region, "AWS_DEFAULT_REGION") }
        if let region = profileRegion, !region.isEmpty { return (region, "profile region") }
        if let region = stackRegion, !region.isEmpty { return (region, "stack file") }
        return nil
    }
}
