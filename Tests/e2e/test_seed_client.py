"""The seed's own SyncClient (its code from the seed document, run under Node) against the stack, in a
tenant several pages large while another device writes throughout (issue 12, probe 1). The client never
sends its position on push, never reads hasMore and keeps whatever syncTimestamp it is given; it must
still end holding every record, with every edit it made applied.

Before the service remembered each device's last answered position, the push answered the epoch every
cycle, and the client received the same first 1,000 records over and over."""
import json
import os
import queue
import shutil
import subprocess
import threading
import time

import requests

from conftest import env, make_token, new_tenant, sql

HERE = os.path.dirname(os.path.abspath(__file__))
CYCLES = 16


def node():
    if not shutil.which("node"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "nodejs"], check=True, capture_output=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which("node")


def test_the_seed_client_unmodified_receives_everything_and_keeps_its_edits():
    tenant = new_tenant()
    # Several pages (the default page is 1,000 records), written by server-side code before the app starts.
    sql("INSERT INTO end_user (tenant_id, name) SELECT :'p1', 'existing ' || g FROM generate_series(1, 2600) g", tenant)
    result = subprocess.run(
        [node(), os.path.join(HERE, "seed", "app.mjs"), env("SYNC_HTTP_BASE_URL"),
         make_token(tenant, sub="seed-app"), make_token(tenant, sub="other-device"), str(CYCLES)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    app = json.loads(result.stdout.strip().splitlines()[-1])

    server = dict(line.split("|", 1) for line in
                  sql("SELECT id, name FROM end_user WHERE tenant_id = :'p1'", tenant).splitlines())
    assert len(server) == 2600 + CYCLES + app["otherWrites"]
    missing = set(server) - set(app["held"])
    assert not missing, f"the app never received {len(missing)} of {len(server)} records"
    assert app["edits"], "the app edited records"
    lost = {id: name for id, name in app["edits"].items() if server[id] != name}
    assert not lost, f"{len(lost)} of the app's edits are not on the server: {list(lost.items())[:3]}"
    stale = {id for id, name in app["held"].items() if server[id] != name}
    assert not stale, f"the app holds an old copy of {len(stale)} records"


def test_a_push_without_a_position_answers_the_devices_last_pull(make_client):
    tenant = new_tenant()
    device, other = make_client(tenant=tenant, sub="device-a"), make_client(tenant=tenant, sub="device-b")
    assert device.push({"end_user": [{"name": "first"}]}).json()["syncTimestamp"] == "1970-01-01T00:00:00.000000Z"
    pulled = device.pull(["end_user"]).json()["syncTimestamp"]
    assert device.push({"end_user": [{"name": "second"}]}).json()["syncTimestamp"] == pulled
    # Another device's pulls are its own; a position sent is echoed as it was.
    assert other.push({"end_user": [{"name": "third"}]}).json()["syncTimestamp"] == "1970-01-01T00:00:00.000000Z"
    sent = "2020-01-01T00:00:00.000000Z"
    assert device.post("push", {"changes": {"end_user": []}, "lastSyncTimestamp": sent}).json()["syncTimestamp"] == sent


def test_the_seed_client_in_live_mode_pulls_on_each_poke_and_reconnects():
    """Tests/e2e/seed/live.mjs, the README's live-mode example: another device's pushes reach it without
    polling, also across an nginx reload (which may end the stream: the client reconnects)."""
    tenant = new_tenant()
    live = subprocess.Popen([node(), os.path.join(HERE, "seed", "live.mjs"), env("SYNC_HTTP_BASE_URL"),
                             make_token(tenant, sub="live-app"), "30"], stdout=subprocess.PIPE, text=True)
    try:
        received = queue.Queue()
        threading.Thread(target=lambda: [received.put(json.loads(line)) for line in live.stdout], daemon=True).start()
        time.sleep(1.5)   # subscribed
        writer = make_token(tenant, sub="other-device")
        run = env("SYNC_RUN_DIR")
        names = []
        for index in range(3):
            name = f"live {index}"
            names.append(name)
            response = requests.post(env("SYNC_HTTP_BASE_URL") + "/api/client/sync/push", timeout=30,
                                     json={"changes": {"end_user": [{"name": name}]}},
                                     headers={"Authorization": f"Bearer {writer}"})
            assert response.status_code == 200, response.text
            got = received.get(timeout=10)
            assert got["name"] == name, got
            if index == 1:
                subprocess.run(["nginx", "-c", f"{run}/nginx/nginx.conf", "-p", f"{run}/nginx", "-s", "reload"],
                               check=True, capture_output=True, timeout=30)
                time.sleep(1)
    finally:
        live.kill()
        live.wait(10)
