"""Convergence: devices of one tenant go offline, edit the same records (updates, deletes, creates), come back
in random order and sync until quiet. Every device ends equal to the server, and the server holds what the
configured strategy says it should (a reference model applies the same pushes in the same order)."""
import random
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from conftest import new_tenant

DEVICES = 4
RECORDS = 8
ROUNDS = 2
FIELDS = ("name", "email", "is_deleted")


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Device:
    def __init__(self, client):
        self.client = client
        self.local = {}
        self.outbox = {}

    def pull_until_quiet(self):
        changed = 0
        while True:
            body = self.client.post("pull", {"lastSyncTimestamp": self.client.last_sync, "limit": 7,
                                             "entityTypes": ["end_user"]}).json()
            for record in body["data"]["end_user"]:
                self.local[record["id"]] = record
                changed += 1
            self.client.last_sync = body["syncTimestamp"]
            if not body["hasMore"]:
                return changed

    def change(self, record_id, edited_at, **fields):
        record = dict(self.local.get(record_id, {"id": record_id, "email": None, "is_deleted": 0}))
        record.update(fields)
        self.local[record_id] = record
        change = {"id": record_id, "name": record["name"], "email": record["email"], "is_deleted": record["is_deleted"],
                  "updatedAt": iso(edited_at)}
        if "version" in record:
            change["version"] = record["version"]
        self.outbox[record_id] = change

    def push(self):
        if not self.outbox:
            return []
        changes = list(self.outbox.values())
        response = self.client.post("push", {"changes": {"end_user": changes}, "lastSyncTimestamp": self.client.last_sync})
        assert response.status_code == 200, response.text
        for record in response.json()["data"]:
            self.local[record["id"]] = record
        self.outbox = {}
        return changes


def model_apply(model, change, strategy):
    """What the strategy says the server does with one pushed record (full copies, as these devices send)."""
    stored = model.get(change["id"])
    copy = {field: change[field] for field in FIELDS}
    edited = change["updatedAt"]
    if stored is None:
        model[change["id"]] = {**copy, "version": change.get("version", 1), "updatedAt": edited}
    elif change.get("version", stored["version"]) == stored["version"] or strategy in ("client-wins", "merge") or (
            strategy == "last-write-wins" and edited > stored["updatedAt"]):
        model[change["id"]] = {**copy, "version": stored["version"] + 1, "updatedAt": edited}


def summary(records):
    return {record_id: tuple(record[field] for field in (*FIELDS, "version")) for record_id, record in records.items()}


@pytest.mark.parametrize("strategy", ["server-wins", "client-wins", "last-write-wins", "merge"])
def test_devices_converge_to_what_the_strategy_says(make_client, strategy):
    rng = random.Random(f"convergence-{strategy}")
    tenant = new_tenant(strategy)
    devices = [Device(make_client(tenant=tenant, sub=f"device-{i}")) for i in range(DEVICES)]
    clock = datetime(2025, 1, 1, tzinfo=timezone.utc)
    model = {}

    for i in range(RECORDS):
        clock += timedelta(seconds=1)
        devices[0].change(str(uuid.uuid4()), clock, name=f"record {i}")
    for change in devices[0].push():
        model_apply(model, change, strategy)
    for device in devices:
        device.pull_until_quiet()

    for round_number in range(ROUNDS):
        # Offline: every device edits what it has, with edit times that interleave across devices.
        for index, device in enumerate(devices):
            for record_id in list(device.local):
                roll = rng.random()
                edited_at = clock + timedelta(seconds=rng.randint(1, 3600), microseconds=index)
                if roll < 0.35:
                    device.change(record_id, edited_at, name=f"r{round_number} d{index} {rng.randint(0, 999)}")
                elif roll < 0.45:
                    device.change(record_id, edited_at, is_deleted=1)
                elif roll < 0.55:
                    device.change(record_id, edited_at, email=f"d{index}@example.com", is_deleted=0)
            if rng.random() < 0.7:
                device.change(str(uuid.uuid4()), clock + timedelta(seconds=rng.randint(1, 3600)),
                              name=f"new from d{index} r{round_number}")
        clock += timedelta(hours=2)
        # Back online in random order.
        for device in rng.sample(devices, len(devices)):
            for change in device.push():
                model_apply(model, change, strategy)
        # Sync until quiet.
        while sum(device.pull_until_quiet() for device in devices) > 0:
            pass

    observer = Device(make_client(tenant=tenant, sub="observer"))
    observer.pull_until_quiet()
    server = summary(observer.local)
    for index, device in enumerate(devices):
        assert summary(device.local) == server, f"device {index} differs from the server"
    assert server == summary(model), f"the server is not what {strategy} says"
