/// Output ids (`interaction:rule:occurrence`, `moment-id:rule`), written in one go.
///
/// String interpolation appends piece by piece, and each append to a string that outgrows its
/// storage moves it: about 450 instructions an append, a tenth of what the engine spends on a
/// moment. Here the length is known first, so the string is written once into storage of
/// that size.
enum OutputID {
    /// `first:second`.
    static func join(_ first: String, _ second: String) -> String {
        join(first, second, third: nil)
    }

    /// `first:second:number`.
    static func join(_ first: String, _ second: String, _ number: Int) -> String {
        join(first, second, third: String(number))
    }

    private static func join(_ first: String, _ second: String, third: String?) -> String {
        let total = first.utf8.count + 1 + second.utf8.count + (third.map { 1 + $0.utf8.count } ?? 0)
        return String(unsafeUninitializedCapacity: total) { out in
            var at = first.copyUTF8(into: out, at: 0)
            out[at] = UInt8(ascii: ":")
            at = second.copyUTF8(into: out, at: at + 1)
            if let third {
                out[at] = UInt8(ascii: ":")
                at = third.copyUTF8(into: out, at: at + 1)
            }
            return at
        }
    }
}
