"""Adding an entity type is an edit of the registry file and no rebuild (README, "Adding an entity
type"): the running stack's registry gains a `notes` type, `syncd schema plan` shows the SQL,
`syncd schema apply` runs it, a reload serves it. Push, pull, pull-pending, conflicts and tombstones work
for it, the existing types are untouched, and a change apply cannot make safely is refused whole."""
import json
import os
import signal
import subprocess
import time

import pytest
import requests

from conftest import env, make_token, new_tenant, reload_and_wait, sql

NOTES = {
    "name": "notes",
    "fields": [
        {"name": "body", "type": "text", "maxLength": 2000},
        {"name": "owner_id", "type": "uuid", "nullable": True, "references": "end_user"},
        {"name": "pinned", "type": "flag", "default": 0},
        {"name": "state", "type": "oneOf", "values": ["draft", "shared", "archived"], "default": "draft"},
    ],
    "deletedWhen": {"state": "archived"},
    "pendingWhen": {"state": "draft"},
    "conflictStrategy": "server-wins",
}


def syncd(*args):
    return subprocess.run([env("SYNC_BIN"), *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "SYNC_REGISTRY_FILE": env("SYNC_REGISTRY_FILE"),
                               "SYNC_ADMIN_DATABASE_URL": env("SYNC_ADMIN_DATABASE_URL")})


def reload_stack():
    """SIGHUP to the stack's master; returns once every worker has been replaced."""
    reload_and_wait(int(open(os.path.join(env("SYNC_RUN_DIR"), "sync.pid")).read()))


def api(token, endpoint, body):
    return requests.post(env("SYNC_HTTP_BASE_URL") + "/api/client/sync/" + endpoint, json=body, timeout=30,
                         headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def registry_file():
    path = env("SYNC_REGISTRY_FILE")
    original = open(path).read()
    # A previous run's table would make the plan empty: the test starts without one.
    sql("DROP TABLE IF EXISTS notes CASCADE")
    yield path, json.loads(original)
    with open(path, "w") as file:
        file.write(original)
    reload_stack()


def write(path, registry):
    with open(path, "w") as file:
        json.dump(registry, file, indent=2)


def test_a_notes_type_is_added_with_an_edit_plan_apply_and_reload(registry_file):
    path, registry = registry_file
    registry["entityTypes"].append(NOTES)
    write(path, registry)

    plan = syncd("schema", "plan")
    assert plan.returncode == 0, plan.stderr
    for expected in ("CREATE TABLE notes", "CREATE INDEX notes_changes ON notes (tenant_id, last_updated, id)",
                     "CREATE INDEX notes_pending ON notes (tenant_id, state, last_updated, id)",
                     "FOREIGN KEY (tenant_id, owner_id) REFERENCES end_user (tenant_id, id)",
                     "sync_soft_delete('state', 'archived')", "CREATE POLICY tenant_wall ON notes"):
        assert expected in plan.stdout, plan.stdout
    # The plan is only a plan.
    assert sql("SELECT to_regclass('notes') IS NULL") == "t"
    applied = syncd("schema", "apply")
    assert applied.returncode == 0, applied.stderr
    assert syncd("schema", "plan").stdout.startswith("-- the database matches the registry")
    reload_stack()

    tenant = new_tenant()
    writer, reader = make_token(tenant, sub="writer"), make_token(tenant, sub="reader")
    user = api(writer, "push", {"changes": {"end_user": [{"name": "owner"}]}}).json()["data"][0]["id"]
    pushed = api(writer, "push", {"changes": {"notes": [{"body": "first", "owner_id": user}, {"body": "second", "state": "shared"}]}})
    assert pushed.status_code == 200, pushed.text
    first, second = pushed.json()["data"]
    assert first["state"] == "draft" and first["pinned"] == 0 and first["version"] == 1

    pulled = api(reader, "pull", {"entityTypes": ["notes", "end_user"]}).json()
    assert {note["body"] for note in pulled["data"]["notes"]} == {"first", "second"}
    assert [u["name"] for u in pulled["data"]["end_user"]] == ["owner"], "the existing types are untouched"
    pending = api(reader, "pull-pending", {"entityTypes": ["notes"]}).json()
    assert [note["body"] for note in pending["data"]["notes"]] == ["first"]

    # A stale version is a conflict, settled by the type's strategy (server-wins).
    api(writer, "push", {"changes": {"notes": [{"id": first["id"], "body": "edited", "version": 1}]}})
    stale = api(reader, "push", {"changes": {"notes": [{"id": first["id"], "body": "stale edit", "version": 1}]}}).json()
    assert stale["conflicts"] and stale["conflicts"][0]["strategy"] == "server-wins", stale
    assert stale["data"][0]["body"] == "edited"

    # A DELETE by other server-side code becomes the type's soft delete, and devices get the tombstone.
    position = pulled["syncTimestamp"]
    sql("DELETE FROM notes WHERE tenant_id = :'p1' AND id = :'p2'", tenant, second["id"])
    tombstones = api(reader, "pull", {"entityTypes": ["notes"], "lastSyncTimestamp": position}).json()["data"]["notes"]
    assert {(note["id"], note["state"]) for note in tombstones} >= {(second["id"], "archived")}

    # A reference to an end_user the tenant does not have is refused alone.
    missing = api(writer, "push", {"changes": {"notes": [{"body": "orphan", "owner_id": "00000000-0000-4000-8000-000000000000"}]}})
    assert missing.status_code == 200 and missing.json().get("rejected"), missing.text

    # A new nullable field is an ALTER TABLE; a type change is refused and nothing is applied.
    NOTES["fields"].append({"name": "color", "type": "text", "maxLength": 20, "nullable": True})
    write(path, registry)
    plan = syncd("schema", "plan")
    assert "ALTER TABLE notes ADD COLUMN color text CHECK (char_length(color) <= 20)" in plan.stdout, plan.stdout
    NOTES["fields"][0] = {"name": "body", "type": "integer"}
    NOTES["fields"].append({"name": "due", "type": "timestamp"})
    write(path, registry)
    refused = syncd("schema", "apply")
    assert refused.returncode == 1
    assert "notes.body is text and the registry says integer" in refused.stdout, refused.stdout
    assert "notes.due is new and required without a default" in refused.stdout, refused.stdout
    assert sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'notes' AND column_name = 'color'") == "0"
    NOTES["fields"] = NOTES["fields"][:4]
    NOTES["fields"][0] = {"name": "body", "type": "text", "maxLength": 2000}


def test_a_broken_registry_is_refused_with_its_line_before_anything_serves(registry_file, tmp_path):
    path, registry = registry_file
    registry["entityTypes"][1]["fields"][0]["references"] = "nobody"
    write(path, registry)
    checked = syncd("config", "check")
    assert checked.returncode == 1
    assert f"{path}: line " in checked.stdout and "entityTypes[1].fields[0].references" in checked.stdout, checked.stdout
    # A reload with it is refused; the workers keep serving the registry they have.
    master = int(open(os.path.join(env("SYNC_RUN_DIR"), "sync.pid")).read())
    os.kill(master, signal.SIGHUP)
    time.sleep(1.5)
    token = make_token(new_tenant())
    assert api(token, "pull", {"entityTypes": ["interactions"]}).status_code == 200
