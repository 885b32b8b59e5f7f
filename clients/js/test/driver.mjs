// The JavaScript client under the shared client scenarios (Tests/e2e/test_clients.py): one JSON command
// per line on standard input, one JSON answer per line on standard output. The Swift client has the same
// driver (Tests/SyncClientDriver), so that both run the same scenarios.
import { createInterface } from "node:readline";
import { createSyncClient, ServiceError } from "../dist/index.js";
import { fileStore } from "../dist/node-file-store.js";

let client = null;
let subscription = null;
let tokens = [];
let refreshes = 0;
const answer = (value) => process.stdout.write(JSON.stringify(value) + "\n");

const operations = {
  async open(command) {
    tokens = [...command.tokens];
    refreshes = 0;
    let remaining = command.stopCount ?? 1;
    client = await createSyncClient({
      baseUrl: command.baseUrl,
      store: fileStore(command.state),
      getToken: (refresh) => {
        if (refresh && tokens.length > 1) {
          tokens.shift();
          refreshes++;
        }
        return tokens[0];
      },
      batchSize: command.batchSize,
      pageSize: command.pageSize,
      retry: { attempts: command.attempts ?? 5, maximumWaitMs: 5000 },
      // Stops the process, as a kill would, right after the named step has been saved for the n-th time.
      onStep: ({ step }) => {
        if (step === command.stopAfter && --remaining === 0) process.exit(137);
      },
    });
    return { ok: true };
  },
  put: async ({ type, fields }) => ({ id: await client.put(type, fields ?? {}) }),
  delete: async ({ type, id }) => (await client.delete(type, id), { ok: true }),
  sync: async () => ({ ...(await client.sync()), tokenRefreshes: refreshes }),
  records: async ({ type }) => ({ records: client.records(type) }),
  state: async () => ({ pending: client.pendingChanges().length, refused: client.refusedChanges(), position: client.position() }),
  pending: async ({ types }) => ({ pending: await client.pending(types) }),
  discardRefused: async ({ ids }) => (await client.discardRefused(ids), { ok: true }),
  conflicts: async () => ({ conflicts: await client.openConflicts() }),
  live: async () => ((subscription ??= client.live({ onError: () => {} })), { ok: true }),
  async waitFor({ type, id, timeout }) {
    const deadline = Date.now() + (timeout ?? 10) * 1000;
    while (!client.record(type, id) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    return { found: client.record(type, id) !== null };
  },
  resolve: async ({ conflict, resolution, fields }) => ({ record: await client.resolve(conflict, resolution, fields) }),
};

// One command at a time, in order.
let chain = Promise.resolve();
for await (const line of createInterface({ input: process.stdin })) {
  chain = chain.then(async () => {
    const command = JSON.parse(line);
    try {
      const operation = operations[command.op];
      answer(operation ? await operation(command) : { error: { status: 0, code: "unknown_op", message: command.op } });
    } catch (error) {
      answer({
        error: error instanceof ServiceError
          ? { status: error.status, code: error.code, message: error.message }
          : { status: 0, code: "client_error", message: String(error) },
      });
    }
  });
  await chain;
}
subscription?.close();
