/// The text `moments test` prints for one file's results, and the totals line.
public enum RuleTestReport {
    /// One line per failing test with each failure below it; passing tests are listed only when
    /// `verbose`.
    public static func render(_ results: [RuleTestResult], verbose: Bool = false) -> String {
        var lines: [String] = []
        for r in results {
            if r.passed {
                if verbose { lines.append("PASS \(r.test.name)") }
                continue
            }
            lines.append("FAIL \(r.test.name) (\(r.test.location))")
            for f in r.failures { lines.append("  \(f.location): \(f.message.replacingNewlines(with: "\n  "))") }
        }
        return lines.joined(separator: "\n")
    }

    /// `3 passed, 1 failed` (and how many files were refused, if any).
    public static func totals(passed: Int, failed: Int, refusedFiles: Int = 0) -> String {
        var s = "\(passed) passed, \(failed) failed"
        if refusedFiles > 0 { s += ", \(refusedFiles) file\(refusedFiles == 1 ? "" : "s") refused" }
        return s
    }
}

extension String {
    fileprivate func replacingNewlines(with s: String) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).joined(separator: s)
    }
}
