"""An operator's everyday mistakes: settings checked before use (config check, start, reload), migrations
that must all be applied, tenants added twice or erased."""
import os
import shutil
import signal
import subprocess
import time
import uuid

import requests

from conftest import cli, env, make_token, new_tenant, sql
from test_operations import API, eventually, own_service, rewrite, settings_file


def syncd(*args, environment=None):
    return subprocess.run([env("SYNC_BIN"), *args], capture_output=True, text=True, timeout=60,
                          env=environment or os.environ)


def good_settings():
    return (f"SYNC_DATABASE_URL={env('SYNC_DATABASE_URL')}\nSYNC_JWT_SECRET={env('SYNC_JWT_SECRET')}\n"
            f"SYNC_SQL_DIR={env('SYNC_SQL_DIR')}\nSYNC_WORKERS=1\nSYNC_THREADS=2\n")


def test_config_check_passes_good_settings_and_names_each_bad_one(tmp_path):
    bare = {k: v for k, v in os.environ.items() if not k.startswith("SYNC_")}
    good = tmp_path / "good.env"
    good.write_text(good_settings())
    result = syncd("config", "check", "--config", str(good), environment=bare)
    assert result.returncode == 0 and result.stdout.startswith("settings OK"), result.stdout + result.stderr

    bad = tmp_path / "bad.env"
    bad.write_text(good_settings().replace("SYNC_WORKERS=1", "SYNC_WORKERS=abc")
                   + "SYNC_LOG_RETENTION_DAYS=-1\nSYNC_WORKRES=3\nSYNC_LOG_REQUESTS=maybe\n")
    result = syncd("config", "check", "--config", str(bad), environment=bare)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(line.startswith("SYNC_WORKERS=abc: expected a whole number from 1 to 32") for line in lines), lines
    assert any(line.startswith("SYNC_LOG_RETENTION_DAYS=-1: expected a whole number from 1") for line in lines), lines
    assert "SYNC_WORKRES: no such setting (did you mean SYNC_WORKERS?)" in lines
    assert any(line.startswith("SYNC_LOG_REQUESTS=maybe") for line in lines), lines

    unreachable = tmp_path / "unreachable.env"
    unreachable.write_text(good_settings().replace(env("SYNC_DATABASE_URL"), "postgresql://nobody@127.0.0.1:1/none"))
    result = syncd("config", "check", "--config", str(unreachable), environment=bare)
    assert result.returncode == 1
    assert result.stdout.startswith("cannot reach the database as the service (SYNC_DATABASE_URL)"), result.stdout
    # The same checks stop serve before it starts anything.
    result = syncd("serve", "--config", str(bad), "--listen", str(tmp_path / "never.sock"), environment=bare)
    assert result.returncode != 0 and "SYNC_WORKRES: no such setting" in result.stderr


