"""The files a sysadmin installs: the systemd unit and the nginx site (TLS, limits, /metrics)."""
import os
import re
import shutil
import socket
import ssl
import subprocess

import pytest

from conftest import ROOT, env


def test_systemd_unit_verifies(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.fail("systemd-analyze is missing (Debian package systemd)")
    unit = open(os.path.join(ROOT, "systemd", "syncd.service")).read()
    for setting in ("Type=notify", "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "Restart=on-failure",
                    "ExecReload=/bin/sh -c 'kill -HUP $MAINPID'", "EnvironmentFile=/etc/syncd/syncd.env",
                    "User=syncd", "Group=syncd"):
        assert setting in unit
    # Verified with the built binary in place of /usr/bin/syncd, which this test does not install
    # (Tests/package/installed-test runs the unit itself).
    copy = tmp_path / "syncd.service"
    copy.write_text(unit.replace("/usr/bin/syncd", env("SYNC_BIN")))
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    problems = [line for line in result.stderr.splitlines()
                if str(copy) in line or "syncd.service" in line]
    assert result.returncode == 0 and not problems, result.stderr


def test_site_file_settings():
    site = open(os.path.join(ROOT, "nginx", "syncd.conf")).read()
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in site
    assert "server_tokens off;" in site
    assert re.search(r"client_max_body_size 10m;", site)
    assert re.search(r"limit_req zone=sync_per_address", site)
    metrics = re.search(r"location = /metrics \{(.*?)\}", site, re.S).group(1)
    assert "allow 127.0.0.1;" in metrics and "deny all;" in metrics, "/metrics is refused to other addresses"
    assert re.search(r"upstream sync_workers \{", site)
    for status in ("413", "429", "502", "504"):
        assert re.search(rf"error_page [0-9 ]*{status}", site), f"nginx's own {status} is JSON"


def handshake(version):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(env("SYNC_CA_FILE"))
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    context.minimum_version = version
    context.maximum_version = version
    host, port = env("SYNC_BASE_URL").split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            return tls.version()


def test_tls_12_and_13_only():
    assert handshake(ssl.TLSVersion.TLSv1_3) == "TLSv1.3"
    assert handshake(ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
    for old in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
        with pytest.raises(ssl.SSLError):
            handshake(old)


def test_openapi_document_is_valid():
    from openapi_spec_validator import validate
    import yaml
    document = yaml.safe_load(open(os.path.join(ROOT, "openapi.yaml")))
    validate(document)

    # A schema key with no value is YAML's reading of an unquoted comma in a flow mapping: text that
    # was meant as a description became a keyword (the validator accepts unknown keywords).
    def empty_keys(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if value is None:
                    yield f"{path}/{key}"
                yield from empty_keys(value, f"{path}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from empty_keys(value, f"{path}/{index}")
    assert not list(empty_keys(document["components"], "#/components"))


def test_version_names_the_commit():
    result = subprocess.run([env("SYNC_BIN"), "--version"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    match = re.fullmatch(r"(\d+\.\d+\.\d+) \(([0-9a-f]{12}|unknown)(-modified)?\)\n", result.stdout)
    assert match, result.stdout
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True)
    if head.returncode == 0:
        assert match.group(2) == head.stdout.strip()


def test_plain_http_redirects_to_https_and_serves_acme_challenges():
    import requests
    base = env("SYNC_REDIRECT_BASE_URL")
    response = requests.get(base + "/api/client/sync/pull?x=1", allow_redirects=False, timeout=10)
    assert response.status_code == 301 and response.headers["Location"].startswith("https://")
    challenge = os.path.join(env("SYNC_RUN_DIR"), "acme", ".well-known", "acme-challenge", "probe-token")
    with open(challenge, "w") as file:
        file.write("probe-token.key")
    try:
        response = requests.get(base + "/.well-known/acme-challenge/probe-token", allow_redirects=False, timeout=10)
        assert response.status_code == 200 and response.text == "probe-token.key"
    finally:
        os.unlink(challenge)


def test_https_speaks_http2():
    result = subprocess.run(["curl", "-s", "--http2", "--cacert", env("SYNC_CA_FILE"), "-o", "/dev/null",
                             "-w", "%{http_version}", env("SYNC_BASE_URL") + "/health"], capture_output=True, text=True,
                            timeout=30)
    assert result.stdout == "2"


def test_every_answer_carries_hsts_and_nosniff():
    import requests
    base, ca = env("SYNC_BASE_URL"), env("SYNC_CA_FILE")
    answers = [
        requests.get(base + "/health", verify=ca, timeout=10),
        requests.post(base + "/api/client/sync/pull", json={}, verify=ca, timeout=10),
        requests.get(base + "/nowhere", verify=ca, timeout=10),
        requests.request("TRACE", base + "/api/client/sync/pull", verify=ca, timeout=10),
        requests.post(base + "/api/client/sync/pull", data=b"x" * (11 * 1024 * 1024), verify=ca, timeout=30,
                      headers={"Content-Type": "application/json"}),
    ]
    assert [a.status_code for a in answers] == [200, 401, 404, 405, 413]
    for answer in answers:
        assert answer.headers.get("Strict-Transport-Security", "").startswith("max-age="), answer.status_code
        assert answer.headers.get("X-Content-Type-Options") == "nosniff", answer.status_code


def test_the_access_log_ties_requests_to_the_service_and_keeps_no_query_string():
    import requests
    import time
    secret = "token-in-a-url-" + str(time.time_ns())
    response = requests.post(env("SYNC_BASE_URL") + f"/api/client/sync/pull?access_token={secret}", json={},
                             verify=env("SYNC_CA_FILE"), timeout=10)
    request_id = response.headers["X-Request-Id"]
    log = os.path.join(env("SYNC_RUN_DIR"), "logs", "nginx-access.log")
    deadline = time.time() + 5
    line = None
    while time.time() < deadline and line is None:
        line = next((l for l in open(log) if request_id in l), None)
        time.sleep(0.1)
    assert line is not None, "the request id is in nginx's line"
    assert secret not in open(log).read()
    assert '"POST /api/client/sync/pull HTTP/' in line and " 401 " in line


def test_site_file_logs_no_query_string():
    site = open(os.path.join(ROOT, "nginx", "syncd.conf")).read()
    log_format = re.search(r"log_format sync_access (.*?);", site, re.S).group(1)
    for variable in ("$request_id", "$status", "$request_time", "$uri"):
        assert variable in log_format
    for leaky in ("$request_uri", "$request ", "$args", "$query_string"):
        assert leaky not in log_format
    assert "/etc/ssl/certs/ssl-cert-snakeoil.pem" in site and "/etc/letsencrypt/live/" in site


def test_json_is_compressed_for_clients_that_ask():
    import requests
    from conftest import make_token, new_tenant
    token = make_token(new_tenant())
    base, ca = env("SYNC_BASE_URL") + "/api/client/sync/", env("SYNC_CA_FILE")
    headers = {"Authorization": f"Bearer {token}"}
    pushed = requests.post(base + "push", json={"changes": {"end_user": [{"name": f"user {n}"} for n in range(20)]}},
                           verify=ca, timeout=10, headers=headers)
    assert pushed.status_code == 200
    for asked, expected in (("gzip", "gzip"), ("identity", None)):
        response = requests.post(base + "pull", json={}, verify=ca, timeout=10,
                                 headers={**headers, "Accept-Encoding": asked})
        assert response.status_code == 200 and len(response.json()["data"]["end_user"]) == 20
        assert response.headers.get("Content-Encoding") == expected, asked
        assert "Accept-Encoding" in response.headers.get("Vary", "")
