import ArgumentParser
import Foundation
import PorticoStackFile
import PorticoWire

struct Whoami: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the AWS account, identity, region and endpoint Portico would use (STS GetCallerIdentity).")

    @OptionGroup var aws: AWSOptions

    @Argument(help: "A stack file, to take the region from when nothing else gives one.")
    var stack: String?

    func run() async throws {
        var stackRegion: String?
        if let stack {
            let validation = StackValidator.validate(path: stack)
            stackRegion = validation.stack?.region.value
        }
        let session: AWSSession
        do {
            session = try aws.session(stackRegion: stackRegion)
        } catch {
            throw fail("\(error)")
        }
        do {
            let identity = try await CallerIdentity.fetch(session.client())
            let endpoint = session.endpoints.source(for: .sts, region: session.region)
            let credentialSource = (try? await session.credentials.sourceDescription()) ?? "unknown"
            print("account:     \(identity.account)")
            print("arn:         \(identity.arn)")
            print("region:      \(session.region) (from \(session.regionSource))")
            print("endpoint:    \(endpoint.url) (\(endpoint.source))")
            print("credentials: \(credentialSource)")
        } catch {
            throw fail("\(error)")
        }
    }
}
