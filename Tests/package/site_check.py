"""What a device does against the installed site, run by installed-test inside the container's network
namespace (nsenter -n): https://127.0.0.1 is the container's nginx. The certificate is Debian's
self-signed snakeoil pair, issued to the container's host name, so it is not verified here.

    site_check.py push TOKEN NAME      push one end_user; prints its id and the request id
    site_check.py has TOKEN ID         exits 0 when a pull returns the record
    site_check.py load TOKEN SECONDS   pulls in a loop for SECONDS; prints the counts, exits 1 on any failure
    site_check.py position TOKEN       pulls every page; prints the position to send next time
    site_check.py from TOKEN POSITION  pulls from POSITION; prints the status and the error code, if any
    site_check.py poke TOKEN           subscribes to live pokes, pushes, and exits 0 when the poke arrives
"""
import json
import queue
import sys
import threading
import time
import uuid

import requests
import urllib3

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
BASE = "https://127.0.0.1/api/client/sync/"


def post(token, endpoint, body, headers=None):
    return requests.post(BASE + endpoint, json=body, verify=False, timeout=10,
                         headers={"Authorization": f"Bearer {token}", **(headers or {})})


def push(token, name):
    response = post(token, "push", {"changes": {"end_user": [{"name": name}]}},
                    headers={"Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 200, (response.status_code, response.text)
    record = response.json()["data"][0]
    print(record["id"], response.headers["X-Request-Id"])


def has(token, record_id):
    cursor = None
    for _ in range(100):
        response = post(token, "pull", {"entityTypes": ["end_user"], **({"lastSyncTimestamp": cursor} if cursor else {})})
        assert response.status_code == 200, (response.status_code, response.text)
        body = response.json()
        if any(user["id"] == record_id for user in body["data"]["end_user"]):
            return 0
        if not body.get("hasMore"):
            return 1
        cursor = body["syncTimestamp"]
    return 1


def position(token):
    cursor = None
    for _ in range(100):
        body = post(token, "pull", {"entityTypes": ["end_user"], **({"lastSyncTimestamp": cursor} if cursor else {})}).json()
        cursor = body["syncTimestamp"]
        if not body["hasMore"]:
            break
    print(cursor)


def pull_from(token, cursor):
    response = post(token, "pull", {"entityTypes": ["end_user"], "lastSyncTimestamp": cursor})
    print(response.status_code, response.json().get("error", {}).get("code", "-"))


def load(token, seconds):
    counts, failures = {}, []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            status = post(token, "pull", {"entityTypes": ["end_user"]}).status_code
        except requests.RequestException as error:
            status = type(error).__name__
        counts[str(status)] = counts.get(str(status), 0) + 1
        if status != 200:
            failures.append(status)
    print(json.dumps(counts))
    return 1 if failures or not counts else 0


def poke(token):
    """A live poke through the installed nginx (nchan) and the service's relay, under the unit's sandbox."""
    heard = queue.Queue()
    stream = requests.get(BASE + "events", stream=True, verify=False, timeout=10,
                          headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"})
    assert stream.status_code == 200, (stream.status_code, stream.text)

    def read():
        for line in stream.iter_lines(chunk_size=1):   # not 512 bytes at a time: a poke is smaller
            if line.startswith(b"data:"):
                heard.put(json.loads(line[5:]))

    threading.Thread(target=read, daemon=True).start()
    time.sleep(0.5)
    response = post(token, "push", {"changes": {"end_user": [{"name": "poked"}]}})
    assert response.status_code == 200, (response.status_code, response.text)
    stamp = response.json()["data"][0]["last_updated"]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if heard.get(timeout=max(0.01, deadline - time.monotonic()))["syncTimestamp"] >= stamp:
                return 0
        except queue.Empty:
            break
    print("no poke within 5 s", file=sys.stderr)
    return 1


if __name__ == "__main__":
    command, token = sys.argv[1], sys.argv[2]
    if command == "push":
        push(token, sys.argv[3])
    elif command == "has":
        sys.exit(has(token, sys.argv[3]))
    elif command == "position":
        position(token)
    elif command == "from":
        pull_from(token, sys.argv[3])
    elif command == "load":
        sys.exit(load(token, float(sys.argv[3])))
    elif command == "poke":
        sys.exit(poke(token))
    else:
        sys.exit(__doc__)
