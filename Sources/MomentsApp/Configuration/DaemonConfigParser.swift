import Foundation
import Kafka
import Logging
import MomentsCore
import Yams

/// Reads the daemon's YAML configuration (see config/daemon.yaml) with located errors, then
/// applies environment overrides (see `EnvironmentOverrides`).
public enum DaemonConfigParser {
    /// - Parameters:
    ///   - text: the YAML text of the config file.
    ///   - file: its path, for error messages and to resolve a relative rules path.
    ///   - environment: variables that override the file (normally `ProcessInfo.processInfo.environment`).
    ///   - readFile: reads a rules file; injected so parsing stays testable.
    public static func parse(
        yaml text: String, file: String, environment: [String: String] = [:],
        readFile: (String) -> Result<String, TextFiles.Failure> = { TextFiles.text(atPath: $0) }
    ) -> Result<DaemonConfig, ConfigErrors> {
        let ctx = YAMLContext(file: file)
        guard let root = ctx.compose(text) else {
            if ctx.errors.isEmpty { ctx.report(line: 1, column: 1, "the configuration file is empty") }
            return .failure(ConfigErrors(ctx.errors))
        }
        guard let top = ctx.mapping(root, what: "the configuration", allowed: ["kafka", "processing", "admin", "logging", "rules"], extensions: true) else {
            return .failure(ConfigErrors(ctx.errors))
        }
        let kafka = top["kafka"].flatMap { KafkaSection.parse($0, ctx) } ?? KafkaSettings()
        let processing = top["processing"].flatMap { ProcessingSection.parse($0, ctx) } ?? ProcessingSettings()
        let admin = top["admin"].flatMap { AdminSection.parse($0, ctx) } ?? AdminSettings()
        let logging = top["logging"].flatMap { LoggingSection.parse($0, ctx) } ?? LoggingSettings()

        MaskedSecretCheck.check(kafka: top["kafka"], admin: top["admin"], environment: environment, ctx)

        var rulesErrors: [ConfigError] = []
        var rules: RuleSet?
        var rulesSource = "inline"
        let rulesPath = environment["MOMENTS_RULES"]
        if let rulesPath {
            rulesSource = rulesPath
        } else if let node = top["rules"], case .scalar = node, let path = ctx.string(node, what: "rules") {
            rulesSource = FilePaths.resolve(path, writtenIn: file)
        } else if let node = top["rules"] {
            rules = RulesParser.parse(node: node, context: ctx)
        } else {
            ctx.error(root, "missing 'rules' (a path to the rules file, or the rules inline)")
        }
        if rulesSource != "inline" {
            switch readFile(rulesSource) {
            case .success(let text):
                switch RulesParser.parse(yaml: text, file: rulesSource) {
                case .success(let r): rules = r
                case .failure(let e): rulesErrors = e.errors
                }
            case .failure(.notUTF8(let notText)):
                rulesErrors.append(notText)
            case .failure(.unreadable(let why)) where rulesPath != nil:
                // Not the file's `rules:` line, which did not name this file.
                rulesErrors.append(ConfigError(file: "environment", line: 0, column: 0, message: "MOMENTS_RULES: cannot read the rules file '\(rulesSource)': \(why) (a path relative to the working directory, \(FileManager.default.currentDirectoryPath))"))
            case .failure(.unreadable(let why)):
                ctx.error(top["rules"] ?? root, "cannot read the rules file '\(rulesSource)': \(why)")
            }
        }
        let errors = ctx.errors + rulesErrors
        guard errors.isEmpty, let rules else { return .failure(ConfigErrors(errors)) }
        var config = DaemonConfig(rules: rules, rulesSource: rulesSource)
        if rulesSource == "inline" { config.inlineRulesConfigurationText = text }
        config.kafka = kafka
        config.processing = processing
        config.admin = admin
        // Relative to the configuration file, as the rules path is; `state` beside it by default.
        config.admin.stateDirectory = FilePaths.resolve(admin.stateDirectory ?? "state", writtenIn: file)
        config.logging = logging
        switch EnvironmentOverrides.apply(environment, to: &config) {
        case .success:
            let clashes = TopicChecks.check(config, kafka: top["kafka"], processing: top["processing"], environment: environment, ctx)
                + StallTimeoutCheck.check(config, kafka: top["kafka"], processing: top["processing"], environment: environment, ctx)
            return clashes.isEmpty ? .success(config) : .failure(ConfigErrors(clashes))
        case .failure(let e): return .failure(e)
        }
    }
}

