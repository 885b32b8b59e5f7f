"""The client libraries (clients/js and the SyncClient Swift product) against the real stack: one list
of scenarios, each run by both clients through their drivers (Tests/e2e/clients.py)."""
import http.server
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest

from clients import Driver, FaultProxy
from conftest import ROOT, env, make_token, new_tenant, sql

KINDS = ["js", "swift"]
STRATEGIES = ["server-wins", "client-wins", "last-write-wins", "merge", "manual"]


@pytest.fixture
def drivers(tmp_path):
    """Starts client runs; each run of one name keeps its state in the same file."""
    started = []

    def start(kind, tenant, name="device", base_url=None, tokens=None, **options):
        state = str(tmp_path / f"{name}.json")
        driver = Driver(kind, state, base_url or env("SYNC_HTTP_BASE_URL"),
                        tokens or [make_token(tenant, sub=name)], **options)
        started.append(driver)
        return driver
    yield start
    for driver in started:
        driver.close()


@pytest.fixture
def proxy():
    fault_proxy = FaultProxy()
    yield fault_proxy
    fault_proxy.close()


def server_users(tenant):
    rows = sql("SELECT id, name, version FROM end_user WHERE tenant_id = :'p1' AND is_deleted = 0", tenant)
    return {id: (name, int(version)) for id, name, version in (line.split("|") for line in rows.splitlines())}


def held(driver):
    return {id: (record["name"], record["version"]) for id, record in driver.records("end_user").items()}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("first", ["a", "b"])
def test_two_offline_clients_converge_to_the_server(kind, strategy, first, drivers):
    tenant = new_tenant(strategy)
    a, b = drivers(kind, tenant, "a"), drivers(kind, tenant, "b")
    shared = a.call("put", type="end_user", fields={"name": "shared"})["id"]
    only_a = a.call("put", type="end_user", fields={"name": "a's own"})["id"]
    doomed = a.call("put", type="end_user", fields={"name": "to be deleted by b"})["id"]
    a.sync()
    b.sync()
    assert set(held(b)) == {shared, only_a, doomed}

    # Offline: both edit the shared record; each also edits or makes records of its own.
    a.call("put", type="end_user", fields={"id": shared, "name": "edited by a"})
    a.call("put", type="end_user", fields={"id": only_a, "name": "a's own, edited"})
    made_by_a = a.call("put", type="end_user", fields={"name": "made by a"})["id"]
    b.call("put", type="end_user", fields={"id": shared, "name": "edited by b", "email": "b@example.com"})
    made_by_b = b.call("put", type="end_user", fields={"name": "made by b"})["id"]
    b.call("delete", type="end_user", id=doomed)

    early, late = (a, b) if first == "a" else (b, a)
    early.sync()
    conflicts = late.sync()["conflicts"]
    assert [c["id"] for c in conflicts] == [shared]
    if strategy == "manual":
        [open_conflict] = late.call("conflicts")["conflicts"]
        assert open_conflict["id"] == shared
        late.call("resolve", conflict=open_conflict, resolution="client")
    early.sync()
    late.sync()

    server = server_users(tenant)
    assert held(a) == server and held(b) == server
    assert {made_by_a, made_by_b} <= set(server), "a record made offline was lost"
    expected_shared = {"server-wins": "edited by " + first, "client-wins": "edited by " + ("b" if first == "a" else "a"),
                       "manual": "edited by " + ("b" if first == "a" else "a")}
    if strategy in expected_shared:
        assert server[shared][0] == expected_shared[strategy]
    assert doomed not in server, "the delete of b applied"
    assert server[only_a][0] == "a's own, edited"
    assert a.call("state")["pending"] == 0 and b.call("state")["pending"] == 0


