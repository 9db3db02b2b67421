import Foundation
import Testing

/// The bounded form of the hard cases (Tests/Support/hard_cases.py; the long form is `make
/// soak`): the built binary against moto, through the seeded fault proxy, interrupted by
/// signals; every end state read back with boto3 over the whole account.
@Suite("faults, interruptions and secrets against moto")
struct HardCaseTests {
    /// Runs one scenario and returns its figures; the scenario exits 1 naming the check that failed.
    func scenario(_ arguments: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", PorticoBinary.path("Tests/Support/hard_cases.py")] + arguments + ["--portico", PorticoBinary.executable.path]
        process.currentDirectoryURL = PorticoBinary.packageRoot
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(arguments.joined(separator: " ")):\n\(stderr.suffix(4000))")
        let last = String(decoding: stdout, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        return try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any] ?? [:]
    }

    @Test("apply, plan, drift and destroy converge through a quarter of calls failing, with nothing duplicated")
    func faults() throws {
        let figures = try scenario(["faults", "--seeds", "11,12", "--rate", "0.25"])
        let calls = figures["calls"] as? Int ?? 0, faults = figures["faults"] as? Int ?? 0
        #expect(calls > 150 && Double(faults) >= 0.15 * Double(calls), "\(figures)")
        #expect(figures["duplicates"] as? Int == 0)
    }

    /// Fails without createOnce (moto makes a second target group, load balancer…) and without
    /// the lock recognising its own record after a lost CREATE.
    @Test("the first answer of every create lost (reset, cut short): exactly one of everything, each found by its tags")
    func lostAnswers() throws {
        let figures = try scenario(["lost-answers"])
        #expect(figures["adopted"] as? Int ?? 0 >= 8, "\(figures)")
    }

    @Test("with every call failing, apply gives up within the retry budget naming the call and its attempts")
    func givesUp() throws {
        let figures = try scenario(["give-up"])
        #expect(figures["attempts"] as? Int == 6, "\(figures)")
        #expect((figures["seconds"] as? Double ?? 999) < 60, "\(figures)")
    }

    /// Calls 3 and 5 fall while the lock is being taken; the later ones among the changes.
    @Test("apply interrupted (SIGINT, SIGKILL) and destroy interrupted, each then run again, end as if never interrupted",
          arguments: [["apply", "INT", "3,5,20,40"], ["apply", "KILL", "5,20,40"], ["destroy", "INT", "15,30"], ["destroy", "KILL", "15,30"]])
    func interrupted(_ setting: [String]) throws {
        let figures = try scenario(["interrupt", "--command", setting[0], "--signal", setting[1], "--at", setting[2]])
        #expect(figures["interruptions"] as? Int == setting[2].split(separator: ",").count, "\(figures)")
    }

    @Test("no command prints a secret key, session token or request signature, even with --debug; nor does a plan file")
    func noSecretsPrinted() throws {
        let figures = try scenario(["secrets"])
        #expect((figures["signatures_checked"] as? Int ?? 0) > 20, "\(figures)")
    }
}
