import PorticoCore
@testable import PorticoStackFile
import Testing

@Suite struct YAMLDocumentTests {
    func parse(_ text: String, limits: YAMLLimits = .standard) -> Result<YAMLNode?, Diagnostic> {
        YAMLDocument.parse(Array(text.utf8), file: "t.yaml", limits: limits)
    }

    @Test func positionsAreOneBased() throws {
        let root = try #require(try parse("a: 1\nb:\n  - x\n  - 'y'\n").get())
        guard case .mapping(let pairs) = root.content else { Issue.record("not a mapping"); return }
        #expect(pairs[0].key.location == SourceLocation(file: "t.yaml", line: 1, column: 1))
        #expect(pairs[1].value.location.line == 3)
        guard case .sequence(let items) = pairs[1].value.content else { Issue.record("not a list"); return }
        #expect(items[1].location == SourceLocation(file: "t.yaml", line: 4, column: 5))
        guard case .scalar("y", plain: false) = items[1].content else { Issue.record("quoted scalar not kept as a string"); return }
        guard case .scalar("x", plain: true) = items[0].content else { Issue.record("plain scalar"); return }
    }

    @Test func strTagMakesAString() throws {
        let root = try #require(try parse("a: !!str 80\n").get())
        guard case .mapping(let pairs) = root.content, case .scalar("80", plain: false) = pairs[0].value.content else {
            Issue.record("!!str 80 should be a non-plain scalar")
            return
        }
    }

    @Test func aliasesReuseTheAnchoredNode() throws {
        let root = try #require(try parse("a: &x [1, 2]\nb: *x\n").get())
        guard case .mapping(let pairs) = root.content, case .sequence(let items) = pairs[1].value.content else { Issue.record("alias not expanded"); return }
        #expect(items.count == 2)
        #expect(pairs[1].value.location.line == 1, "an alias's values point at where they are written")
    }

    @Test func emptyDocumentIsNil() throws {
        #expect(try parse("").get() == nil)
        #expect(try parse("# only a comment\n").get() == nil)
    }

    @Test func syntaxErrorHasAPositionAndContext() {
        guard case .failure(let problem) = parse("a: [1, 2\nb: 3\n") else { Issue.record("accepted"); return }
        #expect(problem.code == .yamlSyntax)
        #expect(problem.location.line == 2)
        #expect(problem.notes.first?.message == "while parsing a flow sequence")
    }

    @Test func limitsStopHostileInput() {
        var limits = YAMLLimits()
        limits.maxNodes = 50
        guard case .failure(let bomb) = parse("a: &a [1,2,3,4,5,6,7,8,9,10]\nb: [*a,*a,*a,*a,*a,*a]\n", limits: limits) else { Issue.record("bomb accepted"); return }
        #expect(bomb.code == .yamlLimits)
        limits = YAMLLimits()
        limits.maxScalarBytes = 10
        guard case .failure(let huge) = parse("a: " + String(repeating: "x", count: 11) + "\n", limits: limits) else { Issue.record("huge scalar accepted"); return }
        #expect(huge.code == .yamlLimits)
        limits = YAMLLimits()
        limits.maxBytes = 5
        guard case .failure(let big) = parse("a: 123456\n", limits: limits) else { Issue.record("big file accepted"); return }
        #expect(big.message.contains("at most 5 bytes"))
    }

    @Test func undefinedAliasIsAnError() {
        guard case .failure(let problem) = parse("a: *nothing\n") else { Issue.record("accepted"); return }
        #expect(problem.code == .yamlSyntax)
    }
}
