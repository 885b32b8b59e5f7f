/// Serves requests on one worker thread. Each thread owns its handler, so a handler may hold
/// thread-bound resources such as a database connection.
public protocol RequestHandler: AnyObject {
    func handle(_ request: HTTPRequest) -> HTTPResponse
}
