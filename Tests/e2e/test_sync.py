"""Records, transformations, conflicts, tenants and direct writes, through nginx."""
import time
import uuid

import pytest

from conftest import cli, make_token, new_tenant, sql


def test_client_id_is_kept_and_other_ids_become_client_ids(client):
    own = str(uuid.uuid4())
    record = client.push({"end_user": [{"id": own, "name": "Mine"}]}).json()["data"][0]
    assert record["id"] == own
    local = client.push({"end_user": [{"id": 17, "name": "x"}]}).json()["data"][0]
    assert local["clientId"] == 17 and uuid.UUID(local["id"])
    assert client.push({"end_user": [{"id": [17], "name": "x"}]}).status_code == 400


def test_is_deleted_transformation_and_tombstones_reach_other_devices(make_client):
    tenant = new_tenant()
    first = make_client(tenant=tenant, sub="a")
    second = make_client(tenant=tenant, sub="b")
    user = first.push({"end_user": [{"name": "Short lived"}]}).json()["data"][0]
    assert len(second.pull().json()["data"]["end_user"]) == 1
    deleted = first.push({"end_user": [{"id": user["id"], "isDeleted": True, "version": user["version"]}]})
    assert deleted.json()["data"][0]["is_deleted"] == 1
    assert deleted.json()["data"][0]["version"] == user["version"] + 1
    again = second.pull().json()["data"]["end_user"]
    assert [(u["id"], u["is_deleted"]) for u in again] == [(user["id"], 1)], "the delete reaches the other device"
    assert second.pull_pending(["end_user"]).json()["data"]["end_user"] == []


def test_push_response_order_is_registry_then_request(client):
    response = client.push({
        "interactions": [{"type": "b1"}, {"type": "b2"}],
        "end_user": [{"name": "a1"}, {"name": "a2"}],
    })
    data = response.json()["data"]
    assert [r.get("name") or r.get("type") for r in data] == ["a1", "a2", "b1", "b2"]


def test_pull_is_incremental_and_oldest_first(client):
    client.pull()
    names = [f"user {i}" for i in range(5)]
    for name in names:
        client.push({"end_user": [{"name": name}]})
    pulled = client.pull().json()["data"]["end_user"]
    assert [u["name"] for u in pulled] == names
    assert client.pull().json()["data"]["end_user"] == []


def test_push_does_not_skip_other_devices_changes(make_client):
    tenant = new_tenant()
    a = make_client(tenant=tenant, sub="a")
    b = make_client(tenant=tenant, sub="b")
    a.pull()
    b.push({"end_user": [{"name": "from b"}]})
    pushed = a.post("push", {"changes": {"end_user": [{"name": "from a"}]}, "lastSyncTimestamp": a.last_sync})
    a.last_sync = pushed.json()["syncTimestamp"]
    assert "from b" in [u["name"] for u in a.pull().json()["data"]["end_user"]]


def test_tenants_are_strictly_apart(make_client):
    a = make_client()
    b = make_client()
    shared_id = str(uuid.uuid4())
    a.push({"end_user": [{"id": shared_id, "name": "A"}]})
    b_record = b.push({"end_user": [{"id": shared_id, "name": "B"}]}).json()["data"][0]
    assert b_record["name"] == "B" and b_record["version"] == 1
    assert [u["name"] for u in a.pull().json()["data"]["end_user"]] == ["A"]
    assert [u["name"] for u in b.pull().json()["data"]["end_user"]] == ["B"]
    assert b.pull_pending().json()["data"]["end_user"] == []


def test_interaction_must_name_a_user_of_the_same_tenant(make_client):
    a = make_client()
    b = make_client()
    user = a.push({"end_user": [{"name": "A's"}]}).json()["data"][0]
    refused = b.push({"interactions": [{"type": "call", "client_user_id": user["id"]}]})
    assert refused.status_code == 200 and refused.json()["data"] == [], "refused alone: nothing stored"
    assert refused.json()["rejected"][0]["field"] == "client_user_id"
    assert b.pull().json()["data"]["interactions"] == []
    ok = a.push({"interactions": [{"type": "call", "client_user_id": user["id"]}]})
    assert ok.status_code == 200


def conflict_setup(make_client, strategy):
    tenant = new_tenant(strategy)
    device = make_client(tenant=tenant)
    record = device.push({"end_user": [{"name": "Original", "email": "orig@example.com",
                                        "updatedAt": "2024-01-01T10:00:00Z"}]}).json()["data"][0]
    newer = device.push({"end_user": [{"id": record["id"], "name": "Server edit", "version": 1,
                                       "updatedAt": "2024-01-01T11:00:00Z"}]}).json()["data"][0]
    assert newer["version"] == 2
    return device, record["id"]


