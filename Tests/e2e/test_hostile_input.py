"""Whatever an attacker with one valid token sends, each request costs bounded work and memory, and
no input reaches a 500 or PostgreSQL's error log.

The time bounds are generous (a second for what takes tens of milliseconds): they are there to catch
work that grows faster than the body, not to measure speed."""
import json
import subprocess
import time
import uuid

import pytest
import requests

from conftest import Client, cli, env, make_token, new_tenant, sql, superuser_sql
from test_operations import from_address, own_service, run_dir

API = "/api/client/sync/"
NGINX_BODY_LIMIT = 10 * 1024 * 1024


def timed_post(client, endpoint, raw):
    """Posts a raw body (over loopback HTTP, to keep TLS out of the timing); returns (response, seconds)."""
    started = time.monotonic()
    response = requests.post(env("SYNC_HTTP_BASE_URL") + API + endpoint, data=raw, timeout=60,
                             headers={"Content-Type": "application/json", "Authorization": f"Bearer {client.token}"})
    return response, time.monotonic() - started


def keys(count):
    """`count` distinct short keys: base 36, so a million of them fit in nginx's 10 MiB."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    for n in range(count):
        text = ""
        while True:
            n, digit = divmod(n, 36)
            text = digits[digit] + text
            if n == 0:
                break
        yield text


def test_an_object_of_a_million_keys_is_answered_in_under_a_second(client):
    body = '{"limit":{' + ",".join(f'"{key}":0' for key in keys(1_000_000)) + "}}"
    assert len(body) < NGINX_BODY_LIMIT
    response, seconds = timed_post(client, "pull", body)
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_failed"
    assert seconds < 1.0, f"a million keys took {seconds:.2f} s"


def test_a_body_of_ten_mebibytes_of_numbers_is_answered_in_under_a_second(client):
    numbers = ",".join(str(n * 7919 % 1_000_003 + 0.5) for n in range(1_200_000))
    body = '{"limit":[' + numbers[:NGINX_BODY_LIMIT - 64].rsplit(",", 1)[0] + "]}"
    response, seconds = timed_post(client, "pull", body)
    assert response.status_code == 400
    assert seconds < 1.0, f"10 MiB of numbers took {seconds:.2f} s"


def test_arrays_nested_to_the_depth_limit_are_answered_in_under_a_second(client):
    nested = "[" * 62 + "0" + "]" * 62
    body = '{"limit":[' + ",".join([nested] * (NGINX_BODY_LIMIT // (len(nested) + 1) - 1)) + "]}"
    assert len(body) < NGINX_BODY_LIMIT
    response, seconds = timed_post(client, "pull", body)
    assert response.status_code == 400
    assert seconds < 1.0, f"nested arrays took {seconds:.2f} s"
    too_deep = "[" * 100 + "]" * 100
    response, _ = timed_post(client, "pull", '{"limit":' + too_deep + "}")
    assert response.status_code == 400 and response.json()["error"]["code"] == "body_too_complex"


def test_a_long_string_of_escapes_is_answered_in_under_a_second(client):
    body = '{"lastSyncTimestamp":"' + "\\u00e9\\n" * (NGINX_BODY_LIMIT // 9) + '"}'
    assert len(body) < NGINX_BODY_LIMIT
    response, seconds = timed_post(client, "pull", body)
    assert response.status_code == 400
    assert seconds < 1.0, f"a long string took {seconds:.2f} s"


def test_a_suspended_tenant_is_refused_before_its_body_is_read(tenant):
    cli("tenant", "suspend", tenant)
    client = Client(env("SYNC_BASE_URL"), make_token(tenant), env("SYNC_CA_FILE"))
    body = '{"limit":{' + ",".join(f'"{key}":0' for key in keys(1_000_000)) + "}}"
    response, seconds = timed_post(client, "pull", body)
    assert response.status_code == 403
    assert seconds < 1.0


def test_an_error_body_stays_small_whatever_the_request(client):
    record = {"name": 5, "email": 6, "active": 7, "is_deleted": 8, "version": 0, "isDeleted": 9, "updatedAt": 10}
    response = client.push({"end_user": [record] * 1000})
    assert response.status_code == 400
    assert len(response.content) < 64 * 1024, f"{len(response.content)} bytes of error"
    error = response.json()["error"]
    assert len(error["details"]) == 100
    assert error["issueCount"] == 7000
    assert "7000" in error["message"]


def test_warnings_stay_bounded_whatever_the_request(client):
    record = {f"unknown_{n}": n for n in range(100)}
    record["name"] = "x"
    response = client.push({"end_user": [record] * 1000})
    assert response.status_code == 200
    body = response.json()
    assert len(body["warnings"]) == 100 and body["warningCount"] == 100_000
    assert len(response.content) < 1000 * 400 + 64 * 1024, "the records, and a bounded list of warnings"


def test_an_error_never_echoes_a_long_name_in_full(client):
    response = client.post("pull", {"x" * 100_000: 1, "entityTypes": ["y" * 100_000]})
    assert response.status_code == 400
    assert len(response.content) < 2048


def test_an_unknown_entity_type_is_named_in_the_error(client):
    details = client.post("pull", {"entityTypes": ["end_user", "gadgets"]}).json()["error"]["details"]
    assert details[0]["index"] == 1 and '"gadgets"' in details[0]["message"]
    details = client.push({"gadgets": []}).json()["error"]["details"]
    assert '"gadgets"' in details[0]["message"]


@pytest.mark.parametrize("field,value", [
    ("name", "a" + "\u0301" * 300),        # one user-perceived character, 301 code points
    ("email", "é" * 256),
])
def test_what_postgresql_would_refuse_is_a_400_naming_the_field(client, field, value):
    record = {"name": "ok", field: value}
    response = client.push({"end_user": [record]})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"][0]["field"] == field


@pytest.mark.parametrize("date", ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999+00:00", "0001-01-01T00:00:00+14:00"])
def test_dates_at_the_edges_never_reach_a_500(client, date):
    response = client.push({"interactions": [{"type": "call", "date": date}]})
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.json()["error"]["details"][0]["field"] == "date"


def test_nothing_a_client_sends_lands_in_postgresqls_log(client):
    log = run_dir("pg", "server.log")
    before = open(log, errors="replace").read()
    client.push({"end_user": [{"name": "a" + "\u0301" * 300}]})
    client.push({"interactions": [{"type": "call", "date": "0000-01-01T00:00:00Z", "title": "Secret-Title-4711"}]})
    after = open(log, errors="replace").read()
    added = after[len(before):]
    assert "ERROR" not in added, added[-2000:]


def test_a_pull_page_stops_at_its_byte_budget(make_client):
    client = make_client()
    control = "\u0001" * 10_000          # 10,000 bytes stored, 60,000 sent
    for _ in range(10):
        response = client.push({"interactions": [{"type": "call", "description": control} for _ in range(10)]})
        assert response.status_code == 200
    budget = 4 * 1024 * 1024
    seen = set()
    since = "1970-01-01T00:00:00Z"
    pages = 0
    while pages < 10:
        response = client.post("pull", {"lastSyncTimestamp": since, "entityTypes": ["interactions"], "limit": 5000})
        pages += 1
        assert response.status_code == 200
        assert len(response.content) < budget + 64 * 1024, f"a page of {len(response.content)} bytes"
        body = response.json()
        seen |= {record["id"] for record in body["data"]["interactions"]}
        since = body["syncTimestamp"]
        if not body["hasMore"]:
            break
    assert pages >= 2, "six megabytes of records take more than one page"
    assert len(seen) == 100
    pending = client.post("pull-pending", {"entityTypes": ["interactions"], "limit": 5000})
    assert len(pending.content) < budget + 64 * 1024
    assert pending.json()["hasMore"] is True


def test_ready_is_rate_limited_like_the_api():
    statuses = [from_address("127.0.0.2", "GET", "/ready")[0] for _ in range(60)]
    assert 429 in statuses, "a burst of /ready from one address is limited"
    assert all(requests.get(env("SYNC_HTTP_BASE_URL") + "/ready", timeout=10).status_code == 200 for _ in range(60)), \
        "loopback is exempt"


def test_ready_lists_a_schema_mismatch_only_to_loopback():
    database = "ready_" + uuid.uuid4().hex[:8]
    superuser_sql(f"CREATE DATABASE {database} OWNER sync")
    url = env("SYNC_DATABASE_URL").replace("/sync?", f"/{database}?")
    admin_url = env("SYNC_ADMIN_DATABASE_URL").replace("/sync?", f"/{database}?")
    try:
        subprocess.run([env("SYNC_BIN"), "migrate", "--database-url", admin_url, "--sql-dir", env("SYNC_SQL_DIR")],
                       check=True, capture_output=True, timeout=60)
        with own_service("--database-url", url):
            base = env("SYNC_AUX_BASE_URL")
            deadline = time.time() + 15
            while time.time() < deadline:
                try:
                    if requests.get(base + "/ready", timeout=5).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                time.sleep(0.1)
            subprocess.run(["psql", admin_url, "-qAt", "-c", "ALTER TABLE end_user RENAME COLUMN email TO mail"],
                           check=True, capture_output=True, timeout=30)
            local = requests.get(base + "/ready", timeout=10)
            assert local.status_code == 503 and local.json()["error"]["code"] == "schema_mismatch"
            assert local.json()["error"]["details"], "loopback sees what does not match"
            port = int(base.rsplit(":", 1)[1])
            import http.client
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=("127.0.0.2", 0))
            connection.request("GET", "/ready")
            remote = connection.getresponse()
            body = json.loads(remote.read())
            assert remote.status == 503 and body["error"]["details"] == [], "others are told only that it is not ready"
    finally:
        superuser_sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)", check=False)
