import Foundation
import Yams

/// Parses schedules: the named ones under `schedules:` and a moment's `schedule:` (a name or
/// an inline mapping) with its `outside:` behaviour.
enum ScheduleSection {
    static let keys = ["timezone", "days", "hours"]
    static let dayNames = ["mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7]

    /// The `schedules:` mapping: name → schedule.
    static func parseNamed(_ node: Node, _ ctx: YAMLContext) -> [String: Schedule] {
        var out: [String: Schedule] = [:]
        for member in ctx.mapping(node, what: "schedules") ?? [] {
            if let s = parse(member.value, ctx, name: member.key) { out[member.key] = s }
        }
        return out
    }

    static func parse(_ node: Node, _ ctx: YAMLContext, name: String?) -> Schedule? {
        let what = name.map { "schedule '\($0)'" } ?? "schedule"
        guard let m = ctx.mapping(node, what: what, allowed: keys) else { return nil }
        let before = ctx.errors.count
        var zone: TimeZone?
        if let id = ctx.string(ctx.required(m, "timezone", in: node, what: what), what: "timezone") {
            // Names of the time zone database, not fixed offsets ("GMT+2", "Etc/GMT+2", "+02:00"),
            // which have no daylight saving and are rarely what a queue's hours mean — and
            // "Etc/GMT+2" is two hours *behind* UTC. Until 2026-12-07 the test was whether the
            // name had a "/": "Etc/GMT+2" was taken, and "CET" or "EST5EDT" refused.
            if Self.isFixedOffset(id) {
                ctx.error(m["timezone"], "time zone '\(id)' is a fixed offset without daylight saving\(id.hasPrefix("Etc/GMT") ? " (and the Etc/GMT signs are inverted: Etc/GMT+2 is UTC-2)" : ""); use the name of a place, such as Europe/Berlin or America/New_York, or UTC")
            } else if Self.fixedAbbreviations.contains(id) {
                ctx.error(m["timezone"], "time zone '\(id)' keeps one offset all year, without daylight saving; use the name of a place, such as America/New_York, America/Denver or Pacific/Honolulu, or UTC")
            } else if id.contains("/") || Self.namesWithoutASlash.contains(id), let z = TimeZone(identifier: id) {
                // Foundation also takes abbreviations, which name no zone of the database and
                // are ambiguous ("BST" is Dhaka's there, not British Summer Time; "IST" India's):
                // without a "/", only the database's own names are taken.
                zone = z
            } else {
                ctx.error(m["timezone"], "unknown time zone '\(id)' (use an IANA name such as Europe/Berlin, America/New_York or UTC)")
            }
        }
        var days = Set(1...7)
        if let node = m["days"], let items = ctx.stringItems(node, what: "days") {
            days = []
            for (item, at) in items {
                guard let range = dayRange(item) else {
                    ctx.error(at, "bad day '\(item)' in days (use mon, tue, wed, thu, fri, sat, sun or a range such as mon-fri)")
                    continue
                }
                days.formUnion(range)
            }
        }
        var hours = [Schedule.ClosedOpenMinutes(start: 0, end: 24 * 60)]
        if let node = m["hours"], let items = ctx.stringItems(node, what: "hours") {
            hours = []
            for (item, at) in items {
                guard let r = hourRange(item) else {
                    ctx.error(at, "bad hours '\(item)' (use HH:MM-HH:MM with the end after the start, such as 08:00-18:00; split a night shift into 22:00-24:00 and 00:00-06:00)")
                    continue
                }
                hours.append(r)
            }
        }
        // With neither, every day and every hour: a schedule that is always on, and an
        // `outside:` that never applies (accepted until 2026-12-07).
        if m["days"] == nil && m["hours"] == nil {
            ctx.error(node, "\(what) needs days or hours (with neither it is always on)")
        }
        guard ctx.errors.count == before, let zone else { return nil }
        return Schedule(name: name, timeZone: zone, days: days, hours: hours)
    }

    /// The database's names that are no place and keep one offset all year: a queue in New
    /// York with `EST` would be an hour off all summer. (UTC and GMT are meant as such; a place
    /// without daylight saving, Asia/Kolkata, is a place.)
    static let fixedAbbreviations: Set<String> = ["EST", "MST", "HST"]

    /// The time zone database's names without a "/" (its zones and their links), less the fixed
    /// ones above and the `GMT±0` forms the offset check refuses.
    static let namesWithoutASlash: Set<String> = [
        "CET", "CST6CDT", "Cuba", "EET", "EST5EDT", "Egypt", "Eire", "GB", "GB-Eire", "GMT", "Greenwich", "Hongkong",
        "Iceland", "Iran", "Israel", "Jamaica", "Japan", "Kwajalein", "Libya", "MET", "MST7MDT", "NZ", "NZ-CHAT", "Navajo",
        "PRC", "PST8PDT", "Poland", "Portugal", "ROC", "ROK", "Singapore", "Turkey", "UCT", "UTC", "Universal", "W-SU", "WET", "Zulu",
    ]

    /// "GMT+2", "Etc/GMT-1", "UTC+01:00", "+0200": an offset, not a place.
    static func isFixedOffset(_ id: String) -> Bool {
        id.range(of: #"^(Etc/)?(GMT|UTC|UT)?[+-]?[0-9]"#, options: .regularExpression) != nil
    }

    /// "mon" or "mon-fri" (a range may wrap: "fri-mon").
    static func dayRange(_ text: String) -> Set<Int>? {
        let parts = text.lowercased().split(separator: "-", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace }
        guard (1...2).contains(parts.count), let first = dayNames[parts[0]], let last = dayNames[parts.last!] else { return nil }
        var out: Set<Int> = [first]
        var d = first
        while d != last { d = d % 7 + 1; out.insert(d) }
        return out
    }

    /// "08:00-18:00" → minutes [480, 1080); the end may be 24:00.
    static func hourRange(_ text: String) -> Schedule.ClosedOpenMinutes? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { String($0).trimmingWhitespace }
        guard parts.count == 2, let start = minutes(parts[0]), let end = minutes(parts[1]), start < 24 * 60, end > start else { return nil }
        return .init(start: start, end: end)
    }

    static func minutes(_ text: String) -> Int? {
        let hm = text.split(separator: ":", omittingEmptySubsequences: false)
        guard hm.count == 2, hm[0].count == 2, hm[1].count == 2, let h = Int(hm[0]), let m = Int(hm[1]), h >= 0, m >= 0, m < 60 else { return nil }
        guard h < 24 || (h == 24 && m == 0) else { return nil }
        return h * 60 + m
    }

    /// A moment's `schedule:` and `outside:`; `outside` is checked against the condition it changes.
    static func parseRule(
        schedule node: Node?, outside: Node?, condition: Condition?, named: [String: Schedule], declared: Set<String> = [], _ ctx: YAMLContext
    ) -> RuleSchedule? {
        guard let node else {
            if let outside { ctx.error(outside, "'outside' needs a 'schedule'") }
            return nil
        }
        var schedule: Schedule?
        if case .scalar = node, let name = ctx.string(node, what: "schedule") {
            schedule = named[name]
            if schedule == nil && !declared.contains(name) {
                let known = named.keys.sorted()
                ctx.error(node, "unknown schedule '\(name)'" + (known.isEmpty ? " (declare it under 'schedules:')" : " (declared schedules: \(known.joined(separator: ", ")))"))
            }
        } else if case .mapping = node {
            schedule = parse(node, ctx, name: nil)
        } else {
            ctx.error(node, "schedule must be the name of a schedule or a mapping with timezone, days and hours")
        }
        guard let schedule else { return nil }
        guard let outside else { return RuleSchedule(schedule: schedule, outside: .off) }
        if case .scalar(let s) = outside {
            guard s.string == "off" else { ctx.error(outside, "outside must be off or a mapping of other limits, found '\(s.string)'"); return nil }
            return RuleSchedule(schedule: schedule, outside: .off)
        }
        switch condition {
        case .wait?:
            guard let m = ctx.mapping(outside, what: "outside", allowed: ["longer_than"]),
                let d = ctx.duration(ctx.required(m, "longer_than", in: outside, what: "outside"), what: "longer_than")
            else { return nil }
            return RuleSchedule(schedule: schedule, outside: .waitLimit(d))
        case .threshold(let t)?:
            guard let m = ctx.mapping(outside, what: "outside", allowed: ["below", "above", "at_least", "at_most"]) else { return nil }
            var alt = t
            alt.below = ctx.number(m["below"], what: "below"); alt.above = ctx.number(m["above"], what: "above")
            alt.atLeast = ctx.number(m["at_least"], what: "at_least"); alt.atMost = ctx.number(m["at_most"], what: "at_most")
            if alt.below == nil && alt.above == nil && alt.atLeast == nil && alt.atMost == nil {
                ctx.error(outside, "outside needs one of below, above, at_least, at_most (or outside: off)")
                return nil
            }
            guard ConditionSection.boundsFitTheField(t.field, below: alt.below, above: alt.above, atLeast: alt.atLeast, atMost: alt.atMost, averaged: t.window != nil, in: m, ctx)
            else { return nil }
            return RuleSchedule(schedule: schedule, outside: .threshold(alt))
        case nil:
            return nil
        default:
            ctx.error(outside, "other limits outside the schedule exist for wait (longer_than) and threshold conditions; use outside: off")
            return nil
        }
    }
}