@pytest.mark.parametrize("strategy,client_time,expected_name,expected_email,winner", [
    ("server-wins", "2024-01-01T12:00:00Z", "Server edit", "orig@example.com", "server"),
    # A stale edit that wins stores what it sent; the fields it omits keep their values (issue 12, probe 3).
    ("client-wins", "2024-01-01T09:00:00Z", "Stale edit", "orig@example.com", "client"),
    ("last-write-wins", "2024-01-01T12:00:00Z", "Stale edit", "orig@example.com", "client"),
    ("last-write-wins", "2024-01-01T10:30:00Z", "Server edit", "orig@example.com", "server"),
    ("last-write-wins", "2024-01-01T11:00:00Z", "Server edit", "orig@example.com", "server"),
    ("merge", "2024-01-01T09:00:00Z", "Stale edit", "orig@example.com", "merged"),
])
def test_conflict_strategies(make_client, strategy, client_time, expected_name, expected_email, winner):
    device, record_id = conflict_setup(make_client, strategy)
    response = device.push({"end_user": [{"id": record_id, "name": "Stale edit", "version": 1, "updatedAt": client_time}]})
    body = response.json()
    conflict_id = body["conflicts"][0].pop("conflictId")
    assert body["conflicts"] == [{"entityType": "end_user", "id": record_id, "strategy": strategy,
                                  "clientVersion": 1, "serverVersion": 2, "winner": winner}]
    recorded = sql("SELECT entity_type, record_id, client_version, server_version, strategy, outcome, pushed_by, "
                   "client_payload->>'name', server_payload->>'name' FROM sync_conflicts WHERE id = :'p1'", conflict_id)
    assert recorded == f"end_user|{record_id}|1|2|{strategy}|{winner}|device-1|Stale edit|Server edit"
    stored = body["data"][0]
    assert stored["name"] == expected_name and stored["email"] == expected_email
    assert stored["version"] == (2 if winner == "server" else 3)
    pulled = device.pull().json()["data"]["end_user"][0]
    assert (pulled["name"], pulled["version"]) == (expected_name, stored["version"])


def test_registry_default_strategy_is_last_write_wins(make_client):
    device, record_id = conflict_setup(make_client, None)
    body = device.push({"end_user": [{"id": record_id, "name": "Late", "version": 1,
                                      "updatedAt": "2030-01-01T00:00:00Z"}]}).json()
    assert body["conflicts"][0]["strategy"] == "last-write-wins"


def test_direct_sql_writes_are_pulled_and_pending(client, tenant):
    since = client.pull().json()["syncTimestamp"]
    user_id = str(uuid.uuid4())
    sql("INSERT INTO end_user (tenant_id, id, name) VALUES (:'p1', :'p2', 'Made by admin')", tenant, user_id)
    sql("INSERT INTO interactions (tenant_id, id, type, client_user_id) VALUES (:'p1', gen_random_uuid(), 'visit', :'p2')",
        tenant, user_id)
    pulled = client.pull(since=since).json()["data"]
    assert [u["name"] for u in pulled["end_user"]] == ["Made by admin"]
    assert [i["type"] for i in pulled["interactions"]] == ["visit"]
    pending = client.pull_pending().json()["data"]
    assert [u["id"] for u in pending["end_user"]] == [user_id]
    assert len(pending["interactions"]) == 1
    sql("UPDATE end_user SET name = 'Renamed by admin' WHERE tenant_id = :'p1' AND id = :'p2'", tenant, user_id)
    renamed = client.pull().json()["data"]["end_user"]
    assert [(u["name"], u["version"]) for u in renamed] == [("Renamed by admin", 2)]


def test_plain_http_port_serves_the_same_api(make_client):
    device = make_client(https=False)
    assert device.push({"end_user": [{"name": "over http"}]}).status_code == 200
    assert len(device.pull().json()["data"]["end_user"]) == 1


def test_cancelled_interactions_reach_other_devices(make_client):
    tenant = new_tenant()
    first = make_client(tenant=tenant, sub="a")
    second = make_client(tenant=tenant, sub="b")
    interaction = first.push({"interactions": [{"type": "meeting"}]}).json()["data"][0]
    second.pull()
    first.push({"interactions": [{"id": interaction["id"], "status": "cancelled", "version": 1}]})
    pulled = second.pull().json()["data"]["interactions"]
    assert [(i["id"], i["status"]) for i in pulled] == [(interaction["id"], "cancelled")]
    assert second.pull_pending(["interactions"]).json()["data"]["interactions"] == []


def test_same_record_twice_in_one_push_applies_in_order(client):
    record_id = str(uuid.uuid4())
    response = client.push({"end_user": [{"id": record_id, "name": "first"},
                                         {"id": record_id, "name": "second", "version": 1},
                                         {"id": record_id, "name": "stale", "version": 1}]})
    body = response.json()
    assert [(r["name"], r["version"]) for r in body["data"]] == [("first", 1), ("second", 2), ("second", 2)]
    assert [(c["clientVersion"], c["serverVersion"]) for c in body["conflicts"]] == [(1, 2)]


def test_text_survives_round_trip(client):
    name = 'quote " backslash \\ tab \t newline \n unicode é 😀 \u2028 control \u0001'
    record = client.push({"end_user": [{"name": name, "email": None}]}).json()["data"][0]
    assert record["name"] == name and record["email"] is None
    assert client.pull().json()["data"]["end_user"][0]["name"] == name


