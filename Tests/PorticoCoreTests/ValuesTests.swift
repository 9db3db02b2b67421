import PorticoCore
import Testing

@Suite struct CIDRTests {
    @Test(arguments: [
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("10.0.0.0/16", "10.0.0.0/16"),
        ("192.168.1.7/32", "192.168.1.7/32"),
        ("::/0", "::/0"),
        ("2001:DB8::/32", "2001:db8::/32"),
        ("2001:db8:0:0:0:0:0:1/128", "2001:db8::1/128"),
        ("fe80:0:0:1:0:0:0:0/64", "fe80:0:0:1::/64"),
    ])
    func parsesAndPrintsCanonically(_ input: String, _ canonical: String) throws {
        let cidr = try CIDR.parse(input).get()
        #expect(cidr.description == canonical)
    }

    @Test(arguments: [
        ("10.0.0.300/16", "not an IPv4 address"),
        ("10.0.0/16", "not an IPv4 address"),
        ("010.0.0.0/8", "not an IPv4 address"),
        ("10.0.0.0/33", "between 0 and 32"),
        ("10.0.0.0", "not a CIDR block"),
        ("10.1.2.3/16", "the network is 10.1.0.0/16"),
        ("2001:db8:::1/64", "not an IPv6 address"),
        ("2001:db8::1::2/64", "not an IPv6 address"),
        ("2001:db8::/129", "between 0 and 128"),
        ("2001:db8::1/64", "the network is 2001:db8::/64"),
        ("10.0.0.0/x", "not a prefix length"),
    ])
    func rejectsWithAReason(_ input: String, _ reason: String) {
        guard case .failure(let problem) = CIDR.parse(input) else {
            Issue.record("\(input) was accepted")
            return
        }
        #expect(problem.reason.contains(reason), "\(problem.reason)")
    }

    @Test func anywhereAndPrivate() throws {
        #expect(try CIDR.parse("0.0.0.0/0").get().isAnywhere)
        #expect(try CIDR.parse("::/0").get().isAnywhere)
        #expect(try CIDR.parse("10.20.0.0/16").get().isPrivate)
        #expect(try CIDR.parse("172.31.0.0/16").get().isPrivate)
        #expect(try !CIDR.parse("172.32.0.0/16").get().isPrivate)
        #expect(try CIDR.parse("fd00::/8").get().isPrivate)
        #expect(try !CIDR.parse("203.0.113.0/24").get().isPrivate)
    }
}

@Suite struct PortRangeTests {
    @Test func parses() throws {
        #expect(try PortRange.parse("443").get() == PortRange(single: 443))
        #expect(try PortRange.parse("8000-8100").get() == PortRange(8000, 8100))
        #expect(PortRange(8000, 8100).contains(8050))
        #expect(!PortRange(8000, 8100).contains(8101))
    }

    @Test(arguments: ["0", "65536", "9000-8000", "80-", "http", "1-2-3"])
    func rejects(_ input: String) {
        #expect(throws: ValueError.self) { try PortRange.parse(input).get() }
    }
}

@Suite struct DomainNameTests {
    @Test(arguments: [("example.com", false), ("a-b.example.co.uk", false), ("Example.COM.", false), ("*.example.com", true)])
    func accepts(_ name: String, _ wildcard: Bool) {
        #expect(DomainName.check(name, allowWildcard: wildcard) == nil)
    }

    @Test(arguments: [
        ("localhost", false, "fully qualified"),
        ("my_app.example.com", false, "only letters, digits, hyphens"),
        ("-a.example.com", false, "starts or ends with a hyphen"),
        ("a..example.com", false, "empty label"),
        ("*.example.com", false, "only in certificate names"),
        ("www.*.example.com", true, "first label"),
        ("10.0.0.1", false, "IP address"),
        (String(repeating: "a", count: 64) + ".com", false, "longer than 63"),
    ])
    func rejects(_ name: String, _ wildcard: Bool, _ reason: String) throws {
        let problem = try #require(DomainName.check(name, allowWildcard: wildcard))
        #expect(problem.reason.contains(reason), "\(problem.reason)")
    }

    @Test func wildcardCoversExactlyOneLabel() {
        #expect(DomainName.certificateName("*.example.com", covers: "www.example.com"))
        #expect(!DomainName.certificateName("*.example.com", covers: "example.com"))
        #expect(!DomainName.certificateName("*.example.com", covers: "a.b.example.com"))
        #expect(DomainName.certificateName("Example.com.", covers: "example.COM"))
        #expect(!DomainName.certificateName("example.com", covers: "www.example.com"))
    }

