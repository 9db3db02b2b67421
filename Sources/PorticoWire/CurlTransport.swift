import CCurl
import Foundation

public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [SigV4Request.Header]
    public var body: [UInt8]

    public init(method: String, url: String, headers: [SigV4Request.Header] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [SigV4Request.Header]
    public var body: [UInt8]

    public init(status: Int, headers: [SigV4Request.Header], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.last { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// A failure below HTTP: nothing usable came back.
public struct TransportFailure: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Sends HTTP requests. The AWS client depends on this, so tests can put any server behind it.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}

public struct TransportSettings: Sendable {
    public var connectTimeout: Double = 10
    public var totalTimeout: Double = 60
    /// At most this many requests at once; more wait their turn.
    public var maxInFlight: Int = 8
    public var userAgent: String
    /// A CA bundle to trust instead of the system's (AWS_CA_BUNDLE). TLS verification stays on.
    public var caBundle: String?

    public init(userAgent: String, caBundle: String? = nil) {
        self.userAgent = userAgent
        self.caBundle = caBundle
    }
}

/// libcurl's easy interface. Each request runs on a thread of its own queue (curl blocks), with
/// at most `maxInFlight` at once; finished handles are kept for reuse so connections to the same
/// host stay open (keep-alive) across calls.
public final class CurlTransport: HTTPTransport, @unchecked Sendable {
    private let settings: TransportSettings
    private let queue = DispatchQueue(label: "portico.curl", attributes: .concurrent)
    private let slots: DispatchSemaphore
    private let lock = NSLock()
    private var idleHandles: [UnsafeMutableRawPointer] = []

    public init(settings: TransportSettings) {
        _ = curlGlobalInit
        self.settings = settings
        self.slots = DispatchSemaphore(value: max(1, settings.maxInFlight))
    }

    deinit {
        for handle in idleHandles { curl_easy_cleanup(handle) }
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                self.slots.wait()
                defer { self.slots.signal() }
                continuation.resume(with: Result { try self.perform(request) })
            }
        }
    }

    private func takeHandle() -> UnsafeMutableRawPointer? {
        lock.lock()
        defer { lock.unlock() }
        if let handle = idleHandles.popLast() {
            curl_easy_reset(handle)
            return handle
        }
        return curl_easy_init()
    }

    private func returnHandle(_ handle: UnsafeMutableRawPointer) {
        lock.lock()
        defer { lock.unlock() }
        if idleHandles.count < settings.maxInFlight { idleHandles.append(handle) } else { curl_easy_cleanup(handle) }
    }

    private func perform(_ request: HTTPRequest) throws -> HTTPResponse {
        guard let handle = takeHandle() else { throw TransportFailure("libcurl could not create a handle") }
        defer { returnHandle(handle) }

        let sink = ResponseSink()
        let context = Unmanaged.passUnretained(sink).toOpaque()
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        // curl adds `Expect: 100-continue` to large bodies; AWS does not need the extra round trip.
        // A header written as `Name:` with nothing after the colon is how curl is told to drop it.
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
            headerList = curl_slist_append(headerList, line)
        }

        portico_curl_setopt_string(handle, CURLOPT_URL, request.url)
        portico_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        portico_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(settings.connectTimeout * 1000))
        portico_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(settings.totalTimeout * 1000))
        portico_curl_setopt_string(handle, CURLOPT_USERAGENT, settings.userAgent)
        // TLS verification is never turned off; a private CA is trusted through a bundle.
        portico_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
        portico_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        if let bundle = settings.caBundle { portico_curl_setopt_string(handle, CURLOPT_CAINFO, bundle) }
        portico_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        portico_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
        portico_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteBody)
        portico_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        portico_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, curlWriteHeader)
        portico_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
        switch request.method {
        case "GET": portico_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        case "HEAD": portico_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
        default:
            portico_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
        }
        if request.method != "GET" && request.method != "HEAD" {
            portico_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
            _ = request.body.withUnsafeBufferPointer { buffer in
                // COPYPOSTFIELDS copies the bytes, so the buffer need not outlive this call.
                buffer.baseAddress.map { base in
                    base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { portico_curl_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, $0) }
                } ?? portico_curl_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, "")
            }
        }

        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else {
            let reason = String(cString: curl_easy_strerror(code))
            throw TransportFailure("\(reason) (\(Self.hostAndPort(request.url)))")
        }
        var status = 0
        portico_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: sink.headers(), body: sink.body)
    }

    /// Only scheme, host and port: URLs carry no secrets here, but error text stays short.
    static func hostAndPort(_ url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host else { return url }
        return "\(components.scheme ?? "https")://\(host)\(components.port.map { ":\($0)" } ?? "")"
    }
}

private let curlGlobalInit: Void = {
    curl_global_init(3) // CURL_GLOBAL_ALL (SSL | WIN32): a macro Swift does not import
}()

/// Collects one response. Header lines of interim responses (`100 Continue`) are dropped:
/// only the last status block counts.
private final class ResponseSink {
    var body: [UInt8] = []
    var headerLines: [String] = []

    func headers() -> [SigV4Request.Header] {
        headerLines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return .init(String(line[..<colon]).trimmingCharacters(in: .whitespaces), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}

private let curlWriteBody: portico_curl_data_callback = { buffer, size, count, context in
    guard let buffer, let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    buffer.withMemoryRebound(to: UInt8.self, capacity: length) { sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length)) }
    return length
}

private let curlWriteHeader: portico_curl_data_callback = { buffer, size, count, context in
    guard let buffer, let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    let line = buffer.withMemoryRebound(to: UInt8.self, capacity: length) { String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self) }
    if line.hasPrefix("HTTP/") { sink.headerLines.removeAll() } else if !line.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { sink.headerLines.append(line) }
    return length
}
