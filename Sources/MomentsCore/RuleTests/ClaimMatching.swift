/// Pairs the lines of a rule test (`expect:`, `suppressed:`) with what the engine emitted, each
/// line claiming one item, so that as many lines as possible are satisfied: a maximum bipartite
/// matching, found by augmenting paths (Kuhn's algorithm; tests have a handful of lines).
///
/// Claimed greedily, a line could take the one item another line needed while a different item
/// would have served it: two long waits of i-1 and i-2, `+2m moment long-wait` taking i-1's,
/// left `moment long-wait: { interaction_id: i-1 }` failing although both could be satisfied.
enum ClaimMatching {
    /// For each claim, in `order` (claims tried first keep their earliest candidate when
    /// nothing forces a change), the item it is paired with, or nil when no pairing can satisfy
    /// it. `candidates(c)` lists the items claim `c` accepts, in the order it prefers them.
    static func assign(claims: Int, items: Int, order: [Int], candidates: (Int) -> [Int]) -> [Int?] {
        let accepted = (0..<claims).map(candidates)
        var claimOf = [Int?](repeating: nil, count: items)
        func augment(_ claim: Int, _ visited: inout [Bool]) -> Bool {
            for item in accepted[claim] where !visited[item] {
                visited[item] = true
                if let other = claimOf[item] {
                    guard augment(other, &visited) else { continue }
                }
                claimOf[item] = claim
                return true
            }
            return false
        }
        for claim in order {
            var visited = [Bool](repeating: false, count: items)
            _ = augment(claim, &visited)
        }
        var itemOf = [Int?](repeating: nil, count: claims)
        for (item, claim) in claimOf.enumerated() { if let claim { itemOf[claim] = item } }
        return itemOf
    }
}
