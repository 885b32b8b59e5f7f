// The seed document's "Basic Sync Client" (seeds/000, section Client-Side Implementation), as it is there
// with only its TypeScript type annotations taken out, so that Node runs it. Do not improve it: the point
// of Tests/e2e/test_seed_client.py is that the service serves this client as it was written.
export class SyncClient {
  baseUrl;
  token;
  lastSyncTimestamp;

  constructor(baseUrl, token) {
    this.baseUrl = baseUrl;
    this.token = token;
    this.lastSyncTimestamp = new Date(0).toISOString();
  }

  async pushChanges(changes) {
    const response = await fetch(`${this.baseUrl}/api/client/sync/push`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Authorization': `Bearer ${this.token}`
      },
      body: JSON.stringify({ changes })
    });

    const result = await response.json();

    if (result.success) {
      this.lastSyncTimestamp = result.syncTimestamp;
    }

    return result;
  }

  async pullData(entityTypes) {
    const response = await fetch(`${this.baseUrl}/api/client/sync/pull`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Authorization': `Bearer ${this.token}`
      },
      body: JSON.stringify({
        lastSyncTimestamp: this.lastSyncTimestamp,
        entityTypes
      })
    });

    const result = await response.json();

    if (result.success) {
      this.lastSyncTimestamp = result.syncTimestamp;
    }

    return result;
  }

  async pullPendingData(entityTypes) {
    const response = await fetch(`${this.baseUrl}/api/client/sync/pull-pending`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Authorization': `Bearer ${this.token}`
      },
      body: JSON.stringify({ entityTypes })
    });

    return await response.json();
  }
}
