@testable import PorticoEngine
import PorticoCore
import Testing

@Suite("apply schedule")
struct ScheduleTests {
    static let stack: Stack = {
        let at = SourceLocation(file: "model", line: 1, column: 1)
        func v<T>(_ value: T) -> Located<T> { Located(value, at: at) }
        var stack = Stack(file: "model", name: v("demo"), region: v("us-east-1"))
        stack.existing = [ExistingEntry(key: v("vpc"), kind: .vpc, selector: .id(v("vpc-0123456789abcdef0")))]
        stack.resources = [
            Resource(key: v("tg"), spec: .targetGroup(TargetGroupSpec(vpc: v(.entry("vpc")), appProtocol: v("HTTP"), port: v(80), healthCheck: .defaults(at: at)))),
            Resource(key: v("alb"), spec: .loadBalancer(LoadBalancerSpec(scheme: v("internet-facing"), ipAddressType: v("ipv4"), subnets: [v(.awsID("subnet-00000001"))], subnetsLocation: at,
                                                                         securityGroups: [], listeners: [Listener(appProtocol: v("HTTP"), port: v(80), action: .forward(.single(v(.entry("tg")))), location: at)],
                                                                         deletionProtection: v(false)))),
        ]
        return stack
    }()

    @Test("a replacement: the listener waits for the new target group; the old one's deletion waits for every change")
    func replacementOrder() {
        let plan = Plan(stack: "demo", steps: [
            PlanStep(node: StackGraph.Node("tg"), kind: .targetGroup, action: .replace, liveID: "old"),
            PlanStep(node: StackGraph.Node("alb"), kind: .loadBalancer, action: .noop, liveID: "lb"),
            PlanStep(node: StackGraph.Node("alb", .listener(port: 80)), kind: .loadBalancer, action: .update, liveID: "l80"),
            PlanStep(node: StackGraph.Node("tg"), kind: .targetGroup, action: .delete, liveID: "old"),
        ])
        let (steps, needs) = Applier.schedule(plan, graph: StackGraph(stack: Self.stack))
        #expect(steps.map(\.address) == ["tg", "alb/listener:80", "tg"])
        #expect(needs == [[], [0], [0, 1]])
    }

    @Test("deletions run dependents first: listeners, then load balancers, then target groups")
    func deletionOrder() {
        let plan = Plan(stack: "demo", steps: [
            PlanStep(node: StackGraph.Node("tg"), kind: .targetGroup, action: .delete, liveID: "tg"),
            PlanStep(node: StackGraph.Node("alb"), kind: .loadBalancer, action: .delete, liveID: "lb"),
            PlanStep(node: StackGraph.Node("alb", .listener(port: 80)), kind: .loadBalancer, action: .delete, liveID: "l80"),
        ])
        let (_, needs) = Applier.schedule(plan, graph: StackGraph(stack: Self.stack))
        #expect(needs[2] == [])
        #expect(needs[1] == [2])
        #expect(Set(needs[0]) == [1, 2])
    }
}
