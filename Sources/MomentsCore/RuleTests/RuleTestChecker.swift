/// Checks a test file against the rules it tests, before anything runs. A typo in an `absent`
/// line (`moment long-wiat`) would otherwise pass forever; here it refuses the file.
enum RuleTestChecker {
    static func errors(_ file: RuleTestFile, rules: RuleSet) -> [ConfigError] {
        var errors: [ConfigError] = []
        func report(_ at: SourceLocation, _ message: String) {
            errors.append(ConfigError(file: at.file, line: at.line, column: at.column, message: message))
        }
        let ids: [OutputPattern.Kind: [String]] = [
            .moment: rules.moments.map(\.id), .recovery: rules.recovery.map(\.id), .coaching: rules.coaching.map(\.id),
        ]
        for c in file.cases {
            let moments = ids[.moment] ?? []
            for (rule, at) in c.silenceRules where !moments.contains(rule) {
                report(at, "unknown moment '\(rule)' in \(file.rulesPath) (defined: \(moments.joined(separator: ", ")))")
            }
            for p in c.suppressed {
                if !moments.contains(p.rule) {
                    report(p.location, "unknown moment '\(p.rule)' in \(file.rulesPath) (defined: \(moments.joined(separator: ", ")))")
                }
                for f in p.fields where f.name == "by" && !moments.contains(f.value) {
                    report(f.location, "unknown moment '\(f.value)' for by in \(file.rulesPath) (defined: \(moments.joined(separator: ", ")))")
                }
            }
            for p in c.expected + c.absent {
                if let rule = p.rule, !(ids[p.kind] ?? []).contains(rule) {
                    let known = ids[p.kind] ?? []
                    report(p.location, "unknown \(p.kind.rawValue) rule '\(rule)' in \(file.rulesPath) (defined: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
                    continue
                }
                if let rule = p.rule, p.kind == .moment, rules.moments.first(where: { $0.id == rule })?.alert == false {
                    report(p.location, "moment '\(rule)' has 'alert: false', so it emits no alert to expect; check its recovery or coaching instead")
                }
                let names = OutputFields.names(kind: p.kind, rule: p.rule, in: rules)
                for f in p.fields where !names.contains(f.name) {
                    report(f.location, "unknown field '\(f.name)' for \(p.kind.rawValue) \(p.rule ?? "outputs") (available: \(names.sorted().joined(separator: ", ")))")
                }
            }
        }
        return errors
    }
}
