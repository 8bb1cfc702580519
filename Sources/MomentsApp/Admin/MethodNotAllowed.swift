import Hummingbird

/// Answers 405 with an `Allow` header when a known admin path is asked with a method it does
/// not take (`POST /healthz`, `GET /silences/{id}`), as HTTP asks (RFC 9110, 15.5.6); until
/// 2026-12-07 those were 404, which reads as "wrong address" to someone scripting the API.
/// Placed after the bearer-token check: without the token, a protected path still says 401.
/// A path that is not known answers 404 here too, in the endpoint's one form of refusal,
/// `{"errors":[…]}` (Hummingbird's own 404 had no body, and both said `{"error":…}` or nothing
/// where 400, 401 and 413 said `{"errors":[…]}`, until 2026-12-08).
struct MethodNotAllowed<Context: RequestContext>: RouterMiddleware {
    /// The methods each path takes; a path ending in `/*` stands for one more segment.
    let allowed: [String: [HTTPRequest.Method]]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let methods = Self.methods(for: request.uri.path, in: allowed) else {
                return SilenceRoutes.errors(.notFound, "no such path: \(request.uri.path)")
            }
            guard !methods.contains(request.method) else { throw error }
            let list = methods.map(\.rawValue).joined(separator: ", ")
            var response = SilenceRoutes.errors(.methodNotAllowed, "\(request.method.rawValue) is not allowed on this path; allowed: \(list)")
            response.headers[.allow] = list
            return response
        }
    }

    /// The methods of `path`: an exact entry, else the `/*` entry of its parent when the last
    /// segment is not empty.
    static func methods(for path: String, in allowed: [String: [HTTPRequest.Method]]) -> [HTTPRequest.Method]? {
        // A trailing slash is the same path, as the router takes it.
        if path.count > 1, path.hasSuffix("/") { return methods(for: String(path.dropLast()), in: allowed) }
        if let exact = allowed[path] { return exact }
        guard let slash = path.lastIndex(of: "/"), path.index(after: slash) < path.endIndex else { return nil }
        return allowed[path[..<slash] + "/*"]
    }
}
