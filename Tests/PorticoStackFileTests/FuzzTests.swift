import Foundation
import PorticoCore
import PorticoStackFile
import Testing

/// A small, seedable generator (SplitMix64): the same seed gives the same inputs, so a failure
/// found by `make fuzz` is reproduced by its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random stack files for the reader: the example stacks and broken fixtures cut, spliced and
/// sprinkled with hostile fragments, and documents grown from the stack format's own words.
struct StackFileFuzzer {
    var random: SplitMix64
    let seeds: [[UInt8]]

    static let fragments: [String] = [
        "&a ", "*a", "*nowhere", "<<: *a\n", "!!binary ", "!Ref ", "!!str ", "!!int ", "? ", ": ", "- ", "---\n", "...\n", "\t", "\t- ",
        "{", "}", "[", "]", ",", "'", "\"", "\\", "#", "|\n", ">-\n", "%YAML 1.1\n", "%TAG ! tag:x:\n", "\u{0}", "\u{FEFF}", "\u{7F}", "\r", "\r\n",
        "99999999999999999999999999", "-1", "0x50", "0o17", "1e400", ".inf", "-.nan", "~", "null", "yes", "off", "1_000", "443.0", "+80",
        "port: 70000\n", "ports: 65535-0\n", "from: 300.1.1.1/33\n", "type: security_group\n", "type: nonsense\n", "listeners: []\n",
        "stack: x\n", "region: \n", "resources: {}\n", "existing: []\n", "  ", "\n", "é", "💥", "\u{202E}", "🧱🧱🧱", "a: &x [*x]\n",
    ]
    static let words = ["stack", "region", "tags", "existing", "resources", "type", "vpc", "subnets", "instances", "hosted_zone", "certificate",
                        "security_group", "target_group", "load_balancer", "alias_record", "domain", "alternative_names", "validation_zone", "ingress",
                        "protocol", "port", "ports", "from", "attach_to", "targets", "health_check", "path", "listeners", "forward", "redirect",
                        "certificate", "ssl_policy", "ip_address_type", "dualstack", "ipv4", "zone", "name", "target", "id", "ids", "default", "HTTP", "HTTPS",
                        "tcp", "80", "443", "0.0.0.0/0", "::/0", "web", "alb", "tg", "cert", "example.com", "us-east-1", "true", "false", "vpc-0123456789abcdef0"]

    mutating func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
    mutating func number(_ below: Int) -> Int { Int(random.next() % UInt64(max(below, 1))) }

