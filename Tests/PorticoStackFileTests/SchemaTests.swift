import Foundation
import PorticoStackFile
import Testing

/// docs/stack.schema.json must say what the reader accepts: the same keys, the same required
/// keys, the same closed word lists. Editors check files with the schema; validate checks them
/// with the reader; this keeps the two from drifting apart.
@Suite struct SchemaTests {
    static var definitions: [String: [String: Any]] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/stack.schema.json")
        let data = try! Data(contentsOf: url)
        let schema = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        return schema["$defs"] as! [String: [String: Any]]
    }

    @Test(arguments: StackFormat.allShapes.map(\.name))
    func shapeMatchesReader(_ name: String) throws {
        let shape = StackFormat.allShapes.first { $0.name == name }!
        let definition = try #require(Self.definitions[name], "no $defs/\(name) in the schema")
        let properties = try #require(definition["properties"] as? [String: Any])
        #expect(Set(properties.keys) == Set(shape.allKeys), "\(name): schema has \(properties.keys.sorted()), reader takes \(shape.allKeys.sorted())")
        #expect(Set(definition["required"] as? [String] ?? []) == Set(shape.required), "\(name): required differs")
        #expect(definition["additionalProperties"] as? Bool == false, "\(name) must reject unknown keys, as validate does")
    }

    @Test(arguments: StackFormat.enums.keys.sorted())
    func wordListsMatchReader(_ name: String) throws {
        let definition = try #require(Self.definitions[name], "no $defs/\(name) in the schema")
        let words = try #require(definition["enum"] as? [String])
        #expect(Set(words) == Set(StackFormat.enums[name]!), "\(name) differs")
    }

    @Test func entryTypesAreDiscriminated() throws {
        for shape in StackFormat.allShapes where shape.required.contains("type") {
            let properties = Self.definitions[shape.name]!["properties"] as! [String: Any]
            let type = try #require(properties["type"] as? [String: Any])
            #expect(type["const"] != nil, "\(shape.name).type must be a const")
        }
    }
}
