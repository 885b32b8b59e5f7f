"""No missed change: several writers push large batches (and other server-side code writes straight into
the tables) while several devices pull in a tight loop. After the writers stop and the devices catch up,
every device has seen every committed record.

With the seed's design (stamping rows with the wall clock and answering the wall clock as syncTimestamp),
this fails: a batch stamped before a pull started but committed after it is never pulled by that device.
"""
import os
import subprocess
import threading
import time

import requests

from conftest import env, make_token, new_tenant

WRITERS = 4
BATCH = 200
PULLERS = 4
PAGE = 500
WRITE_SECONDS = 6


def test_every_device_sees_every_committed_record():
    tenant = new_tenant()
    base = env("SYNC_HTTP_BASE_URL") + "/api/client/sync/"
    stop = threading.Event()
    writers_done = threading.Event()
    errors = []
    pushed = [0] * WRITERS
    pulls = [0] * PULLERS
    seen = [set() for _ in range(PULLERS)]

    def writer(index):
        session = requests.Session()
        headers = {"Authorization": f"Bearer {make_token(tenant, sub=f'writer-{index}')}"}
        batch_number = 0
        while not stop.is_set():
            records = [{"name": f"w{index}-b{batch_number}-{i}"} for i in range(BATCH)]
            response = session.post(base + "push", json={"changes": {"end_user": records}}, headers=headers, timeout=30)
            if response.status_code != 200:
                errors.append(f"push {response.status_code}: {response.text[:200]}")
                return
            pushed[index] += BATCH
            batch_number += 1

    def direct_writer():
        script = ("BEGIN; INSERT INTO end_user (tenant_id, name) SELECT :'t', 'direct ' || g FROM generate_series(1, 100) g; "
                  "SELECT pg_sleep(0.05); COMMIT;")
        while not stop.is_set():
            result = subprocess.run(["psql", env("SYNC_ADMIN_DATABASE_URL"), "-qAt", "-v", f"t={tenant}", "-v", "ON_ERROR_STOP=1"],
                                    input=script, capture_output=True, text=True, timeout=30)
            if result.returncode != 0:
                errors.append(result.stderr)
                return

    def pull_page(session, headers, position, index):
        response = session.post(base + "pull", json={"lastSyncTimestamp": position, "entityTypes": ["end_user"],
                                                      "limit": PAGE}, headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        body = response.json()
        seen[index].update(r["id"] for r in body["data"]["end_user"])
        pulls[index] += 1
        return body["syncTimestamp"], body["hasMore"], len(body["data"]["end_user"])

    def puller(index):
        session = requests.Session()
        headers = {"Authorization": f"Bearer {make_token(tenant, sub=f'puller-{index}')}"}
        position = "1970-01-01T00:00:00Z"
        try:
            while not writers_done.is_set():
                position, _, _ = pull_page(session, headers, position, index)
            while True:  # catch up once every write has committed
                position, has_more, count = pull_page(session, headers, position, index)
                if not has_more and count == 0:
                    break
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(f"puller {index}: {error}")

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    threads.append(threading.Thread(target=direct_writer))
    pullers = [threading.Thread(target=puller, args=(i,)) for i in range(PULLERS)]
    started = time.time()
    for thread in threads + pullers:
        thread.start()
    time.sleep(WRITE_SECONDS)
    stop.set()
    for thread in threads:
        thread.join(60)
    writers_done.set()
    for thread in pullers:
        thread.join(60)
    duration = time.time() - started

    assert errors == []
    committed = set(subprocess.run(
        ["psql", env("SYNC_ADMIN_DATABASE_URL"), "-qAt", "-v", f"t={tenant}"],
        input="SELECT id FROM end_user WHERE tenant_id = :'t'", capture_output=True, text=True, timeout=30,
    ).stdout.split())
    direct = len(committed) - sum(pushed)
    report = (f"no-missed-change: {WRITERS} writers x {BATCH}-record pushes ({sum(pushed)} records) + 1 direct SQL writer "
              f"({direct} records), {PULLERS} pullers ({sum(pulls)} pulls, pages of {PAGE}), {duration:.1f} s; "
              f"every puller saw {min(len(s & committed) for s in seen)}/{len(committed)} committed records")
    with open(os.path.join(env("SYNC_RUN_DIR"), "logs", "concurrency.txt"), "w") as out:
        out.write(report + "\n")
    print(report)
    assert sum(pushed) > 0 and direct > 0
    for index, ids in enumerate(seen):
        missing = committed - ids
        assert not missing, f"puller {index} missed {len(missing)} of {len(committed)} committed records"
