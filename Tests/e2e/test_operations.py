"""Running it as sysadmins do: worker processes that die, a database that goes away, SIGTERM and SIGHUP
under load, rate limits, health checks, metrics and logs. Loopback only; every loop is bounded in time."""
import concurrent.futures
import atexit
import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import uuid

import requests

from conftest import cli, env, make_token, new_tenant, reload_and_wait, sql, worker_pids
from test_startup_and_outage import pg_ctl

API = "/api/client/sync/"


def run_dir(*parts):
    return os.path.join(env("SYNC_RUN_DIR"), *parts)


def master_pid():
    return int(open(run_dir("sync.pid")).read())


class Load:
    """Client threads pushing (and optionally pulling) through nginx until stopped; every response recorded."""

    def __init__(self, base, tenant, threads=4, pull=False, records=10):
        self.base, self.tenant, self.pull, self.records = base, tenant, pull, records
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acknowledged = {}
        self.results = []
        self.threads = [threading.Thread(target=self.run, args=(i,)) for i in range(threads)]

    def run(self, index):
        session = requests.Session()
        headers = {"Authorization": f"Bearer {make_token(self.tenant, sub=f'load-{index}')}"}
        count = 0
        while not self.stop.is_set():
            count += 1
            started = time.time()
            if self.pull and count % 2 == 0:
                body, path, sent = {"entityTypes": ["end_user"], "limit": 50}, "pull", {}
            else:
                sent = {str(uuid.uuid4()): f"load {index}-{count}-{i}" for i in range(self.records)}
                body = {"changes": {"end_user": [{"id": k, "name": v} for k, v in sent.items()]}}
                path = "push"
            try:
                response = session.post(self.base + API + path, json=body, headers=headers, timeout=30)
                status, payload = response.status_code, response.text
            except requests.RequestException as error:
                status, payload = 0, str(error)
            with self.lock:
                self.results.append((started, time.time(), path, status, payload))
                if status == 200 and path == "push":
                    self.acknowledged.update(sent)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(60)

    def statuses(self):
        return sorted({r[3] for r in self.results})


def assert_acknowledged_are_stored(load):
    assert load.acknowledged, "no push was acknowledged"
    stored = dict(line.split("|") for line in sql(
        "SELECT id, name FROM end_user WHERE tenant_id = :'p1'", load.tenant).splitlines())
    lost = {k: v for k, v in load.acknowledged.items() if stored.get(k) != v}
    assert not lost, f"{len(lost)} acknowledged records are not stored as acknowledged"


def assert_errors_are_json(load, allowed):
    for _, _, path, status, payload in load.results:
        if status != 200:
            assert status in allowed, f"{path} answered {status}: {payload[:200]}"
            assert json.loads(payload)["success"] is False


def settings_file(text):
    """A settings file a test's own service can read (it runs as syncd), removed when the test ends."""
    path = os.path.join(env("SYNC_SERVICE_SETTINGS_DIR"), f"{uuid.uuid4().hex}.env")
    with open(path, "w") as file:
        file.write(text)
    os.chmod(path, 0o644)
    atexit.register(lambda: os.path.exists(path) and os.unlink(path))
    return path


