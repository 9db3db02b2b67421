import CCrypto
import CCurl

/// Versions of the C libraries the wire layer runs on, for `portico version` and bug reports.
public enum WireLibraries {
    public static var curlVersion: String {
        guard let info = portico_curl_version_info(), let version = info.pointee.version else { return "unknown" }
        return String(cString: version)
    }

    public static var curlSSLBackend: String {
        guard let info = portico_curl_version_info(), let backend = info.pointee.ssl_version else { return "none" }
        return String(cString: backend)
    }

    public static var cryptoVersion: String {
        guard let text = OpenSSL_version(OPENSSL_VERSION) else { return "unknown" }
        return String(cString: text)
    }
}
