/** The service's answer when it is not a success: `{"success": false, "error": {code, message, details}}`. */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(`${status} ${code}: ${message}`);
    this.name = "ServiceError";
  }
}

export interface RetryPolicy {
  /** Tries of one request in all: after a network error, 429, 502 or 503. */
  attempts: number;
  /** The longest wait honoured from Retry-After, and the cap of the backoff after network errors. */
  maximumWaitMs: number;
}

export interface Transport {
  baseUrl: string;
  /** Answers the bearer token; called again with `refresh: true` once when the service answers 401. */
  getToken: (refresh: boolean) => Promise<string> | string;
  retry: RetryPolicy;
  fetch: typeof fetch;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One request to the service: the bearer token, one token refresh on 401, waiting out 429, 502 and
 * 503 (Retry-After) and network errors, the same body each time (so a push keeps its key and bytes),
 * and any other failure thrown as a ServiceError.
 */
export async function request<Answer>(
  transport: Transport,
  path: string,
  body: unknown,
  headers: { [name: string]: string } = {},
): Promise<Answer> {
  const text = JSON.stringify(body);
  let token = await transport.getToken(false);
  let refreshed = false;
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await transport.fetch(transport.baseUrl + path, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers },
        body: text,
      });
    } catch (error) {
      if (attempt >= transport.retry.attempts) throw error;
      await sleep(Math.min(200 * 2 ** Math.min(attempt, 6), transport.retry.maximumWaitMs));
      continue;
    }
    if (response.ok) return (await response.json()) as Answer;
    const answer = await response.text();
    if (response.status === 401 && !refreshed) {
      refreshed = true;
      attempt--;
      token = await transport.getToken(true);
      continue;
    }
    if ([429, 502, 503].includes(response.status) && attempt < transport.retry.attempts) {
      const seconds = Number(response.headers.get("retry-after") ?? "1");
      await sleep(Math.min(Math.max(Number.isFinite(seconds) ? seconds : 1, 0) * 1000, transport.retry.maximumWaitMs));
      continue;
    }
    throw serviceError(response.status, answer);
  }
}

function serviceError(status: number, text: string): ServiceError {
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string; details?: unknown[] } };
    return new ServiceError(status, error.code, error.message, error.details ?? []);
  } catch {
    return new ServiceError(status, "unexpected_response", `HTTP ${status} without the service's error body`);
  }
}
