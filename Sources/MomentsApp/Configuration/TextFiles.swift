import Foundation
import MomentsCore
#if canImport(Glibc)
import Glibc
#endif

/// Configuration and rules files are UTF-8 text; one that is not is refused at its first byte
/// that is not, by line and column, as any other mistake in the file is. (Until 2026-12-07
/// `check` said "1:1: the file is not UTF-8 text", and the daemon "cannot read the rules
/// file", as for a file that is not there.)
public enum TextFiles {
    /// Why a file could not be read, in the system's words where they are clear ("no such
    /// file", "permission denied", "it is a folder").
    public struct Unreadable: Error, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
        public init(reason: String) { self.reason = reason }
    }

    /// Why a text file could not be had: unreadable, or not UTF-8 (at its first bad byte).
    public enum Failure: Error, Sendable {
        case unreadable(Unreadable)
        case notUTF8(ConfigError)
    }

    /// The file's bytes, read to its end. Also a pipe (`<(zcat events.jsonl.gz)`), `/dev/stdin`
    /// or `/dev/null`, whose size the file system does not give: `FileManager.contents(atPath:)`
    /// refused those, and every reason came out as "reading failed" (until 2026-12-07).
    public static func bytes(atPath path: String) -> Result<[UInt8], Unreadable> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Unreadable(reason: reason(errno))) }
        defer { close(fd) }
        var status = stat()
        if fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { return .failure(Unreadable(reason: "it is a folder")) }
        var bytes: [UInt8] = []
        // A regular file's size is a good first guess; a pipe's is 0.
        bytes.reserveCapacity(max(Int(status.st_size), 0) + 1)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return .success(bytes) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(Unreadable(reason: reason(errno)))
            }
            bytes.append(contentsOf: chunk[..<n])
        }
    }

    /// The file's text: its bytes, which must be UTF-8. `name`: how errors name the file.
    public static func text(atPath path: String, shownAs name: String? = nil) -> Result<String, Failure> {
        switch bytes(atPath: path) {
        case .failure(let unreadable):
            return .failure(.unreadable(unreadable))
        case .success(let bytes):
            if let bad = notUTF8(bytes, file: name ?? path) { return .failure(.notUTF8(bad)) }
            return .success(String(decoding: bytes, as: UTF8.self))
        }
    }

    private static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: "no such file"
        case EACCES, EPERM: "permission denied"
        case EISDIR: "it is a folder"
        case ENOTDIR: "a part of the path is not a folder"
        default: String(cString: strerror(code))
        }
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
