import ArgumentParser
import Foundation

/// Commands whose behaviour is specified but not built yet. They say so and fail, rather than
/// pretend: a pipeline that runs `portico apply` must not believe something was applied.
protocol NotBuiltYet: ParsableCommand {
    static var name: String { get }
}

extension NotBuiltYet {
    func run() throws {
        FileHandle.standardError.write(Data("portico \(Self.name): not built yet. This version can check stack files with 'portico validate'; it makes no AWS call.\n".utf8))
        throw ExitCode(1)
    }
}

