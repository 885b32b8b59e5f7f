"""Bearer tokens and tenants: every refusal is a JSON 401 or 403."""
import time

import pytest
import requests

from conftest import cli, env, make_token, new_tenant


def assert_401(response):
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "unauthorized"


def test_missing_token(client):
    response = client.post("pull", {}, token=False)
    assert_401(response)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="sync"'


@pytest.mark.parametrize("make", [
    lambda t: "not-a-token",
    lambda t: make_token(t, secret="wrong-secret"),
    lambda t: make_token(t, alg="none"),
    lambda t: make_token(t, alg="HS512"),
    lambda t: make_token(t, alg="HS384"),
    lambda t: make_token(t, exp_in=-10),
    lambda t: make_token(t, drop=("exp",)),
    lambda t: make_token(t, claims={"nbf": int(time.time()) + 600}),
    lambda t: make_token(t, drop=("tenant_id",)),
    lambda t: make_token(t, claims={"tenant_id": 42}),
    lambda t: make_token(t, claims={"exp": "tomorrow"}),
], ids=["garbage", "wrong-secret", "alg-none", "hs512-same-secret", "hs384", "expired", "no-exp", "nbf-future",
        "no-tenant", "numeric-tenant", "string-exp"])
def test_refused_tokens(client, tenant, make):
    assert_401(client.post("pull", {}, token=make(tenant)))


def test_nbf_in_the_past_is_accepted(client, tenant):
    assert client.post("pull", {}, token=make_token(tenant, claims={"nbf": int(time.time()) - 5})).status_code == 200


def test_unknown_tenant_is_403(client):
    response = client.post("pull", {}, token=make_token("no-such-tenant"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_suspending_a_tenant_takes_effect_within_5_seconds(client, tenant):
    assert client.pull().status_code == 200
    cli("tenant", "suspend", tenant)
    deadline = time.time() + 5
    status = 200
    while time.time() < deadline and status == 200:
        status = client.post("pull", {}).status_code
        time.sleep(0.2)
    assert status == 403
    cli("tenant", "activate", tenant)


def test_tenant_list_shows_state():
    tenant = new_tenant("merge")
    line = next(l for l in cli("tenant", "list").splitlines() if l.startswith(tenant + "\t"))
    assert "\tactive\tmerge\tdefault-rate\t" in line


def test_cli_token_is_accepted(make_client, tenant):
    token = cli("token", "--tenant", tenant, "--sub", "someone", "--ttl", "60").strip()
    response = requests.post(env("SYNC_HTTP_BASE_URL") + "/api/client/sync/pull", json={},
                             headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 200
