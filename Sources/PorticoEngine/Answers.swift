import PorticoWire

/// Turns each item listed in an answer into a value. An item without the field that names it
/// is an answer Portico cannot trust, not one to skip: a skipped resource would look absent,
/// and the plan would create it a second time.
func eachItem<Item, T>(_ items: [Item], _ service: String, _ operation: String, _ what: String, _ parse: (Item) -> T?) throws -> [T] {
    try items.map { item in
        guard let value = parse(item) else {
            throw AWSError(service: service, operation: operation, kind: .malformedResponse(httpStatus: 200, reason: "\(what) without its id"), message: "")
        }
        return value
    }
}
