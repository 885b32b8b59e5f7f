"""Pull and pull-pending in pages: every record exactly once, even while writes continue."""
import uuid

from conftest import new_tenant, sql


def pull_all_pages(device, limit, types=("end_user", "interactions"), on_page=None):
    seen = []
    while True:
        response = device.post("pull", {"lastSyncTimestamp": device.last_sync, "entityTypes": list(types), "limit": limit})
        assert response.status_code == 200, response.text
        body = response.json()
        page = [(t, r["id"], r["last_updated"]) for t in types for r in body["data"][t]]
        assert len(page) <= limit
        seen += page
        device.last_sync = body["syncTimestamp"]
        if on_page:
            on_page()
        if not body["hasMore"]:
            return seen


def test_pull_pages_cover_every_record_once(make_client):
    device = make_client()
    users = device.push({"end_user": [{"name": f"u{i}"} for i in range(23)]}).json()["data"]
    device.push({"interactions": [{"type": "call", "client_user_id": users[i]["id"]} for i in range(17)]})
    seen = pull_all_pages(device, limit=5)
    assert len(seen) == 40 and len({r[1] for r in seen}) == 40
    assert [r[2] for r in seen] == sorted(r[2] for r in seen), "oldest change first, across types"


def test_pages_while_writes_continue(make_client):
    tenant = new_tenant()
    reader = make_client(tenant=tenant, sub="reader")
    writer = make_client(tenant=tenant, sub="writer")
    writer.push({"end_user": [{"name": f"before {i}"} for i in range(30)]})
    written = []

    def write_more():
        batch = writer.push({"end_user": [{"name": f"during {len(written)}-{i}"} for i in range(3)]}).json()["data"]
        written.extend(r["id"] for r in batch)

    seen = pull_all_pages(reader, limit=7, types=("end_user",), on_page=write_more)
    seen += pull_all_pages(reader, limit=7, types=("end_user",))
    ids = [r[1] for r in seen]
    assert len(ids) == len(set(ids)), "no record twice"
    assert set(written) <= set(ids), "every record written during the paging is seen"
    assert len(set(ids)) == 30 + len(written)


def test_limit_bounds(client):
    assert client.post("pull", {"limit": 0}).status_code == 400
    assert client.post("pull", {"limit": 5001}).status_code == 400
    assert client.post("pull", {"limit": "10"}).status_code == 400
    assert client.post("pull", {"limit": 5000}).status_code == 200


def test_pull_pending_pages_with_cursor(client, tenant):
    for i in range(12):
        sql("INSERT INTO end_user (tenant_id, name) VALUES (:'p1', 'pending ' || :'p2')", tenant, i)
    users = client.pull(["end_user"]).json()["data"]["end_user"]
    for i in range(9):
        sql("INSERT INTO interactions (tenant_id, type, client_user_id) VALUES (:'p1', 'visit', :'p2')", tenant, users[i]["id"])
    seen, cursor, pages = [], None, 0
    while True:
        body = {"entityTypes": ["end_user", "interactions"], "limit": 5}
        if cursor:
            body["cursor"] = cursor
        response = client.post("pull-pending", body).json()
        pages += 1
        seen += [r["id"] for t in ("end_user", "interactions") for r in response["data"][t]]
        if not response["hasMore"]:
            assert "nextCursor" not in response
            break
        cursor = response["nextCursor"]
    assert len(seen) == 21 and len(set(seen)) == 21
    assert pages >= 5
    assert client.post("pull-pending", {"cursor": "nonsense"}).status_code == 400
    assert client.post("pull-pending", {"cursor": "interactions~2024-01-01T00:00:00Z",
                                         "entityTypes": ["end_user"]}).status_code == 400


def test_first_pull_includes_tombstones(client):
    user = client.push({"end_user": [{"id": str(uuid.uuid4()), "name": "gone", "isDeleted": True}]}).json()["data"][0]
    assert [u["is_deleted"] for u in client.pull(since="1970-01-01T00:00:00Z").json()["data"]["end_user"]] == [1]
    assert user["is_deleted"] == 1


def test_a_page_larger_than_one_fastcgi_record_arrives_whole(make_client):
    """The worker frames a response in FastCGI records of at most 64 KB: a 1 MB page spans many."""
    device = make_client()
    names = [f"{i:04d} " + "n" * 240 for i in range(4000)]
    for start in range(0, len(names), 1000):
        device.push({"end_user": [{"name": name, "email": "e" * 200} for name in names[start:start + 1000]]})
    # Uncompressed, so that the length nginx declares is the one the workers framed.
    response = device.post("pull", {"entityTypes": ["end_user"], "limit": 5000}, headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert len(response.content) > 1_000_000
    assert int(response.headers["Content-Length"]) == len(response.content)
    assert sorted(r["name"] for r in response.json()["data"]["end_user"]) == names
