import Foundation
@testable import MomentsCore

/// Reads the vendor examples under schemas/dialects/ and maps them.
enum DialectExamples {
    static func url(_ dialect: Dialect, _ file: String) -> URL {
        Fixtures.root.appendingPathComponent("schemas/dialects/\(dialect.rawValue)/\(file)")
    }

    static func bytes(_ dialect: Dialect, _ file: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url(dialect, file)))
    }

    static func files(_ dialect: Dialect) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Fixtures.root.appendingPathComponent("schemas/dialects/\(dialect.rawValue)").path)
            .filter { $0.hasSuffix(".json") }.sorted()
    }

    static func decode(_ dialect: Dialect, _ file: String, customerKey: String? = nil, key: String? = nil) throws -> Result<[Event], DecodeError> {
        let decoder = DialectDecoder(dialect: dialect, customerKey: try customerKey.map { try CustomerKey(parsing: $0) })
        return decoder.decode(try bytes(dialect, file), key: key.map { Array($0.utf8) })
    }

    static func events(_ dialect: Dialect, _ file: String, customerKey: String? = nil, key: String? = nil) throws -> [Event] {
        try decode(dialect, file, customerKey: customerKey, key: key).get()
    }
}

func at(_ text: String) -> Timestamp { RFC3339.parse(text)! }
func epochMs(_ ms: Int64) -> Timestamp { Timestamp(milliseconds: ms) }

extension Result where Failure == DecodeError {
    var decodeError: DecodeError? { if case .failure(let e) = self { return e } else { return nil } }
}
