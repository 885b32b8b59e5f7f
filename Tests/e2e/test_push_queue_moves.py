"""What the seed accepts, the service no longer refuses whole, so one item cannot block a client's queue
(issue 12, probe 7): a non-UUID client id creates the record and comes back as clientId; an unknown
field is ignored and named in warnings; a record referencing a record the server does not have is
refused alone, and the rest of the push is stored."""
import uuid

from conftest import sql


def test_a_client_id_that_is_not_a_uuid_creates_the_record_and_comes_back_as_client_id(client):
    response = client.push({"end_user": [{"id": "local-1", "name": "a"}, {"id": "", "name": "b"}, {"id": 42, "name": "c"},
                                         {"id": None, "name": "d"}]})
    assert response.status_code == 200, response.text
    records = response.json()["data"]
    assert [r.get("clientId", "absent") for r in records] == ["local-1", "", 42, "absent"]
    ids = [r["id"] for r in records]
    assert all(uuid.UUID(id) for id in ids) and len(set(ids)) == 4
    pulled = {r["id"]: r for r in client.pull(["end_user"]).json()["data"]["end_user"]}
    assert set(pulled) == set(ids) and all("clientId" not in r for r in pulled.values()), "stored under the new ids only"
    # A version sent with a client's own id says nothing: it is a new record at version 1.
    again = client.push({"end_user": [{"id": "local-1", "name": "a again", "version": 7}]}).json()["data"][0]
    assert again["version"] == 1 and again["clientId"] == "local-1" and again["id"] not in ids


def test_an_unknown_field_is_ignored_and_named_in_warnings(client):
    response = client.push({"end_user": [{"name": "a", "createdAt": "2024-01-01T00:00:00Z"}, {"name": "b"}]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["warnings"] == [{"entityType": "end_user", "index": 0, "field": "createdAt", "message": "unknown field, ignored"}]
    assert [r["name"] for r in body["data"]] == ["a", "b"]
    assert "warnings" not in client.push({"end_user": [{"name": "c"}]}).json(), "present only when there are some"


def test_a_record_whose_reference_the_server_lacks_is_refused_alone(client, tenant):
    user = client.push({"end_user": [{"name": "kept"}]}).json()["data"][0]
    never_synced = str(uuid.uuid4())   # a user created and deleted offline before it ever synced
    response = client.push({
        "end_user": [{"name": "new in the same push"}],
        "interactions": [{"type": "call", "client_user_id": never_synced}, {"type": "visit", "client_user_id": user["id"]},
                         {"type": "note"}],
    })
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rejected"] == [{"entityType": "interactions", "index": 0, "field": "client_user_id",
                                 "message": "does not name a end_user record of this tenant"}]
    assert [r.get("type", r.get("name")) for r in body["data"]] == ["new in the same push", "visit", "note"]
    assert sql("SELECT count(*) FROM interactions WHERE tenant_id = :'p1'", tenant) == "2"
    # Any other invalid item still refuses the whole push, and names it.
    refused = client.push({"interactions": [{"type": "call"}, {"type": "x" * 51}]})
    assert refused.status_code == 400 and refused.json()["error"]["details"][0]["index"] == 1
    assert sql("SELECT count(*) FROM interactions WHERE tenant_id = :'p1'", tenant) == "2"
