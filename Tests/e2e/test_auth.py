"""Bearer tokens and tenants: every refusal is a JSON 401 or 403."""
import os
import subprocess
import time

import pytest
import requests

from conftest import cli, env, make_token, new_tenant, reload_and_wait


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
    lambda t: make_token(t, claims={"iat": 10_000_000_000}),
    lambda t: make_token(t, claims={"iat": int(time.time()) + 600}),
    lambda t: make_token(t, header={"crit": ["exp-ext"], "exp-ext": 1}),
    lambda t: make_token(t, header={"kid": "no-such-key"}),
    lambda t: make_token(t, raw_payload='{"tenant_id":"%s","tenant_id":"other","exp":%d}' % (t, time.time() + 600)),
    lambda t: make_token(t, raw_payload='{"tenant_id":"other","tenant_id":"%s","exp":%d}' % (t, time.time() + 600)),
], ids=["garbage", "wrong-secret", "alg-none", "hs512-same-secret", "hs384", "expired", "no-exp", "nbf-future",
        "no-tenant", "numeric-tenant", "string-exp", "iat-2286", "iat-future", "crit-unknown", "kid-unknown",
        "tenant-twice", "tenant-twice-reversed"])
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


def test_iat_a_little_ahead_is_accepted(client, tenant):
    """Issuers' clocks differ a little from this host's: up to a minute ahead is accepted."""
    assert client.post("pull", {}, token=make_token(tenant, claims={"iat": int(time.time()) + 20})).status_code == 200


def test_secrets_rotate_by_key_id_and_the_policy_applies():
    """A rotation as the README describes it, on a service of the test's own: tokens name their key with
    `kid`; tokens without one use the primary; `iss`, `aud` and a maximum lifetime apply when set."""
    from test_operations import eventually, own_service, rewrite, settings_file
    old, new = "o" * 40, "n" * 40
    settings = settings_file(f"SYNC_JWT_SECRET={old}\nSYNC_JWT_KEY_ID=k1\nSYNC_WORKERS=1\nSYNC_THREADS=2\n")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SYNC_JWT")}
    tenant = new_tenant()
    url = env("SYNC_AUX_BASE_URL") + "/api/client/sync/pull"

    def status(**token):
        return requests.post(url, json={}, timeout=10,
                             headers={"Authorization": f"Bearer {make_token(tenant, **token)}"}).status_code

    def wait_for(expected, **token):
        return eventually(lambda: status(**token) == expected)

    with own_service("--config", settings, environment=environment) as service:
        assert wait_for(200, secret=old, header={"kid": "k1"})
        assert status(secret=old) == 200, "no kid: the primary"
        assert status(secret=new, header={"kid": "k2"}) == 401, "k2 is not known yet"
        # Step 1: the new secret is accepted alongside.
        rewrite(settings, f"SYNC_JWT_SECRET={old}\nSYNC_JWT_KEY_ID=k1\nSYNC_JWT_OTHER_KEYS=k2={new}\n"
                            "SYNC_WORKERS=1\nSYNC_THREADS=2\n")
        reload_and_wait(service.pid)
        assert wait_for(200, secret=new, header={"kid": "k2"})
        assert status(secret=old, header={"kid": "k1"}) == 200
        assert status(secret=old, header={"kid": "k2"}) == 401, "a kid selects its own secret only"
        # Step 2: the new secret becomes the primary; the old one verifies its tokens until they expire.
        rewrite(settings, f"SYNC_JWT_SECRET={new}\nSYNC_JWT_KEY_ID=k2\nSYNC_JWT_OTHER_KEYS=k1={old}\n"
                            "SYNC_WORKERS=1\nSYNC_THREADS=2\n")
        reload_and_wait(service.pid)
        assert wait_for(401, secret=old), "tokens without kid now need the new primary"
        assert status(secret=new) == 200
        assert status(secret=old, header={"kid": "k1"}) == 200
        # Step 3: the old secret goes; with it, every token it signed.
        rewrite(settings, f"SYNC_JWT_SECRET={new}\nSYNC_JWT_KEY_ID=k2\nSYNC_JWT_ISSUER=https://issuer.example\n"
                            "SYNC_JWT_AUDIENCE=sync\nSYNC_JWT_MAX_LIFETIME_SECONDS=3600\nSYNC_WORKERS=1\nSYNC_THREADS=2\n")
        reload_and_wait(service.pid)
        good = {"iss": "https://issuer.example", "aud": ["other", "sync"]}
        assert wait_for(401, secret=old, header={"kid": "k1"}, claims=good)
        assert status(secret=new, claims=good) == 200
        assert status(secret=new, claims={**good, "iss": "https://elsewhere.example"}) == 401
        assert status(secret=new, claims={**good, "aud": "other"}) == 401
        assert status(secret=new, claims={"aud": "sync"}) == 401, "no iss"
        assert status(secret=new, claims={**good, "aud": "sync"}) == 200
        assert status(secret=new, claims=good, exp_in=7200) == 401, "longer than the maximum lifetime"


@pytest.mark.parametrize("secret,why", [
    ("change-me-to-a-long-random-secret", "placeholder"),
    ("a", "at least 32"),
    ("", "not set"),
])
def test_serve_refuses_a_weak_secret(tmp_path, secret, why):
    result = subprocess.run([env("SYNC_BIN"), "serve", "--listen", str(tmp_path / "s.sock")], capture_output=True,
                            text=True, timeout=30, env={**os.environ, "SYNC_JWT_SECRET": secret})
    assert result.returncode != 0
    assert "SYNC_JWT_SECRET" in result.stderr and why in result.stderr
    assert not (tmp_path / "s.sock").exists()


def test_cli_token_refuses_a_weak_secret():
    result = subprocess.run([env("SYNC_BIN"), "token", "--tenant", "t", "--sub", "s"], capture_output=True, text=True,
                            timeout=30, env={**os.environ, "SYNC_JWT_SECRET": "a"})
    assert result.returncode != 0 and "SYNC_JWT_SECRET" in result.stderr


def test_every_command_reads_the_services_settings_file(tmp_path):
    """An administrator uses the service's own settings file: --config works for token, tenant and migrate,
    with nothing of it in the environment."""
    settings = tmp_path / "syncd.env"
    settings.write_text(f"SYNC_JWT_SECRET={env('SYNC_JWT_SECRET')}\nSYNC_ADMIN_DATABASE_URL={env('SYNC_ADMIN_DATABASE_URL')}\n"
                        f"SYNC_DATABASE_URL={env('SYNC_DATABASE_URL')}\nSYNC_SQL_DIR={env('SYNC_SQL_DIR')}\n")
    bare = {k: v for k, v in os.environ.items() if not k.startswith("SYNC_")}

    def run(*args):
        return subprocess.run([env("SYNC_BIN"), *args, "--config", str(settings)], capture_output=True, text=True,
                              timeout=30, env=bare)

    tenant = "cfg-" + str(int(time.time() * 1000))
    assert run("tenant", "add", tenant).returncode == 0
    assert tenant in run("tenant", "list").stdout
    token = run("token", "--tenant", tenant, "--sub", "admin").stdout.strip()
    response = requests.post(env("SYNC_HTTP_BASE_URL") + "/api/client/sync/pull", json={}, timeout=10,
                             headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert run("migrate").stdout.strip() == "schema is up to date"
    missing = subprocess.run([env("SYNC_BIN"), "migrate", "--config", "/nonexistent"], capture_output=True, text=True,
                             timeout=30, env=bare)
    assert missing.returncode != 0 and "/nonexistent" in missing.stderr
