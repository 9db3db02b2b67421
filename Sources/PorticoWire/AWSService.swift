/// The five services Portico talks to, with what their wire protocols need.
public struct AWSService: Sendable, Hashable, CustomStringConvertible {
    public enum WireProtocol: Sendable, Hashable {
        /// Form-encoded `Action=…&Version=…`, XML answers. EC2 flattens lists as `Name.N`,
        /// the others as `Name.member.N`.
        case query(version: String, ec2: Bool)
        /// `X-Amz-Target: <prefix>.<Operation>`, JSON 1.1 bodies.
        case json(targetPrefix: String)
        /// Paths and XML bodies (Route53).
        case restXML(version: String)
    }

    /// Short name for messages and `--debug`: ec2, elbv2, sts, acm, route53.
    public var name: String
    /// The name in the SigV4 credential scope (the emulator routes by it, too).
    public var signingName: String
    /// The host name's first label.
    public var endpointPrefix: String
    public var wireProtocol: WireProtocol
    /// Global services have one endpoint and sign for us-east-1.
    public var isGlobal: Bool
    /// `AWS_ENDPOINT_URL_<this>` overrides the endpoint, as in the AWS CLI.
    public var environmentID: String
    /// The key of the profile's `services` section, e.g. `elastic_load_balancing_v2`.
    public var configID: String { environmentID.lowercased() }

    public var description: String { name }

    public static let ec2 = AWSService(name: "ec2", signingName: "ec2", endpointPrefix: "ec2", wireProtocol: .query(version: "2016-11-15", ec2: true), isGlobal: false, environmentID: "EC2")
    public static let elbv2 = AWSService(name: "elbv2", signingName: "elasticloadbalancing", endpointPrefix: "elasticloadbalancing", wireProtocol: .query(version: "2015-12-01", ec2: false), isGlobal: false, environmentID: "ELASTIC_LOAD_BALANCING_V2")
    public static let sts = AWSService(name: "sts", signingName: "sts", endpointPrefix: "sts", wireProtocol: .query(version: "2011-06-15", ec2: false), isGlobal: false, environmentID: "STS")
    public static let acm = AWSService(name: "acm", signingName: "acm", endpointPrefix: "acm", wireProtocol: .json(targetPrefix: "CertificateManager"), isGlobal: false, environmentID: "ACM")
    public static let route53 = AWSService(name: "route53", signingName: "route53", endpointPrefix: "route53", wireProtocol: .restXML(version: "2013-04-01"), isGlobal: true, environmentID: "ROUTE_53")

    public static let all: [AWSService] = [.ec2, .elbv2, .sts, .acm, .route53]

    /// The region a request is signed for.
    public func signingRegion(_ region: String) -> String { isGlobal ? "us-east-1" : region }

    /// The public endpoint when nothing overrides it.
    public func defaultEndpoint(region: String) -> String {
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        if isGlobal { return region.hasPrefix("cn-") ? "https://route53.amazonaws.com.cn" : "https://\(endpointPrefix).\(suffix)" }
        return "https://\(endpointPrefix).\(region).\(suffix)"
    }
}

/// Parameters of a query-protocol call, in the order they are added.
public struct QueryParameters: Sendable, Equatable {
    public private(set) var pairs: [(String, String)] = []

    public init() {}

    public mutating func add(_ name: String, _ value: String?) {
        if let value { pairs.append((name, value)) }
    }

    /// A list of values: `Name.member.1=…`, or EC2's `Name.1=…`.
    public mutating func addList(_ name: String, _ values: [String], ec2: Bool) {
        for (index, value) in values.enumerated() { pairs.append(("\(Self.listPrefix(name, ec2: ec2)).\(index + 1)", value)) }
    }

    /// A list of structures: `fields(i)` gives member i's fields (`Name.member.1.Key=…`).
    public mutating func addStructureList(_ name: String, count: Int, ec2: Bool, _ fields: (Int) -> [(String, String?)]) {
        for index in 0..<count {
            for (field, value) in fields(index) {
                if let value { pairs.append(("\(Self.listPrefix(name, ec2: ec2)).\(index + 1).\(field)", value)) }
            }
        }
    }

    static func listPrefix(_ name: String, ec2: Bool) -> String { ec2 ? name : "\(name).member" }

    /// The form body: `Action=…&Version=…&…`, percent-encoded as AWS expects.
    public func formBody(action: String, version: String) -> String {
        ([("Action", action), ("Version", version)] + pairs)
            .map { SigV4Signer.encode($0.0) + "=" + SigV4Signer.encode($0.1) }
            .joined(separator: "&")
    }

    public static func == (lhs: QueryParameters, rhs: QueryParameters) -> Bool {
        lhs.pairs.map { [$0.0, $0.1] } == rhs.pairs.map { [$0.0, $0.1] }
    }
}
