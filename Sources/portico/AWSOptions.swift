import ArgumentParser
import Foundation
import PorticoWire

/// Flags every command that talks to AWS takes.
struct AWSOptions: ParsableArguments {
    @Option(help: "AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the profile's region, the stack file's).")
    var region: String?

    @Option(help: "Profile from ~/.aws/config and ~/.aws/credentials (else AWS_PROFILE, else default).")
    var profile: String?

    @Option(name: .customLong("endpoint-url"), help: "Send every AWS call to this URL (else AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile).")
    var endpointURL: String?

    @Flag(help: "Print each AWS call: service, operation, status, attempts, time. Never credentials or signatures.")
    var debug = false

    func session(stackRegion: String? = nil, onCall: (@Sendable (CallRecord) -> Void)? = nil) throws -> AWSSession {
        var record: (@Sendable (CallRecord) -> Void)? = onCall
        if debug && onCall == nil {
            record = { call in FileHandle.standardError.write(Data((call.line + "\n").utf8)) }
        }
        let options = AWSSession.Options(region: region, profile: profile, endpointURL: endpointURL, stackRegion: stackRegion,
                                         userAgent: "portico/\(Portico.version)")
        return try AWSSession(options, record: record)
    }
}

/// Prints an error the way every command does and exits 1.
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("portico: error: \(message)\n".utf8))
    return ExitCode(1)
}