def test_a_reload_with_a_bad_database_url_or_value_keeps_the_workers_serving(tmp_path):
    settings = settings_file(good_settings())
    environment = {k: v for k, v in os.environ.items() if k != "SYNC_JWT_SECRET"}
    token = make_token(new_tenant())
    url = env("SYNC_AUX_BASE_URL") + API + "pull"
    log = tmp_path / "service.log"

    def status():
        return requests.post(url, json={}, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code

    def failed_reloads():
        text = requests.get(env("SYNC_AUX_BASE_URL") + "/metrics", timeout=10).text
        return int(next(line.split()[1] for line in text.splitlines() if line.startswith("sync_reloads_failed_total ")))

    with own_service("--config", settings, environment=environment, log=str(log)) as service:
        assert eventually(lambda: status() == 200)
        for broken in (good_settings().replace(env("SYNC_DATABASE_URL"), "postgresql://nobody@127.0.0.1:1/none"),
                       good_settings().replace("SYNC_WORKERS=1", "SYNC_WORKERS=abc")):
            before = failed_reloads()
            rewrite(settings, broken)
            service.send_signal(signal.SIGHUP)
            assert eventually(lambda: failed_reloads() == before + 1, seconds=20)
            statuses = set()
            deadline = time.time() + 2
            while time.time() < deadline:
                statuses.add(status())
            assert statuses == {200}, "the old workers keep serving"
        text = log.read_text()
        assert "reload refused" in text and "cannot reach the database as the service" in text
        assert "SYNC_WORKERS=abc: expected a whole number" in text
        service.send_signal(signal.SIGTERM)
        assert service.wait(30) == 0


def test_migrate_status_lists_applied_and_pending_and_serve_needs_them_all(tmp_path):
    result = syncd("migrate", "--status")
    assert result.returncode == 0, result.stderr
    files = sorted(f for f in os.listdir(env("SYNC_SQL_DIR")) if f.endswith(".sql"))
    assert [line.split()[1] for line in result.stdout.splitlines()] == files
    assert all(line.startswith("applied  ") for line in result.stdout.splitlines())

    newer = tmp_path / "sql"
    shutil.copytree(env("SYNC_SQL_DIR"), newer)
    (newer / "999_not_yet.sql").write_text("SELECT 1;\n")
    os.chmod(tmp_path, 0o755)
    result = syncd("migrate", "--status", "--sql-dir", str(newer))
    assert result.returncode == 1 and result.stdout.splitlines()[-1] == "pending  999_not_yet.sql"
    result = syncd("serve", "--listen", str(tmp_path / "never.sock"),
                   environment={**os.environ, "SYNC_SQL_DIR": str(newer)})
    assert result.returncode != 0
    assert "migrations not applied: 999_not_yet.sql; run `syncd migrate`" in result.stderr
    assert "out of range" not in result.stderr, "no stray libpq lines"


def test_ready_says_which_migration_is_missing():
    last = sorted(f for f in os.listdir(env("SYNC_SQL_DIR")) if f.endswith(".sql"))[-1]
    sql("DELETE FROM schema_migrations WHERE version = :'p1'", last)
    try:
        response = requests.get(env("SYNC_HTTP_BASE_URL") + "/ready", timeout=10)
        assert response.status_code == 503
        assert response.json()["error"]["details"] == [f"migrations not applied: {last}"]
    finally:
        sql("INSERT INTO schema_migrations (version) VALUES (:'p1')", last)
    assert requests.get(env("SYNC_HTTP_BASE_URL") + "/ready", timeout=10).status_code == 200


def test_tenant_add_of_an_existing_tenant_is_an_error():
    tenant = new_tenant()
    result = syncd("tenant", "add", tenant)
    assert result.returncode != 0 and f"tenant {tenant} exists (active)" in result.stderr
    cli("tenant", "suspend", tenant)
    result = syncd("tenant", "add", tenant)
    assert result.returncode != 0 and "suspended: `syncd tenant activate" in result.stderr
    assert f"{tenant}\tsuspended" in cli("tenant", "list"), "adding did not re-activate it"


def tenant_rows(tenant):
    """Rows of the tenant in every table that has a tenant column, found from the catalog (not from the
    service's own list), plus the tenant row."""
    tables = sql("SELECT table_name FROM information_schema.columns WHERE column_name = 'tenant_id' "
                 "AND table_schema = current_schema() ORDER BY 1").split()
    counts = {table: int(sql(f"SELECT count(*) FROM {table} WHERE tenant_id = :'p1'", tenant)) for table in tables}
    counts["tenants"] = int(sql("SELECT count(*) FROM tenants WHERE id = :'p1'", tenant))
    return counts


def test_tenant_erase_removes_every_row_of_the_tenant_and_nothing_else():
    tenant, other = new_tenant("manual"), new_tenant()
    base, ca = env("SYNC_BASE_URL") + API, env("SYNC_CA_FILE")

    def post(who, endpoint, body, headers=None):
        response = requests.post(base + endpoint, json=body, verify=ca, timeout=10,
                                 headers={"Authorization": f"Bearer {make_token(who)}", **(headers or {})})
        assert response.status_code == 200, response.text
        return response.json()

    for who in (tenant, other):
        user = post(who, "push", {"changes": {"end_user": [{"name": "a person"}]}},
                    {"Idempotency-Key": str(uuid.uuid4())})["data"][0]
        post(who, "push", {"changes": {"interactions": [{"type": "call", "client_user_id": user["id"]}]}})
        post(who, "push", {"changes": {"end_user": [{"id": user["id"], "name": "second", "version": 1}]}})
        post(who, "push", {"changes": {"end_user": [{"id": user["id"], "name": "stale", "version": 1}]}})
        sql("DELETE FROM end_user WHERE tenant_id = :'p1' AND id = :'p2'", who, user["id"])  # a tombstone
    before = tenant_rows(tenant)
    assert all(before[table] > 0 for table in ("end_user", "interactions", "sync_log", "sync_conflicts",
                                               "idempotency_keys", "tenants")), before
    other_before = tenant_rows(other)

    refused = syncd("tenant", "erase", tenant)
    assert refused.returncode != 0 and f"--confirm {tenant}" in refused.stderr
    assert tenant_rows(tenant) == before

    result = syncd("tenant", "erase", tenant, "--confirm", tenant)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"tenant {tenant} erased: interactions 1, end_user 1"), result.stdout
    assert '"msg":"tenant erased"' in result.stderr
    assert set(tenant_rows(tenant).values()) == {0}
    assert tenant_rows(other) == other_before

    def refused_now():
        response = requests.post(base + "pull", json={}, verify=ca, timeout=10,
                                 headers={"Authorization": f"Bearer {make_token(tenant)}"})
        return response.status_code == 403
    assert eventually(refused_now, seconds=10), "the erased tenant's tokens are refused"


