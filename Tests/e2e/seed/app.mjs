// An offline-first app written against the seed's SyncClient, the way its usage example goes: each sync
// cycle pushes the local changes (new records, and edits the seed's way: `version: 1`, no `updatedAt`),
// then pulls, and keeps what it receives by id. Another device writes between cycles.
//   node app.mjs BASE_URL APP_TOKEN OTHER_TOKEN CYCLES  ->  one JSON line: what the app holds and did
import { SyncClient } from './sync_client.mjs';

const [baseUrl, appToken, otherToken, cycleCount] = process.argv.slice(2);
const app = new SyncClient(baseUrl, appToken);
const other = new SyncClient(baseUrl, otherToken);
const local = new Map();        // id -> record, as the app stores what it pulled
const edits = new Map();        // id -> the name the app last gave it
const created = [];
let otherWrites = 0;

for (let cycle = 0; cycle < Number(cycleCount); cycle++) {
  const changes = { end_user: [{ name: `app new ${cycle}`, email: null, sync_status: 'pending' }] };
  // Edit two records the app holds, as the seed's client does: version 1, no edit time.
  for (const id of [...local.keys()].filter((_, i) => i % 97 === cycle % 97).slice(0, 2)) {
    const name = `app edit ${cycle}`;
    changes.end_user.push({ id, name, version: 1 });
    edits.set(id, name);
  }
  const pushed = await app.pushChanges(changes);
  if (!pushed.success) throw new Error(`push: ${JSON.stringify(pushed).slice(0, 300)}`);
  created.push(pushed.data[0].id);
  for (const record of pushed.data) local.set(record.id, record);

  if (cycle < Number(cycleCount) - 6) {   // the other device stops before the last cycles, so the app can catch up
    const theirs = Array.from({ length: 150 }, (_, i) => ({ name: `other ${cycle}-${i}` }));
    const result = await other.pushChanges({ end_user: theirs });
    if (!result.success) throw new Error(`other push: ${JSON.stringify(result).slice(0, 300)}`);
    otherWrites += theirs.length;
  }

  const pulled = await app.pullData(['end_user', 'interactions']);
  if (!pulled.success) throw new Error(`pull: ${JSON.stringify(pulled).slice(0, 300)}`);
  for (const record of pulled.data.end_user) local.set(record.id, record);
}

console.log(JSON.stringify({
  held: Object.fromEntries([...local].map(([id, record]) => [id, record.name])),
  edits: Object.fromEntries(edits),
  created,
  otherWrites,
}));
