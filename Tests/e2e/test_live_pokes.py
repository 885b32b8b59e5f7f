"""Live pokes: a device subscribed to GET /api/client/sync/events hears of another device's push as it
commits, without polling. nginx's nchan module holds the subscription; the service authorises it
(auth_request, with a token or a browser's single-use ticket) and names the channels after the verified
tenant and the minute its token expires; the master's relay publishes one poke per tenant and burst. A
poke carries a position and nothing else."""
import hashlib
import json
import os
import queue
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.parse

import requests
import websocket

from conftest import cli, env, make_token, new_tenant, sql, worker_pids


class Subscriber:
    """An EventSource client on a plain socket (so that closing it never waits for the stream): one GET,
    each `data:` line queued with the time it arrived. Chunk-size lines of the transfer encoding are
    neither `data:` lines nor JSON, so they are skipped."""

    def __init__(self, token, path="/api/client/sync/events", base_url=None, headers=None):
        self.events = queue.Queue()
        self.ended = threading.Event()
        self.last_id = None
        url = urllib.parse.urlsplit(base_url or env("SYNC_HTTP_BASE_URL"))
        self.socket = socket.create_connection((url.hostname, url.port), timeout=5)
        extra = "".join(f"{name}: {value}\r\n" for name, value in {
            **({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}.items())
        self.socket.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                            f"{extra}\r\n".encode())
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
                if text.startswith("id:"):
                    self.last_id = text[3:].strip()
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
        try:
            self.socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.socket.close()


class SocketSubscriber:
    """The same, by WebSocket: nchan sends each poke as one text message."""

    def __init__(self, token):
        self.events = queue.Queue()
        self.ended = threading.Event()
        url = env("SYNC_HTTP_BASE_URL").replace("http://", "ws://", 1) + "/api/client/sync/events"
        self.socket = websocket.create_connection(url, header=[f"Authorization: Bearer {token}"], timeout=5)
        self.socket.settimeout(None)
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        try:
            while True:
                text = self.socket.recv()
                if text:
                    self.events.put((time.monotonic(), json.loads(text)))
        except (OSError, ValueError, websocket.WebSocketException):
            pass
        self.ended.set()

    next = Subscriber.next

    def close(self):
        self.socket.close()


def push(token, records, session=requests, base_url=None):
    response = session.post((base_url or env("SYNC_HTTP_BASE_URL")) + "/api/client/sync/push", json={"changes": {"end_user": records}},
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


def heard_at_least(subscriber, stamp, seconds):
    """The first poke whose position covers `stamp` (earlier ones are skipped), or None."""
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        heard = subscriber.next(remaining)
        if heard is None:
            return None
        if heard[1]["syncTimestamp"] >= stamp:
            return heard
    return None


def delivery_latencies(subscriber, tenant, pushes=200):
    """Pushes one record at a time; for each, how long from sending the push until the subscriber heard
    a poke covering it (push included: an upper bound of the poke's own delay)."""
    writer = make_token(tenant, sub="writer")
    session = requests.Session()
    latencies = []
    for index in range(pushes):
        sent = time.monotonic()
        stamp = push(writer, [{"name": f"edit {index}"}], session)["data"][0]["last_updated"]
        heard = heard_at_least(subscriber, stamp, 5)
        assert heard is not None, f"push {index}: no poke within 5 s"
        latencies.append(heard[0] - sent)
    latencies.sort()
    return latencies


def percentile(sorted_values, fraction):
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def test_a_push_reaches_an_open_stream_within_100_ms_by_eventsource_and_by_websocket():
    for kind in (Subscriber, SocketSubscriber):
        tenant = new_tenant()
        listener = kind(make_token(tenant, sub="listener"))
        try:
            time.sleep(0.3)
            latencies = delivery_latencies(listener, tenant)
            p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
            print(f"live poke by {kind.__name__}, push sent to poke heard over {len(latencies)} pushes: "
                  f"p50 {1000 * p50:.1f} ms, p99 {1000 * p99:.1f} ms, max {1000 * latencies[-1]:.1f} ms")
            assert p99 < 0.1, f"p99 {1000 * p99:.1f} ms"
        finally:
            listener.close()


def ticket(token):
    return requests.post(env("SYNC_HTTP_BASE_URL") + "/api/client/sync/events/ticket",
                         headers={"Authorization": f"Bearer {token}"} if token else {}, timeout=10)


def test_a_browser_subscribes_with_a_single_use_ticket_that_no_log_records():
    tenant = new_tenant()
    response = ticket(make_token(tenant, sub="browser"))
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert re.fullmatch(r"[0-9a-f]{64}", data["ticket"]) and data["expiresIn"] == 30
    path = f"/api/client/sync/events?ticket={data['ticket']}"
    browser = Subscriber(None, path)
    try:
        assert browser.status == 200
        time.sleep(0.3)
        stamp = push(make_token(tenant, sub="writer"), [{"name": "seen by the browser"}])["data"][0]["last_updated"]
        assert heard_at_least(browser, stamp, 5) is not None
        again = Subscriber(None, path)
        assert again.status == 401, "a ticket opens one subscription"
        again.close()
    finally:
        browser.close()
    time.sleep(0.5)   # the logs are written
    logs = os.path.join(env("SYNC_RUN_DIR"), "logs")
    for name in ("nginx-access.log", "nginx-error.log", "sync.log"):
        with open(os.path.join(logs, name), errors="replace") as log:
            assert data["ticket"] not in log.read(), f"the ticket is in {name}"


def test_unknown_expired_and_tokenless_tickets_are_refused():
    tenant = new_tenant()
    assert ticket(None).status_code == 401
    assert ticket(make_token(tenant, exp_in=-10)).status_code == 401
    for path in ("/api/client/sync/events?ticket=" + "0" * 64, "/api/client/sync/events?ticket="):
        refused = Subscriber(None, path)
        assert refused.status == 401, path
        refused.close()
    expired = "1" * 64
    sql("INSERT INTO sync_event_tickets VALUES (sha256(convert_to(:'p1', 'UTF8')), :'p2', :'p3', now() - interval '1 second')",
        expired, tenant, str(int(time.time()) + 3600))
    refused = Subscriber(None, "/api/client/sync/events?ticket=" + expired)
    assert refused.status == 401
    refused.close()
    # A ticket of a tenant suspended since it was made is refused once the suspension is seen (5 s).
    made = ticket(make_token(tenant, sub="browser")).json()["data"]["ticket"]
    cli("tenant", "suspend", tenant)
    try:
        time.sleep(5.5)
        refused = Subscriber(None, "/api/client/sync/events?ticket=" + made)
        assert refused.status == 403, refused.status
        refused.close()
    finally:
        cli("tenant", "activate", tenant)


def test_a_subscription_ends_before_its_token_expires():
    """Tokens are grouped by the minute their exp falls in; the relay deletes that minute's channel just
    before the minute begins. The test waits for the next minute (at most about a minute)."""
    tenant = new_tenant()
    if 60 - time.time() % 60 < 6:
        time.sleep(60 - time.time() % 60 + 0.5)
    boundary = (int(time.time()) // 60 + 1) * 60
    # Expiring within this minute: refused, the client subscribes with a fresh token.
    soon = Subscriber(make_token(tenant, sub="listener", exp_in=boundary - 1 - int(time.time())))
    assert soon.status == 401
    soon.close()
    expires_at = boundary + 1
    listener = Subscriber(make_token(tenant, sub="listener", exp_in=expires_at - int(time.time())))
    try:
        assert listener.status == 200
        assert listener.ended.wait(boundary - time.time() + 5), "the subscription outlived its token"
        ended = time.time()
        print(f"subscription ended {expires_at - ended:.2f} s before its token's exp")
        assert ended < expires_at
    finally:
        listener.close()


def burst_of_pushes(tmp_path, tenant, url, seconds):
    """`wrk` pushing one new record per request, as a device of `tenant`, to `url` for `seconds` at 16
    connections, as the README's load test does; returns how many records of that name the tenant then
    has, and its newest stamp."""
    (tmp_path / "token").write_text(make_token(tenant, sub="writer"))
    (tmp_path / "body.json").write_text(json.dumps({"changes": {"end_user": [{"name": "burst"}]}}))
    result = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "-s", "bench/post.lua", url],
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                            env={**os.environ, "SYNC_TOKEN_FILE": str(tmp_path / "token"),
                                 "SYNC_BODY_FILE": str(tmp_path / "body.json")},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "Non-2xx" not in result.stdout, result.stdout + result.stderr
    pushes = int(sql("SELECT count(*) FROM end_user WHERE tenant_id = :'p1' AND name = 'burst'", tenant))
    return pushes, sql("SELECT sync_iso(max(last_updated)) FROM end_user WHERE tenant_id = :'p1'", tenant)


def test_a_burst_of_pushes_becomes_far_fewer_pokes_and_the_last_covers_the_last_push(tmp_path):
    tenant = new_tenant()
    listener = Subscriber(make_token(tenant, sub="listener"))
    try:
        time.sleep(0.3)
        pushes, newest = burst_of_pushes(tmp_path, tenant, env("SYNC_HTTP_BASE_URL") + "/api/client/sync/push", seconds=1)
        pokes = []
        while (heard := listener.next(1)) is not None:
            pokes.append(heard[1]["syncTimestamp"])
        print(f"a burst of {pushes} pushes in one second: {len(pokes)} pokes")
        assert pushes >= 500, f"only {pushes} pushes in the second: not a burst"
        assert 0 < len(pokes) <= pushes / 5
        assert pokes[-1] == newest, "the last poke covers the last push"
    finally:
        listener.close()


def test_a_poke_interval_spaces_a_busy_tenants_pokes_and_the_last_covers_the_last_push(tmp_path):
    """SYNC_POKE_INTERVAL_SECONDS=1 on a service of the test's own: a lone push is poked at once; a burst
    of pushes for 2 s is poked at most once a second (at most four pokes), the last covering the last push."""
    from test_operations import eventually, own_service
    tenant = new_tenant()
    writer = make_token(tenant, sub="writer")
    aux = env("SYNC_AUX_BASE_URL")
    aux_push = aux + "/api/client/sync/push"
    listener = Subscriber(make_token(tenant, sub="listener"))
    try:
        with own_service("--workers", "1", "--threads", "4",
                         environment={**os.environ, "SYNC_POKE_INTERVAL_SECONDS": "1"}):
            assert eventually(lambda: requests.post(aux_push, json={"changes": {}}, timeout=5,
                                                    headers={"Authorization": f"Bearer {writer}"}).status_code == 200)
            time.sleep(1.2)
            sent = time.monotonic()
            heard = heard_at_least(listener, push(writer, [{"name": "alone"}], base_url=aux)["data"][0]["last_updated"], 5)
            assert heard is not None and heard[0] - sent < 0.5, "a lone push is poked at once"
            time.sleep(1.2)
            while listener.next(0.1) is not None:
                pass
            pushes, newest = burst_of_pushes(tmp_path, tenant, aux_push, seconds=2)
            pokes = []
            while (heard := listener.next(2)) is not None:
                pokes.append(heard[1]["syncTimestamp"])
            print(f"a burst of {pushes} pushes in 2 s, one poke a second at most: {len(pokes)} pokes")
            assert pushes >= 500, f"only {pushes} pushes in 2 s: not a burst"
            assert 2 <= len(pokes) <= 4, pokes
            assert pokes[-1] == newest, "the last poke covers the last push"
    finally:
        listener.close()


def nginx_command(*args):
    run = env("SYNC_RUN_DIR")
    subprocess.run(["nginx", "-c", f"{run}/nginx/nginx.conf", "-p", f"{run}/nginx", *args], check=True,
                   capture_output=True, timeout=30)


def test_an_nginx_reload_keeps_or_cleanly_ends_subscriptions_and_a_reconnect_hears_the_newest():
    tenant = new_tenant()
    listener = Subscriber(make_token(tenant, sub="listener"))
    try:
        time.sleep(0.3)
        nginx_command("-s", "reload")
        time.sleep(1)
        stamp = push(make_token(tenant, sub="writer"), [{"name": "after the reload"}])["data"][0]["last_updated"]
        if heard_at_least(listener, stamp, 2) is None:
            # nginx's old workers close their connections as they retire: the client reconnects.
            assert listener.ended.wait(30), "the subscription neither delivered nor ended"
            listener.close()
            listener = Subscriber(make_token(tenant, sub="listener"))
            assert listener.status == 200
            assert heard_at_least(listener, stamp, 5) is not None, "a reconnect hears the newest poke"
    finally:
        listener.close()


def test_a_worker_killed_during_pushes_leaves_no_committed_change_unpoked():
    """A worker killed between a commit and its poke: the master sees it die and pokes every device once
    (the channel `everyone`), so that the last poke a device hears covers every committed change."""
    tenant = new_tenant()
    listener = Subscriber(make_token(tenant, sub="listener"))
    writer = make_token(tenant, sub="writer")
    master = int(open(os.path.join(env("SYNC_RUN_DIR"), "sync.pid")).read())
    stop = threading.Event()

    def keep_pushing():
        session = requests.Session()
        while not stop.is_set():
            try:
                session.post(env("SYNC_HTTP_BASE_URL") + "/api/client/sync/push", timeout=10,
                             json={"changes": {"end_user": [{"name": f"row {i}"} for i in range(50)]}},
                             headers={"Authorization": f"Bearer {writer}"})
            except requests.RequestException:
                pass

    try:
        time.sleep(0.3)
        threads = [threading.Thread(target=keep_pushing) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        workers = worker_pids(master)
        assert workers, "the master has no workers"
        os.kill(workers[0], signal.SIGKILL)
        time.sleep(0.3)
        stop.set()
        for thread in threads:
            thread.join(30)
        newest = sql("SELECT sync_iso(max(last_updated)) FROM end_user WHERE tenant_id = :'p1'", tenant)
        assert heard_at_least(listener, newest, 5) is not None, "no poke covers the last committed change"
    finally:
        stop.set()
        listener.close()
    # The master has replaced the worker.
    deadline = time.monotonic() + 10
    while len(worker_pids(master)) < len(workers):
        assert time.monotonic() < deadline, "the killed worker was not replaced"
        time.sleep(0.2)


def test_the_metrics_count_subscribers_and_pokes():
    def metrics():
        text = requests.get(env("SYNC_HTTP_BASE_URL") + "/metrics", timeout=10).text
        return {name: float(value) for name, value in re.findall(r"^(sync_live_subscribers|sync_pokes_\w+) (\S+)$", text, re.M)}

    tenant = new_tenant()
    before = metrics()
    listener = Subscriber(make_token(tenant, sub="listener"))
    try:
        time.sleep(0.3)
        stamp = push(make_token(tenant, sub="writer"), [{"name": "counted"}])["data"][0]["last_updated"]
        assert heard_at_least(listener, stamp, 5) is not None
        after = metrics()
        assert after["sync_live_subscribers"] >= 1
        assert after["sync_pokes_published_total"] > before["sync_pokes_published_total"]
        assert after["sync_pokes_failed_total"] == before["sync_pokes_failed_total"]
    finally:
        listener.close()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_nginx_copy(directory, redis_port):
    """The stack's nginx (its config made from nginx/syncd.conf) once more, on ports of its own, with
    nchan's messages in Redis: the README's setting for more than one nginx. Returns (HTTP base URL,
    publisher port, stop function)."""
    run = env("SYNC_RUN_DIR")
    directory.mkdir()
    ports = {}

    def moved(text):
        return re.sub(r"listen 127\.0\.0\.1:(\d+)", lambda m: f"listen 127.0.0.1:{ports.setdefault(m.group(1), free_port())}", text)

    site = moved(open(f"{run}/nginx/site.conf").read())
    main = moved(open(f"{run}/nginx/nginx.conf").read())
    main = (main.replace(f"{run}/nginx/site.conf", f"{directory}/site.conf").replace(f"{run}/nginx/nginx.pid", f"{directory}/nginx.pid")
            .replace(f"{run}/logs/nginx-error.log", f"{directory}/error.log")
            .replace("http {", f"http {{\n    nchan_redis_url redis://127.0.0.1:{redis_port};\n    nchan_use_redis on;", 1))
    (directory / "site.conf").write_text(site)
    (directory / "nginx.conf").write_text(main)
    subprocess.run(["nginx", "-c", f"{directory}/nginx.conf", "-p", str(directory)], check=True, capture_output=True, timeout=30)
    http_port = ports[urllib.parse.urlsplit(env("SYNC_HTTP_BASE_URL")).port.__str__()]
    publisher_port = ports[re.search(r"listen 127\.0\.0\.1:(\d+);\n    server_tokens off;\n    access_log off;",
                                     open(f"{run}/nginx/site.conf").read()).group(1)]

    def stop():
        subprocess.run(["nginx", "-c", f"{directory}/nginx.conf", "-p", str(directory), "-s", "stop"], capture_output=True, timeout=30)

    return f"http://127.0.0.1:{http_port}", publisher_port, stop


def test_pokes_fan_out_through_redis_from_one_nginx_to_the_subscribers_of_another(tmp_path):
    redis_port = free_port()
    redis = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "",
                              "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    stops = []
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(redis_port), "ping"], capture_output=True, text=True).stdout.strip() != "PONG":
            assert time.monotonic() < deadline, "redis did not start"
            time.sleep(0.1)
        first_url, _, stop = start_nginx_copy(tmp_path / "first", redis_port)
        stops.append(stop)
        _, second_publisher, stop = start_nginx_copy(tmp_path / "second", redis_port)
        stops.append(stop)
        tenant = new_tenant()
        listener = Subscriber(make_token(tenant, sub="listener"), base_url=first_url)
        try:
            assert listener.status == 200, listener.status
            time.sleep(0.5)
            poke = {"syncTimestamp": "2030-01-01T00:00:00.000000Z"}
            sent = time.monotonic()
            answer = requests.post(f"http://127.0.0.1:{second_publisher}/tenant-{tenant}", json=poke, timeout=10)
            assert answer.status_code in (201, 202), answer.text
            heard = listener.next(5)
            assert heard is not None, "the poke published through the second nginx did not reach the first's subscriber"
            print(f"poke through Redis from one nginx to another's subscriber: {1000 * (heard[0] - sent):.1f} ms")
            assert heard[1] == poke
        finally:
            listener.close()
    finally:
        for stop in stops:
            stop()
        redis.terminate()
        redis.wait(10)


def test_a_tenant_over_its_rate_is_told_429_with_retry_after_not_a_500():
    """auth_request passes on only 401 and 403; the service's 429 comes back as 403 with X-Sync-Refusal,
    and the site file answers the 429 itself."""
    tenant = new_tenant()
    cli("tenant", "set", tenant, "--rate-limit", "2")
    token = make_token(tenant, sub="eager")
    statuses = []
    for _ in range(12):
        response = requests.get(env("SYNC_HTTP_BASE_URL") + "/api/client/sync/events", timeout=10,
                                headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}, stream=True)
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) >= 1
            assert response.json()["error"]["code"] == "rate_limited"
        response.close()
    assert 429 in statuses and 500 not in statuses, statuses


