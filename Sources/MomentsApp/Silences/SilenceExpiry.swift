import ServiceLifecycle

/// Drops admin silences past their retention once a minute (`SilenceRegistry.prune`), so
/// that one nobody can list or delete any more stops muting without waiting for the next
/// silence to be made or expired.
struct SilenceExpiry: Service {
    let silences: SilenceRegistry
    var interval: Swift.Duration = .seconds(60)

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // Cut short by a graceful shutdown, as the rules watcher's pause is.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            silences.prune()
        }
    }
}
