import Postgres
import SyncCore

/// Failures of the store that are not the client's fault in the request body.
enum StoreError: Error {
    /// Another transaction created the same record first; the whole push is run again.
    case lostInsertRace
    case database(PostgresError)
}