def test_a_direct_delete_becomes_a_tombstone_every_device_receives(client, tenant):
    user = client.push({"end_user": [{"name": "to be deleted by an admin"}]}).json()["data"][0]
    interaction = client.push({"interactions": [{"type": "call", "client_user_id": user["id"]}]}).json()["data"][0]
    client.pull()
    sql("DELETE FROM interactions WHERE tenant_id = :'p1' AND id = :'p2'", tenant, interaction["id"])
    sql("DELETE FROM end_user WHERE tenant_id = :'p1' AND id = :'p2'", tenant, user["id"])
    pulled = client.pull().json()["data"]
    assert [(u["id"], u["is_deleted"], u["version"]) for u in pulled["end_user"]] == [(user["id"], 1, 2)]
    assert [(i["id"], i["status"]) for i in pulled["interactions"]] == [(interaction["id"], "cancelled")]


def test_a_push_answers_ids_as_the_client_spelled_them(make_client):
    """Swift's uuidString is upper-case: the push's answer keeps it (records and conflicts), the store
    keeps one canonical, lower-case form, and pulls return that."""
    client = make_client(strategy="manual")
    upper = str(uuid.uuid4()).upper()
    created = client.push({"end_user": [{"id": upper, "name": "Upper"}]}).json()
    assert created["data"][0]["id"] == upper
    assert client.push({"end_user": [{"id": upper.lower(), "name": "second", "version": 1}]}).json()["data"][0]["id"] == upper.lower()
    stale = client.push({"end_user": [{"id": upper, "name": "stale", "version": 1}]}).json()
    assert stale["data"][0]["id"] == upper and stale["conflicts"][0]["id"] == upper
    pulled = client.pull(since="1970-01-01T00:00:00Z").json()["data"]["end_user"]
    assert [u["id"] for u in pulled] == [upper.lower()]


def test_a_seed_style_edit_wins_under_last_write_wins(make_client):
    """The seed's client sends `version: 1` and no `updatedAt` with every edit: after the first, each is
    stale, and without an edit time it edited when its push arrived (the seed's rule), so it wins."""
    device = make_client()
    record = device.push({"end_user": [{"id": None, "name": "First", "version": 1}]}).json()["data"][0]
    assert device.push({"end_user": [{"id": record["id"], "name": "Second", "version": 1}]}).json()["data"][0]["name"] == "Second"
    third = device.push({"end_user": [{"id": record["id"], "name": "Third", "version": 1}]}).json()
    assert third["conflicts"][0]["winner"] == "client" and third["data"][0]["name"] == "Third"


def test_a_stale_push_of_some_fields_keeps_the_others(make_client):
    """Under client-wins, {"id", "version": 1} alone changes nothing it does not name (issue 12, probe 3)."""
    device = make_client(strategy="client-wins")
    user = device.push({"end_user": [{"name": "Kept", "email": "kept@example.com"}]}).json()["data"][0]
    device.push({"end_user": [{"id": user["id"], "name": "Edited", "version": 1}]})
    call = device.push({"interactions": [{"type": "call", "title": "Title", "date": "2024-01-01T10:00:00Z",
                                          "client_user_id": user["id"], "status": "completed"}]}).json()["data"][0]
    device.push({"interactions": [{"id": call["id"], "type": "call", "version": 1}]})
    device.push({"interactions": [{"id": call["id"], "version": 1}]})
    stale_user = device.push({"end_user": [{"id": user["id"], "version": 1}]}).json()["data"][0]
    assert (stale_user["name"], stale_user["email"]) == ("Edited", "kept@example.com")
    stale_call = device.pull().json()["data"]["interactions"][0]
    assert (stale_call["title"], stale_call["date"][:10], stale_call["client_user_id"], stale_call["status"]) == \
        ("Title", "2024-01-01", user["id"], "completed")


def test_a_device_clock_years_fast_does_not_win_every_conflict(make_client):
    """A device four years fast pushes an edit stamped 2030; a device with a right clock then edits the
    same record from the same base version and wins, and the first is told its clock was wrong."""
    tenant = new_tenant()
    fast, right = make_client(tenant=tenant, sub="fast"), make_client(tenant=tenant, sub="right")
    record = right.push({"end_user": [{"name": "Base"}]}).json()["data"][0]
    ahead = fast.push({"end_user": [{"id": record["id"], "name": "From 2030", "version": 1,
                                     "updatedAt": "2030-01-01T00:00:00Z"}]}).json()
    assert ahead["clockClamped"][0]["sentUpdatedAt"].startswith("2030-01-01T00:00:00")
    assert ahead["data"][0]["updatedAt"] < "2027"
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 1))
    later = right.push({"end_user": [{"id": record["id"], "name": "Right clock", "version": 1, "updatedAt": now}]}).json()
    assert later["conflicts"][0]["winner"] == "client" and later["data"][0]["name"] == "Right clock"
    assert "clockClamped" not in later
