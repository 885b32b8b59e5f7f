"""Permissions per entity type: a token's `scope` claim, else its tenant's default scope."""
import pytest

from conftest import Client, cli, env, make_token, new_tenant


def client_for(tenant, scope=None, sub="device-1"):
    claims = {"scope": scope} if scope is not None else None
    return Client(env("SYNC_BASE_URL"), make_token(tenant, sub=sub, claims=claims), env("SYNC_CA_FILE"))


def assert_insufficient(response, access, types):
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "insufficient_scope"
    assert [d["entityType"] for d in error["details"]] == types
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge
    for entity_type in types:
        assert f"sync:{access}:{entity_type}" in challenge


def test_a_token_reads_and_writes_only_what_its_scope_grants():
    tenant = new_tenant()
    full = client_for(tenant)
    assert full.push({"end_user": [{"name": "u"}], "interactions": [{"type": "call"}]}).status_code == 200
    users_only = client_for(tenant, "sync:read:end_user sync:write:end_user other-service:admin")
    assert_insufficient(users_only.push({"interactions": [{"type": "call"}]}), "write", ["interactions"])
    assert_insufficient(users_only.push({"end_user": [{"name": "a"}], "interactions": [{"type": "call"}]}),
                        "write", ["interactions"])
    assert users_only.push({"end_user": [{"name": "mine"}]}).status_code == 200
    assert_insufficient(users_only.post("pull", {"entityTypes": ["interactions"]}), "read", ["interactions"])
    assert_insufficient(users_only.post("pull-pending", {"entityTypes": ["end_user", "interactions"]}), "read",
                        ["interactions"])
    everything = users_only.post("pull", {}).json()["data"]
    assert set(everything) == {"end_user"}, "a pull without entityTypes returns the types the token may read"
    assert len(everything["end_user"]) == 2
    assert set(users_only.post("pull-pending", {}).json()["data"]) == {"end_user"}


def test_read_only_tokens_cannot_push():
    tenant = new_tenant()
    reader = client_for(tenant, "sync:read:*")
    assert_insufficient(reader.push({"end_user": [{"name": "x"}]}), "write", ["end_user"])
    assert reader.post("pull", {}).status_code == 200
    writer = client_for(tenant, "sync:write:*")
    assert writer.push({"end_user": [{"name": "x"}]}).status_code == 200
    assert_insufficient(writer.post("pull", {}), "read", ["end_user", "interactions"])


def test_the_tenants_default_scope_applies_to_tokens_without_one():
    tenant = new_tenant()
    cli("tenant", "set", tenant, "--default-scope", "sync:read:*")
    plain = client_for(tenant)
    assert_insufficient(plain.push({"end_user": [{"name": "x"}]}), "write", ["end_user"])
    assert plain.post("pull", {}).status_code == 200
    assert client_for(tenant, "sync:write:end_user").push({"end_user": [{"name": "x"}]}).status_code == 200, \
        "a token's own scope wins over the default"
    line = next(l for l in cli("tenant", "list").splitlines() if l.startswith(tenant + "\t"))
    assert "\tsync:read:*\t" in line
    cli("tenant", "set", tenant, "--default-scope", "default")


@pytest.mark.parametrize("scope", ["sync:read:gadgets", "sync:delete:*", "read", ""])
def test_an_invalid_default_scope_is_refused(scope):
    import subprocess
    tenant = new_tenant()
    result = subprocess.run([env("SYNC_BIN"), "tenant", "set", tenant, "--default-scope", scope], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode != 0


def test_cli_tokens_carry_a_scope():
    tenant = new_tenant()
    token = cli("token", "--tenant", tenant, "--sub", "s", "--scope", "sync:read:*").strip()
    client = Client(env("SYNC_BASE_URL"), token, env("SYNC_CA_FILE"))
    assert client.post("pull", {}).status_code == 200
    assert_insufficient(client.push({"end_user": [{"name": "x"}]}), "write", ["end_user"])


def test_conflicts_follow_the_same_rules():
    tenant = new_tenant("manual")
    full = client_for(tenant)
    record = full.push({"interactions": [{"type": "call"}]}).json()["data"][0]
    assert full.push({"interactions": [{"id": record["id"], "version": 1, "type": "visit"}]}).status_code == 200
    stale = full.push({"interactions": [{"id": record["id"], "version": 1, "type": "email"}]})
    assert stale.json()["conflicts"], "a stale push under manual opens a conflict"
    users_only = client_for(tenant, "sync:read:end_user sync:write:end_user")
    assert users_only.post("conflicts", {}).json()["data"] == [], "conflicts of types it may not read are not listed"
    conflict = full.post("conflicts", {}).json()["data"][0]
    assert_insufficient(users_only.post("conflicts/resolve", {"conflictId": conflict["conflictId"], "resolution": "client"}),
                        "write", ["interactions"])
    assert full.post("conflicts/resolve", {"conflictId": conflict["conflictId"], "resolution": "client"}).status_code == 200
