import type { Poke } from "./openapi.js";
import type { Transport } from "./http.js";

export interface LiveOptions {
  /** Hears each connection problem; the subscription retries by itself. */
  onError?: (error: unknown) => void;
  /** Hears each poke, after the round it caused. */
  onPoke?: (poke: Poke) => void;
  /** The longest wait between reconnections (milliseconds). */
  maximumBackoffMs?: number;
}

export interface Subscription {
  /** Ends the subscription (and any wait for the next connection). */
  close(): void;
  /** Settles when the subscription is closed. */
  closed: Promise<void>;
}

/**
 * Server-sent events over fetch (so that the token goes in the Authorization header, in browsers and
 * in Node alike): a round at each connection, for what was missed while away, and one at each poke.
 * Pokes that arrive during a round are folded into one more round after it. The service ends a
 * subscription before its token expires; the next connection asks for a new token.
 */
export function subscribe(transport: Transport, sync: () => Promise<unknown>, options: LiveOptions = {}): Subscription {
  const abort = new AbortController();
  let again = false;
  let syncing: Promise<void> | null = null;
  const report = (error: unknown) => options.onError?.(error);
  const kick = (poke?: Poke) => {
    if (syncing) {
      again = true;
      return;
    }
    syncing = (async () => {
      do {
        again = false;
        try {
          await sync();
          if (poke) options.onPoke?.(poke);
        } catch (error) {
          report(error);
        }
      } while (again && !abort.signal.aborted);
      syncing = null;
    })();
  };

  const closed = (async () => {
    let backoff = 500;
    let refresh = false;
    while (!abort.signal.aborted) {
      try {
        const token: string = await transport.getToken(refresh);
        const response: Response = await transport.fetch(`${transport.baseUrl}/api/client/sync/events`, {
          headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
          signal: abort.signal,
        });
        refresh = response.status === 401;
        if (!response.ok || !response.body) throw new Error(`events: HTTP ${response.status}`);
        backoff = 500;
        kick();
        await readEvents(response.body, (data) => kick(JSON.parse(data) as Poke));
      } catch (error) {
        if (abort.signal.aborted) break;
        report(error);
      }
      if (abort.signal.aborted) break;
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, options.maximumBackoffMs ?? 30_000);
    }
  })();

  return { close: () => abort.abort(), closed };
}

/** Calls `onData` with the data of each event of a text/event-stream body, until the body ends. */
async function readEvents(body: ReadableStream<Uint8Array>, onData: (data: string) => void) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, end).replace(/\r$/, "");
      buffer = buffer.slice(end + 1);
      if (line === "") {
        if (data.length) onData(data.join("\n"));
        data = [];
      } else if (line.startsWith("data:")) {
        data.push(line.slice(5).replace(/^ /, ""));
      }
    }
  }
}
