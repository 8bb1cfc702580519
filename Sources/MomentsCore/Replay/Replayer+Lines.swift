extension PartitionedReplayer {
    /// Feeds a whole file of JSON lines and returns every item, in the order they were made.
    public mutating func feed(lines bytes: [UInt8], file: String) -> [Replayer.Item] {
        var items: [Replayer.Item] = []
        JSONLines.forEach(in: bytes) { line, lineNumber in items += feed(line: line, file: file, lineNumber: lineNumber) }
        return items
    }
}

/// A file of JSON lines as replay numbers them: split at each newline, counted from 1, the last
/// line read whether or not a newline ends it. A UTF-8 byte order mark at the start of the file
/// (which editors on Windows write) is not part of its first line: it made that line malformed,
/// "unexpected character 'ï'". (RFC 8259 lets a reader ignore one; a Kafka message's is refused.)
public enum JSONLines {
    public static func forEach(in bytes: [UInt8], _ body: (_ line: [UInt8], _ lineNumber: Int) -> Void) {
        var lineNumber = 0
        var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            lineNumber += 1
            body(Array(bytes[start..<end]), lineNumber)
            start = end + 1
        }
    }
}
