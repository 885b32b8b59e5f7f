"""The client libraries under test: a driver process per client (one JSON command per line on its
standard input, one JSON answer per line on its output; clients/js/test/driver.mjs and
Tests/SyncClientDriver), and a fault proxy in front of nginx that drops or replaces answers."""
import http.client
import http.server
import json
import os
import selectors
import subprocess
import threading

import pytest

from conftest import ROOT, env

DRIVERS = {
    "js": ["node", os.path.join(ROOT, "clients", "js", "test", "driver.mjs")],
    "swift": [os.path.join(ROOT, ".build", "debug", "SyncClientDriver")],
}


class Driver:
    """One run of a client: a process that keeps its state in `state` (a file), so that a later run
    carries on where this one stopped."""

    def __init__(self, kind, state, base_url, tokens, **options):
        if not os.path.exists(DRIVERS[kind][-1]):
            pytest.fail(f"{DRIVERS[kind][-1]} is missing: scripts/test builds it")
        self.process = subprocess.Popen(DRIVERS[kind], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, bufsize=1)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.process.stdout, selectors.EVENT_READ)
        assert self.call("open", baseUrl=base_url, state=state, tokens=list(tokens), **options) == {"ok": True}

    def call(self, op, timeout=60, **arguments):
        """The answer, or None when the process ended without one (stopped by its stopAfter)."""
        self.process.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        self.process.stdin.flush()
        if not self.selector.select(timeout):
            self.process.kill()
            pytest.fail(f"the client answered no {op} within {timeout} s: {self.process.stderr.read()[-2000:]}")
        line = self.process.stdout.readline()
        if not line:
            assert self.process.wait(timeout=10) == 137, self.process.stderr.read()[-2000:]
            return None
        return json.loads(line)

    def sync(self, **arguments):
        answer = self.call("sync", **arguments)
        assert answer is None or "error" not in answer, answer
        return answer

    def records(self, entity_type="end_user"):
        return self.call("records", type=entity_type)["records"]

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.stdout.close()
        self.process.stderr.close()


class FaultProxy:
    """An HTTP proxy on loopback in front of nginx's plain-HTTP port. `faults` holds what to do to the
    next requests of a path: ("drop",) forwards the request and closes the connection instead of
    answering; ("answer", status, retry_after) answers that status itself. `seen` lists every request:
    (path, Idempotency-Key, status answered or "dropped", Idempotent-Replayed)."""

    def __init__(self):
        upstream = env("SYNC_HTTP_BASE_URL").split("//", 1)[1]
        self.faults = {}
        self.seen = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fault = proxy.faults.get(self.path, []).pop(0) if proxy.faults.get(self.path) else None
                key = self.headers.get("Idempotency-Key")
                if fault and fault[0] == "answer":
                    _, status, retry_after = fault
                    payload = json.dumps({"success": False, "error": {"code": "injected", "message": "injected by the test proxy", "details": []}}).encode()
                    proxy.seen.append((self.path, key, status, None))
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Retry-After", str(retry_after))
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                headers = {name: value for name, value in self.headers.items()
                           if name.lower() not in ("host", "connection", "content-length")}
                connection = http.client.HTTPConnection(upstream, timeout=30)
                connection.request("POST", self.path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
                connection.close()
                if fault and fault[0] == "drop":
                    proxy.seen.append((self.path, key, "dropped", response.getheader("Idempotent-Replayed")))
                    self.close_connection = True
                    self.connection.close()
                    return
                proxy.seen.append((self.path, key, response.status, response.getheader("Idempotent-Replayed")))
                self.send_response(response.status)
                for name, value in response.getheaders():
                    if name.lower() not in ("connection", "transfer-encoding", "content-length", "server", "date"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
