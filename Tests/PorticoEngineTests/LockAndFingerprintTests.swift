import Foundation
import PorticoCore
@testable import PorticoEngine
import Testing

@Suite("stack lock and live fingerprints")
struct LockAndFingerprintTests {
    @Test("a lock holder round-trips through its TXT value, which stays within one 255-character string")
    func holderRoundTrip() throws {
        let since = Date(timeIntervalSince1970: 1_795_000_000)
        let holder = StackLock.Holder(who: "arn:aws:sts::123456789012:assumed-role/portico-apply/" + String(repeating: "x", count: 300), since: since,
                                      run: "3f1c2a", command: "apply", host: "github.com/org/repo/actions/runs/1")
        let value = holder.recordValue
        #expect(value.count <= 255)
        let parsed = try #require(StackLock.Holder.parse(value))
        #expect(parsed.run == "3f1c2a" && parsed.command == "apply" && parsed.since == since && parsed.host == holder.host)
        #expect(parsed.readValue == value, "deleting needs the value exactly as read")
        #expect(StackLock.Holder.parse("\"heritage=portico,portico/stack=s,portico/resource=k\"") == nil)
        #expect(parsed.describe(now: since.addingTimeInterval(300)).hasSuffix("(5 min ago)"))
    }

    static let targetGroupARN = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/demo-tg/1"
    static let loadBalancerARN = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/demo-alb/1"

    /// ScheduleTests.stack's target group and load balancer, live.
    static func world() -> LiveWorld {
        var world = LiveWorld()
        world.existing = ["vpc": .vpc(id: "vpc-0123456789abcdef0")]
        world.targetGroups = [LiveTargetGroup(arn: targetGroupARN, name: "demo-tg", vpcID: "vpc-0123456789abcdef0", appProtocol: "HTTP", port: 80,
                                              healthCheck: LiveHealthCheck(checkProtocol: "HTTP", path: "/", port: "traffic-port", interval: 30, timeout: 5, healthyThreshold: 5, unhealthyThreshold: 2, matcher: "200"),
                                              targets: ["i-1", "i-2"], tags: [Ownership.stackTag: "demo", Ownership.resourceTag: "tg"])]
        world.loadBalancers = [LiveLoadBalancer(
            arn: loadBalancerARN, name: "demo-alb", scheme: "internet-facing", ipAddressType: "ipv4", vpcID: "vpc-0123456789abcdef0", subnetIDs: ["subnet-00000001", "subnet-00000002"],
            securityGroupIDs: [], dnsName: "demo-alb-1.us-east-1.elb.amazonaws.com", canonicalHostedZoneID: "Z35SXDOTRQ7X7K", state: "active", deletionProtection: false,
            tags: [Ownership.stackTag: "demo", Ownership.resourceTag: "alb"],
            listeners: [LiveListener(arn: "listener/80", port: 80, appProtocol: "HTTP", certificateARNs: [], sslPolicy: nil, action: .forward(targetGroupARN))])]
        return world
    }

    @Test("fingerprints ignore the order AWS lists things in, and see any change, appearance or absence")
    func fingerprints() {
        let stack = ScheduleTests.stack
        let world = Self.world()
        let saved = LiveFingerprint.reads(of: world, stack: stack)
        #expect(saved["target_group tg \(Self.targetGroupARN)"] != nil)

        var reordered = world
        reordered.targetGroups[0].targets.reverse()
        reordered.loadBalancers[0].subnetIDs.reverse()
        #expect(LiveFingerprint.moved(from: saved, to: LiveFingerprint.reads(of: reordered, stack: stack)).isEmpty)

        var changed = world
        changed.targetGroups[0].healthCheck.path = "/x"
        #expect(LiveFingerprint.moved(from: saved, to: LiveFingerprint.reads(of: changed, stack: stack)) == ["target_group tg \(Self.targetGroupARN): changed"])

        var tagged = world
        tagged.loadBalancers[0].tags["portico:applied"] = "1.2.abcdef12."
        #expect(LiveFingerprint.moved(from: saved, to: LiveFingerprint.reads(of: tagged, stack: stack)) == ["load_balancer alb \(Self.loadBalancerARN): changed"],
                "another apply's record is a change too")

        var empty = LiveWorld()
        empty.existing = world.existing
        let fromNothing = LiveFingerprint.reads(of: empty, stack: stack)
        let appeared = LiveFingerprint.moved(from: fromNothing, to: saved)
        #expect(appeared == ["load_balancer alb \(Self.loadBalancerARN): appeared", "target_group tg \(Self.targetGroupARN): appeared"])
    }
}
