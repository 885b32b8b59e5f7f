"""The service refuses a database that does not match its registry, and rides out a database outage."""
import concurrent.futures
import glob
import os
import subprocess
import time
import uuid
import urllib.parse

import requests

from conftest import env, superuser_sql


def pg_ctl(*args):
    data = os.path.realpath(os.path.join(env("SYNC_RUN_DIR"), "pg"))
    binary = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]
    query = urllib.parse.parse_qs(urllib.parse.urlparse(env("SYNC_DATABASE_URL")).query)
    subprocess.run(["runuser", "-u", "postgres", "--", binary, "-D", data, "-o", f"-p {query['port'][0]} -k {query['host'][0]}",
                    "-w", "-m", "fast",
                    "-l", os.path.join(data, "server.log"), *args], check=True, capture_output=True, timeout=60)


def test_serve_refuses_an_unmigrated_database_and_a_schema_that_does_not_match_the_registry(tmp_path):
    def serve(url):
        return subprocess.run([env("SYNC_BIN"), "serve", "--database-url", url, "--listen", str(tmp_path / "s.sock")],
                              capture_output=True, text=True, timeout=30, env={**os.environ, "SYNC_JWT_SECRET": "x" * 32})

    # The `postgres` database exists but holds none of the service's tables.
    result = serve(env("SYNC_DATABASE_URL").replace("/sync?", "/postgres?"))
    assert result.returncode != 0
    assert "migrations not applied: 001_schema.sql, 002_" in result.stderr and "run `syncd migrate`" in result.stderr

    # Every migration applied, then a column renamed by hand.
    database = "mismatch_" + uuid.uuid4().hex[:8]
    superuser_sql(f"CREATE DATABASE {database} OWNER sync")
    admin_url = env("SYNC_ADMIN_DATABASE_URL").replace("/sync?", f"/{database}?")
    try:
        subprocess.run([env("SYNC_BIN"), "migrate", "--database-url", admin_url, "--sql-dir", env("SYNC_SQL_DIR")],
                       check=True, capture_output=True, timeout=60)
        subprocess.run(["psql", admin_url, "-qAt", "-c", "ALTER TABLE end_user RENAME COLUMN email TO mail"],
                       check=True, capture_output=True, timeout=30)
        result = serve(env("SYNC_DATABASE_URL").replace("/sync?", f"/{database}?"))
        assert result.returncode != 0
        assert "the schema does not match the registry: end_user.email (field email) is missing" in result.stderr
    finally:
        superuser_sql(f"DROP DATABASE {database} WITH (FORCE)", check=False)


def test_database_outage_is_a_json_503_and_service_resumes(client):
    assert client.pull().status_code == 200
    pg_ctl("stop")
    try:
        assert requests.get(env("SYNC_HTTP_BASE_URL") + "/ready", timeout=10).status_code == 503
        assert requests.get(env("SYNC_HTTP_BASE_URL") + "/health", timeout=10).status_code == 200
        response = client.pull()
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "database_unavailable"
        assert response.headers["Retry-After"] == "1"
    finally:
        pg_ctl("start")
    deadline = time.time() + 10
    status = None
    while time.time() < deadline and status != 200:
        status = client.push({"end_user": [{"name": "after the outage"}]}).status_code
        time.sleep(0.2)
    assert status == 200
    names = [u["name"] for u in client.pull(since="1970-01-01T00:00:00Z").json()["data"]["end_user"]]
    assert "after the outage" in names


def test_connections_the_database_closed_while_idle_cost_no_request(client):
    """Sessions ended by the database (a restart, pg_terminate_backend) are found on their next use and
    made again, and the request runs on the new one, even a push whose only round trip carries its COMMIT
    (the seed client's shape: new records, no Idempotency-Key). Every thread has just looked up the
    tenant (it keeps it for SYNC_TENANT_CACHE_SECONDS, 2 s), so that the push is the first statement on
    its ended session."""
    def concurrently(request, count):
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            return list(pool.map(lambda n: request(n).status_code, range(count)))

    assert concurrently(lambda n: client.post("pull-pending", {"entityTypes": ["end_user"]}), 96) == [200] * 96
    ended = superuser_sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = 'sync_service'")
    assert int(ended) > 0
    time.sleep(0.5)   # the sessions' ends have reached the workers' sockets
    assert concurrently(lambda n: client.push({"end_user": [{"name": f"after the sessions ended {n}"}]}), 48) == [200] * 48


def test_serve_refuses_a_role_that_row_level_security_does_not_apply_to(tmp_path):
    """The tables' owner bypasses row-level security: the service must connect as a role of its own."""
    result = subprocess.run([env("SYNC_BIN"), "serve", "--database-url", env("SYNC_ADMIN_DATABASE_URL"),
                             "--listen", str(tmp_path / "s.sock")], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "row-level security" in result.stderr and "owns end_user" in result.stderr
    assert not (tmp_path / "s.sock").exists()


def test_migrate_names_a_missing_service_role():
    result = subprocess.run([env("SYNC_BIN"), "migrate", "--sql-dir", env("SYNC_SQL_DIR"), "--service-role", "no_such_role"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "CREATE ROLE no_such_role LOGIN" in result.stderr
