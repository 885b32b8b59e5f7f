"""A restore from a backup: a dump taken under a push loop, restored, marked with `syncd restore-complete`.
A device that synced past the dump is told to reset (410 reset_required), never answered with a time
earlier than its own; it pulls from the start, pushes its local records again, and converges. A device
that synced only before the dump carries on."""
import os
import subprocess
import threading
import time
import uuid

import requests

from conftest import env, make_token
from test_operations import API, eventually, own_service


def postgres(*args, **kwargs):
    """A PostgreSQL client program as the cluster's superuser, over the unix socket."""
    port = env("SYNC_DATABASE_URL").split("port=")[1]
    return subprocess.run(["runuser", "-u", "postgres", "--", args[0], "-h", "/var/run/postgresql", "-p", port,
                           "-U", "postgres", *args[1:]], check=True, timeout=120, **kwargs)


class Device:
    """A client as the README's sync loop describes it: local records by id, a position."""

    def __init__(self, base, tenant, name):
        self.base, self.name, self.position, self.records = base, name, None, {}
        self.headers = {"Authorization": f"Bearer {make_token(tenant, sub=name)}"}

    def post(self, endpoint, body):
        return requests.post(self.base + API + endpoint, json=body, headers=self.headers, timeout=10)

    def push(self, names):
        body = {"changes": {"end_user": [{"name": n} for n in names]}}
        if self.position:
            body["lastSyncTimestamp"] = self.position
        response = self.post("push", body)
        if response.status_code == 200:
            for record in response.json()["data"]:
                self.records[record["id"]] = record["name"]
        return response

    def pull(self):
        while True:
            body = {"entityTypes": ["end_user"], **({"lastSyncTimestamp": self.position} if self.position else {})}
            response = self.post("pull", body)
            if response.status_code != 200:
                return response
            data = response.json()
            for record in data["data"]["end_user"]:
                self.records[record["id"]] = record["name"]
            self.position = data["syncTimestamp"]
            if not data["hasMore"]:
                return response

    def reset(self, server_ids):
        """What a client does on reset_required: pull from the start, push again what the server lacks."""
        self.position = None
        assert self.pull().status_code == 200
        lost = {i: n for i, n in self.records.items() if i not in server_ids()}
        if lost:
            response = self.post("push", {"changes": {"end_user": [{"id": i, "name": n} for i, n in lost.items()]}})
            assert response.status_code == 200, response.text
        assert self.pull().status_code == 200


def test_a_restore_tells_devices_past_the_dump_to_reset_and_they_converge(tmp_path):
    database = "restore_" + uuid.uuid4().hex[:8]
    url = env("SYNC_DATABASE_URL").replace("/sync?", f"/{database}?")
    admin_url = env("SYNC_ADMIN_DATABASE_URL").replace("/sync?", f"/{database}?")
    dump = tmp_path / "sync.dump"
    tenant = "restored"

    def syncd(*args):
        result = subprocess.run([env("SYNC_BIN"), *args, "--database-url", admin_url], capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def server_ids():
        rows = subprocess.run(["psql", admin_url, "-qAt", "-c", f"SELECT id FROM end_user WHERE tenant_id = '{tenant}'"],
                              capture_output=True, text=True, check=True, timeout=30).stdout
        return set(rows.split())

    postgres("psql", "-qAt", "-c", f"CREATE DATABASE {database} OWNER sync", capture_output=True)
    try:
        syncd("migrate", "--sql-dir", env("SYNC_SQL_DIR"))
        syncd("tenant", "add", tenant)
        base = env("SYNC_AUX_BASE_URL")
        with own_service("--database-url", url):
            assert eventually(lambda: requests.get(base + "/ready", timeout=5).status_code == 200)
            before, after = Device(base, tenant, "before"), Device(base, tenant, "after")
            assert before.push([f"early {i}" for i in range(5)]).status_code == 200
            assert before.pull().status_code == 200 and after.pull().status_code == 200

            # The dump, taken while another device pushes.
            stop = threading.Event()
            loop = Device(base, tenant, "loop")

            def push_loop():
                deadline = time.time() + 30
                while not stop.is_set() and time.time() < deadline:
                    loop.push([f"loop {time.time_ns()}"])
            pusher = threading.Thread(target=push_loop)
            pusher.start()
            time.sleep(0.5)
            with open(dump, "wb") as file:
                postgres("pg_dump", "-Fc", database, stdout=file)
            time.sleep(0.5)
            stop.set()
            pusher.join()

            # After the dump: acknowledged by the server, and lost with it.
            assert after.push([f"late {i}" for i in range(3)]).status_code == 200
            assert after.pull().status_code == 200
            lost_position = after.position

        postgres("psql", "-qAt", "-c", f"DROP DATABASE {database} WITH (FORCE)", capture_output=True)
        postgres("psql", "-qAt", "-c", f"CREATE DATABASE {database} OWNER sync", capture_output=True)
        with open(dump, "rb") as file:
            postgres("pg_restore", "-d", database, stdin=file)
        assert len(server_ids()) < len(after.records), "the restore lost what came after the dump"

        with own_service("--database-url", url):
            assert eventually(lambda: requests.get(base + "/ready", timeout=5).status_code == 200)
            # Not yet marked: the position is past everything the server holds.
            response = after.post("pull", {"lastSyncTimestamp": lost_position, "entityTypes": ["end_user"]})
            assert response.status_code == 410 and response.json()["error"]["code"] == "reset_required"

        # The README's order: restore, mark, then serve.
        assert "restore marked for 1 tenants" in syncd("restore-complete")
        with own_service("--database-url", url):
            assert eventually(lambda: requests.get(base + "/ready", timeout=5).status_code == 200)
            # New writes move the clock past the lost position; the mark still catches it.
            assert Device(base, tenant, "new").push(["after the restore"]).status_code == 200
            for _ in range(8):  # whichever worker thread answers
                assert after.pull().json()["error"]["code"] == "reset_required"
            assert after.push(["while lost"]).status_code == 410

            # The device that synced before the dump only goes on from its position.
            assert before.pull().status_code == 200

            after.reset(server_ids)
            server = server_ids()
            assert set(after.records) <= server, "every record the device holds is on the server again"
            assert set(after.records) == server
            assert after.pull().status_code == 200
    finally:
        postgres("psql", "-qAt", "-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)", capture_output=True)