def test_a_device_that_reconnects_with_last_event_id_is_told_to_pull_what_it_missed():
    tenant = new_tenant()
    writer = make_token(tenant, sub="writer")
    listener = Subscriber(make_token(tenant, sub="listener"))
    try:
        time.sleep(0.3)
        stamp = push(writer, [{"name": "heard"}])["data"][0]["last_updated"]
        assert heard_at_least(listener, stamp, 5) is not None
    finally:
        listener.close()
    last_id = listener.last_id
    assert last_id, "the events carry ids"
    for name in ("missed 1", "missed 2"):
        newest = push(writer, [{"name": name}])["data"][0]["last_updated"]
    # Away while both were poked: the second push's poke leaves the relay up to 10 ms after its answer,
    # and a reconnect before that would be sent the first push's poke (then the second's, live).
    time.sleep(0.3)
    back = Subscriber(make_token(tenant, sub="listener"), headers={"Last-Event-ID": last_id})
    try:
        heard = back.next(5)
        assert heard is not None and heard[1] == {"syncTimestamp": newest}, heard
    finally:
        back.close()


def test_an_expired_token_or_another_tenants_ticket_opens_nothing():
    tenant = new_tenant()
    expired = Subscriber(make_token(tenant, sub="listener", exp_in=-5))
    assert expired.status == 401
    expired.close()
    forged = Subscriber(make_token(tenant, sub="listener", secret="not the service's secret"))
    assert forged.status == 401
    forged.close()
