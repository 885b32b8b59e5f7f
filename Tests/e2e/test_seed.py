"""The seed document's own cases: its client usage example, unit tests and integration test."""
import uuid


def test_usage_example_push_pull_pending(client):
    push = client.push({"end_user": [{"name": "John Doe", "email": "john@example.com", "sync_status": "pending"}]})
    assert push.status_code == 200
    body = push.json()
    assert body["success"] is True
    user = body["data"][0]
    assert uuid.UUID(user["id"])
    assert user["sync_status"] == "synced" and user["server_synced"] == 1 and user["version"] == 1
    assert user["active"] == 1 and user["is_deleted"] == 0

    pull = client.pull(["end_user", "interactions"])
    assert pull.status_code == 200
    assert [u["name"] for u in pull.json()["data"]["end_user"]] == ["John Doe"]
    assert pull.json()["data"]["interactions"] == []

    pending = client.pull_pending(["end_user"])
    assert pending.status_code == 200
    assert pending.json()["data"]["end_user"] == [], "a pushed user is synced, not pending"


def test_push_changes_successfully(client):
    result = client.push({"end_user": [{"name": "Test User", "email": "test@example.com", "sync_status": "pending"}]})
    assert result.json()["success"] is True
    assert result.json()["data"][0]["sync_status"] == "synced"


def test_pull_data_with_correct_filters(client):
    result = client.pull(["end_user"], since="2024-01-01T00:00:00.000Z")
    assert result.json()["success"] is True
    assert "end_user" in result.json()["data"]


def test_complete_sync_flow(client):
    push = client.push({"end_user": [{"name": "Integration Test User", "email": "integration@test.com",
                                      "sync_status": "pending"}]})
    assert push.status_code == 200
    assert push.json()["data"][0]["sync_status"] == "synced"
    pull = client.pull(["end_user"], since="1970-01-01T00:00:00.000Z")
    assert pull.status_code == 200
    assert len(pull.json()["data"]["end_user"]) == 1


def test_seed_push_request_format(client):
    """The seed's push request, both entity types, ids null."""
    result = client.push({
        "end_user": [{"id": None, "name": "John Doe", "email": "john@example.com", "sync_status": "pending",
                      "server_synced": 0, "version": 1}],
        "interactions": [{"id": None, "type": "call", "title": "Follow up call", "description": "Discuss project details",
                          "date": "2024-01-01T10:00:00Z", "status": "pending"}],
    })
    assert result.status_code == 200, result.text
    user, interaction = result.json()["data"]
    assert user["name"] == "John Doe" and interaction["title"] == "Follow up call"
    assert interaction["status"] == "pending" and interaction["date"] == "2024-01-01T10:00:00.000000Z"
    pending = client.pull_pending()
    assert [i["id"] for i in pending.json()["data"]["interactions"]] == [interaction["id"]]
