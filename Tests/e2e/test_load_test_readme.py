"""The README's one-token load test (section Benchmark) runs as written, against the test stack: the same
commands, with the test stack's settings file, fewer requests and a shorter run."""
import os
import re
import shutil
import subprocess

from conftest import env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_readme_load_test_runs_with_one_token_and_no_request_fails(tmp_path):
    readme = open(os.path.join(ROOT, "README.md")).read()
    block = re.search(r"<!-- Tests/e2e/test_load_test_readme.py runs the block below[^>]*-->\n```sh\n(.*?)```", readme, re.S).group(1)
    for tool in ("ab", "wrk"):
        if not shutil.which(tool):
            subprocess.run(["apt-get", "install", "-y", "-qq", "apache2-utils" if tool == "ab" else "wrk"], check=True,
                           capture_output=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    # The files the block writes go to the test's own directory (first: the stack's may be under /tmp too).
    script = (block.replace("/tmp/", f"{tmp_path}/").replace(". .run/stack.env", f". {env('SYNC_RUN_DIR')}/stack.env")
              .replace("-n 20000", "-n 200").replace("-d10s", "-d1s"))
    assert script.count(f"{tmp_path}/") >= 6, script
    # scripts/up makes the demo tenant; the test stack may not have it yet.
    tenants = subprocess.run([env("SYNC_BIN"), "tenant", "list"], capture_output=True, text=True, check=True).stdout
    if "demo" not in [line.split("\t")[0] for line in tenants.splitlines()]:
        subprocess.run([env("SYNC_BIN"), "tenant", "add", "demo"], capture_output=True, check=True)
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert re.search(r"Complete requests:\s+200", result.stdout), result.stdout
    assert re.search(r"Failed requests:\s+0", result.stdout), result.stdout
    assert "Non-2xx" not in result.stdout, result.stdout
    assert re.search(r"Requests/sec:\s+[0-9.]+", result.stdout), result.stdout
