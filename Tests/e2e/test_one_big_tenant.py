"""One big tenant: its devices push in parallel while an administrator's transaction on the same tenant
stays open for seconds, and devices pull in a tight loop throughout. Nothing waits for the long
transaction, and once everything has committed every puller has received every record's final version,
each version once, and never an older version after a newer one.

With a per-tenant lock (the design before sql/013) every push of the tenant waited for the long
transaction to end.
"""
import subprocess
import threading
import time

import requests

from conftest import env, make_token, new_tenant

PUSHERS = 4
PULLERS = 3
PAGE = 50
LONG_ROWS = 2000
LONG_SECONDS = 3
WRITE_SECONDS = 6


def test_devices_push_in_parallel_with_a_long_transaction_and_pullers_miss_nothing():
    tenant = new_tenant()
    base = env("SYNC_HTTP_BASE_URL") + "/api/client/sync/"
    stop = threading.Event()
    writers_done = threading.Event()
    long_open = threading.Event()
    long_window = []
    errors = []
    latencies_while_open = []
    received = [[] for _ in range(PULLERS)]

    def pusher(index):
        session = requests.Session()
        headers = {"Authorization": f"Bearer {make_token(tenant, sub=f'pusher-{index}')}"}
        mine = {}  # id -> version, of this pusher's records
        batch = 0
        deadline = time.time() + 30
        while not stop.is_set() and time.time() < deadline:
            records = [{"name": f"p{index}-b{batch}-{i}"} for i in range(10)]
            # Every other push also edits five of this device's earlier records.
            records += [{"id": id, "name": f"p{index}-b{batch}-edit", "version": version}
                        for id, version in list(mine.items())[batch % 7::7][:5] if batch % 2]
            started = time.time()
            response = session.post(base + "push", json={"changes": {"end_user": records}}, headers=headers, timeout=30)
            if long_open.is_set():
                latencies_while_open.append(time.time() - started)
            if response.status_code != 200:
                errors.append(f"push {response.status_code}: {response.text[:200]}")
                return
            for record in response.json()["data"]:
                mine[record["id"]] = record["version"]
            batch += 1

    def long_writer():
        time.sleep(1)
        script = (f"BEGIN; INSERT INTO end_user (tenant_id, name) SELECT :'t', 'long ' || g FROM generate_series(1, {LONG_ROWS}) g; "
                  f"\\! touch {env('SYNC_RUN_DIR')}/long-open-{tenant}\n"
                  f"SELECT pg_sleep({LONG_SECONDS}); COMMIT;")
        started = time.time()
        result = subprocess.run(["psql", env("SYNC_ADMIN_DATABASE_URL"), "-qAt", "-v", f"t={tenant}", "-v", "ON_ERROR_STOP=1"],
                                input=script, capture_output=True, text=True, timeout=60)
        long_window.append((started, time.time()))
        if result.returncode != 0:
            errors.append(result.stderr)

    def watch_long_open():
        marker = f"{env('SYNC_RUN_DIR')}/long-open-{tenant}"
        deadline = time.time() + 30
        while time.time() < deadline and not long_window:
            try:
                with open(marker):
                    long_open.set()
            except FileNotFoundError:
                pass
            time.sleep(0.01)
        long_open.clear()

    def puller(index):
        session = requests.Session()
        headers = {"Authorization": f"Bearer {make_token(tenant, sub=f'puller-{index}')}"}
        position = None

        def page():
            body = {"entityTypes": ["end_user"], "limit": PAGE, **({"lastSyncTimestamp": position} if position else {})}
            response = session.post(base + "pull", json=body, headers=headers, timeout=30)
            assert response.status_code == 200, response.text
            data = response.json()
            received[index].extend((r["id"], r["version"]) for r in data["data"]["end_user"])
            return data["syncTimestamp"], data["hasMore"], len(data["data"]["end_user"])
        try:
            deadline = time.time() + 60
            while not writers_done.is_set() and time.time() < deadline:
                position, _, _ = page()
            while time.time() < deadline:  # catch up once everything has committed
                position, has_more, count = page()
                if not has_more and count == 0:
                    break
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(f"puller {index}: {error}")

    writers = [threading.Thread(target=pusher, args=(i,)) for i in range(PUSHERS)]
    writers += [threading.Thread(target=long_writer), threading.Thread(target=watch_long_open)]
    pullers = [threading.Thread(target=puller, args=(i,)) for i in range(PULLERS)]
    for thread in writers + pullers:
        thread.start()
    time.sleep(WRITE_SECONDS)
    stop.set()
    for thread in writers:
        thread.join(60)
    writers_done.set()
    for thread in pullers:
        thread.join(90)

    assert errors == []
    assert long_window and long_window[0][1] - long_window[0][0] >= LONG_SECONDS
    # The devices' pushes went on while the long transaction was open (generous bound: it was open for 3 s).
    assert len(latencies_while_open) >= 10, latencies_while_open
    assert max(latencies_while_open) < 1.5, f"a push waited {max(latencies_while_open):.2f} s"

    final = dict(line.split("|") for line in subprocess.run(
        ["psql", env("SYNC_ADMIN_DATABASE_URL"), "-qAt", "-v", f"t={tenant}"],
        input="SELECT id, version FROM end_user WHERE tenant_id = :'t'", capture_output=True, text=True, timeout=30,
    ).stdout.split())
    assert sum(1 for _ in final) >= LONG_ROWS + 100
    assert any(int(version) > 1 for version in final.values()), "the pushers' edits"
    for index, versions in enumerate(received):
        assert len(versions) == len(set(versions)), f"puller {index} received a version twice"
        latest = {}
        for id, version in versions:
            assert version > latest.get(id, 0), f"puller {index} received version {version} of {id} after {latest[id]}"
            latest[id] = version
        missing = [id for id, version in final.items() if latest.get(id) != int(version)]
        assert not missing, f"puller {index} lacks the final version of {len(missing)} of {len(final)} records"
