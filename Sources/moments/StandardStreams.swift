import Foundation

/// Buffered stdout: one write per 64 KiB instead of one per line.
struct OutputBuffer {
    var buffer: [UInt8] = []

    mutating func write(_ line: [UInt8]) {
        buffer.append(contentsOf: line)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        FileDescriptor.write(STDOUT_FILENO, buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}

enum Stderr {
    static func print(_ s: String) {
        FileDescriptor.write(STDERR_FILENO, Array((s + "\n").utf8))
    }
}

enum Stdout {
    static func print(_ s: String) {
        FileDescriptor.write(STDOUT_FILENO, Array((s + "\n").utf8))
    }
}

enum FileDescriptor {
    /// Writes all bytes, retrying short writes and EINTR. Output that cannot be written (a full
    /// disk, a closed descriptor) ends the command with an error: `replay` and `simulate` said
    /// what they had written and exited 0 with nothing written. (A closed pipe ends it through
    /// SIGPIPE before this sees EPIPE.) A failing stderr is given up on quietly.
    static func write(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    guard fd != STDERR_FILENO else { return }
                    let reason = String(cString: strerror(errno))
                    Stderr.print("error: cannot write the output: \(reason)")
                    exit(1)
                }
                offset += n
            }
        }
    }
}
