import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A helper server (moto, or the test's own flaky server) started for one test and stopped
/// by PID with SIGKILL: a child started from a test thread may have SIGTERM blocked.
final class LocalServer: @unchecked Sendable {
    let process: Process
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    deinit { stop() }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// A port nobody listens on right now, from the kernel.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func isListening(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let result = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        return result == 0
    }

    /// moto's server on a free loopback port; with `authAfter`, it checks signatures and IAM
    /// policies after that many requests.
    static func moto(authAfter: Int? = nil, certificateWait: Int = 1) throws -> LocalServer {
        let port = freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["moto_server", "-H", "127.0.0.1", "-p", String(port)]
        var environment = ProcessInfo.processInfo.environment
        if let authAfter { environment["INITIAL_NO_AUTH_ACTION_COUNT"] = String(authAfter) }
        // Certificates turn ISSUED this many seconds after they are asked for.
        environment["MOTO_ACM_VALIDATION_WAIT"] = String(certificateWait)
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = LocalServer(process: process, port: port)
        let deadline = Date().addingTimeInterval(30)
        while !isListening(port) {
            guard Date() < deadline, process.isRunning else { throw ServerError(description: "moto_server did not start on port \(port)") }
            usleep(100_000)
        }
        return server
    }

    /// Tests/Support/flaky_server.py with a script of answers; it prints its own port.
    static func flaky(_ script: [String], counter: String) throws -> LocalServer {
        try helper(["Tests/Support/flaky_server.py", script.joined(separator: ","), counter])
    }

    /// Tests/Support/fault_proxy.py without faults in front of `upstream`, logging each
    /// operation to `log` as a JSON line.
    /// `bodies`: log each request's path and body too, for Tests/Support/check_requests.py.
    static func recordingProxy(upstream: String, log: String, bodies: Bool = false) throws -> LocalServer {
        try helper(["Tests/Support/fault_proxy.py", upstream, log, "--rate", "0"] + (bodies ? ["--bodies"] : []))
    }

    /// A Python helper server that prints its own port first.
    static func helper(_ arguments: [String]) throws -> LocalServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", PorticoBinary.path(arguments[0])] + arguments.dropFirst()
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) { line.append(byte) }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else { throw ServerError(description: "\(arguments[0]) did not say its port") }
        return LocalServer(process: process, port: port)
    }

    struct ServerError: Error, CustomStringConvertible { var description: String }
}

/// Runs a helper script and returns its standard output; a failing script is an error.
func runScript(_ arguments: [String], environment extra: [String: String] = [:]) throws -> String {
    let (status, output) = try runScriptStatus(arguments, environment: extra)
    guard status == 0 else { throw LocalServer.ServerError(description: "\(arguments.joined(separator: " ")) exited \(status)") }
    return output
}

/// Runs a helper script that may fail: its exit status and standard output.
func runScriptStatus(_ arguments: [String], environment extra: [String: String] = [:]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    for (key, value) in extra { environment[key] = value }
    process.environment = environment
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
