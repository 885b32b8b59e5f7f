/// How a push that was made against an older version of a record is settled.
public enum ConflictStrategy: String, CaseIterable, Sendable {
    /// The server copy stays.
    case serverWins = "server-wins"
    /// The client copy is stored, with version = server's + 1.
    case clientWins = "client-wins"
    /// The copy with the later `updatedAt` wins; a tie keeps the server's.
    case lastWriteWins = "last-write-wins"
    /// The server copy overlaid with exactly the fields the client sent, version = server's + 1.
    case merge
    /// Nothing is applied: the conflict is recorded open and waits for a decision.
    case manual
}