@pytest.mark.parametrize("kind", KINDS)
def test_a_dropped_push_answer_is_sent_again_and_applies_once(kind, drivers, proxy):
    tenant = new_tenant()
    client = drivers(kind, tenant, base_url=proxy.url)
    ids = [client.call("put", type="end_user", fields={"name": f"r{n}"})["id"] for n in range(3)]
    proxy.faults["/api/client/sync/push"] = [("drop",)]
    assert client.sync()["pushed"] == 3
    pushes = [entry for entry in proxy.seen if entry[0] == "/api/client/sync/push"]
    assert [entry[2] for entry in pushes] == ["dropped", 200]
    assert pushes[0][1] == pushes[1][1], "the retry kept its Idempotency-Key"
    assert pushes[1][3] == "true", "the retry was answered with the stored answer"
    assert sorted(server_users(tenant)) == sorted(ids)
    assert sorted(held(client)) == sorted(ids)


@pytest.mark.parametrize("kind", KINDS)
def test_a_push_whose_answer_never_came_is_sent_again_by_the_next_run(kind, drivers, proxy):
    tenant = new_tenant()
    first = drivers(kind, tenant, base_url=proxy.url, attempts=1)
    ids = [first.call("put", type="end_user", fields={"name": f"r{n}"})["id"] for n in range(3)]
    proxy.faults["/api/client/sync/push"] = [("drop",)]
    assert "error" in first.call("sync"), "with one attempt, the dropped answer fails the round"
    assert first.call("state")["pending"] == 3, "the push stays in flight"
    first.close()
    again = drivers(kind, tenant, base_url=proxy.url)
    assert again.sync()["pushed"] == 3
    pushes = [entry for entry in proxy.seen if entry[0] == "/api/client/sync/push"]
    assert len({entry[1] for entry in pushes}) == 1 and pushes[-1][3] == "true"
    assert sorted(server_users(tenant)) == sorted(ids)


@pytest.mark.parametrize("kind", KINDS)
def test_a_client_stopped_between_push_and_pull_loses_nothing(kind, drivers):
    tenant = new_tenant()
    other = make_token(tenant, sub="other")
    stopped = drivers(kind, tenant, stopAfter="pushed")
    ids = [stopped.call("put", type="end_user", fields={"name": f"mine {n}"})["id"] for n in range(5)]
    assert stopped.call("sync") is None, "the run stopped right after its push"
    theirs = drivers(kind, tenant, "other", tokens=[other])
    their_id = theirs.call("put", type="end_user", fields={"name": "theirs"})["id"]
    theirs.sync()
    again = drivers(kind, tenant)
    round = again.sync()
    assert round["pushed"] == 0, "nothing was pushed twice"
    assert sorted(held(again)) == sorted(ids + [their_id]) == sorted(server_users(tenant))


@pytest.mark.parametrize("kind", KINDS)
def test_a_client_stopped_between_two_pages_applies_nothing_twice(kind, drivers):
    tenant = new_tenant()
    sql("INSERT INTO end_user (tenant_id, name) SELECT :'p1', 'server ' || g FROM generate_series(1, 250) g", tenant)
    stopped = drivers(kind, tenant, pageSize=100, stopAfter="pulledPage", stopCount=2)
    assert stopped.call("sync") is None, "the run stopped after its second page"
    again = drivers(kind, tenant, pageSize=100)
    assert again.call("state")["position"] is not None
    assert again.sync()["pulled"] == 50, "the next run pulled only the pages it had not applied"
    assert held(again) == server_users(tenant)


@pytest.mark.parametrize("kind", KINDS)
def test_429_and_503_are_waited_out(kind, drivers, proxy):
    tenant = new_tenant()
    client = drivers(kind, tenant, base_url=proxy.url)
    client.call("put", type="end_user", fields={"name": "patient"})
    proxy.faults["/api/client/sync/push"] = [("answer", 429, 1)]
    proxy.faults["/api/client/sync/pull"] = [("answer", 503, 1)]
    started = time.monotonic()
    round = client.sync()
    assert round["pushed"] == 1 and round["pulled"] == 1
    assert time.monotonic() - started >= 1.9, "each Retry-After was waited"
    statuses = [(path.rsplit("/", 1)[1], status) for path, _, status, _ in proxy.seen]
    assert statuses == [("push", 429), ("push", 200), ("pull", 503), ("pull", 200)]


