import Foundation
import PorticoWire
import Testing

@Suite struct PaginationTests {
    @Test func elbv2PagesWithMarkers() async throws {
        func page(_ arn: String, next: String?) -> (HTTPRequest) throws -> HTTPResponse {
            FakeTransport.xml(200, "<DescribeLoadBalancersResponse><DescribeLoadBalancersResult><LoadBalancers><member><LoadBalancerArn>\(arn)</LoadBalancerArn></member></LoadBalancers>\(next.map { "<NextMarker>\($0)</NextMarker>" } ?? "")</DescribeLoadBalancersResult></DescribeLoadBalancersResponse>")
        }
        let transport = FakeTransport([page("a", next: "m1"), page("b", next: "m2"), page("c", next: nil)])
        let pages = try await testClient(transport).queryPages(.elbv2, "DescribeLoadBalancers")
        #expect(pages.compactMap { $0.find("LoadBalancerArn")?.text } == ["a", "b", "c"])
        let bodies = transport.sent.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(bodies == ["Action=DescribeLoadBalancers&Version=2015-12-01", "Action=DescribeLoadBalancers&Version=2015-12-01&Marker=m1",
                           "Action=DescribeLoadBalancers&Version=2015-12-01&Marker=m2"])
    }

    @Test func ec2PagesWithNextToken() async throws {
        let transport = FakeTransport([FakeTransport.xml(200, "<DescribeVpcsResponse><vpcSet/><nextToken>ignored-lowercase</nextToken><NextToken>t1</NextToken></DescribeVpcsResponse>"),
                                       FakeTransport.xml(200, "<DescribeVpcsResponse><vpcSet/></DescribeVpcsResponse>")])
        let pages = try await testClient(transport).queryPages(.ec2, "DescribeVpcs")
        #expect(pages.count == 2)
        #expect(String(decoding: transport.sent[1].body, as: UTF8.self).hasSuffix("&NextToken=t1"))
    }

    @Test func aRepeatingTokenStopsWithAnError() async {
        let transport = FakeTransport([{ _ in HTTPResponse(status: 200, headers: [], body: Array(#"{"CertificateSummaryList": [], "NextToken": "same"}"#.utf8)) }])
        await #expect(throws: AWSError.self) { try await testClient(transport).jsonPages(.acm, "ListCertificates") }
        #expect(transport.sent.count == 2)
    }

    @Test func acmPagesCarryTheToken() async throws {
        let transport = FakeTransport([FakeTransport.xml(200, #"{"CertificateSummaryList": [{"CertificateArn": "a"}], "NextToken": "n1"}"#),
                                       FakeTransport.xml(200, #"{"CertificateSummaryList": [{"CertificateArn": "b"}]}"#)])
        let pages = try await testClient(transport).jsonPages(.acm, "ListCertificates", ["MaxItems": 1])
        #expect(pages.count == 2)
        let second = try JSONSerialization.jsonObject(with: Data(transport.sent[1].body)) as! [String: Any]
        #expect(second["NextToken"] as? String == "n1")
        #expect(second["MaxItems"] as? Int == 1)
    }

    @Test func route53RecordSetsFollowNextRecordName() async throws {
        let transport = FakeTransport([
            FakeTransport.xml(200, "<ListResourceRecordSetsResponse><ResourceRecordSets><ResourceRecordSet><Name>a.example.com.</Name></ResourceRecordSet></ResourceRecordSets><IsTruncated>true</IsTruncated><NextRecordName>b.example.com.</NextRecordName><NextRecordType>AAAA</NextRecordType></ListResourceRecordSetsResponse>"),
            FakeTransport.xml(200, "<ListResourceRecordSetsResponse><ResourceRecordSets><ResourceRecordSet><Name>b.example.com.</Name></ResourceRecordSet></ResourceRecordSets><IsTruncated>false</IsTruncated></ListResourceRecordSetsResponse>"),
        ])
        let pages = try await testClient(transport).route53RecordSetPages(zoneID: "Z123")
        #expect(pages.count == 2)
        #expect(transport.sent[0].url == "http://127.0.0.1:1/2013-04-01/hostedzone/Z123/rrset")
        #expect(transport.sent[1].url == "http://127.0.0.1:1/2013-04-01/hostedzone/Z123/rrset?name=b.example.com.&type=AAAA")
    }
}
