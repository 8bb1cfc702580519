import Foundation
import Hummingbird
import HummingbirdTesting
import Kafka
import Logging
@testable import MomentsApp
import MomentsCore
import MomentsRuntime
import Prometheus
import Testing

/// `POST /silences`, `GET /silences`, `DELETE /silences/{id}`, and the state file that keeps
/// admin-made silences across a restart.
@Suite struct SilenceAdminTests {
    static let rules = try! RulesParser.parse(yaml: """
        moments:
          - id: escalation
            kind: pain
            when: { match: { event: interaction.escalated } }
        silences:
          - id: from-rules
            match: { queue: [billing] }
            starts_at: 2026-11-24T08:00:00Z
            for: 2h
        """, file: "r.yaml").get()

    /// A fixed wall clock, 09:00 on the day of the rules' silence.
    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var t = RFC3339.parse("2026-11-24T09:00:00Z")!
        var now: Timestamp { lock.lock(); defer { lock.unlock() }; return t }
        func set(_ v: Timestamp) { lock.lock(); t = v; lock.unlock() }
    }

    final class Pushed: @unchecked Sendable {
        private let lock = NSLock()
        private var value: [[Silence]] = []
        func add(_ s: [Silence]) { lock.lock(); value.append(s); lock.unlock() }
        var last: [Silence]? { lock.lock(); defer { lock.unlock() }; return value.last }
    }

    func tempDirectory() -> String {
        let dir = NSTemporaryDirectory() + "moments-silences-\(UUID().uuidString)"
        return dir
    }

    func app(_ registry: SilenceRegistry, token: String? = nil, status: PipelineStatus = PipelineStatus()) -> some ApplicationProtocol {
        let state = RulesState(rules: Self.rules, text: "rules", source: "r.yaml")
        return Application(router: AdminRouter.make(
            registry: PrometheusCollectorRegistry(), status: { status }, rules: state, token: token, silences: registry))
    }

    func registry(_ dir: String, clock: Clock, pushed: Pushed = Pushed()) -> SilenceRegistry {
        let r = SilenceRegistry(store: SilenceStore(directory: dir), rules: Self.rules, now: { clock.now }, logger: Logger(label: "test"))
        r.attach { pushed.add($0) }
        return r
    }

    func list(_ client: some TestClientProtocol, token: String? = nil) async throws -> [[String: Any]] {
        try await client.execute(uri: "/silences", method: .get, headers: token.map { [.authorization: "Bearer \($0)"] } ?? [:]) { response in
            #expect(response.status == .ok)
            let json = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
            return json?["silences"] as? [[String: Any]] ?? []
        }
    }

    @Test func createListExpireAndKeepAcrossARestart() async throws {
        let dir = tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = Clock()
        let pushed = Pushed()
        let reg = registry(dir, clock: clock, pushed: pushed)
        let created = try await app(reg).test(.router) { client in
            let body = #"{"match": {"rule": ["escalation"], "attributes": {"tier": ["gold"]}}, "for": "2h", "comment": "storm", "created_by": "ops"}"#
            let created = try await client.execute(uri: "/silences", method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .created)
                let json = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
                return try #require(json?["id"] as? String)
            }
            let pending = #"{"match": {"agent": ["a-7"]}, "starts_at": "2026-11-24T12:00:00Z", "ends_at": "2026-11-24T13:00:00Z"}"#
            try await client.execute(uri: "/silences", method: .post, body: ByteBuffer(string: pending)) { #expect($0.status == .created) }

            let silences = try await list(client)
            #expect(silences.map { $0["source"] as? String } == ["rules", "admin", "admin"])
            #expect(silences.map { $0["state"] as? String } == ["active", "active", "pending"])
            #expect(silences[1]["id"] as? String == created)
            #expect(silences[1]["starts_at"] as? String == "2026-11-24T09:00:00.000Z")   // now, by default
            #expect(silences[1]["ends_at"] as? String == "2026-11-24T11:00:00.000Z")
            #expect((silences[1]["match"] as? [String: Any])?["rule"] as? [String] == ["escalation"])
            // Every change reaches the engines: the rules' silence and both admin ones.
            #expect(pushed.last?.count == 3)
            // A rules reload replaces the file's silences and keeps the endpoint's.
            var reloaded = Self.rules
            reloaded.silences = []
            #expect(reg.rulesLoaded(reloaded).silences.count == 2)
            #expect(pushed.last?.map(\.id).contains("from-rules") == false)
            _ = reg.rulesLoaded(Self.rules)
            return created
        }

        // A restart: a new registry on the same state directory has them back.
        let restartedPush = Pushed()
        let restarted = registry(dir, clock: clock, pushed: restartedPush)
        #expect(restartedPush.last?.map(\.id).contains(created) == true)
        clock.set(RFC3339.parse("2026-11-24T09:30:00Z")!)
        try await app(restarted).test(.router) { client in
            #expect(try await list(client).count == 3)
            try await client.execute(uri: "/silences/\(created)", method: .delete) { #expect($0.status == .ok) }
            try await client.execute(uri: "/silences/\(created)", method: .delete) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/silences/from-rules", method: .delete) { #expect($0.status == .conflict) }
            let left = try await list(client)
            #expect(left.map { $0["id"] as? String }.contains(created) == false)
        }
        // Expired means it ends now; engines behind in event time still apply it up to now.
        let expired = restartedPush.last?.first { $0.id == created }
        #expect(expired?.endsAt == clock.now)
        // And the expiry itself survives a restart.
        let again = registry(dir, clock: clock)
        #expect(again.current().map(\.silence.id).contains(created) == false)
    }

    /// A known path asked with a method it does not take answers 405 and says which it takes
    /// (404 until 2026-12-07); unknown paths stay 404; without the token, 401 comes first.
    @Test func aWrongMethodOnAKnownPathIs405WithAllow() async throws {
        let dir = tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let auth: HTTPFields = [.authorization: "Bearer t0ken"]
        try await app(registry(dir, clock: Clock()), token: "t0ken").test(.router) { client in
            let cases: [(String, HTTPRequest.Method, String)] = [
                ("/healthz", .post, "GET, HEAD"), ("/readyz", .delete, "GET, HEAD"), ("/metrics", .post, "GET, HEAD"),
                ("/rules", .put, "GET"), ("/silences", .delete, "GET, POST"), ("/silences/s-1", .get, "DELETE"),
                ("/healthz/", .post, "GET, HEAD"), ("/silences/", .delete, "GET, POST"), ("/silences/s-1/", .get, "DELETE"),
            ]
            for (path, method, allow) in cases {
                try await client.execute(uri: path, method: method, headers: auth) { response in
                    #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                    #expect(response.headers[.allow] == allow, "\(method) \(path)")
                    // In the form of every other refusal (`{"error":…}` until 2026-12-08).
                    #expect(String(buffer: response.body) == "{\"errors\":[\"\(method.rawValue) is not allowed on this path; allowed: \(allow)\"]}\n")
                    #expect(response.headers[.contentType] == "application/json")
                }
            }
            try await client.execute(uri: "/silences/s-1", method: .delete, headers: auth) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body) == "{\"errors\":[\"no active or pending admin silence 's-1'\"]}\n")
            }
            // An unknown path too (Hummingbird's 404 had no body until 2026-12-08).
            for (path, method) in [("/nowhere", HTTPRequest.Method.post), ("/nowhere/\"x", .get), ("/silences/s-1/more", .delete)] {
                try await client.execute(uri: path, method: method, headers: auth) { response in
                    #expect(response.status == .notFound, "\(method) \(path)")
                    let json = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: [String]]
                    #expect(json?["errors"]?.first?.hasPrefix("no such path: /") == true, "\(String(buffer: response.body))")
                    #expect(response.headers[.contentType] == "application/json")
                }
            }
            try await client.execute(uri: "/silences/s-1", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/healthz", method: .post) { #expect($0.status == .methodNotAllowed) }
            // A body past the limit is refused in the form of the others (an empty 413 until 2026-12-07).
            let large = ByteBuffer(string: "{\"comment\": \"" + String(repeating: "x", count: 70_000) + "\"}")
            try await client.execute(uri: "/silences", method: .post, headers: auth, body: large) { response in
                #expect(response.status == .contentTooLarge)
                #expect(String(buffer: response.body) == "{\"errors\":[\"the body is over 64 KiB\"]}\n")
            }
        }
    }

    @Test func badBodiesAreRefusedWithTheirPosition() async throws {
        let dir = tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await app(registry(dir, clock: Clock())).test(.router) { client in
            let body = "{\"match\": {\"rule\": [\"nope\"]},\n \"for\": \"2x\"}"
            try await client.execute(uri: "/silences", method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest)
                let text = String(buffer: response.body)
                #expect(text.contains("request:1:21: error: unknown moment 'nope'"))
                #expect(text.contains("request:2:9: error: bad duration '2x' for 'for'"))
            }
            #expect(try await list(client).count == 1)   // only the rules' own silence
            #expect(!FileManager.default.fileExists(atPath: dir + "/silences.json"))
        }
    }

    @Test func theTokenProtectsSilencesAndRulesButNotProbesOrMetrics() async throws {
        let dir = tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var ready = PipelineStatus()
        ready.running = true
        ready.assigned = [.init(topic: "interactions", partition: 0)]
        ready.brokerReachable = true
        let body = ByteBuffer(string: #"{"match": {"queue": ["billing"]}, "for": "2h"}"#)
        try await app(registry(dir, clock: Clock()), token: "s3cret", status: ready).test(.router) { client in
            // Read-only, and probed or scraped by tools that cannot send a token.
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .ok) }
            // What changes or reveals the rules, every method.
            try await client.execute(uri: "/rules", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/silences", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/silences", method: .post, body: body) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/silences", method: .post, headers: [.authorization: "Bearer wrong"], body: body) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/silences/from-rules", method: .delete) { #expect($0.status == .unauthorized) }
            #expect(try await list(client, token: "s3cret").count == 1)   // nothing was created without the token
            try await client.execute(uri: "/silences", method: .post, headers: [.authorization: "Bearer s3cret"], body: body) { #expect($0.status == .created) }
            try await client.execute(uri: "/rules", method: .get, headers: [.authorization: "Bearer s3cret"]) { #expect($0.status == .ok) }
            #expect(try await list(client, token: "s3cret").count == 2)
        }
    }

    /// A silence for a window already over when it is made (days later, to mute a replayed
    /// backlog: silences work in event time) is kept a day from when it was made, not dropped at once.
    @Test func aSilenceForAPastWindowIsKeptADayFromItsCreation() async throws {
        let dir = tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = Clock()   // 2026-11-24T09:00Z, three days after the window
        let pushed = Pushed()
        let reg = registry(dir, clock: clock, pushed: pushed)
        let body = #"{"match": {"queue": ["tech"]}, "starts_at": "2026-11-20T08:00:00Z", "ends_at": "2026-11-21T08:00:00Z", "comment": "replayed backlog"}"#
        let id = try await app(reg).test(.router) { client in
            let id = try await client.execute(uri: "/silences", method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .created)
                let json = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
                return try #require(json?["id"] as? String)
            }
            let listed = try await list(client).first { $0["id"] as? String == id }
            #expect(listed?["state"] as? String == "ended")
            #expect(listed?["created_at"] as? String == "2026-11-24T09:00:00.000Z")
            return id
        }
        #expect(pushed.last?.map(\.id).contains(id) == true)   // the engines apply it to the backlog

        // A restart keeps it, and when it was made.
        clock.set(RFC3339.parse("2026-11-25T08:59:00Z")!)
        let restartedPush = Pushed()
        let restarted = registry(dir, clock: clock, pushed: restartedPush)
        #expect(restartedPush.last?.map(\.id).contains(id) == true)
        #expect(restarted.current().first { $0.silence.id == id }?.state == .ended)
        // Another change within the day keeps it too.
        _ = restarted.create(body: #"{"match": {"agent": ["a-1"]}, "for": "1h"}"#)
        #expect(restartedPush.last?.map(\.id).contains(id) == true)
        // A day after it was made it is dropped with the next change, and no longer listed.
        clock.set(RFC3339.parse("2026-11-25T09:01:00Z")!)
        #expect(restarted.current().contains { $0.silence.id == id } == false)
        _ = restarted.create(body: #"{"match": {"agent": ["a-2"]}, "for": "1h"}"#)
        #expect(restartedPush.last?.map(\.id).contains(id) == false)
    }

    /// Past its retention a silence is dropped without waiting for another change: by the
    /// once-a-minute `prune`, and at a start from a file that still holds it. Until 2026-12-07
    /// only a create or an expiry dropped it, so it went on muting while no longer listed, and
    /// `DELETE` refused it.
    @Test func aSilencePastItsRetentionIsDroppedWithoutAnotherChange() throws {
        let dir = tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = Clock()
        let pushed = Pushed()
        let reg = registry(dir, clock: clock, pushed: pushed)
        guard case .success(let s) = reg.create(body: #"{"match": {"queue": ["tech"]}, "for": "1h"}"#) else {
            Issue.record("not created"); return
        }
        #expect(!reg.prune())                                  // within its day: kept
        #expect(pushed.last?.map(\.id).contains(s.id) == true)
        let stored = try String(contentsOfFile: dir + "/silences.json", encoding: .utf8)

        clock.set(RFC3339.parse("2026-11-25T10:01:00Z")!)      // a day after its end
        #expect(reg.prune())
        #expect(pushed.last?.map(\.id).contains(s.id) == false)
        #expect(try String(contentsOfFile: dir + "/silences.json", encoding: .utf8).contains(s.id) == false)
        #expect(!reg.prune())                                  // nothing more to drop

        // A file that still holds it (written before, and the daemon stopped meanwhile).
        try stored.write(toFile: dir + "/silences.json", atomically: true, encoding: .utf8)
        let restartedPush = Pushed()
        let restarted = registry(dir, clock: clock, pushed: restartedPush)
        #expect(restartedPush.last?.map(\.id).contains(s.id) == false)
        #expect(restarted.all.contains { $0.id == s.id } == false)
        #expect(try String(contentsOfFile: dir + "/silences.json", encoding: .utf8).contains(s.id) == false)
    }

    @Test func aSilenceForAPastWindowCanBeDeleted() async throws {
        let dir = tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pushed = Pushed()
        let reg = registry(dir, clock: Clock(), pushed: pushed)
        guard case .success(let s) = reg.create(body: #"{"match": {"queue": ["tech"]}, "starts_at": "2026-11-20T08:00:00Z", "for": "1d"}"#) else {
            Issue.record("not created"); return
        }
        try await app(reg).test(.router) { client in
            try await client.execute(uri: "/silences/\(s.id)", method: .delete) { #expect($0.status == .ok) }
            try await client.execute(uri: "/silences/\(s.id)", method: .delete) { #expect($0.status == .notFound) }
        }
        // Removed, not ended now: it must stop muting the backlog.
        #expect(pushed.last?.map(\.id).contains(s.id) == false)
    }

    @Test func theStateDirectoryIsCheckedAtStart() throws {
        let dir = tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var admin = AdminSettings()
        admin.stateDirectory = dir + "/nested/state"
        try Daemon.checkStateDirectory(admin)   // created, and left empty
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/nested/state").isEmpty)
        try Data().write(to: URL(fileURLWithPath: dir + "/file"))
        admin.stateDirectory = dir + "/file/state"
        #expect(throws: Daemon.StateDirectoryError.self) { try Daemon.checkStateDirectory(admin) }
        admin.enabled = false   // no endpoint, no silence to keep
        try Daemon.checkStateDirectory(admin)
    }

    /// A silences file that is there but cannot be read (a folder in its place here; permissions
    /// or an I/O error elsewhere) is left where it is, and the start refused: moved aside as
    /// damaged, the silences were gone from their place (until 2026-12-07).
    @Test func anUnreadableSilencesFileIsLeftAndTheStartRefused() throws {
        let dir = tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = SilenceStore(directory: dir).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let reg = registry(dir, clock: Clock())
        #expect(reg.all.map(\.id) == ["from-rules"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["silences.json"])   // not moved aside
        var admin = AdminSettings()
        admin.stateDirectory = dir
        #expect { try Daemon.checkStateDirectory(admin) } throws: { error in
            "\(error)".hasPrefix("cannot read the silences file \(path) (kept by the admin endpoint): it is a folder")
        }
    }

    /// One entry the store cannot read (written by hand, or by an older version) no longer
    /// costs the others: they load, and the file as it was is copied aside before the next
    /// save drops the bad entry. Until 2026-12-06 the whole file was moved aside.
    @Test func aBadStoredSilenceCostsOnlyItself() throws {
        let dir = tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = """
            {"v": 1, "silences": [
              {"id": "good", "match": {"queue": ["tech"]}, "starts_at": "2026-11-24T08:00:00Z", "ends_at": "2026-11-24T12:00:00Z"},
              {"id": "bad", "match": {"queu": ["tech"]}, "starts_at": "2026-11-24T08:00:00Z", "ends_at": "2026-11-24T12:00:00Z"},
              {"id": "also-good", "match": {"agent": ["a-7"]}, "starts_at": "2026-11-24T08:00:00Z", "for": "2h"}
            ], "created_at": {"good": "2026-11-24T07:00:00Z", "also-good": "yesterday"}}
            """
        let path = SilenceStore(directory: dir).path
        try file.write(toFile: path, atomically: true, encoding: .utf8)

        let loaded = try SilenceStore(directory: dir).load()
        #expect(loaded.silences.map(\.id) == ["good", "also-good"])
        #expect(loaded.createdAt == ["good": RFC3339.parse("2026-11-24T07:00:00Z")!])
        // The bad silence (its unknown key, and so its missing `match`) and the bad time.
        #expect(Set(loaded.refused.map { $0.dropFirst(path.count + 1).prefix { $0 != ":" } }) == ["3", "5"], "\(loaded.refused)")
        #expect(loaded.refused.contains { $0.contains("unknown key 'queu'") })
        #expect(loaded.refused.contains { $0.contains("created_at of 'also-good' must be an RFC 3339 time") })

        let reg = registry(dir, clock: Clock())
        #expect(reg.all.map(\.id) == ["from-rules", "good", "also-good"])
        let copies = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("silences.json.refused-") }
        #expect(copies.count == 1)
        let copied = try copies.first.map { try String(contentsOfFile: dir + "/" + $0, encoding: .utf8) }
        #expect(copied == file)
        #expect(FileManager.default.fileExists(atPath: path), "the file was moved aside, not copied")
    }

    /// Characters JSON may hold raw but a YAML reader refuses (DEL, C1 controls, U+FFFE and
    /// U+FFFF, and since 2026-12-07 the invisible line breaks U+2028 and U+2029), sent as
    /// escapes in a body (or those two raw, as JavaScript writes JSON), are stored as escapes: raw, the next start refused the
    /// whole file and every admin silence was moved aside (until 2026-12-07).
    @Test func aSilenceWithCharactersYAMLRefusesSurvivesARestart() throws {
        let dir = tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let reg = registry(dir, clock: Clock())
        let body = #"{"match": {"queue": ["tech\u0085"], "attributes": {"site\u007f": ["x\u009f"]}}, "for": "1h", "comment": "a\u007fb\u0080c\ufffed\uffff\u2028e", "created_by": "ops\u0090"}"#
        guard case .success(let made) = reg.create(body: body) else { Issue.record("not created"); return }
        // JSON as JavaScript writes it: U+2029 raw inside a string.
        guard case .success(let other) = reg.create(body: "{\"match\": {\"queue\": [\"billing\"]}, \"for\": \"1h\", \"comment\": \"x\u{2029}y\"}") else { Issue.record("not created"); return }
        #expect(made.comment == "a\u{7F}b\u{80}c\u{FFFE}d\u{FFFF}\u{2028}e")
        #expect(other.comment == "x\u{2029}y")
        let loaded = try SilenceStore(directory: dir).load()
        #expect(loaded.refused.isEmpty)
        #expect(loaded.silences.map(\.id) == [made.id, other.id])
        #expect(loaded.silences.first?.comment == made.comment)
        #expect(loaded.silences.first?.createdBy == "ops\u{90}")
        #expect(loaded.silences.first?.matchers == made.matchers)
        let restarted = registry(dir, clock: Clock())
        #expect(restarted.all.map(\.id) == ["from-rules", made.id, other.id])
    }

    /// Valid JSON that YAML reads otherwise: a character past U+FFFF escaped as a surrogate pair
    /// (Python's `json.dumps` writes an emoji so) and raw DEL or C1 controls in a string were
    /// refused with 400 until 2026-12-07; an escaped backslash before a `u` stays text, and a
    /// YAML body's plain text keeps its backslashes.
    @Test func jsonThatYAMLReadsOtherwiseIsTaken() throws {
        let dir = tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let reg = registry(dir, clock: Clock())
        let python = #"{"match": {"queue": ["billing"]}, "for": "2h", "comment": "migration \ud83d\udea7 done", "created_by": "a\\ud83d"}"#
        guard case .success(let made) = reg.create(body: python) else { Issue.record("not created: \(reg.create(body: python))"); return }
        #expect(made.comment == "migration \u{1F6A7} done")
        #expect(made.createdBy == #"a\ud83d"#)
        let raw = "{\"match\": {\"queue\": [\"billing\"]}, \"for\": \"1h\", \"comment\": \"x\u{7F}y\u{80}z\u{85}w\"}"
        guard case .success(let rawMade) = reg.create(body: raw) else { Issue.record("not created: \(reg.create(body: raw))"); return }
        #expect(rawMade.comment == "x\u{7F}y\u{80}z\u{85}w")
        #expect(JSONBodyForYAML.adapt(#"comment: a \ud83d\udea7"#) == #"comment: a \ud83d\udea7"#)
        // A YAML body keeps only its invisible line breaks escaped, as every body had them;
        // a JSON one has the noncharacters libyaml refuses escaped too.
        #expect(JSONBodyForYAML.adapt("comment: a\u{2028}b") == #"comment: a\u2028b"#)
        #expect(JSONBodyForYAML.adapt("{\"comment\": \"a\u{FFFE}b\"}") == #"{"comment": "a\uFFFEb"}"#)
        let restarted = registry(dir, clock: Clock())
        #expect(restarted.all.map(\.id) == ["from-rules", made.id, rawMade.id])
    }

    /// A body whose aliases stand for more values, or more text, than a silence may hold is
    /// refused before they are read: 64 KiB of YAML made millions of values (until 2026-12-07).
    @Test func aSilenceListingTooManyValuesIsRefused() throws {
        let dir = tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let reg = registry(dir, clock: Clock())
        let values = (0..<2_000).map { "v\($0)" }.joined(separator: ", ")
        let keys = (0..<100).map { "k\($0): *many" }.joined(separator: ", ")
        let body = "match: { queue: &many [\(values)], attributes: { \(keys) } }\nfor: 1h\n"
        guard case .failure(let e) = reg.create(body: body) else { Issue.record("accepted"); return }
        #expect(e.errors.map(\.message) == ["a silence's matchers may name at most 10000 values and attributes in all, found 202100"], "\(e)")
        // Few values, but one long text under many names.
        let long = String(repeating: "x", count: 30_000)
        let names = (0..<3).map { "k\($0): *long" }.joined(separator: ", ")
        guard case .failure(let e2) = reg.create(body: "match: { queue: [&long \(long)], attributes: { \(names) } }\nfor: 1h\n") else {
            Issue.record("accepted"); return
        }
        #expect(e2.errors.map(\.message) == ["a silence's matchers may hold at most 65536 bytes of text in all, found 120006"], "\(e2)")
        #expect(reg.all.map(\.id) == ["from-rules"])
        // Lists of lists, through aliases: their text was walked to the bottom (ten wide and
        // seven deep, a 600-byte body, took 23 s under the registry's lock). Counted one level
        // deep, five levels here are refused for what they are, not for the text they stand for.
        var nested = "a0: &a0 [\((1...10).map { "v\($0)" }.joined(separator: ", "))]"
        for level in 1...5 { nested += ", a\(level): &a\(level) [\(Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", "))]" }
        guard case .failure(let e3) = reg.create(body: "match: { attributes: { \(nested) } }\nfor: 1h\n") else { Issue.record("accepted"); return }
        #expect(e3.errors.map(\.message).allSatisfy { $0.hasPrefix("each item of attribute 'a") && $0.hasSuffix("must be text") }, "\(e3.errors.prefix(3))")
        #expect(e3.errors.count == 5, "\(e3.errors.prefix(3))")
    }

    /// At most `maxAdminSilences` endpoint silences are in force or pending at once: the next is
    /// refused with what to do, and one expired makes room again (until 2026-12-08 there was no
    /// bound).
    @Test func endpointSilencesAreBounded() throws {
        let reg = SilenceRegistry(store: nil, rules: Self.rules, now: { Clock().now }, logger: Logger(label: "test"))
        var ids: [String] = []
        for _ in 0..<SilenceRegistry.maxAdminSilences {
            guard case .success(let s) = reg.create(body: #"{"match": {"queue": ["billing"]}, "for": "2h"}"#) else { Issue.record("refused"); return }
            ids.append(s.id)
        }
        guard case .failure(let e) = reg.create(body: #"{"match": {"queue": ["billing"]}, "for": "2h"}"#) else { Issue.record("accepted"); return }
        #expect(e.errors.map(\.message) == ["there are already 1000 silences made through the endpoint in force or pending, the most at once; expire those no longer needed (DELETE /silences/{id}), or put long-lived ones in the rules file"])
        // One expired (kept a day for late events, but no longer in force) makes room.
        #expect(reg.expire(id: ids[0]) == .expired)
        guard case .success = reg.create(body: #"{"match": {"queue": ["billing"]}, "for": "2h"}"#) else { Issue.record("refused"); return }
        guard case .failure = reg.create(body: #"{"match": {"queue": ["billing"]}, "for": "2h"}"#) else { Issue.record("accepted"); return }
    }

    /// A file that is not a silences file at all is still moved aside whole.
    @Test func anUnreadableSilencesFileIsMovedAside() throws {
        let dir = tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = SilenceStore(directory: dir).path
        try #"{"v": 1, "silences": {"id": "x"}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: SilenceStore.LoadError.self) { try SilenceStore(directory: dir).load() }
        let reg = registry(dir, clock: Clock())
        #expect(reg.all.map(\.id) == ["from-rules"])
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).contains { $0.hasPrefix("silences.json.damaged-") })
    }

    /// A reload hands the pipeline its rules with the silences of that moment; a silence made
    /// meanwhile must not be overwritten by that older set.
    @Test func aReloadAppliesItsRulesBeforeASilenceMadeMeanwhile() throws {
        let dir = tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        /// The pipeline's view: whichever of replaceRules and replaceSilences came last wins.
        final class LastWriterWins: @unchecked Sendable {
            private let lock = NSLock()
            private var value: [String] = []
            func set(_ s: [Silence]) { lock.lock(); value = s.map(\.id); lock.unlock() }
            var ids: [String] { lock.lock(); defer { lock.unlock() }; return value }
        }
        let pipeline = LastWriterWins()
        let reg = SilenceRegistry(store: SilenceStore(directory: dir), rules: Self.rules, now: { Clock().now }, logger: Logger(label: "test"))
        reg.attach { pipeline.set($0) }
        let created = DispatchSemaphore(value: 0)
        let createdID = Locked<String?>(nil)
        reg.rulesLoaded(Self.rules) { merged in
            // A POST /silences arrives while the reload is being handed over.
            Thread.detachNewThread {
                if case .success(let s) = reg.create(body: #"{"match": {"queue": ["tech"]}, "for": "1h"}"#) { createdID.set(s.id) }
                created.signal()
            }
            Thread.sleep(forTimeInterval: 0.2)
            pipeline.set(merged.silences)
        }
        created.wait()
        let id = try #require(createdID.get())
        #expect(pipeline.ids.contains(id), "the reload's older set overwrote the new silence")
    }
}

final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func set(_ v: Value) { lock.lock(); value = v; lock.unlock() }
    func get() -> Value { lock.lock(); defer { lock.unlock() }; return value }
}
