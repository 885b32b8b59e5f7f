"""Every error is JSON in one shape with a fitting status; bad input is never a 500."""
import json
import uuid

import requests

from conftest import env


def error(response, status, code=None):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and set(body["error"]) == {"code", "message", "details"}
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_malformed_json(client):
    error(client.post("push", None, raw="{not json"), 400, "malformed_json")
    error(client.post("pull", None, raw=""), 400, "malformed_json")


def test_validation_names_every_invalid_item(client):
    response = client.push({
        "end_user": [{"name": "fine"}, {"id": "123", "name": "x" * 300, "favourite": "blue"}],
        "interactions": [{"type": "call", "status": "lost"}],
    })
    details = error(response, 400, "validation_failed")["details"]
    located = {(d["entityType"], d["index"], d["field"]) for d in details}
    # The client's own id ("123") and the unknown field are no errors (Tests/e2e/test_push_queue_moves.py).
    assert located == {("end_user", 1, "name"), ("interactions", 0, "status")}
    assert client.pull().json()["data"]["end_user"] == [], "a rejected push writes nothing"


def test_tenant_id_may_not_be_pushed(client):
    details = error(client.push({"end_user": [{"name": "a", "tenant_id": "other"}]}), 400)["details"]
    assert details[0]["field"] == "tenant_id"


def test_unknown_entity_type(client):
    error(client.push({"gadgets": [{}]}), 400, "validation_failed")
    error(client.post("pull", {"entityTypes": ["gadgets"]}), 400, "validation_failed")


def test_missing_required_field_on_create(client):
    details = error(client.push({"end_user": [{"email": "nameless@example.com"}]}), 400)["details"]
    assert details == [{"entityType": "end_user", "index": 0, "field": "name", "message": "is required for a new record"}]


def test_too_many_records(client):
    response = client.push({"end_user": [{"name": f"u{i}"} for i in range(1001)]})
    error(response, 400, "too_many_records")


def test_body_too_large_is_json_from_nginx(client):
    big = json.dumps({"changes": {"end_user": [{"name": "x", "email": "y" * (11 << 20)}]}})
    error(client.post("push", None, raw=big), 413, "body_too_large")


def test_not_json_content_type(client):
    error(client.post("pull", None, raw="{}", headers={"Content-Type": "text/plain"}), 415, "unsupported_media_type")


def test_unknown_path_and_wrong_method(client):
    base = env("SYNC_BASE_URL")
    ca = env("SYNC_CA_FILE")
    error(requests.post(base + "/api/client/sync/nothing", json={}, verify=ca, timeout=10), 404, "not_found")
    error(requests.get(base + "/elsewhere", verify=ca, timeout=10), 404, "not_found")
    response = requests.get(base + "/api/client/sync/pull", verify=ca, timeout=10)
    error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "POST"


def test_bad_timestamps_and_ids(client):
    error(client.post("pull", {"lastSyncTimestamp": "yesterday"}), 400, "validation_failed")
    error(client.push({"interactions": [{"type": "call", "date": "2023-02-30T00:00:00Z"}]}), 400)
    # A reference the server lacks refuses that record alone (Tests/e2e/test_push_queue_moves.py).
    missing = client.push({"interactions": [{"type": "call", "client_user_id": str(uuid.uuid4())}]})
    assert missing.status_code == 200 and missing.json()["data"] == [] and missing.json()["rejected"][0]["field"] == "client_user_id"


def test_nginx_headers(client):
    response = client.pull()
    assert response.headers["Server"] == "nginx", "server_tokens off hides the version"
    assert len(response.headers["X-Request-Id"]) == 32
    assert response.headers["Strict-Transport-Security"]