enum KafkaSection {
    static func parse(_ node: Node, _ ctx: YAMLContext) -> KafkaSettings? {
        guard let m = ctx.mapping(node, what: "kafka", allowed: [
            "bootstrap_servers", "group_id", "input_topics", "topics", "properties", "consumer_properties", "producer_properties",
        ]) else { return nil }
        var k = KafkaSettings()
        if let v = ctx.string(m["bootstrap_servers"], what: "bootstrap_servers") { k.bootstrapServers = v }
        if let v = ctx.string(m["group_id"], what: "group_id") { k.groupID = v }
        if let node = m["input_topics"], let v = InputTopicSection.parse(node, ctx) { k.inputTopics = v.topics; k.inputDialects = v.dialects }
        if let t = ctx.mapping(m["topics"], what: "topics", allowed: ["alerts", "coaching", "recovery", "dead_letter"]) {
            if let v = ctx.string(t["alerts"], what: "topics.alerts") { k.topics.alerts = v }
            if let v = ctx.string(t["coaching"], what: "topics.coaching") { k.topics.coaching = v }
            if let v = ctx.string(t["recovery"], what: "topics.recovery") { k.topics.recovery = v }
            if let v = ctx.string(t["dead_letter"], what: "topics.dead_letter") { k.topics.deadLetter = v }
        }
        k.properties = properties(m["properties"], ctx, what: "properties")
        k.consumerProperties = properties(m["consumer_properties"], ctx, what: "consumer_properties")
        k.producerProperties = properties(m["producer_properties"], ctx, what: "producer_properties")
        return k
    }

    /// librdkafka properties are passed through as text; YAML numbers and booleans are written
    /// back as text. Each is offered to librdkafka here, so a misspelt name or a bad value is
    /// refused at its line and column (by `moments check` too) rather than when `run` makes its
    /// clients, with no location, restarted by its supervisor again and again.
    static func properties(_ node: Node?, _ ctx: YAMLContext, what: String) -> [String: String] {
        guard let m = ctx.mapping(node, what: what) else { return [:] }
        var out: [String: String] = [:]
        for member in m {
            guard case .scalar(let s) = member.value else { ctx.error(member.value, "\(what).\(member.key) must be a single value"); continue }
            guard !YAMLContext.isNull(s) else {
                ctx.error(member.value, "\(what).\(member.key) is null; remove it to leave librdkafka's default, or quote the text"); continue
            }
            if let setting = KafkaSettings.ownSetting(forProperty: member.key) {
                ctx.error(member.keyNode, "\(what).\(member.key) is set by \(setting); set it there")
                continue
            }
            if let refusal = KafkaConfiguration.refusal(ofProperty: member.key, value: s.string) {
                ctx.error(member.keyNode, "\(what).\(member.key): \(refusal)")
                continue
            }
            out[member.key] = s.string
        }
        return out
    }
}

enum ProcessingSection {
    static func parse(_ node: Node, _ ctx: YAMLContext) -> ProcessingSettings? {
        guard let m = ctx.mapping(node, what: "processing", allowed: ["commit_interval", "wall_clock_advance", "restore_lookback", "shutdown_timeout", "assignment_timeout", "stall_timeout", "engine_threads", "changelog", "changelog_topic", "guarantee", "transactional_id", "max_event_ahead"]) else { return nil }
        var p = ProcessingSettings()
        if let d = ctx.duration(m["commit_interval"], what: "commit_interval") { p.commitInterval = d }
        if let b = ctx.bool(m["wall_clock_advance"], what: "wall_clock_advance") { p.wallClockAdvance = b }
        if let d = ctx.duration(m["restore_lookback"], what: "restore_lookback", allowZero: true) { p.restoreLookback = d }
        if let d = ctx.duration(m["shutdown_timeout"], what: "shutdown_timeout") { p.shutdownTimeout = d }
        if let d = ctx.duration(m["assignment_timeout"], what: "assignment_timeout") { p.assignmentTimeout = d }
        if let d = ctx.duration(m["stall_timeout"], what: "stall_timeout") {
            if let problem = ProcessingSettings.stallTimeoutProblem(d) { ctx.error(m["stall_timeout"], problem) } else { p.stallTimeout = d }
        }
        if let n = ctx.integer(m["engine_threads"], what: "engine_threads", minimum: 1, maximum: ProcessingSettings.maxEngineThreads) { p.engineThreads = n }
        if let node = m["max_event_ahead"] {
            if node.string == "off" { p.maxEventAhead = nil } else if let d = ctx.duration(node, what: "max_event_ahead") { p.maxEventAhead = d }
        }
        if let b = ctx.bool(m["changelog"], what: "changelog") { p.changelog = b }
        if let t = ctx.string(m["changelog_topic"], what: "changelog_topic") { p.changelogTopic = t }
        if let g = ctx.string(m["guarantee"], what: "guarantee") {
            if ["at_least_once", "exactly_once"].contains(g) { p.guarantee = g } else {
                ctx.error(m["guarantee"], "guarantee must be at_least_once or exactly_once, found '\(g)'")
            }
        }
        if let t = ctx.string(m["transactional_id"], what: "transactional_id") { p.transactionalID = t }
        return p
    }
}

