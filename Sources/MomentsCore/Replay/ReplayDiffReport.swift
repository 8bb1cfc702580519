/// The text of `moments replay --diff`: outputs only in old (`-`), only in new (`+`), changed
/// (`~`, with each changed field), then the counts per rule. Reads like a code review diff.
public enum ReplayDiffReport {
    public static func render(_ d: ReplayDiff, oldName: String, newName: String, listOutputs: Bool = true) -> String {
        var lines: [String] = []
        if listOutputs {
            lines.append("only in old (\(oldName)): \(d.onlyOld.count)")
            lines += d.onlyOld.map { "- " + line($0) }
            lines.append("only in new (\(newName)): \(d.onlyNew.count)")
            lines += d.onlyNew.map { "+ " + line($0) }
            lines.append("changed (same id, other content): \(d.changed.count)")
            for c in d.changed {
                lines.append("~ " + line(c.new))
                lines += c.fields.map { "    \($0.name): \(quoted($0.old)) -> \(quoted($0.new))" }
            }
            lines.append("")
        }
        lines += table(d)
        if !d.heldBack.isEmpty {
            // Detected but emitting nothing: the reason an output is only in old after a
            // silence or an inhibition was added (or only in new after one was removed).
            lines.append("")
            lines.append("held back (detected, no output):")
            let rows = [["rule", "why", "old", "new"]] + d.heldBack.map { [$0.rule, $0.why, "\($0.old)", "\($0.new)"] }
            let widths = (0..<4).map { i in rows.map { $0[i].count }.max() ?? 0 }
            lines += rows.map { row in
                row.enumerated().map { i, cell in
                    let pad = String(repeating: " ", count: widths[i] - cell.count)
                    return i < 2 ? cell + pad : pad + cell
                }.joined(separator: "  ")
            }
        }
        lines.append("")
        lines.append(d.isEmpty
            ? "no change: \(d.unchanged) outputs identical"
            : "\(d.onlyOld.count) only in old, \(d.onlyNew.count) only in new, \(d.changed.count) changed, \(d.unchanged) identical")
        return lines.joined(separator: "\n")
    }

    static func table(_ d: ReplayDiff) -> [String] {
        let header = ["kind", "rule", "old", "new", "only old", "only new", "changed"]
        var rows = [header]
        for r in d.rows {
            rows.append([name(r.kind), r.rule, "\(r.old)", "\(r.new)", "\(r.onlyOld)", "\(r.onlyNew)", "\(r.changed)"])
        }
        let widths = header.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { i, cell in
                // Text left, numbers right, so a column of counts lines up.
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i < 2 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
    }

    static func line(_ o: Output) -> String {
        let detail: String
        switch o {
        case .alert(let a): detail = a.moment.summary
        case .recovery(let r): detail = r.action + r.params.map { " \($0.key)=\(OutputFields.text($0.value))" }.joined()
        case .coaching(let c): detail = "agent \(c.agentID)"
        }
        return "\(o.moment.time)  \(name(o.kind))  \(o.id)  \(detail)"
    }

    static func name(_ k: OutputKind) -> String { k == .alert ? "moment" : k.rawValue }

    static func quoted(_ s: String) -> String { "\"\(s)\"" }
}
