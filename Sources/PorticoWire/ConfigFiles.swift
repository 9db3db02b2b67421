import Foundation

/// `~/.aws/credentials` and `~/.aws/config`, read as the AWS CLI reads them: `[name]` in the
/// credentials file, `[profile name]` (or `[default]`) in the config file, `[services name]`
/// sections with indented sub-keys, comments with `#` or `;`.
public struct AWSConfigFiles: Sendable {
    /// Profile name to settings; credentials-file values win over config-file ones.
    public var profiles: [String: [String: String]] = [:]
    /// `services` section name to service id to settings (`endpoint_url`).
    public var services: [String: [String: [String: String]]] = [:]
    /// Lines that could not be read, as `file:line: reason`, for a clear error.
    public var problems: [String] = []

    public init() {}

    public static func load(environment: [String: String]) -> AWSConfigFiles {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let configPath = environment["AWS_CONFIG_FILE"] ?? "\(home)/.aws/config"
        let credentialsPath = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(home)/.aws/credentials"
        var files = AWSConfigFiles()
        if let text = try? String(contentsOfFile: configPath, encoding: .utf8) { files.read(text, path: configPath, isConfig: true) }
        if let text = try? String(contentsOfFile: credentialsPath, encoding: .utf8) { files.read(text, path: credentialsPath, isConfig: false) }
        return files
    }

    public mutating func read(_ text: String, path: String, isConfig: Bool) {
        enum Section { case none, profile(String), services(String), skipped }
        var section = Section.none
        var subsection: String?
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.replacingOccurrences(of: "\r", with: "")
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]") else {
                    problems.append("\(path):\(index + 1): a section header must end with ']'")
                    section = .skipped
                    continue
                }
                let name = trimmed.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                subsection = nil
                if !isConfig {
                    section = .profile(name)
                } else if name == "default" {
                    section = .profile("default")
                } else if name.hasPrefix("profile ") {
                    section = .profile(name.dropFirst(8).trimmingCharacters(in: .whitespaces))
                } else if name.hasPrefix("services ") {
                    section = .services(name.dropFirst(9).trimmingCharacters(in: .whitespaces))
                } else {
                    section = .skipped // sso-session and others Portico does not use
                }
                if case .profile(let profile) = section, profiles[profile] == nil { profiles[profile] = [:] }
                continue
            }
            guard let equals = trimmed.firstIndex(of: "=") else {
                problems.append("\(path):\(index + 1): expected 'key = value'")
                continue
            }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            // An inline comment needs white space before it, so values may hold '#'.
            if let comment = value.range(of: " #") ?? value.range(of: " ;") { value = value[..<comment.lowerBound].trimmingCharacters(in: .whitespaces) }
            let indented = line.first == " " || line.first == "\t"
            switch section {
            case .profile(let profile):
                if indented, let parent = subsection {
                    profiles[profile, default: [:]]["\(parent).\(key)"] = value
                } else {
                    profiles[profile, default: [:]][key] = value
                    subsection = value.isEmpty ? key : nil
                }
            case .services(let name):
                if indented, let service = subsection {
                    services[name, default: [:]][service, default: [:]][key] = value
                } else {
                    subsection = key
                }
            case .none:
                problems.append("\(path):\(index + 1): a setting outside any [section]")
            case .skipped:
                continue
            }
        }
    }

    /// A profile's endpoint overrides: its `endpoint_url`, and per service from its `services` section.
    public func endpointSettings(profile: String) -> (global: String?, perService: [String: String]) {
        let settings = profiles[profile] ?? [:]
        var perService: [String: String] = [:]
        if let sectionName = settings["services"], let section = services[sectionName] {
            for (service, values) in section { if let url = values["endpoint_url"] { perService[service] = url } }
        }
        return (settings["endpoint_url"], perService)
    }
}
