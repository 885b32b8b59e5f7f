"""Idempotency-Key: a retried push applies once."""
import concurrent.futures
import json
import uuid

from conftest import make_token, new_tenant, sql


def push_with_key(device, key, changes):
    return device.post("push", None, raw=json.dumps({"changes": changes}), headers={"Idempotency-Key": key})


def test_retry_returns_stored_response_and_creates_nothing_twice(client, tenant):
    key = str(uuid.uuid4())
    first = push_with_key(client, key, {"end_user": [{"id": None, "name": "Once"}]})
    again = push_with_key(client, key, {"end_user": [{"id": None, "name": "Once"}]})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert sql("SELECT count(*) FROM end_user WHERE tenant_id = :'p1'", tenant) == "1"


def test_same_key_with_another_body_is_422(client):
    key = str(uuid.uuid4())
    assert push_with_key(client, key, {"end_user": [{"name": "A"}]}).status_code == 200
    reused = push_with_key(client, key, {"end_user": [{"name": "B"}]})
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"


def test_keys_are_per_tenant(make_client):
    key = str(uuid.uuid4())
    a, b = make_client(), make_client()
    assert push_with_key(a, key, {"end_user": [{"name": "A"}]}).json()["data"][0]["name"] == "A"
    other = push_with_key(b, key, {"end_user": [{"name": "A"}]})
    assert "Idempotent-Replayed" not in other.headers
    assert len(b.pull().json()["data"]["end_user"]) == 1


def test_a_rejected_push_does_not_use_up_the_key(client):
    key = str(uuid.uuid4())
    assert push_with_key(client, key, {"end_user": [{"email": "no name"}]}).status_code == 400
    assert push_with_key(client, key, {"end_user": [{"name": "fixed"}]}).status_code == 200


def test_concurrent_retries_apply_once(client, tenant):
    key = str(uuid.uuid4())
    changes = {"end_user": [{"name": f"burst {i}"} for i in range(50)]}
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: push_with_key(client, key, changes), range(8)))
    assert [r.status_code for r in responses] == [200] * 8
    assert len({json.dumps(r.json(), sort_keys=True) for r in responses}) == 1
    assert sql("SELECT count(*) FROM end_user WHERE tenant_id = :'p1'", tenant) == "50"


def test_concurrent_retries_of_a_push_with_ids_apply_once(client, tenant):
    """The key's claim rides with the push's first read (here the row locks of records with ids), and
    is settled before anything is written: the retries that find it taken write nothing."""
    key = str(uuid.uuid4())
    changes = {"end_user": [{"id": str(uuid.uuid4()), "name": f"with id {i}"} for i in range(20)]}
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: push_with_key(client, key, changes), range(8)))
    assert [r.status_code for r in responses] == [200] * 8
    assert len({json.dumps(r.json(), sort_keys=True) for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 7
    assert sql("SELECT count(*), max(version) FROM end_user WHERE tenant_id = :'p1'", tenant) == "20|1"
    reused = push_with_key(client, key, {"end_user": [{"id": changes["end_user"][0]["id"], "name": "other", "version": 1}]})
    assert reused.status_code == 422


def test_an_expired_key_applies_again(client, tenant):
    key = str(uuid.uuid4())
    push_with_key(client, key, {"end_user": [{"name": "day one"}]})
    sql("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE tenant_id = :'p1'", tenant)
    again = push_with_key(client, key, {"end_user": [{"name": "day one"}]})
    assert "Idempotent-Replayed" not in again.headers
    assert sql("SELECT count(*) FROM end_user WHERE tenant_id = :'p1'", tenant) == "2"


def test_invalid_key(client):
    response = push_with_key(client, "x" * 256, {"end_user": [{"name": "A"}]})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_idempotency_key"


def test_a_retry_that_differs_only_in_spelling_is_the_same_request(client, tenant):
    """Whitespace, member order and number spelling are not the request: the retry replays."""
    key = str(uuid.uuid4())
    first = client.post("push", None, raw='{"changes":{"end_user":[{"name":"Once","server_synced":0}]}}',
                        headers={"Idempotency-Key": key})
    again = client.post("push", None, raw='{ "changes" : { "end_user" : [ { "server_synced" : 0.0, "name" : "Once" } ] } }\n',
                        headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 200, again.text
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()
    assert sql("SELECT count(*) FROM end_user WHERE tenant_id = :'p1'", tenant) == "1"


def test_keys_are_per_device(make_client):
    """Two devices of one tenant that pick the same key do not answer each other's pushes."""
    tenant = new_tenant()
    key = str(uuid.uuid4())
    a, b = make_client(tenant=tenant, sub="device-a"), make_client(tenant=tenant, sub="device-b")
    assert push_with_key(a, key, {"end_user": [{"name": "from a"}]}).status_code == 200
    other = push_with_key(b, key, {"end_user": [{"name": "from b"}]})
    assert other.status_code == 200 and "Idempotent-Replayed" not in other.headers
    assert sorted(u["name"] for u in a.pull().json()["data"]["end_user"]) == ["from a", "from b"]
