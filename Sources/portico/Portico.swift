import ArgumentParser
import PorticoStackFile
import PorticoWire

@main
struct Portico: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "portico",
        abstract: "Declarative reconciler for the front door of a web app on AWS: certificate, load balancer, listeners, security groups, DNS.",
        discussion: """
        Exit codes: 0 success; 1 problems found or the command failed; 64 bad command line.
        """,
        version: "portico \(version)",
        subcommands: [Validate.self, PlanCommand.self, Apply.self, Destroy.self, Drift.self, Unlock.self, Whoami.self, Version.self]
    )
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print Portico's version and the versions of the libraries it runs on.")

    func run() throws {
        print("portico \(Portico.version)")
        print("libyaml \(YAMLLibrary.version)")
        print("libcurl \(WireLibraries.curlVersion) (\(WireLibraries.curlSSLBackend))")
        print("libcrypto \(WireLibraries.cryptoVersion)")
    }
}