def test_the_stacks_logs_rotate_and_go_on_in_fresh_files(tmp_path):
    """scripts/up and scripts/test rotate with logrotate: the service's log by copy and truncate, nginx's
    by a move and its USR1. Forced here, then a request must land in the live files."""
    run, logs = env("SYNC_RUN_DIR"), os.path.join(env("SYNC_RUN_DIR"), "logs")
    result = subprocess.run(["logrotate", "-f", "-s", str(tmp_path / "state"), os.path.join(run, "logrotate.conf")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for name in ("sync.log", "nginx-access.log"):
        assert os.path.exists(os.path.join(logs, name + ".1")), f"{name} was rotated"
    response = requests.post(env("SYNC_HTTP_BASE_URL") + API + "pull", json={}, timeout=10,
                             headers={"Authorization": f"Bearer {make_token(new_tenant())}"})
    request_id = response.headers["X-Request-Id"]

    def written(name):
        return request_id in open(os.path.join(logs, name), errors="replace").read()
    assert eventually(lambda: written("sync.log") and written("nginx-access.log"), seconds=10)
    assert not written("sync.log.1") and not written("nginx-access.log.1")


def test_metrics_say_what_runs_since_when_on_which_schema_and_what_waits():
    text = requests.get(env("SYNC_HTTP_BASE_URL") + "/metrics", timeout=10).text
    values = {line.split(" ")[0]: line.split(" ")[1] for line in text.splitlines() if line and not line.startswith("#")}
    version = subprocess.run([env("SYNC_BIN"), "--version"], capture_output=True, text=True).stdout.split()
    assert values[f'sync_build_info{{version="{version[0]}",commit="{version[1].strip("()")}"}}'] == "1"
    assert 0 < time.time() - int(values["sync_start_time_seconds"]) < 86400
    last = sorted(f for f in os.listdir(env("SYNC_SQL_DIR")) if f.endswith(".sql"))[-1]
    assert values["sync_schema_version"] == str(int(last.split("_")[0]))
    assert int(values["sync_listen_queue"]) >= 0 and int(values["sync_listen_queue_limit"]) > 0
    assert 0 <= float(values["sync_horizon_lag_seconds"]) < 60
    for counter in ("sync_reloads_failed_total", "sync_prunes_failed_total"):
        assert counter in values


def test_what_nginx_answers_alone_reaches_the_metrics_through_mtail():
    """nginx's own 404s and 413s never reach the service; mtail counts them from nginx's access log."""
    import re

    def counts():
        text = requests.get(env("SYNC_MTAIL_URL") + "/metrics", timeout=10).text
        return {(m.group(1), m.group(2)): float(m.group(3)) for m in
                re.finditer(r'^sync_nginx_responses_total\{answered_by="(\w+)",status="(\d+)"\} (\S+)$', text, re.M)}

    before = counts()
    base, ca = env("SYNC_BASE_URL"), env("SYNC_CA_FILE")
    assert requests.get(base + "/nowhere", verify=ca, timeout=10).status_code == 404
    assert requests.post(base + API + "pull", data=b"x" * (11 << 20), verify=ca, timeout=30).status_code == 413
    assert requests.post(base + API + "pull", json={}, verify=ca, timeout=10).status_code == 401

    def counted():
        now = counts()
        return all(now.get(key, 0) >= before.get(key, 0) + 1
                   for key in (("nginx", "404"), ("nginx", "413"), ("service", "401")))
    assert eventually(counted, seconds=15), counts()


def test_the_alert_rules_and_the_dashboard_check_out(tmp_path):
    """promtool checks the rules and runs their unit tests; every dashboard query parses (as a rule) and
    names only metrics the service or mtail exports."""
    import json
    import re
    monitoring = os.path.join(os.path.dirname(__file__), "..", "..", "monitoring")
    for args in (["check", "rules", "alerts.yml"], ["test", "rules", "alerts.test.yml"]):
        result = subprocess.run(["promtool", *args], cwd=monitoring, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
    dashboard = json.load(open(os.path.join(monitoring, "dashboard.json")))
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    rules = tmp_path / "dashboard-queries.yml"
    rules.write_text("groups:\n  - name: dashboard\n    rules:\n" + "".join(
        f"      - record: dashboard_query_{i}\n        expr: {json.dumps(e.replace('$__rate_interval', '5m'))}\n"
        for i, e in enumerate(expressions)))
    result = subprocess.run(["promtool", "check", "rules", str(rules)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    exported = set(re.findall(r"^# TYPE (\w+)", requests.get(env("SYNC_HTTP_BASE_URL") + "/metrics", timeout=10).text, re.M))
    exported |= {"sync_nginx_responses_total", "up"}
    alerts = open(os.path.join(monitoring, "alerts.yml")).read()
    for text in expressions + [alerts]:
        for name in set(re.findall(r"\b(sync_\w+?)(?:_bucket)?\b(?![(\w])", text)):
            assert name in exported, f"{name} is not a metric anyone exports"
