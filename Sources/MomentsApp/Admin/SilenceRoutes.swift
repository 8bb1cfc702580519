import Foundation
import Hummingbird
import NIOCore
import MomentsCore

/// `POST /silences` (create; answers 201 with the id), `GET /silences` (active and pending, and
/// ended ones made after their window, for a backlog),
/// `DELETE /silences/{id}` (expire an admin-made silence now).
enum SilenceRoutes {
    /// The largest `POST /silences` body: a silence's matchers hold at most 64 KiB of text.
    static let maxBody = 64 * 1024

    static func add(to router: Router<BasicRequestContext>, registry: SilenceRegistry) {
        router.post("/silences") { request, context -> Response in
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: maxBody)
            } catch is NIOTooManyBytesError {
                // In the form of every other refusal (it was an empty 413 until 2026-12-07).
                return json(.contentTooLarge, "{\"errors\":[\"the body is over \(maxBody / 1024) KiB\"]}\n")
            }
            switch registry.create(body: String(buffer: body)) {
            case .success(let s):
                return json(.created, "{\"id\":\(quoted(s.id))}\n")
            case .failure(let errors):
                let status: HTTPResponse.Status = errors.errors.contains { $0.file != "request" } ? .internalServerError : .badRequest
                var w = JSONWriter()
                w.beginObject()
                w.key("errors"); w.arrayValue(); errors.errors.forEach { w.value($0.description) }; w.endArray()
                w.endObject()
                return json(status, String(decoding: w.bytes, as: UTF8.self) + "\n")
            }
        }
        router.get("/silences") { _, _ -> Response in
            var w = JSONWriter()
            w.beginObject()
            w.key("silences"); w.arrayValue()
            for entry in registry.current() {
                // The silence's own fields, then where it comes from, whether it is in force now
                // and, for an admin one, when it was made.
                let made = entry.createdAt.map { [(key: "created_at", value: $0.description)] } ?? []
                SilenceSection.json(entry.silence, extra: [("source", entry.source.rawValue), ("state", entry.state.rawValue)] + made, into: &w)
            }
            w.endArray()
            w.endObject()
            return json(.ok, String(decoding: w.bytes, as: UTF8.self) + "\n")
        }
        router.delete("/silences/:id") { _, context -> Response in
            let id = context.parameters.get("id") ?? ""
            switch registry.expire(id: id) {
            case .expired: return json(.ok, "{\"id\":\(quoted(id)),\"expired\":true}\n")
            // `{"errors":[…]}` as every refusal of the endpoint (`{"error":…}` until 2026-12-08).
            case .notFound: return errors(.notFound, "no active or pending admin silence '\(id)'")
            case .declaredInRules: return errors(.conflict, "silence '\(id)' is declared in the rules file; remove it there")
            case .failed(let why): return errors(.internalServerError, why)
            }
        }
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A refusal in the endpoint's one form: `{"errors":["…"]}`.
    static func errors(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(status, "{\"errors\":[\(quoted(message))]}\n")
    }

    static func quoted(_ s: String) -> String {
        var w = JSONWriter()
        w.value(s)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
