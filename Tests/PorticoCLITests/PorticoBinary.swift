import Foundation

/// Runs the built `portico` executable, as a user or a pipeline would.
struct PorticoBinary {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["PORTICO_BIN"] { return URL(fileURLWithPath: path) }
        return packageRoot.appendingPathComponent(".build/debug/portico")
    }

    static func path(_ relative: String) -> String { relative.hasPrefix("/") ? relative : packageRoot.appendingPathComponent(relative).path }

    static func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read before waiting so a large output cannot fill the pipe and stall the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func files(in directory: String, ending suffix: String) -> [String] {
        let url = packageRoot.appendingPathComponent(directory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { $0.hasSuffix(suffix) }.sorted().map { "\(directory)/\($0)" }
    }
}

extension PorticoBinary {
    /// A run started in the background, its output going to temporary files.
    final class Background {
        let process = Process()
        let stdoutURL = FileManager.default.temporaryDirectory.appendingPathComponent("portico-\(UUID().uuidString).out")
        let stderrURL = FileManager.default.temporaryDirectory.appendingPathComponent("portico-\(UUID().uuidString).err")

        init(_ arguments: [String], environment extra: [String: String]) throws {
            process.executableURL = PorticoBinary.executable
            process.arguments = arguments
            process.currentDirectoryURL = PorticoBinary.packageRoot
            var environment = ProcessInfo.processInfo.environment
            for (key, value) in extra { environment[key] = value }
            process.environment = environment
            FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
            FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
            process.standardError = try FileHandle(forWritingTo: stderrURL)
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        var stderrSoFar: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

        func wait() -> Run {
            process.waitUntilExit()
            return Run(status: process.terminationStatus, stdout: (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "", stderr: stderrSoFar)
        }
    }
}
