// The seed's SyncClient in live mode (README, "Live pokes"): hold GET /api/client/sync/events open, pull
// on each poke, and when the stream ends or fails, reconnect after a growing, jittered pause, pulling on
// every (re)connect. For Node 18+ (fetch with a streamed body); a browser opens an EventSource with a
// ticket instead (README).
//   node live.mjs BASE_URL TOKEN SECONDS  ->  one JSON line per record received
import { SyncClient } from './sync_client.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Pulls every page, and again shortly while the answer is older than the poke that asked for it (a
// transaction still in flight can hold pulls back a moment; they never skip it).
async function pullAll(client, entityTypes, onRecords, poked = '') {
  for (let attempt = 0; attempt < 20; attempt++) {
    let result;
    do {
      result = await client.pullData(entityTypes);
      if (!result.success) throw new Error(`pull: ${result.error?.code}`);
      onRecords(result.data);
    } while (result.hasMore);
    if (client.lastSyncTimestamp >= poked) return;
    await sleep(100);
  }
}

export async function syncLive(client, entityTypes, onRecords, { signal, refreshToken } = {}) {
  let pause = 1000;
  while (!signal?.aborted) {
    try {
      const response = await fetch(`${client.baseUrl}/api/client/sync/events`, {
        headers: { 'Authorization': `Bearer ${client.token}`, 'Accept': 'text/event-stream' },
        signal,
      });
      if (response.status === 401 && refreshToken) client.token = await refreshToken();
      if (!response.ok) throw new Error(`events: ${response.status}`);
      await pullAll(client, entityTypes, onRecords);   // what changed while it was away
      pause = 1000;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;               // nginx ended the subscription (every 5 minutes at most): reconnect
        buffered += value;
        let end;
        while ((end = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, end).trim();
          buffered = buffered.slice(end + 1);
          if (!line.startsWith('data:')) continue;
          const { syncTimestamp } = JSON.parse(line.slice(5));
          if (syncTimestamp > client.lastSyncTimestamp) await pullAll(client, entityTypes, onRecords, syncTimestamp);
        }
      }
      continue;
    } catch (error) {
      if (signal?.aborted) return;
    }
    await sleep(pause * (0.5 + Math.random()));
    pause = Math.min(pause * 2, 30000);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [baseUrl, token, seconds] = process.argv.slice(2);
  const client = new SyncClient(baseUrl, token);
  const signal = AbortSignal.timeout(Number(seconds) * 1000);
  await syncLive(client, ['end_user'], (data) => {
    for (const record of data.end_user) console.log(JSON.stringify({ id: record.id, name: record.name }));
  }, { signal });
}
