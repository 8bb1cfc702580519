/// Numbers written in rules and rule tests, told apart from text that merely reads as a number.
enum DecimalText {
    /// Whether `text`, which reads as `n`, is a decimal (`15`, `-0.5`, `1e3`) of at most 15
    /// significant digits, which a double holds exactly as written. A recovery param that is
    /// not stays text (`0042` was sent as 42, `0x1A` as 26, `9007199254740993` rounded), and a
    /// rule test compares a number with an expected value only when it is one (`"0x78"` matched
    /// 120, `"42"` a queue `0042`).
    static func isExact(_ text: String, _ n: Double) -> Bool {
        var rest = Substring(text)
        if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
        func digits() -> Int {
            let run = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(run.count)
            return run.count
        }
        let leading = rest.first
        let mantissa = rest
        let whole = digits()
        guard whole > 0, whole == 1 || leading != "0" else { return false }
        if rest.first == "." { rest = rest.dropFirst(); guard digits() > 0 else { return false } }
        // Significant digits: those of the mantissa, leading zeros (0.000123) not counted.
        let significant = mantissa[..<rest.startIndex].filter { $0 != "." }.drop { $0 == "0" }.count
        guard significant <= 15 else { return false }
        if rest.first == "e" || rest.first == "E" {
            rest = rest.dropFirst()
            if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
            guard digits() > 0 else { return false }
        }
        // Nothing lost to underflow either: `1e-400` read as 0, `4.9e-324` as a subnormal.
        return rest.isEmpty && (n == 0 ? significant == 0 : abs(n) >= Double.leastNormalMagnitude)
    }
}