def eventually(check, seconds=15):
    """Whether `check()` comes true within `seconds` (a connection refused counts as not yet)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if check():
                return True
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return False


def rewrite(path, text):
    with open(path, "w") as file:
        file.write(text)


@contextlib.contextmanager
def own_service(*options, environment=None, log=None):
    """A `sync serve` of the test's own behind the stack's second nginx upstream (SYNC_AUX_BASE_URL),
    with its own scoreboard, run as syncd like the stack's (setpriv execs it: the process is the master);
    killed and cleaned up whatever the test does to it. `log`: a file for its standard error."""
    board = f"/dev/shm/sync-aux-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    as_service = ["setpriv", "--reuid=syncd", "--regid=syncd", "--init-groups", "--"]
    service = subprocess.Popen(
        [*as_service, env("SYNC_SERVICE_BIN"), "serve", "--listen", env("SYNC_AUX_SOCKET"), "--socket-mode", "666", *options],
        env={**(environment or os.environ), "SYNC_SCOREBOARD": board, "SYNC_LOG_REQUESTS": "0"},
        stdout=subprocess.DEVNULL, stderr=open(log, "w") if log else subprocess.DEVNULL)
    try:
        yield service
    finally:
        if service.poll() is None:
            # Its workers too: an orphaned worker serves the socket for up to a second, and the next
            # test's service would find its answers on the same path.
            try:
                workers = [int(p) for p in open(f"/proc/{service.pid}/task/{service.pid}/children").read().split()]
            except OSError:
                workers = []
            service.kill()
            service.wait(10)
            for worker in workers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker, signal.SIGKILL)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(env("SYNC_AUX_SOCKET"))
        if os.path.exists(board):
            os.unlink(board)


def test_kill_9_of_a_worker_loses_no_acknowledged_push():
    master = master_pid()
    before = worker_pids(master)
    assert len(before) >= 2
    restarts_before = metric("sync_worker_restarts_total")
    with Load(env("SYNC_HTTP_BASE_URL"), new_tenant()) as load:
        time.sleep(1.5)
        os.kill(before[0], signal.SIGKILL)
        time.sleep(2.5)
    assert_acknowledged_are_stored(load)
    assert_errors_are_json(load, allowed={502})
    deadline = time.time() + 10
    while time.time() < deadline and len(worker_pids(master)) < len(before):
        time.sleep(0.1)
    after = worker_pids(master)
    assert len(after) == len(before) and before[0] not in after, "the master replaced the killed worker"
    assert metric("sync_worker_restarts_total") == restarts_before + 1
    log = open(run_dir("logs", "sync.log")).read()
    assert f'"msg":"worker died","pid":{before[0]}' in log and '"signal":9' in log


def test_database_connections_killed_and_database_restarted():
    tenant = new_tenant()
    with Load(env("SYNC_HTTP_BASE_URL"), tenant, pull=True) as load:
        time.sleep(1)
        sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = 'sync' AND pid <> pg_backend_pid()")
        time.sleep(1)
        pg_ctl("restart")
        time.sleep(3)
    assert_errors_are_json(load, allowed={503})
    assert all(r[3] in (200, 503) for r in load.results)
    unavailable = [r for r in load.results if r[3] == 503]
    assert all("database_unavailable" in r[4] for r in unavailable)
    assert load.results[-1][3] == 200 or any(r[3] == 200 and r[0] > load.results[-1][0] - 1 for r in load.results), \
        "service resumed by itself"
    assert_acknowledged_are_stored(load)
    assert metric("sync_database_errors_total") > 0


def test_sighup_under_load_fails_no_request():
    master = master_pid()
    before = set(worker_pids(master))
    with Load(env("SYNC_HTTP_BASE_URL"), new_tenant(), pull=True) as load:
        time.sleep(0.8)
        os.kill(master, signal.SIGHUP)
        time.sleep(1.5)
        os.kill(master, signal.SIGHUP)
        time.sleep(1.5)
    assert load.statuses() == [200], [r[3:] for r in load.results if r[3] != 200][:3]
    assert not before & set(worker_pids(master)), "every worker was replaced"
    assert_acknowledged_are_stored(load)


def test_sigterm_under_load_finishes_requests_then_exits_0():
    with own_service("--workers", "2", "--threads", "2") as service:
        base = env("SYNC_AUX_BASE_URL")
        assert eventually(lambda: requests.get(base + "/health", timeout=2).status_code == 200)
        nginx_log = run_dir("logs/nginx-error.log")
        log_start = os.path.getsize(nginx_log)
        with Load(base, new_tenant(), threads=6, records=100) as load:
            time.sleep(1.5)
            stopped_at = time.time()
            service.send_signal(signal.SIGTERM)
            assert service.wait(30) == 0
            time.sleep(0.3)
        # Every connection that reached the service's socket was served: none was reset (a connection
        # queued after the workers' last accept used to be, when the socket closed).
        with open(nginx_log, errors="replace") as log:
            log.seek(log_start)
            resets = [line for line in log if "sync-aux.sock" in line and "reset by peer" in line]
        assert not resets, resets[:3]
        # A request sent just before the signal may reach nginx after the socket was moved aside, and is
        # then refused by nginx (502) without the service seeing it; 50 ms before, it has reached it.
        before = [r for r in load.results if r[0] < stopped_at - 0.05]
        assert before and all(r[3] == 200 for r in before), \
            f"requests under way at SIGTERM complete: {[(round(stopped_at - r[0], 4), r[3], r[4][:160]) for r in before if r[3] != 200]}"
        assert_errors_are_json(load, allowed={502})
        assert_acknowledged_are_stored(load)


def test_a_tenant_over_its_rate_gets_429_and_others_are_not_slowed(make_client):
    noisy_tenant = new_tenant()
    cli("tenant", "set", noisy_tenant, "--rate-limit", "5")
    noisy = make_client(tenant=noisy_tenant)
    quiet = make_client()
    noisy_statuses, quiet_statuses = [], []
    for _ in range(40):
        response = noisy.post("pull", {})
        noisy_statuses.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) >= 1
            assert response.json()["error"]["code"] == "rate_limited"
        quiet_statuses.append(quiet.post("pull", {}).status_code)
    assert noisy_statuses[:5] == [200] * 5, "a burst of N is allowed"
    assert noisy_statuses.count(429) >= 15, "at 5 per second, most of 40 quick requests are refused"
    assert quiet_statuses == [200] * 40
    time.sleep(1.1)
    assert noisy.post("pull", {}).status_code == 200, "the bucket refills"


def from_address(source, method, path, body=None, headers=None):
    """A request from another loopback address, which nginx does not treat as the local host."""
    host, port = env("SYNC_HTTP_BASE_URL").split("//")[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10, source_address=(source, 0))
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    result = response.status, dict(response.getheaders()), response.read().decode()
    connection.close()
    return result


def test_nginx_limits_each_address_and_exempts_loopback():
    def one(_):
        return from_address("127.0.0.2", "POST", API + "pull", "{}", {"Content-Type": "application/json"})

    # Eight clients at once, so the address goes well past 50 requests/s even on a slow machine.
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(400)))
    statuses = [status for status, _, _ in results]
    for status, headers, body in results:
        if status == 429:
            assert json.loads(body)["error"]["code"] == "rate_limited" and headers["Retry-After"] == "1"
    assert statuses.count(401) >= 100, "the burst passes on to the service (which wants a token)"
    assert statuses.count(429) >= 50
    assert all(requests.post(env("SYNC_HTTP_BASE_URL") + API + "pull", json={}, timeout=10).status_code == 401
               for _ in range(200)), "127.0.0.1 is exempt"


def metric(name, labels=""):
    text = requests.get(env("SYNC_HTTP_BASE_URL") + "/metrics", timeout=10).text
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def test_health_ready_and_metrics(client):
    base = env("SYNC_HTTP_BASE_URL")
    assert requests.get(base + "/health", timeout=10).json() == {"status": "ok"}
    assert requests.get(base + "/ready", timeout=10).json() == {"status": "ready"}
    pulls = metric("sync_requests_total", '{endpoint="pull",status="200"}')
    pulled = metric("sync_records_pulled_total", '{entity_type="end_user"}')
    pushed = metric("sync_records_pushed_total", '{entity_type="end_user"}')
    client.push({"end_user": [{"name": "counted"}, {"name": "twice"}]})
    client.pull()
    assert metric("sync_requests_total", '{endpoint="pull",status="200"}') == pulls + 1
    assert metric("sync_records_pushed_total", '{entity_type="end_user"}') == pushed + 2
    assert metric("sync_records_pulled_total", '{entity_type="end_user"}') == pulled + 2
    text = requests.get(base + "/metrics", timeout=10).text
    for name in ("sync_request_duration_seconds_bucket", "sync_conflicts_total", 'sync_worker_threads{state="busy"}',
                 'sync_worker_threads{state="idle"}', "sync_database_errors_total", "sync_worker_restarts_total"):
        assert name in text
    status, _, body = from_address("127.0.0.2", "GET", "/metrics")
    assert status == 403 and json.loads(body)["error"]["code"] == "forbidden", "/metrics is for loopback only"


def test_one_json_log_line_per_request_without_secrets(client, tenant):
    response = client.push({"end_user": [{"name": "Very Private Name"}]})
    request_id = response.headers["X-Request-Id"]
    deadline = time.time() + 5
    line = None
    while time.time() < deadline and line is None:
        for text in open(run_dir("logs", "sync.log")):
            if request_id in text:
                line = json.loads(text)
        time.sleep(0.1)
    assert line is not None
    assert {k: line[k] for k in ("requestId", "tenant", "sub", "endpoint", "status", "records", "conflicts")} == {
        "requestId": request_id, "tenant": tenant, "sub": "device-1", "endpoint": "push", "status": 200,
        "records": 1, "conflicts": 0}
    assert line["durationMs"] >= 0 and line["time"].endswith("Z")
    log = open(run_dir("logs", "sync.log")).read()
    assert client.token not in log and env("SYNC_JWT_SECRET") not in log and "Very Private Name" not in log


def test_sighup_rereads_the_configuration_and_rotates_the_jwt_secret():
    """A new secret in the settings file applies on SIGHUP, without a restart."""
    first, second = "first-secret-" + "1" * 32, "second-secret-" + "2" * 32
    settings = settings_file(f"# test settings\nSYNC_JWT_SECRET={first}\nSYNC_WORKERS=1\nSYNC_THREADS=2\n")
    environment = {k: v for k, v in os.environ.items() if k != "SYNC_JWT_SECRET"}
    tenant = new_tenant()
    url = env("SYNC_AUX_BASE_URL") + API + "pull"

    def status(secret):
        token = make_token(tenant, secret=secret)
        return requests.post(url, json={}, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code

    def wait_for(secret, expected):
        return eventually(lambda: status(secret) == expected)

    with own_service("--config", settings, environment=environment) as service:
        assert wait_for(first, 200)
        rewrite(settings, f"SYNC_JWT_SECRET={second}\nSYNC_WORKERS=1\nSYNC_THREADS=2\n")
        reload_and_wait(service.pid)
        assert wait_for(second, 200)
        assert [status(first) for _ in range(20)] == [401] * 20
        rewrite(settings, "this line is not a setting\n")
        service.send_signal(signal.SIGHUP)
        time.sleep(1)
        assert status(second) == 200, "an invalid file is refused and the service keeps serving"
        rewrite(settings, "SYNC_JWT_SECRET=short\nSYNC_WORKERS=1\nSYNC_THREADS=2\n")
        service.send_signal(signal.SIGHUP)
        time.sleep(1)
        assert status(second) == 200, "a weak secret is refused on reload and the service keeps serving"
        service.send_signal(signal.SIGTERM)
        assert service.wait(30) == 0


def test_workers_stop_when_their_master_is_killed():
    with own_service("--workers", "2", "--threads", "1") as service:
        deadline = time.time() + 15
        while time.time() < deadline and len(worker_pids(service.pid)) < 2:
            time.sleep(0.1)
        workers = worker_pids(service.pid)
        assert len(workers) == 2
        service.kill()
        service.wait(10)
        deadline = time.time() + 10
        alive = workers
        while time.time() < deadline and alive:
            alive = [pid for pid in workers if os.path.exists(f"/proc/{pid}") and
                     open(f"/proc/{pid}/stat").read().split()[2] != "Z"]
            time.sleep(0.1)
        assert not alive, "orphaned workers stop by themselves"


def test_systemd_hears_ready_once_a_worker_serves_then_reloading_and_stopping():
    """Type=notify: the master sends sd_notify's datagrams to $NOTIFY_SOCKET (here an abstract name)."""
    name = f"syncd-notify-{uuid.uuid4().hex[:12]}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind("\0" + name)
        listener.settimeout(20)
        heard = lambda: listener.recv(4096).decode().splitlines()
        with own_service("--workers", "2", "--threads", "1",
                         environment={**os.environ, "NOTIFY_SOCKET": "@" + name}) as service:
            ready = heard()
            assert "READY=1" in ready and f"MAINPID={service.pid}" in ready, ready
            assert requests.get(env("SYNC_AUX_BASE_URL") + "/health", timeout=10).status_code == 200
            service.send_signal(signal.SIGHUP)
            assert heard() == ["RELOADING=1"]
            assert "READY=1" in heard()
            service.send_signal(signal.SIGTERM)
            assert heard() == ["STOPPING=1"]
            assert service.wait(30) == 0
