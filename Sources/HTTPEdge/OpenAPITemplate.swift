/// The OpenAPI document without its registry: `OpenAPIDocument.render` fills each `{{placeholder}}`
/// from the entity types. openapi.yaml is the document for registry/registry.json; edit the API's
/// description here, then regenerate it (`syncd openapi > openapi.yaml`, README, "The registry").
extension OpenAPIDocument {
    static let template = #"""
openapi: 3.1.0
info:
  title: Sync service
  version: 1.0.0
  summary: Multi-tenant data synchronisation for offline-first client apps.
  description: |
    Devices push their local changes, pull what changed on the server since their last sync, and
    pull records the server marked pending. Every request carries a bearer JWT (HS256) whose
    `tenant_id` claim names the caller's tenant; a tenant only ever sees its own records.

    Positions: the `syncTimestamp` of every response is what the client sends back as
    `lastSyncTimestamp` next time. Only `pull` moves it forward; `push` and `pull-pending` echo the
    `lastSyncTimestamp` they were sent, so a push never makes a client skip changes of other devices
    that it has not pulled yet. A push sent without one (the seed's client) answers the position the
    device's last pull was answered, the device being the token's `sub` (the epoch before any pull).

    Live pokes: `GET /api/client/sync/events` holds a stream (nginx's nchan) that says when the
    tenant's records changed; the device then pulls.
servers:
  - url: https://127.0.0.1:8443
    description: the dev stack of scripts/up
security:
  - bearerAuth: []
paths:
  /health:
    get:
      operationId: health
      summary: Liveness, for load balancers (no token, no database work)
      security: []
      responses:
        '200':
          description: The service takes requests.
          content:
            application/json:
              schema: { type: object, properties: { status: { const: ok } }, required: [status] }
        '429': { $ref: '#/components/responses/RateLimited' }
  /ready:
    get:
      operationId: ready
      summary: Readiness (no token)
      description: 200 only when the database answers and its schema matches the registry.
      security: []
      responses:
        '200':
          description: Ready.
          content:
            application/json:
              schema: { type: object, properties: { status: { const: ready } }, required: [status] }
        '429': { $ref: '#/components/responses/RateLimited' }
        '503': { $ref: '#/components/responses/Unavailable' }
  /api/client/sync/events:
    get:
      operationId: events
      summary: Live pokes of the token's tenant (server-sent events; nginx's nchan also offers WebSocket and long-poll)
      description: |
        Held open by nginx, not by a worker. The tenant is the one the service verifies from the token
        (or from the ticket, for browsers, which cannot set the Authorization header on an EventSource
        or a WebSocket); the client names nothing. Each event's `data` is a Poke: the position of a
        change, and no record data; pull through `/api/client/sync/pull` on each. Pokes are hints: a
        device also pulls when it (re)connects and on its usual interval. nginx ends a subscription
        before its token expires, and after 5 minutes in any case: the client reconnects.
      security:
        - bearerAuth: []
        - {}
      parameters:
        - name: ticket
          in: query
          required: false
          description: A single-use ticket from `POST /api/client/sync/events/ticket`, instead of the Authorization header. Never logged.
          schema: { type: string, pattern: '^[0-9a-f]{64}$' }
      responses:
        '200':
          description: 'The stream: `data: {"syncTimestamp": "..."}` per change (see the Poke schema).'
          content:
            text/event-stream:
              schema: { type: string }
        '401': { $ref: '#/components/responses/Unauthorized' }
        '403': { $ref: '#/components/responses/Forbidden' }
        '429': { $ref: '#/components/responses/RateLimited' }
        '503': { $ref: '#/components/responses/Unavailable' }
  /api/client/sync/events/ticket:
    post:
      operationId: eventsTicket
      summary: A single-use ticket for one live-poke subscription (for browsers)
      description: |
        Exchanges the token for a ticket that `GET /api/client/sync/events?ticket=` accepts once, within
        `expiresIn` seconds. The subscription it opens belongs to the token's tenant and ends before the
        token expires. No request body.
      responses:
        '200':
          description: The ticket.
          content:
            application/json:
              schema: { $ref: '#/components/schemas/TicketResponse' }
        '401': { $ref: '#/components/responses/Unauthorized' }
        '403': { $ref: '#/components/responses/Forbidden' }
        '405': { $ref: '#/components/responses/MethodNotAllowed' }
        '429': { $ref: '#/components/responses/RateLimited' }
        '503': { $ref: '#/components/responses/Unavailable' }
  /api/client/sync/push:
    post:
      operationId: push
      summary: Push local changes (one transaction, all or nothing, but for records refused alone)
      description: |
        Records are applied entity type by entity type in registry order ({{typeOrder}}),
        items in request order. A record without `id` (or with `id: null`) is
        created with a server-generated UUID; a record with an unknown UUID is created with that
        id. An update whose `version` equals the server's applies and bumps it; any other
        `version` is a conflict settled by the tenant's strategy and listed in `conflicts`.
        An update without `version` is a blind write on the current version.
      parameters:
        - name: Idempotency-Key
          in: header
          required: false
          description: 'Makes the push safe to retry: a retry with the same key and body gets the stored response (with Idempotent-Replayed: true) and applies nothing again. Keys are per tenant and kept 24 hours.'
          schema: { type: string, pattern: '^[!-~]{1,255}$' }
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/PushRequest' }
            example:
              changes:
{{pushExample}}
      responses:
        '200':
          description: Every record as stored, and the conflicts met.
          headers:
            Idempotent-Replayed:
              schema: { type: string, const: 'true' }
              description: Present when this is the stored response of an earlier push with the same Idempotency-Key.
          content:
            application/json:
              schema: { $ref: '#/components/schemas/PushResponse' }
        '400': { $ref: '#/components/responses/BadRequest' }
        '409': { $ref: '#/components/responses/Conflict' }
        '410': { $ref: '#/components/responses/ResetRequired' }
        '422': { $ref: '#/components/responses/Unprocessable' }
        '401': { $ref: '#/components/responses/Unauthorized' }
        '403': { $ref: '#/components/responses/Forbidden' }
        '404': { $ref: '#/components/responses/NotFound' }
        '405': { $ref: '#/components/responses/MethodNotAllowed' }
        '413': { $ref: '#/components/responses/TooLarge' }
        '415': { $ref: '#/components/responses/UnsupportedMediaType' }
        '429': { $ref: '#/components/responses/RateLimited' }
        '502': { $ref: '#/components/responses/WorkersUnavailable' }
        '503': { $ref: '#/components/responses/Unavailable' }
  /api/client/sync/pull:
    post:
      operationId: pull
      summary: Pull the records changed since the last sync
      description: |
        Returns, for each requested entity type, the caller's records changed after
        `lastSyncTimestamp` (all of them when it is absent), oldest change first, tombstones
        included so that devices remove them: {{deletedRules}}.
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/PullRequest' }
            example: { lastSyncTimestamp: '2024-01-01T00:00:00.000Z', entityTypes: {{allTypesFlow}} }
      responses:
        '200':
          description: The changed records by entity type, and the position to send next time.
          content:
            application/json:
              schema: { $ref: '#/components/schemas/RecordsResponse' }
        '400': { $ref: '#/components/responses/BadRequest' }
        '410': { $ref: '#/components/responses/ResetRequired' }
        '401': { $ref: '#/components/responses/Unauthorized' }
        '403': { $ref: '#/components/responses/Forbidden' }
        '404': { $ref: '#/components/responses/NotFound' }
        '405': { $ref: '#/components/responses/MethodNotAllowed' }
        '413': { $ref: '#/components/responses/TooLarge' }
        '415': { $ref: '#/components/responses/UnsupportedMediaType' }
        '429': { $ref: '#/components/responses/RateLimited' }
        '502': { $ref: '#/components/responses/WorkersUnavailable' }
        '503': { $ref: '#/components/responses/Unavailable' }
  /api/client/sync/pull-pending:
    post:
      operationId: pullPending
      summary: Pull the records the server marked pending
      description: |
        The records that match their type's pending rule: {{pendingRules}}.
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/PendingRequest' }
            example: { entityTypes: [{{firstType}}] }
      responses:
        '200':
          description: The pending records by entity type.
          content:
            application/json:
              schema: { $ref: '#/components/schemas/RecordsResponse' }
        '400': { $ref: '#/components/responses/BadRequest' }
        '401': { $ref: '#/components/responses/Unauthorized' }
        '403': { $ref: '#/components/responses/Forbidden' }
        '404': { $ref: '#/components/responses/NotFound' }
        '405': { $ref: '#/components/responses/MethodNotAllowed' }
        '413': { $ref: '#/components/responses/TooLarge' }
        '415': { $ref: '#/components/responses/UnsupportedMediaType' }
        '429': { $ref: '#/components/responses/RateLimited' }
        '502': { $ref: '#/components/responses/WorkersUnavailable' }
        '503': { $ref: '#/components/responses/Unavailable' }
  /api/client/sync/conflicts:
    post:
      operationId: listConflicts
      summary: List the tenant's open conflicts
      description: Conflicts of the `manual` strategy wait here, oldest first, until resolved.
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/ConflictsRequest' }
            example: {}
      responses:
        '200':
          description: The open conflicts with both payloads.
          content:
            application/json:
              schema: { $ref: '#/components/schemas/ConflictsResponse' }
        '400': { $ref: '#/components/responses/BadRequest' }
        '401': { $ref: '#/components/responses/Unauthorized' }
        '403': { $ref: '#/components/responses/Forbidden' }
        '404': { $ref: '#/components/responses/NotFound' }
        '405': { $ref: '#/components/responses/MethodNotAllowed' }
        '413': { $ref: '#/components/responses/TooLarge' }
        '415': { $ref: '#/components/responses/UnsupportedMediaType' }
        '429': { $ref: '#/components/responses/RateLimited' }
        '502': { $ref: '#/components/responses/WorkersUnavailable' }
        '503': { $ref: '#/components/responses/Unavailable' }
  /api/client/sync/conflicts/resolve:
    post:
      operationId: resolveConflict
      summary: Resolve an open conflict
      description: |
        `server` keeps the server copy, `client` stores the client copy, `merged` stores the server copy
        overlaid with `record`. The record gets a new version either way, so every device receives the outcome.
      requestBody:
        required: true
        content:
          application/json:
            schema: { $ref: '#/components/schemas/ResolveRequest' }
            example: { conflictId: 12, resolution: merged, record: { name: Agreed name } }
      responses:
        '200':
          description: The record as stored.
          content:
            application/json:
              schema: { $ref: '#/components/schemas/ResolveResponse' }
        '409': { $ref: '#/components/responses/Conflict' }
        '400': { $ref: '#/components/responses/BadRequest' }
        '401': { $ref: '#/components/responses/Unauthorized' }
        '403': { $ref: '#/components/responses/Forbidden' }
        '404': { $ref: '#/components/responses/NotFound' }
        '405': { $ref: '#/components/responses/MethodNotAllowed' }
        '413': { $ref: '#/components/responses/TooLarge' }
        '415': { $ref: '#/components/responses/UnsupportedMediaType' }
        '429': { $ref: '#/components/responses/RateLimited' }
        '502': { $ref: '#/components/responses/WorkersUnavailable' }
        '503': { $ref: '#/components/responses/Unavailable' }
components:
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
      bearerFormat: JWT
      description: 'HS256 JWT with claims `tenant_id` (required), `exp` (required), `nbf` and `iat` (honoured), `sub`, and `scope`: space-separated `sync:read:TYPE` and `sync:write:TYPE` (TYPE or `*`); without `scope`, the tenant''s default applies (every type unless the tenant sets one). A `kid` header selects one of the service''s secrets.'
  schemas:
    Timestamp:
      type: string
      format: date-time
      description: RFC 3339 date-time with a time zone. Responses use UTC with microseconds.
      examples: ['2024-01-01T12:00:00.000000Z']
    NullableTimestamp:
      type: [string, 'null']
      format: date-time
      description: A Timestamp, or null.
    EntityType:
      type: string
      enum: {{allTypesFlow}}
    SyncFields:
      type: object
      properties:
        id: { type: string, format: uuid }
        sync_status: { type: string, enum: [pending, synced, failed, conflict] }
        server_synced: { type: integer, enum: [0, 1] }
        last_updated: { $ref: '#/components/schemas/Timestamp', description: 'When the server last stored the record (its change stamp).' }
        version: { type: integer, minimum: 1 }
        updatedAt: { $ref: '#/components/schemas/Timestamp', description: 'Edit time: the one the writer sent, or the commit time of a server-side write.' }
        clientId: { type: [string, number], description: 'In a push response only: the id the client sent for this record when it was not a UUID; the record was created under `id`.' }
      required: [id, sync_status, server_synced, last_updated, version, updatedAt]
{{recordSchemas}}
{{changeSchemas}}
    ChangeID:
      type: [string, number, 'null']
      description: 'A UUID (any case) names the record to create or update. Null or absent: a new record. Any other string or number is the client''s own id: a new record is created under a new UUID, and the response gives the sent value back as `clientId` next to it.'
    TicketResponse:
      type: object
      additionalProperties: false
      required: [success, data]
      properties:
        success: { const: true }
        data:
          type: object
          additionalProperties: false
          required: [ticket, expiresIn]
          properties:
            ticket: { type: string, pattern: '^[0-9a-f]{64}$' }
            expiresIn: { type: integer, description: Seconds within which the ticket must be used. }
    Poke:
      type: object
      additionalProperties: false
      required: [syncTimestamp]
      description: One live poke (the data of an event of /api/client/sync/events).
      properties:
        syncTimestamp: { $ref: '#/components/schemas/Timestamp', description: The newest change stamp of the change that caused it. }
    PushIssue:
      type: object
      additionalProperties: false
      required: [entityType, index, message]
      properties:
        entityType: { $ref: '#/components/schemas/EntityType' }
        index: { type: integer, description: The record's position in the request's list for its type. }
        field: { type: string }
        message: { type: string }
    PushRequest:
      type: object
      additionalProperties: false
      required: [changes]
      properties:
        changes:
          type: object
          additionalProperties: false
          description: At most 1,000 records in all (configurable).
          properties:
{{changeProperties}}
        lastSyncTimestamp:
          $ref: '#/components/schemas/NullableTimestamp'
          description: The client's current position, echoed as the response's syncTimestamp.
    PullRequest:
      type: object
      additionalProperties: false
      properties:
        lastSyncTimestamp:
          $ref: '#/components/schemas/NullableTimestamp'
          description: The syncTimestamp of the client's last pull; absent or null pulls everything.
        entityTypes:
          type: [array, 'null']
          items: { $ref: '#/components/schemas/EntityType' }
          minItems: 1
          description: Absent means every entity type.
        limit:
          type: [integer, 'null']
          minimum: 1
          maximum: 5000
          description: 'Most records in this page, across all types (default 1,000; at most 5,000, configurable). When hasMore is true, send the syncTimestamp back for the next page.'
    PendingRequest:
      type: object
      additionalProperties: false
      properties:
        entityTypes:
          type: [array, 'null']
          items: { $ref: '#/components/schemas/EntityType' }
          minItems: 1
          description: Absent means every entity type.
        lastSyncTimestamp:
          $ref: '#/components/schemas/NullableTimestamp'
          description: Echoed as the response's syncTimestamp.
        limit: { type: [integer, 'null'], minimum: 1, maximum: 5000, description: Most records in this page. }
        cursor:
          type: [string, 'null']
          pattern: '^({{typeAlternation}})~[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z$'
          description: The nextCursor of the previous page, for a request naming the same entity types.
    Conflict:
      type: object
      additionalProperties: false
      required: [entityType, id, strategy, clientVersion, serverVersion, winner, conflictId]
      properties:
        conflictId: { type: integer, description: 'The conflict on record in sync_conflicts; resolve an open one with /conflicts/resolve.' }
        entityType: { $ref: '#/components/schemas/EntityType' }
        id: { type: string, format: uuid }
        strategy: { $ref: '#/components/schemas/Strategy' }
        clientVersion: { type: integer }
        serverVersion: { type: integer }
        winner: { type: string, enum: [server, client, merged, open], description: 'open: a manual conflict awaiting a decision.' }
    Strategy:
      type: string
      enum: [server-wins, client-wins, last-write-wins, merge, manual]
    OpenConflict:
      type: object
      additionalProperties: false
      required: [conflictId, entityType, id, strategy, clientVersion, serverVersion, clientPayload, serverPayload, pushedBy, createdAt]
      properties:
        conflictId: { type: integer }
        entityType: { $ref: '#/components/schemas/EntityType' }
        id: { type: string, format: uuid }
        strategy: { $ref: '#/components/schemas/Strategy' }
        clientVersion: { type: integer }
        serverVersion: { type: integer }
        clientPayload: { type: object, description: The fields the client pushed. }
        serverPayload: { $ref: '#/components/schemas/Record' }
        pushedBy: { type: [string, 'null'], description: The sub of the token that pushed. }
        createdAt: { $ref: '#/components/schemas/Timestamp' }
    ConflictsRequest:
      type: object
      additionalProperties: false
      properties:
        limit: { type: [integer, 'null'], minimum: 1, maximum: 5000 }
    ConflictsResponse:
      type: object
      additionalProperties: false
      required: [success, data]
      properties:
        success: { const: true }
        data: { type: array, items: { $ref: '#/components/schemas/OpenConflict' } }
    ResolveRequest:
      type: object
      additionalProperties: false
      required: [conflictId, resolution]
      properties:
        conflictId: { type: integer, format: int64, minimum: 1, maximum: 9223372036854775807 }
        resolution: { type: string, enum: [server, client, merged] }
        record: { type: object, description: 'For merged, and only then: the fields to store over the server copy, as in a push.' }
      if: { properties: { resolution: { const: merged } } }
      then: { required: [record] }
      else: { not: { required: [record] } }
    ResolveResponse:
      type: object
      additionalProperties: false
      required: [success, data]
      properties:
        success: { const: true }
        data: { $ref: '#/components/schemas/Record' }
    PushResponse:
      type: object
      additionalProperties: false
      required: [success, data, conflicts, syncTimestamp]
      properties:
        success: { const: true }
        data:
          type: array
          description: Every stored record, entity types in registry order, items in request order.
          items: { $ref: '#/components/schemas/Record' }
        conflicts:
          type: array
          items: { $ref: '#/components/schemas/Conflict' }
        clockClamped:
          type: array
          description: |
            Present when some record's `updatedAt` was ahead of the server's clock by more than
            SYNC_CLOCK_SKEW_SECONDS: it was stored as the time the push arrived. The device's clock is wrong.
          items:
            type: object
            additionalProperties: false
            required: [entityType, id, sentUpdatedAt, storedUpdatedAt]
            properties:
              entityType: { $ref: '#/components/schemas/EntityType' }
              id: { type: string }
              sentUpdatedAt: { $ref: '#/components/schemas/Timestamp' }
              storedUpdatedAt: { $ref: '#/components/schemas/Timestamp' }
        rejected:
          type: array
          description: 'Present when records were refused alone while the rest of the push applied, each with its reason (today one kind: a reference to a record the server does not have). They are not in `data`; the client should drop them from its queue or fix and push them again.'
          items: { $ref: '#/components/schemas/PushIssue' }
        warnings:
          type: array
          maxItems: 100
          description: 'Present when the push ignored something the client may want to know of (fields no entity type has); the first 100.'
          items: { $ref: '#/components/schemas/PushIssue' }
        warningCount:
          type: integer
          description: Present when warnings lists only the first 100 of this many.
        syncTimestamp:
          $ref: '#/components/schemas/Timestamp'
          description: 'The request''s lastSyncTimestamp; without one, the position this device''s pulls were last answered (the device being the token''s subject), else the epoch.'
    RecordsResponse:
      type: object
      additionalProperties: false
      required: [success, data, hasMore, syncTimestamp]
      properties:
        success: { const: true }
        data:
          type: object
          additionalProperties: false
          properties:
{{recordProperties}}
        hasMore: { type: boolean, description: 'More records wait: ask again with this syncTimestamp (pull) or nextCursor (pull-pending).' }
        nextCursor: { type: string, description: 'pull-pending only, when hasMore: send it back as cursor.' }
        syncTimestamp: { $ref: '#/components/schemas/Timestamp' }
    Error:
      type: object
      additionalProperties: false
      required: [success, error]
      properties:
        success: { const: false }
        error:
          type: object
          additionalProperties: false
          required: [code, message, details]
          properties:
            code: { type: string, examples: [validation_failed] }
            message: { type: string }
            issueCount:
              type: integer
              description: Present when details lists only the first 100 of this many problems.
            details:
              type: array
              maxItems: 100
              description: For validation_failed, one entry per problem (the first 100), located by entity type, index and field.
              items:
                type: object
                properties:
                  entityType: { type: string }
                  index: { type: integer }
                  field: { type: string }
                  message: { type: string }
                  offset: { type: integer }
                  count: { type: integer }
                  maximum: { type: integer }
  responses:
    RateLimited:
      description: 'The tenant is over its request rate (rate_limited, from the service), or the client address is over its rate (rate_limited, from nginx). Retry after Retry-After seconds.'
      headers:
        Retry-After:
          schema: { type: integer }
      content:
        application/json:
          schema: { $ref: '#/components/schemas/Error' }
    WorkersUnavailable:
      description: nginx could not reach the sync workers (workers_unavailable); retry shortly.
      headers:
        Retry-After:
          schema: { type: integer }
      content:
        application/json:
          schema: { $ref: '#/components/schemas/Error' }
    Conflict:
      description: 'The push lost a race with concurrent writes to the same records three times in a row (concurrent_write: retry), the conflict was resolved already (conflict_resolved), or the record changed after the conflict was recorded, so that its client copy would undo a newer edit (record_changed: `details` holds the current record; the conflict stays open, and resolving it with "server" keeps the current copy). Nothing was written.'
      content:
        application/json:
          schema: { $ref: '#/components/schemas/Error' }
    ResetRequired:
      description: |
        reset_required: the server cannot continue from this `lastSyncTimestamp`. It was handed out by
        a database that has since been restored from a backup (or it is later than anything the server
        holds). Records the device received after the backup, and changes it pushed after it, may be
        gone. Reset: keep the local changes, drop the stored position, pull from the start (no
        `lastSyncTimestamp`, following `hasMore`), then push the local changes again. Nothing was applied.
      content:
        application/json:
          schema: { $ref: '#/components/schemas/Error' }
    Unprocessable:
      description: The Idempotency-Key was used before with a different body (idempotency_key_reused).
      content:
        application/json:
          schema: { $ref: '#/components/schemas/Error' }
    BadRequest:
      description: 'Malformed JSON (malformed_json), JSON larger in shape than any request needs: over 64 levels deep, 1,048,576 values or 131,072 arrays and objects (body_too_complex), invalid records (validation_failed), or too many records (too_many_records). Nothing was written.'
      content:
        application/json:
          schema: { $ref: '#/components/schemas/Error' }
    Unauthorized:
      description: Missing, malformed, expired or wrongly signed token.
      headers:
        WWW-Authenticate:
          schema: { type: string }
          description: 'Bearer realm="sync", with error="invalid_token" when a token was sent.'
      content:
        application/json:
          schema: { $ref: '#/components/schemas/Error' }
    Forbidden:
      description: 'The token''s tenant does not exist or is suspended (forbidden), or the token''s scope does not grant reading or writing a type the request touches (insufficient_scope: details name each type, WWW-Authenticate names the scope needed).'
      headers:
        WWW-Authenticate:
          description: 'For insufficient_scope: Bearer realm="sync", error="insufficient_scope", scope="sync:write:TYPE ...".'
          schema: { type: string }
      content:
        application/json:
          schema: { $ref: '#/components/schemas/Error' }
    NotFound:
      description: No endpoint at this path.
      content:
        application/json:
          schema: { $ref: '#/components/schemas/Error' }
    MethodNotAllowed:
      description: The endpoints take POST only.
      headers:
        Allow:
          schema: { type: string, const: POST }
      content:
        application/json:
          schema: { $ref: '#/components/schemas/Error' }
    TooLarge:
      description: The body is larger than the configured maximum (10 MiB by default).
      content:
        application/json:
          schema: { $ref: '#/components/schemas/Error' }
    UnsupportedMediaType:
      description: The body is not sent as application/json.
      content:
        application/json:
          schema: { $ref: '#/components/schemas/Error' }
    Unavailable:
      description: The database is unavailable; retry after the Retry-After seconds.
      headers:
        Retry-After:
          schema: { type: integer }
      content:
        application/json:
          schema: { $ref: '#/components/schemas/Error' }
"""#
}
