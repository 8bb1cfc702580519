import Foundation
import Hummingbird
import MomentsCore
import MomentsRuntime
import Prometheus

/// The admin endpoint: `/metrics` (Prometheus text), `/healthz` (alive: the pipeline thread
/// showed a sign of life within `stallTimeout`), `/readyz` (partitions assigned, state
/// restored, broker reachable, not stalled), `/rules` (the active rules), `/silences`
/// (create, list, expire; see SilenceRoutes). An optional bearer
/// token protects everything but the read-only `/healthz`, `/readyz` and `/metrics`.
public enum AdminRouter {
    /// Read-only, and asked by tools that cannot send a token: Kubernetes' httpGet probes
    /// (/healthz, /readyz) and Prometheus' annotation-based scrapes (/metrics). Anything else —
    /// /silences and /rules, and any path added later — needs the token: with /silences open,
    /// anyone who reaches the port could mute every moment.
    static let openPaths: Set<String> = ["/healthz", "/readyz", "/metrics"]

    /// Whether `path` is an open one, with or without a trailing slash: the router serves
    /// `/healthz/` as `/healthz`, and until 2026-12-08 the token check alone did not, so a probe
    /// written with the slash was refused once a token was set.
    static func isOpen(_ path: String) -> Bool {
        openPaths.contains(path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path)
    }

    public static func make(
        registry: PrometheusCollectorRegistry, status: @escaping @Sendable () -> PipelineStatus, rules: RulesState, token: String?,
        silences: SilenceRegistry? = nil, stallTimeout: MomentsCore.Duration? = nil
    ) -> Router<BasicRequestContext> {
        let router = Router()
        let metricsType = "text/plain; version=0.0.4; charset=utf-8"
        if let token { router.add(middleware: BearerToken(token: token)) }
        var allowed: [String: [HTTPRequest.Method]] = [
            "/healthz": [.get, .head], "/readyz": [.get, .head], "/metrics": [.get, .head], "/rules": [.get],
        ]
        if silences != nil {
            allowed["/silences"] = [.get, .post]
            allowed["/silences/*"] = [.delete]
        }
        router.add(middleware: MethodNotAllowed(allowed: allowed))
        // How long the pipeline thread has shown no sign of life, past the limit (until
        // 2026-12-07 `/healthz` answered "ok" whatever the pipeline did: a thread stuck in one
        // call was never restarted by a liveness probe).
        let stalled: @Sendable (PipelineStatus) -> MomentsCore.Duration? = { s in stallTimeout.flatMap { s.stalled(limit: $0) } }
        router.get("/healthz") { _, _ -> Response in
            guard let silent = stalled(status()) else { return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n"))) }
            let body = "\(PipelineStatus.stallDescription(silent)) (processing.stall_timeout \(stallTimeout!))\n"
            return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("/readyz") { _, _ -> Response in
            let s = status()
            let isStalled = stalled(s) != nil
            let ready = s.ready && !isStalled
            let body = """
                {"ready":\(ready),"running":\(s.running),"partitions":\(s.assigned.count),"restoring":\(s.restoringPartitions),"broker_reachable":\(s.brokerReachable),"stalled":\(isStalled)}

                """
            return Response(
                status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        // HEAD on the probes, which some load balancers and uptime checks send (404 until 2026-12-07).
        router.head("/healthz") { _, _ in Response(status: stalled(status()) == nil ? .ok : .serviceUnavailable) }
        router.head("/readyz") { _, _ in
            let s = status()
            return Response(status: s.ready && stalled(s) == nil ? .ok : .serviceUnavailable)
        }
        // HEAD as uptime checks send it: the headers a GET would have, without the scrape's work.
        router.head("/metrics") { _, _ in Response(status: .ok, headers: [.contentType: metricsType]) }
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: metricsType],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        router.get("/rules") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: rules.json)))
        }
        if let silences { SilenceRoutes.add(to: router, registry: silences) }
        return router
    }
}

/// `Authorization: Bearer <token>` on every path but the open ones; compared in constant time.
struct BearerToken<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if AdminRouter.isOpen(request.uri.path) { return try await next(request, context) }
        // The scheme's name is case-insensitive (RFC 9110, 11.1): `bearer` is `Bearer`.
        var given = Array((request.headers[.authorization] ?? "").utf8)
        if given.count >= 7, String(decoding: given[..<7], as: UTF8.self).lowercased() == "bearer " { given.replaceSubrange(..<7, with: Array("Bearer ".utf8)) }
        let expected = Array("Bearer \(token)".utf8)
        var diff = given.count ^ expected.count
        for i in 0..<min(given.count, expected.count) { diff |= Int(given[i] ^ expected[i]) }
        guard diff == 0 else {
            // A JSON body, as every other refusal of the endpoint has (it was empty until 2026-12-07).
            let body = "{\"errors\":[\"this path needs the header Authorization: Bearer <admin.token>\"]}\n"
            return Response(
                status: .unauthorized, headers: [.wwwAuthenticate: "Bearer", .contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
        return try await next(request, context)
    }
}
