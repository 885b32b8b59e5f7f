"""Live pokes (issue 14, first part): a device subscribed to GET /api/client/sync/events hears of another
device's push as it commits, without polling. nginx's nchan module holds the subscription; the service
authorises it (auth_request) and names the channel after the verified tenant; a push publishes one poke
to that channel. A poke carries a position and nothing else."""
import json
import queue
import socket
import threading
import time
import urllib.parse

import requests

from conftest import cli, env, make_token, new_tenant, sql


class Subscriber:
    """An EventSource client on a plain socket (so that closing it never waits for the stream): one GET,
    each `data:` line queued with the time it arrived. Chunk-size lines of the transfer encoding are
    neither `data:` lines nor JSON, so they are skipped."""

    def __init__(self, token, path="/api/client/sync/events"):
        self.events = queue.Queue()
        self.ended = threading.Event()
        url = urllib.parse.urlsplit(env("SYNC_HTTP_BASE_URL"))
        self.socket = socket.create_connection((url.hostname, url.port), timeout=5)
        self.socket.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                            f"Authorization: Bearer {token}\r\n\r\n".encode())
        self.file = self.socket.makefile("rb")
        status = self.file.readline().decode()
        self.status = int(status.split()[1])
        self.headers = {}
        for line in iter(self.file.readline, b"\r\n"):
            name, _, value = line.decode().partition(":")
            self.headers[name.strip().lower()] = value.strip()
        if self.status == 200:
            self.socket.settimeout(None)
            threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        try:
            for line in self.file:
                text = line.decode().strip()
                if text.startswith("data:"):
                    self.events.put((time.monotonic(), json.loads(text[5:])))
        except (OSError, ValueError):
            pass
        self.ended.set()

    def next(self, seconds):
        try:
            return self.events.get(timeout=seconds)
        except queue.Empty:
            return None

    def close(self):
        self.socket.shutdown(socket.SHUT_RDWR)
        self.socket.close()


def push(token, records):
    response = requests.post(env("SYNC_HTTP_BASE_URL") + "/api/client/sync/push", json={"changes": {"end_user": records}},
                             headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_push_pokes_the_tenants_subscribers_and_no_one_else():
    tenant, other = new_tenant(), new_tenant()
    listener = Subscriber(make_token(tenant, sub="listener"))
    stranger = Subscriber(make_token(other, sub="stranger"))
    try:
        assert listener.status == 200 and listener.headers["content-type"].startswith("text/event-stream")
        time.sleep(0.3)   # the subscription is in place before the push
        pushed = push(make_token(tenant, sub="writer"), [{"name": "news"}])
        answered = time.monotonic()
        heard = listener.next(5)
        assert heard is not None, "no poke within 5 s"
        arrived, poke = heard
        print(f"live poke: heard {1000 * (arrived - answered):.1f} ms after the push was answered")
        assert poke == {"syncTimestamp": pushed["data"][0]["last_updated"]}, "the position of the change, nothing else"
        assert stranger.next(1) is None, "another tenant's subscriber heard nothing"
        # A push that changes nothing pokes no one.
        push(make_token(tenant, sub="writer"), [])
        assert listener.next(1) is None
    finally:
        listener.close()
        stranger.close()


def test_a_subscription_needs_a_valid_token_of_an_active_tenant():
    response = requests.get(env("SYNC_HTTP_BASE_URL") + "/api/client/sync/events", timeout=10,
                            headers={"Accept": "text/event-stream"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    response = requests.get(env("SYNC_HTTP_BASE_URL") + "/api/client/sync/events", timeout=10,
                            headers={"Authorization": "Bearer x.y.z", "Accept": "text/event-stream"})
    assert response.status_code == 401
    # The authorisation endpoint itself is nginx's alone.
    response = requests.get(env("SYNC_HTTP_BASE_URL") + "/api/client/sync/events/authorize", timeout=10,
                            headers={"Authorization": f"Bearer {make_token(new_tenant())}"})
    assert response.status_code == 404


def test_the_publisher_is_not_reachable_through_the_site():
    response = requests.post(env("SYNC_HTTP_BASE_URL") + "/tenant-anyone", data="{}", timeout=10)
    assert response.status_code == 404


def test_writes_that_do_not_come_through_the_api_poke_too():
    """Server-side code writing the tables straight: a NOTIFY at commit (sql/015), one listener in the
    master, one poke per tenant for a burst."""
    tenant = new_tenant()
    listener = Subscriber(make_token(tenant, sub="listener"))
    try:
        time.sleep(0.3)
        sql("BEGIN; INSERT INTO end_user (tenant_id, name) SELECT :'p1', 'direct ' || g FROM generate_series(1, 3) g; "
            "UPDATE end_user SET name = 'direct again' WHERE tenant_id = :'p1' AND name = 'direct 1'; COMMIT;", tenant)
        newest = sql("SELECT sync_iso(max(last_updated)) FROM end_user WHERE tenant_id = :'p1'", tenant)
        heard = listener.next(5)
        assert heard is not None, "no poke within 5 s"
        assert heard[1] == {"syncTimestamp": newest}
        assert listener.next(0.5) is None, "one poke for the burst"
    finally:
        listener.close()


def test_a_device_that_connects_late_is_told_the_newest_position_at_once():
    tenant = new_tenant()
    push(make_token(tenant, sub="writer"), [{"name": "first"}])
    newest = push(make_token(tenant, sub="writer"), [{"name": "second"}])["data"][0]["last_updated"]
    late = Subscriber(make_token(tenant, sub="late"))
    try:
        heard = late.next(5)
        assert heard is not None and heard[1] == {"syncTimestamp": newest}, heard
        assert late.next(0.5) is None, "only the newest poke"
    finally:
        late.close()


def test_suspending_a_tenant_ends_its_subscriptions():
    tenant = new_tenant()
    listener = Subscriber(make_token(tenant, sub="listener"))
    try:
        assert listener.status == 200
        cli("tenant", "suspend", tenant)
        assert listener.ended.wait(10), "the subscription is still open"
        again = Subscriber(make_token(tenant, sub="listener"))
        assert again.status == 403
        again.close()
    finally:
        listener.close()
        cli("tenant", "activate", tenant)
