extension Replayer {
    /// Feeds a whole file of JSON lines and returns every item, in order.
    public mutating func feed(lines bytes: [UInt8], file: String) -> [Item] {
        var items: [Item] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            lineNumber += 1
            items += feed(line: Array(bytes[start..<end]), file: file, lineNumber: lineNumber)
            start = end + 1
        }
        return items
    }
}
