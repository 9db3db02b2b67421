import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An XML element as AWS query and REST-XML services return them: names without namespace
/// prefixes, text content, children in order.
public struct XMLElement: Sendable, Equatable {
    public var name: String
    public var text: String
    public var children: [XMLElement]

    public init(name: String, text: String = "", children: [XMLElement] = []) {
        self.name = name
        self.text = text
        self.children = children
    }

    public func child(_ name: String) -> XMLElement? { children.first { $0.name == name } }
    public func children(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }

    /// The text of the descendant at `path` (`["Error", "Code"]`), if present.
    public func text(at path: String...) -> String? {
        var current = self
        for name in path {
            guard let next = current.child(name) else { return nil }
            current = next
        }
        return current.text
    }

    /// First descendant named `name`, depth first.
    public func find(_ name: String) -> XMLElement? {
        for child in children {
            if child.name == name { return child }
            if let found = child.find(name) { return found }
        }
        return nil
    }
}

public struct XMLDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

public enum XMLTree {
    /// Parses a whole document. FoundationXML's parser reports success for some broken input
    /// (an unclosed root, mismatched tags): this also requires no parser error, exactly one
    /// root element, and that it closed.
    public static func parse(_ bytes: [UInt8]) throws(XMLDecodingError) -> XMLElement {
        guard bytes.contains(where: { $0 == UInt8(ascii: "<") }) else { throw XMLDecodingError(reason: "the body is not XML (\(bytes.isEmpty ? "empty" : "no element"))") }
        let builder = Builder()
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = false
        parser.delegate = builder
        let ok = parser.parse()
        if let error = parser.parserError { throw XMLDecodingError(reason: "malformed XML: \(error.localizedDescription)") }
        if let problem = builder.problem { throw XMLDecodingError(reason: problem) }
        guard ok, builder.stack.isEmpty, let root = builder.root else {
            throw XMLDecodingError(reason: "malformed XML: the document ended before its root element closed")
        }
        return root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var stack: [XMLElement] = []
        var root: XMLElement?
        var problem: String?

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if root != nil && stack.isEmpty { problem = "malformed XML: more than one root element" }
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            stack.append(XMLElement(name: local))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            guard var element = stack.popLast(), element.name == local else {
                problem = "malformed XML: </\(elementName)> closes an element it did not open"
                parser.abortParsing()
                return
            }
            if !element.children.isEmpty { element.text = element.text.trimmingCharacters(in: .whitespacesAndNewlines) }
            if stack.isEmpty { root = element } else { stack[stack.count - 1].children.append(element) }
        }
    }
}