    @Test func zoneParenthood() {
        #expect(DomainName.isWithin("example.com", zone: "example.com."))
        #expect(DomainName.isWithin("a.b.example.com", zone: "example.com"))
        #expect(!DomainName.isWithin("badexample.com", zone: "example.com"))
        #expect(DomainName.validatedName("*.shop.example.net") == "shop.example.net")
    }
}

@Suite struct IdentifierAndNameTests {
    @Test func ec2IDs() {
        #expect(AWSIdentifier.looksLike(.vpc, "vpc-0123456789abcdef0"))
        #expect(AWSIdentifier.check(.vpc, "vpc-0123456789abcdef0") == nil)
        #expect(AWSIdentifier.check(.vpc, "vpc-12345678") == nil)
        #expect(AWSIdentifier.check(.vpc, "vpc-12345") != nil)
        #expect(!AWSIdentifier.looksLike(.vpc, "vpc-main"))
        #expect(!AWSIdentifier.looksLike(.securityGroup, "sg"))
        #expect(AWSIdentifier.check(.certificateARN, "arn:aws:acm:us-east-1:123456789012:certificate/abc") == nil)
        #expect(AWSIdentifier.check(.certificateARN, "arn:aws:acm:us-east-1:1234:certificate/abc") != nil)
        #expect(AWSIdentifier.looksLike(.hostedZone, "Z0123456789ABCDEFGHIJ"))
        #expect(!AWSIdentifier.looksLike(.hostedZone, "zone"))
    }

    @Test func elbNames() {
        #expect(AWSNames.checkELBName("web-tg", what: "target group") == nil)
        #expect(AWSNames.checkELBName(String(repeating: "a", count: 33), what: "target group") != nil)
        #expect(AWSNames.checkELBName("-web", what: "target group") != nil)
        #expect(AWSNames.checkELBName("internal-web", what: "load balancer") != nil)
        #expect(AWSNames.checkELBName("web_tg", what: "target group") != nil)
    }

    @Test func entryKeysAndStackNames() {
        #expect(AWSNames.checkEntryKey("alb-sg") == nil)
        #expect(AWSNames.checkEntryKey("Alb") != nil)
        #expect(AWSNames.checkEntryKey("vpc-12345678") != nil)
        #expect(AWSNames.checkStackName("askmeanything") == nil)
        #expect(AWSNames.checkStackName(String(repeating: "a", count: 33)) != nil)
        #expect(AWSNames.checkRegion("ap-northeast-2") == nil)
        #expect(AWSNames.checkRegion("us-gov-west-1") == nil)
        #expect(AWSNames.checkRegion("mars-1") != nil)
        #expect(AWSNames.checkTag(key: "portico:stack", value: "x") != nil)
        #expect(AWSNames.checkTag(key: "aws:cloudformation", value: "x") != nil)
        #expect(AWSNames.checkEC2Text("HTTP from the load balancer only", what: "description") == nil)
        #expect(AWSNames.checkEC2Text("naïve", what: "description") != nil)
    }

    @Test func healthCheckMatchers() {
        for good in ["200", "200,202", "200-299", "200-299,404"] { #expect(HealthCheckMatcher.check(good) == nil, "\(good)") }
        for bad in ["", "600", "199", "299-200", "2xx", "200,,202"] { #expect(HealthCheckMatcher.check(bad) != nil, "\(bad)") }
    }

    @Test func sslPolicies() {
        #expect(SSLPolicies.all.contains(SSLPolicies.defaultPolicy))
        #expect(Set(SSLPolicies.all).count == SSLPolicies.all.count)
        #expect(SSLPolicies.allowsLegacyTLS("ELBSecurityPolicy-2016-08"))
        #expect(!SSLPolicies.allowsLegacyTLS(SSLPolicies.defaultPolicy))
    }

    @Test func suggestions() {
        #expect(Suggestions.closest(to: "tragets", in: ["targets", "vpc", "port"]) == "targets")
        #expect(Suggestions.closest(to: "heath_check", in: ["health_check", "port"]) == "health_check")
        #expect(Suggestions.closest(to: "zzz", in: ["health_check", "port"]) == nil)
        #expect(Suggestions.editDistance("kitten", "sitting") == 3)
        #expect(Suggestions.editDistance("ab", "ba") == 1)
    }
}