@pytest.mark.parametrize("kind", KINDS)
def test_an_expired_token_is_refreshed_once(kind, drivers):
    tenant = new_tenant()
    expired = make_token(tenant, exp_in=-60)
    client = drivers(kind, tenant, tokens=[expired, make_token(tenant)])
    client.call("put", type="end_user", fields={"name": "renewed"})
    round = client.sync()
    assert round["pushed"] == 1 and round["tokenRefreshes"] == 1

    refused = drivers(kind, tenant, "refused", tokens=[expired, make_token(tenant, exp_in=-30)])
    refused.call("put", type="end_user", fields={"name": "never"})
    answer = refused.call("sync")
    assert answer["error"]["status"] == 401, "a second 401 is the app's to handle, not a loop"
    assert refused.call("state")["pending"] == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_record_does_not_block_the_queue(kind, drivers):
    tenant = new_tenant()
    client = drivers(kind, tenant)
    good = client.call("put", type="end_user", fields={"name": "good"})["id"]
    bad = client.call("put", type="end_user", fields={"name": "x" * 300})["id"]
    orphan = client.call("put", type="interactions", fields={"type": "call", "client_user_id": str(uuid.uuid4())})["id"]
    also_good = client.call("put", type="end_user", fields={"name": "also good"})["id"]
    round = client.sync()
    assert sorted(r["change"]["id"] for r in round["refused"]) == sorted([bad, orphan])
    assert sorted(server_users(tenant)) == sorted([good, also_good])
    state = client.call("state")
    assert state["pending"] == 0 and len(state["refused"]) == 2
    assert sorted(held(client)) == sorted([good, also_good])

    # The app fixes the long name and puts it again, drops the orphan, and forgets both refusals.
    client.call("put", type="end_user", fields={"id": bad, "name": "fixed"})
    assert client.call("discardRefused", ids=[bad]) == {"ok": True}
    assert [r["change"]["id"] for r in client.call("state")["refused"]] == [orphan]
    client.call("discardRefused")
    assert client.sync()["refused"] == []
    assert server_users(tenant)[bad][0] == "fixed"
    assert client.call("state")["refused"] == []


def test_the_javascript_client_in_live_mode_receives_another_devices_push(drivers, make_client):
    """Live mode is the JavaScript client's: the Swift client's transport (URLSession) does not stream a
    response body on Linux, so a Swift app syncs on its own schedule."""
    tenant = new_tenant()
    listening = drivers("js", tenant, "listening")
    assert listening.call("live") == {"ok": True}
    time.sleep(0.5)
    other = make_client(tenant=tenant, sub="other", https=False)
    pushed = other.push({"end_user": [{"name": "poked"}]}).json()["data"][0]["id"]
    assert listening.call("waitFor", type="end_user", id=pushed, timeout=10) == {"found": True}


def test_the_javascript_clients_types_are_those_of_openapi_yaml():
    generated = subprocess.run(
        [sys.executable, os.path.join(ROOT, "clients", "js", "scripts", "openapi_types.py"), os.path.join(ROOT, "openapi.yaml")],
        capture_output=True, text=True, timeout=60, check=True).stdout
    with open(os.path.join(ROOT, "clients", "js", "src", "openapi.ts")) as committed:
        assert committed.read() == generated, "run `npm run generate` in clients/js (scripts/openapi_types.py)"


