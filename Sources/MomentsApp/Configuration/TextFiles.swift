import Foundation
import MomentsCore

/// Configuration and rules files are UTF-8 text; one that is not is refused at its first byte
/// that is not, by line and column, as any other mistake in the file is. (Until 2026-12-07
/// `check` said "1:1: the file is not UTF-8 text", and the daemon "cannot read the rules
/// file", as for a file that is not there.)
public enum TextFiles {
    /// Where the file stops being UTF-8: nil when it is, or when it cannot be read at all.
    public static func notUTF8(path: String, shownAs name: String? = nil) -> ConfigError? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return notUTF8(Array(data), file: name ?? path)
    }

    /// The same for bytes already read from `file`.
    public static func notUTF8(_ bytes: [UInt8], file: String) -> ConfigError? {
        firstInvalidByte(in: bytes).map {
            ConfigError(file: file, line: $0.line, column: $0.column, message: String(format: "byte 0x%02X is not UTF-8 text; the file must be UTF-8", $0.byte))
        }
    }

    /// The line and column (counted in characters, as YAML errors are) of the first byte that
    /// is not part of a well-formed UTF-8 sequence, and that byte.
    static func firstInvalidByte(in bytes: [UInt8]) -> (line: Int, column: Int, byte: UInt8)? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0, line = 1, column = 1
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                offset += encoded.count
                if encoded.count == 1 && encoded.first == 0x0A { line += 1; column = 1 } else { column += 1 }
            case .error:
                return (line, column, bytes[offset])
            case .emptyInput:
                return nil
            }
        }
    }
}
