import FastCGI
import Settings

/// One path the workers answer: the one list the handler dispatches on, the metrics label their
/// requests by (Route.labels, which SharedCounters' MetricsLayout is laid out with) and the OpenAPI
/// document's paths are checked against (RegistryDocumentsTests).
public struct Route: Sendable {
    enum Action: Sendable {
        /// Authenticated, a JSON body parsed, the tenant entered on the store.
        case api(@Sendable (SyncHandler) -> (SyncHandler.Call) throws -> HTTPResponse)
        /// Given the request as it is: no token, or one the action checks itself.
        case request(@Sendable (SyncHandler) -> (HTTPRequest) throws -> HTTPResponse)
    }

    let path: String
    /// The method it takes (GET also takes HEAD).
    let method: String
    /// Its requests' label in the metrics.
    let label: String
    /// The path the OpenAPI document describes it under; nil when it is not part of the API.
    let documentedAs: String?
    let action: Action

    static let prefix = "/api/client/sync/"

    private static func api(_ name: String, _ action: @escaping @Sendable (SyncHandler) -> (SyncHandler.Call) throws -> HTTPResponse) -> Route {
        Route(path: prefix + name, method: "POST", label: name, documentedAs: prefix + name, action: .api(action))
    }

    static let all: [Route] = [
        api("push") { $0.push },
        api("pull") { $0.pull },
        api("pull-pending") { $0.pending },
        api("conflicts") { $0.conflicts },
        api("conflicts/resolve") { $0.resolve },
        // GET /api/client/sync/events is nginx's (nchan); it asks here whose subscription it is.
        Route(path: prefix + "events/authorize", method: "GET", label: "events", documentedAs: prefix + "events",
              action: .request { $0.authorizeEventsForNginx }),
        Route(path: prefix + "events/ticket", method: "POST", label: "events/ticket", documentedAs: prefix + "events/ticket",
              action: .request { $0.eventTicket }),
        // Checks for load balancers and monitoring, without a token (nginx allows /metrics from loopback only).
        Route(path: "/health", method: "GET", label: "health", documentedAs: "/health", action: .request { $0.health }),
        Route(path: "/ready", method: "GET", label: "ready", documentedAs: "/ready", action: .request { $0.ready }),
        Route(path: "/metrics", method: "GET", label: "metrics", documentedAs: nil, action: .request { $0.metricsText }),
    ]

    /// The metrics' endpoint labels (SharedCounters' MetricsLayout is laid out with them).
    public static let labels = all.map(\.label)

    static let byPath: [String: Route] = Dictionary(uniqueKeysWithValues: all.map { ($0.path, $0) })
}