@pytest.mark.parametrize("kind", KINDS)
def test_pull_pending_walks_every_page(kind, drivers):
    tenant = new_tenant()
    sql("INSERT INTO end_user (tenant_id, name, sync_status) SELECT :'p1', 'pending ' || g, 'pending' FROM generate_series(1, 25) g", tenant)
    sql("INSERT INTO end_user (tenant_id, name, sync_status) SELECT :'p1', 'synced ' || g, 'synced' FROM generate_series(1, 5) g", tenant)
    client = drivers(kind, tenant, pageSize=10)
    pending = client.call("pending", types=["end_user"])["pending"]
    assert sorted(record["name"] for record in pending["end_user"]) == sorted(f"pending {g}" for g in range(1, 26))


def test_the_indexeddb_store_keeps_the_state_across_browser_runs(tmp_path):
    """In a real browser (Debian's headless Chromium) rather than fake-indexeddb, which needs the npm
    registry: a state saved by one browser process is the one the next loads."""
    browser = shutil.which("chromium-headless-shell")
    if not browser:
        pytest.fail("chromium-headless-shell is not installed (scripts/test installs it)")
    outcomes = queue.Queue()

    class Pages(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=os.path.join(ROOT, "clients", "js"), **kwargs)

        def log_message(self, *args):
            pass

        def do_POST(self):
            outcomes.put(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def run(step):
        process = subprocess.Popen(
            [browser, "--no-sandbox", f"--user-data-dir={tmp_path / 'profile'}",
             f"http://127.0.0.1:{server.server_address[1]}/test/indexeddb.html?step={step}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            return outcomes.get(timeout=60)
        finally:
            # The browser's helper processes hold the profile's lock too: end the whole group, and wait
            # until none is left.
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    os.killpg(process.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
    try:
        assert run("save") == {"before": None, "saved": True}
        outcome = run("load")
        assert "loaded" in outcome, outcome
        loaded = outcome["loaded"]
    finally:
        server.shutdown()
        server.server_close()
    assert loaded["position"] == "2026-01-01T00:00:01.000000Z", "the second save replaced the first"
    assert loaded["queue"][0]["fields"] == {"name": "Ada"}
    assert loaded["records"]["end_user"]["8dce9cad-0000-4000-8000-000000000002"]["version"] == 3


def test_the_javascript_client_installs_and_imports_as_a_package(tmp_path):
    """What an app team does with it: npm pack, npm install the tarball (no registry needed: the client
    has no runtime dependency), import it by name."""
    npm = shutil.which("npm")
    if not npm:
        pytest.fail("npm is not installed (scripts/test installs it)")
    packed = subprocess.run([npm, "pack", "--pack-destination", str(tmp_path)], cwd=os.path.join(ROOT, "clients", "js"),
                            capture_output=True, text=True, timeout=120)
    assert packed.returncode == 0, packed.stderr[-2000:]
    tarball = tmp_path / packed.stdout.strip().splitlines()[-1]
    app = tmp_path / "app"
    app.mkdir()
    (app / "package.json").write_text(json.dumps({"name": "app", "version": "1.0.0", "type": "module", "private": True}))
    installed = subprocess.run([npm, "install", "--offline", "--no-audit", "--no-fund", str(tarball)], cwd=app,
                               capture_output=True, text=True, timeout=120)
    assert installed.returncode == 0, installed.stderr[-2000:]
    (app / "main.mjs").write_text(
        'import { createSyncClient, memoryStore, indexedDBStore, standardEntityTypes } from "@sync/client";\n'
        'import { fileStore } from "@sync/client/node";\n'
        'const client = await createSyncClient({ baseUrl: "http://127.0.0.1:9", token: "t", store: memoryStore() });\n'
        'const id = await client.put("end_user", { name: "Ada" });\n'
        'console.log(JSON.stringify({ name: client.record("end_user", id).name, types: standardEntityTypes.length,\n'
        '  stores: [typeof indexedDBStore, typeof fileStore] }));\n')
    ran = subprocess.run(["node", "main.mjs"], cwd=app, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert json.loads(ran.stdout) == {"name": "Ada", "types": 2, "stores": ["function", "function"]}
