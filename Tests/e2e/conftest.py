"""End-to-end tests: real HTTP(S) through the nginx of the stack that scripts/test starts."""
import base64
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import time
import uuid

import pytest
import requests
import yaml
from jsonschema import Draft202012Validator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = yaml.safe_load(open(os.path.join(ROOT, "openapi.yaml")))


def env(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run scripts/test")
    return value


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_token(tenant, sub="device-1", exp_in=3600, alg="HS256", secret=None, claims=None, drop=(), header=None,
               raw_payload=None):
    """A JWT signed by hand, so tests can also make the tokens the service must refuse. `header` adds
    header members; `raw_payload` is the payload's JSON text as is (to name a member twice)."""
    secret = (secret if secret is not None else env("SYNC_JWT_SECRET")).encode()
    now = int(time.time())
    payload = {"tenant_id": tenant, "sub": sub, "iat": now, "exp": now + exp_in}
    payload.update(claims or {})
    for name in drop:
        payload.pop(name, None)
    header = b64(json.dumps({"alg": alg, "typ": "JWT", **(header or {})}).encode())
    body = b64((raw_payload if raw_payload is not None else json.dumps(payload)).encode())
    signing_input = f"{header}.{body}".encode()
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512, "HS384": hashlib.sha384}.get(alg)
    signature = b64(hmac.new(secret, signing_input, digest).digest()) if digest else ""
    return f"{header}.{body}.{signature}"


def cli(*args):
    """The service's own CLI, against the test stack."""
    result = subprocess.run([env("SYNC_BIN"), *args], capture_output=True, text=True, timeout=30,
                            env={**os.environ, "SYNC_ADMIN_DATABASE_URL": env("SYNC_ADMIN_DATABASE_URL")})
    assert result.returncode == 0, result.stderr
    return result.stdout


def sql(statement, *params):
    """Runs SQL as other server-side code would (psql, straight into the tables, as their owner)."""
    args = ["psql", env("SYNC_ADMIN_DATABASE_URL"), "-qAt", "-v", "ON_ERROR_STOP=1"]
    for index, value in enumerate(params, 1):
        args += ["-v", f"p{index}={value}"]
    result = subprocess.run(args, input=statement, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def superuser_sql(statement, check=True):
    """Runs SQL as PostgreSQL's superuser: databases made and dropped, other roles' sessions ended."""
    result = subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-h", "/var/run/postgresql",
                             "-p", env("SYNC_DATABASE_URL").split("port=")[1], "-U", "postgres", "-qAt", "-c", statement],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 or not check, result.stderr
    return result.stdout.strip()


def kept_connection_seconds():
    """How long after a worker is replaced nginx may still send it a request on a connection it keeps
    (nginx/syncd.conf, upstream sync_workers): a connection is closed after the first request past its
    keepalive_time, or once idle for keepalive_timeout."""
    site = open(os.path.join(ROOT, "nginx", "syncd.conf")).read()
    return sum(int(re.search(rf"^ +{name} (\d+)s;", site, re.M).group(1)) for name in ("keepalive_time", "keepalive_timeout"))


def worker_pids(master):
    result = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [int(pid) for pid in result.stdout.split()]


def reload_and_wait(master):
    """SIGHUP to a service's master; returns once every worker it had has exited. A replaced worker goes
    on answering what nginx sends on the connections it keeps to it until nginx closes them, so only
    then does every request meet the new settings; that must happen within kept_connection_seconds()."""
    before = set(worker_pids(master))
    os.kill(master, signal.SIGHUP)
    started = time.monotonic()
    while before & set(worker_pids(master)):
        assert time.monotonic() - started < 30, "the reload did not replace the workers"
        time.sleep(0.05)
    # Starting the new workers comes first (each must serve before an old one retires): allow for it.
    assert time.monotonic() - started < kept_connection_seconds() + 5, "a replaced worker served too long"


def check_against_spec(path, response):
    """The response body must match what openapi.yaml says for this path and status."""
    operation = SPEC["paths"][path]["post"]
    declared = operation["responses"].get(str(response.status_code))
    assert declared is not None, f"{path} answered {response.status_code}, which openapi.yaml does not list"
    if "$ref" in declared:
        declared = SPEC["components"]["responses"][declared["$ref"].split("/")[-1]]
    schema = declared["content"]["application/json"]["schema"]
    assert response.headers["Content-Type"].startswith("application/json")
    Draft202012Validator({**SPEC, **schema}).validate(response.json())


class Client:
    """A device of one tenant, talking to the service the way the seed's SyncClient does."""

    def __init__(self, base_url, token, verify):
        self.base_url = base_url
        self.token = token
        self.verify = verify
        self.last_sync = "1970-01-01T00:00:00.000Z"

    def post(self, endpoint, body, token=None, headers=None, raw=None):
        path = f"/api/client/sync/{endpoint}"
        all_headers = {"Content-Type": "application/json"}
        if token is not False:
            all_headers["Authorization"] = f"Bearer {token or self.token}"
        all_headers.update(headers or {})
        data = raw if raw is not None else json.dumps(body)
        response = requests.post(self.base_url + path, data=data, headers=all_headers, verify=self.verify, timeout=30)
        if path in SPEC["paths"]:
            check_against_spec(path, response)
        return response

    def push(self, changes, **kwargs):
        return self.post("push", {"changes": changes}, **kwargs)

    def pull(self, entity_types=("end_user", "interactions"), since=None):
        response = self.post("pull", {"lastSyncTimestamp": since or self.last_sync, "entityTypes": list(entity_types)})
        if response.status_code == 200:
            self.last_sync = response.json()["syncTimestamp"]
        return response

    def pull_pending(self, entity_types=("end_user", "interactions")):
        return self.post("pull-pending", {"entityTypes": list(entity_types)})


def new_tenant(strategy=None):
    tenant = "e2e-" + uuid.uuid4().hex[:12]
    cli("tenant", "add", tenant)
    if strategy:
        cli("tenant", "set", tenant, "--conflict-resolution", strategy)
    return tenant


@pytest.fixture
def tenant():
    return new_tenant()


@pytest.fixture
def client(tenant):
    return Client(env("SYNC_BASE_URL"), make_token(tenant), env("SYNC_CA_FILE"))


@pytest.fixture
def make_client():
    def make(tenant=None, strategy=None, https=True, sub="device-1"):
        tenant = tenant or new_tenant(strategy)
        base = env("SYNC_BASE_URL") if https else env("SYNC_HTTP_BASE_URL")
        return Client(base, make_token(tenant, sub=sub), env("SYNC_CA_FILE"))
    return make
