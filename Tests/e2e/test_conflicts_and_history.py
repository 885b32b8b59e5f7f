"""The manual strategy, open conflicts and their resolution, and the history of applied changes."""
import subprocess

import pytest

from conftest import cli, env, new_tenant, sql


def manual_conflict(make_client):
    tenant = new_tenant("manual")
    a = make_client(tenant=tenant, sub="device-a")
    b = make_client(tenant=tenant, sub="device-b")
    record = a.push({"end_user": [{"name": "Original", "email": "o@example.com"}]}).json()["data"][0]
    b.pull()
    a.push({"end_user": [{"id": record["id"], "name": "A's edit", "version": 1}]})
    a.pull()
    response = b.push({"end_user": [{"id": record["id"], "name": "B's edit", "email": "b@example.com", "version": 1}]})
    return tenant, a, b, record["id"], response.json()


def test_manual_applies_nothing_and_waits(make_client):
    tenant, a, b, record_id, body = manual_conflict(make_client)
    returned = body["data"][0]
    assert returned["sync_status"] == "conflict"
    assert (returned["name"], returned["version"]) == ("A's edit", 2), "the server's data comes back"
    conflict = body["conflicts"][0]
    assert conflict["winner"] == "open" and conflict["strategy"] == "manual"
    listed = b.post("conflicts", {}).json()["data"]
    assert [c["conflictId"] for c in listed] == [conflict["conflictId"]]
    assert listed[0]["clientPayload"]["name"] == "B's edit" and listed[0]["serverPayload"]["name"] == "A's edit"
    assert listed[0]["pushedBy"] == "device-b"
    assert a.pull().json()["data"]["end_user"] == [], "nothing was applied"


@pytest.mark.parametrize("resolution,record,expected", [
    ("server", None, ("A's edit", "o@example.com")),
    ("client", None, ("B's edit", "b@example.com")),
    ("merged", {"name": "Agreed"}, ("Agreed", "o@example.com")),
])
def test_resolving_bumps_the_version_for_every_device(make_client, resolution, record, expected):
    tenant, a, b, record_id, body = manual_conflict(make_client)
    conflict_id = body["conflicts"][0]["conflictId"]
    request = {"conflictId": conflict_id, "resolution": resolution}
    if record:
        request["record"] = record
    resolved = b.post("conflicts/resolve", request)
    assert resolved.status_code == 200, resolved.text
    stored = resolved.json()["data"]
    assert (stored["name"], stored["email"], stored["version"]) == (*expected, 3)
    pulled = a.pull().json()["data"]["end_user"]
    assert [(u["name"], u["version"]) for u in pulled] == [(expected[0], 3)]
    assert b.post("conflicts", {}).json()["data"] == []
    again = b.post("conflicts/resolve", request)
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict_resolved"
    assert sql("SELECT outcome, resolved_by FROM sync_conflicts WHERE id = :'p1'", conflict_id) == f"{resolution}|device-b"
    written = sql("SELECT sub, new_version, request_id FROM sync_log WHERE tenant_id = :'p1' AND record_id = :'p2' "
                  "ORDER BY seq DESC LIMIT 1", tenant, record_id)
    assert written == f"device-b|3|{resolved.headers['X-Request-Id']}", "the resolution's history names its writer"


def test_resolve_errors(make_client):
    tenant, a, b, record_id, body = manual_conflict(make_client)
    conflict_id = body["conflicts"][0]["conflictId"]
    stranger = make_client()
    assert stranger.post("conflicts/resolve", {"conflictId": conflict_id, "resolution": "server"}).status_code == 404
    assert b.post("conflicts/resolve", {"conflictId": 999999999, "resolution": "server"}).status_code == 404
    assert b.post("conflicts/resolve", {"conflictId": conflict_id, "resolution": "merged"}).status_code == 400
    assert b.post("conflicts/resolve", {"conflictId": conflict_id, "resolution": "merged",
                                        "record": {"name": 5}}).status_code == 400
    assert b.post("conflicts/resolve", {"conflictId": conflict_id, "resolution": "sideways"}).status_code == 400


def test_history_records_every_applied_change(make_client):
    device = make_client(sub="historian")
    response = device.push({"end_user": [{"name": "v1"}]})
    record = response.json()["data"][0]
    request_id = response.headers["X-Request-Id"]
    device.push({"end_user": [{"id": record["id"], "name": "v2", "version": 1}]})
    tenant = sql("SELECT tenant_id FROM end_user WHERE id = :'p1'", record["id"])
    sql("UPDATE end_user SET name = 'by admin' WHERE id = :'p1'", record["id"])
    log = sql("SELECT coalesce(sub, '-'), entity_type, coalesce(old_version::text, '-'), new_version, operation, "
              "coalesce(request_id, '-') FROM sync_log WHERE tenant_id = :'p1' AND record_id = :'p2' ORDER BY seq",
              tenant, record["id"]).splitlines()
    assert log[0] == f"historian|end_user|-|1|insert|{request_id}"
    assert log[1].startswith("historian|end_user|1|2|update|")
    assert log[2] == "-|end_user|2|3|update|-", "direct writes are logged too, without a pusher"


def test_prune_honours_retention(client, tenant):
    client.push({"end_user": [{"name": "old news"}]})
    sql("UPDATE sync_log SET logged_at = now() - interval '31 days' WHERE tenant_id = :'p1'", tenant)
    output = cli("prune")
    assert "removed" in output
    assert sql("SELECT count(*) FROM sync_log WHERE tenant_id = :'p1'", tenant) == "0"


def test_a_resolution_never_overwrites_a_newer_version(make_client):
    """Conflict recorded against version 2; another device then writes version 3; resolving with the
    client's copy would lose version 3: 409 record_changed with the current copy, the conflict stays open
    (issue 12, probe 4). The same stale change pushed twice is one conflict."""
    tenant = new_tenant("manual")
    a, b = make_client(tenant=tenant, sub="a"), make_client(tenant=tenant, sub="b")
    record = a.push({"end_user": [{"name": "v1"}]}).json()["data"][0]
    a.push({"end_user": [{"id": record["id"], "name": "v2", "version": 1}]})
    stale = {"end_user": [{"id": record["id"], "name": "stale", "version": 1}]}
    first = b.push(stale).json()["conflicts"][0]["conflictId"]
    again = b.push(stale).json()["conflicts"][0]["conflictId"]
    assert first == again, "the same stale change is one conflict"
    assert sql("SELECT count(*) FROM sync_conflicts WHERE tenant_id = :'p1' AND outcome = 'open'", tenant) == "1"
    a.push({"end_user": [{"id": record["id"], "name": "v3", "version": 2}]})
    refused = b.post("conflicts/resolve", {"conflictId": first, "resolution": "client"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "record_changed"
    assert refused.json()["error"]["details"][0]["name"] == "v3" and refused.json()["error"]["details"][0]["version"] == 3
    assert [c["conflictId"] for c in b.post("conflicts", {}).json()["data"]] == [first], "still open"
    assert a.pull().json()["data"]["end_user"][0]["name"] == "v3", "version 3 is kept"
    kept = b.post("conflicts/resolve", {"conflictId": first, "resolution": "server"})
    assert kept.status_code == 200 and kept.json()["data"]["name"] == "v3"