    mutating func next() -> [UInt8] {
        switch number(10) {
        case 0...5: return mutated(pick(seeds))
        case 6...8: return grown()
        default: return (0..<number(600)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        }
    }

    /// A real stack file with a few edits: the reader meets almost-valid input, its hardest case.
    mutating func mutated(_ original: [UInt8]) -> [UInt8] {
        var bytes = original
        for _ in 0..<(1 + number(6)) {
            let at = bytes.isEmpty ? 0 : number(bytes.count)
            switch number(6) {
            case 0: if !bytes.isEmpty { bytes[at] = UInt8(truncatingIfNeeded: random.next()) }
            case 1: bytes.removeSubrange(at..<min(bytes.count, at + number(40)))
            case 2:
                let from = bytes.isEmpty ? 0 : number(bytes.count)
                bytes.insert(contentsOf: bytes[from..<min(bytes.count, from + number(80))], at: at)
            case 3: bytes.insert(contentsOf: Array(pick(Self.fragments).utf8), at: at)
            case 4: bytes.insert(contentsOf: Array(String(repeating: pick(["[", "{", "- ", "a: ", "&a [*a, "]), count: number(300)).utf8), at: at)
            default: bytes.insert(contentsOf: Array(String(repeating: "x", count: number(70_000)).utf8), at: at)
            }
        }
        return bytes
    }

    /// A document of the format's own words in random shapes.
    mutating func grown() -> [UInt8] {
        var text = ""
        func value(_ depth: Int) {
            switch depth > 5 ? 0 : number(4) {
            case 0: text += pick(Self.words) + (number(5) == 0 ? pick(Self.fragments) : "")
            case 1:
                text += "["
                for index in 0..<number(4) { if index > 0 { text += ", " }; value(depth + 1) }
                text += "]"
            default:
                text += "{"
                for index in 0..<number(4) {
                    if index > 0 { text += ", " }
                    text += pick(Self.words) + ": "
                    value(depth + 1)
                }
                text += "}"
            }
        }
        for key in ["stack", "region", "existing", "resources", "tags"].shuffled(using: &random) where number(5) > 0 {
            text += key + ": "
            value(0)
            text += "\n"
        }
        return Array(text.utf8)
    }
}

@Suite("the stack reader under random and hostile input")
struct FuzzTests {
    /// The example stacks and the broken fixtures, as the mutator's starting points.
    static func seedFiles() throws -> [[UInt8]] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var files: [URL] = []
        for folder in ["stacks", "Tests/Fixtures/broken"] {
            let directory = root.appendingPathComponent(folder)
            files += try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil).filter { $0.pathExtension == "yaml" }
        }
        return try files.sorted { $0.path < $1.path }.map { [UInt8](try Data(contentsOf: $0)) }
    }

    /// What every answer of the reader must be, whatever the input: a stack, or errors that
    /// each say where (a line and column inside the file, or its first line) and what.
    static func problems(_ bytes: [UInt8], _ validation: StackValidation) -> [String] {
        var problems: [String] = []
        if validation.stack == nil && !validation.hasErrors { problems.append("no stack and no error") }
        let lines = bytes.reduce(1) { $0 + ($1 == 10 ? 1 : 0) } + 1
        for diagnostic in validation.diagnostics {
            if diagnostic.message.isEmpty { problems.append("an empty message (\(diagnostic.code))") }
            if diagnostic.location.file != "fuzz.yaml" { problems.append("a diagnostic without the file: \(diagnostic.location)") }
            if diagnostic.location.line < 1 || diagnostic.location.column < 1 || diagnostic.location.line > lines {
                problems.append("a position outside the file: \(diagnostic.location) (\(lines) lines): \(diagnostic.message)")
            }
        }
        return problems
    }

    @Test("random, mutated and hostile documents give a stack or located errors, never a crash")
    func randomDocuments() throws {
        let environment = ProcessInfo.processInfo.environment
        let iterations = environment["PORTICO_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 1500
        let seed = environment["PORTICO_FUZZ_SEED"].flatMap(UInt64.init) ?? 20261121
        var fuzzer = StackFileFuzzer(random: SplitMix64(seed: seed), seeds: try Self.seedFiles())
        var accepted = 0, rejected = 0, failures: [String] = []
        let started = Date()
        for iteration in 0..<iterations {
            let input = fuzzer.next()
            let validation = StackValidator.validate(bytes: input, file: "fuzz.yaml")
            if validation.hasErrors { rejected += 1 } else { accepted += 1 }
            for problem in Self.problems(input, validation) where failures.count < 10 {
                failures.append("seed \(seed), input \(iteration): \(problem)\n\(String(decoding: input.prefix(400), as: UTF8.self))")
            }
        }
        let summary = "fuzz: \(iterations) inputs (seed \(seed)): \(accepted) accepted, \(rejected) rejected with located errors, in \(String(format: "%.1f", Date().timeIntervalSince(started))) s"
        FileHandle.standardError.write(Data((summary + "\n").utf8))
        if let statsFile = environment["PORTICO_FUZZ_STATS"] {
            try? "{\"inputs\": \(iterations), \"seed\": \(seed), \"accepted\": \(accepted), \"rejected\": \(rejected), \"failures\": \(failures.count)}\n".write(toFile: statsFile, atomically: true, encoding: .utf8)
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n---\n"))")
        // A fuzzer whose inputs are all rejected, or all accepted, explores nothing.
        #expect(rejected > iterations / 4 && accepted > 0, "\(summary)")
    }

    /// One input of each hostile kind the issue names, each refused with its own reason.
    static let hostile: [(name: String, bytes: [UInt8], says: String)] = {
        let base = "stack: demo\nregion: us-east-1\n"
        var cases: [(String, [UInt8], String)] = []
        cases.append(("nesting 10 000 deep", Array((base + "tags: " + String(repeating: "[", count: 10_000)).utf8), "nests deeper"))
        cases.append(("a 1 MB scalar", Array((base + "tags: { a: " + String(repeating: "x", count: 1 << 20) + " }\n").utf8), "longer than"))
        cases.append(("a 5 MB file", Array((base + String(repeating: "# padding\n", count: 500_000)).utf8), "at most"))
        let bomb = (0..<12).map { level in level == 0 ? "a0: &a0 [x, x, x, x, x, x, x, x, x, x]" : "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]" }
        cases.append(("an alias bomb", Array((base + "tags:\n" + bomb.map { "  " + $0 }.joined(separator: "\n") + "\n").utf8), "expands to more than"))
        var junk = SplitMix64(seed: 7)
        cases.append(("binary junk", (0..<4096).map { _ in UInt8(truncatingIfNeeded: junk.next()) }, ""))
        cases.append(("Latin-1 text", Array(base.utf8) + [0x6E, 0x61, 0x6D, 0x65, 0x3A, 0x20, 0xE9, 0x74, 0xE9, 0x0A], "UTF-8"))
        cases.append(("a NUL byte", Array(base.utf8) + [0x00] + Array("resources: {}\n".utf8), ""))
        cases.append(("tab indentation", Array((base + "resources:\n\tweb: {}\n").utf8), "tab"))
        cases.append(("a duplicate key", Array((base + "region: eu-west-1\nresources: {}\n").utf8), "twice"))
        cases.append(("a port beyond 64 bits", Array(StackReaderTestsText.withPort("99999999999999999999999999").utf8), "port"))
        cases.append(("a negative port", Array(StackReaderTestsText.withPort("-80").utf8), "port"))
        cases.append(("a port as a float", Array(StackReaderTestsText.withPort("443.0").utf8), "port"))
        return cases
    }()

    @Test("each hostile kind is refused with a located error that says why", arguments: hostile.indices)
    func hostileInput(_ index: Int) {
        let (name, bytes, says) = Self.hostile[index]
        let validation = StackValidator.validate(bytes: bytes, file: "fuzz.yaml")
        #expect(validation.hasErrors, "\(name) was accepted")
        #expect(Self.problems(bytes, validation).isEmpty, "\(name): \(Self.problems(bytes, validation))")
        let messages = validation.diagnostics.map(\.message).joined(separator: " | ")
        #expect(says.isEmpty || messages.localizedCaseInsensitiveContains(says), "\(name): \(messages)")
    }
}

/// A valid stack whose target group port is `port`, for out-of-range numbers.
enum StackReaderTestsText {
    static func withPort(_ port: String) -> String {
        """
        stack: demo
        region: us-east-1
        existing:
          vpc: { type: vpc, id: vpc-0123456789abcdef0 }
          web: { type: instances, ids: [i-0123456789abcdef0] }
        resources:
          tg: { type: target_group, vpc: vpc, port: \(port), targets: web }
        """
    }
}