enum AdminSection {
    static func parse(_ node: Node, _ ctx: YAMLContext) -> AdminSettings? {
        guard let m = ctx.mapping(node, what: "admin", allowed: ["listen", "token", "enabled", "state_dir", "metrics_queue_labels", "idle_timeout"]) else { return nil }
        var a = AdminSettings()
        if let v = ctx.string(m["listen"], what: "admin.listen") {
            if AdminSection.validListen(v) { a.listen = v } else { ctx.error(m["listen"], "admin.listen must be host:port, found '\(v)'") }
        }
        if let node = m["token"], case .scalar(let s) = node, s.string.isEmpty {
            // Said as the environment's empty token is (`token: ""` from a template's unset variable).
            ctx.error(node, "admin.token is empty: no request could send it (remove the key for no token)")
        } else if let raw = ctx.string(m["token"], what: "admin.token") {
            if let token = AdminSettings.trimmedToken(raw) { a.token = token } else { ctx.error(m["token"], "admin.token is blank: no request could send it") }
        }
        if let b = ctx.bool(m["enabled"], what: "admin.enabled") { a.enabled = b }
        a.stateDirectory = ctx.string(m["state_dir"], what: "admin.state_dir")
        if let n = ctx.integer(m["metrics_queue_labels"], what: "admin.metrics_queue_labels", minimum: 0) { a.metricsQueueLabels = n }
        if let d = ctx.duration(m["idle_timeout"], what: "admin.idle_timeout") { a.idleTimeout = d }
        return a
    }

    /// `host:port`; a host with a colon must be an IPv6 address (bracketed or not): one such as
    /// `127.0.0.1:9464:9471` passed until 2026-12-07 and failed at start with the server's
    /// "unknown host" and no location.
    static func validListen(_ v: String) -> Bool {
        guard let colon = v.lastIndex(of: ":"), let port = Int(v[v.index(after: colon)...]) else { return false }
        var host = String(v[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.contains(":") {
            // A link-local address may name its interface (`fe80::1%eth0`), which inet_pton does not take.
            let address = host.split(separator: "%", maxSplits: 1).first.map(String.init) ?? host
            var parsed = in6_addr()
            guard inet_pton(AF_INET6, address, &parsed) == 1 else { return false }
        }
        return (0...65535).contains(port) && colon != v.startIndex
    }
}

enum LoggingSection {
    static func parse(_ node: Node, _ ctx: YAMLContext) -> LoggingSettings? {
        guard let m = ctx.mapping(node, what: "logging", allowed: ["format", "level", "personal_data"]) else { return nil }
        var l = LoggingSettings()
        if let f = ctx.string(m["format"], what: "logging.format") {
            if ["logfmt", "json"].contains(f) { l.format = f } else { ctx.error(m["format"], "logging.format must be logfmt or json, found '\(f)'") }
        }
        if let v = ctx.string(m["level"], what: "logging.level") {
            if Logger.Level(name: v) != nil { l.level = v } else {
                ctx.error(m["level"], "logging.level must be \(Logger.Level.names), found '\(v)'")
            }
        }
        if let b = ctx.bool(m["personal_data"], what: "logging.personal_data") { l.personalData = b }
        return l
    }
}
