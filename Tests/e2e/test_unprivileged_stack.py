"""The stack runs without root where it serves: nginx's workers as www-data, the service as syncd, the
FastCGI socket reachable by those two only, and PostgreSQL taking no superuser over TCP."""
import os
import pwd
import socket
import stat
import subprocess
import urllib.parse

from conftest import env, worker_pids
from test_operations import master_pid


def user_of(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("Uid:"):
            return pwd.getpwuid(int(line.split()[1])).pw_name


def test_the_service_runs_as_syncd():
    master = master_pid()
    assert user_of(master) == "syncd"
    workers = worker_pids(master)
    assert workers and all(user_of(pid) == "syncd" for pid in workers)


def test_nginx_workers_run_as_www_data():
    nginx_pid = int(open(os.path.join(env("SYNC_RUN_DIR"), "nginx", "nginx.pid")).read())
    result = subprocess.run(["pgrep", "-P", str(nginx_pid)], capture_output=True, text=True)
    workers = [int(pid) for pid in result.stdout.split()]
    assert workers and all(user_of(pid) == "www-data" for pid in workers)


def test_only_the_service_and_nginx_reach_the_fastcgi_socket():
    directory = os.path.dirname(env("SYNC_AUX_SOCKET"))
    info = os.stat(directory)
    assert stat.S_IMODE(info.st_mode) == 0o750
    assert pwd.getpwuid(info.st_uid).pw_name == "syncd" and info.st_gid == pwd.getpwnam("www-data").pw_gid
    socket_path = os.path.join(directory, "sync.sock")
    probe = ("import socket, sys\ns = socket.socket(socket.AF_UNIX)\n"
             "try:\n    s.connect(sys.argv[1]); print('connected')\nexcept OSError as e:\n    print(e.errno)")
    as_nobody = subprocess.run(["runuser", "-u", "nobody", "--", "/usr/bin/python3", "-c", probe, socket_path],
                               capture_output=True, text=True, timeout=30)
    assert as_nobody.stdout.strip() == "13", "another user is refused (EACCES)"
    as_nginx = subprocess.run(["runuser", "-u", "www-data", "--", "/usr/bin/python3", "-c", probe, socket_path],
                              capture_output=True, text=True, timeout=30)
    assert as_nginx.stdout.strip() == "connected"


def test_the_scoreboard_lives_in_a_directory_of_the_service_only():
    directory = os.path.dirname(os.path.realpath(os.path.join(env("SYNC_RUN_DIR"), "sync.pid")))
    info = os.stat(directory)
    assert stat.S_IMODE(info.st_mode) == 0o700 and pwd.getpwuid(info.st_uid).pw_name == "syncd"
    assert os.path.exists(os.path.join(directory, "scoreboard"))


def tcp(user, password=None):
    port = urllib.parse.parse_qs(urllib.parse.urlparse(env("SYNC_DATABASE_URL")).query)["port"][0]
    url = f"postgresql://{user}{':' + password if password else ''}@127.0.0.1:{port}/sync"
    return subprocess.run(["psql", url, "-qAt", "-c", "SELECT current_user"], capture_output=True, text=True,
                          timeout=30, env={**os.environ, "PGCONNECT_TIMEOUT": "5", "PGPASSWORD": ""})


def test_postgresql_takes_no_superuser_and_no_password_less_login_over_tcp():
    assert tcp("postgres").returncode != 0
    assert tcp("postgres", "anything").returncode != 0
    assert tcp("sync_service").returncode != 0, "no password, no login"
    assert tcp("sync_service", "wrong").returncode != 0
    good = tcp("sync_service", env("SYNC_PG_PASSWORD"))
    assert good.returncode == 0 and good.stdout.strip() == "sync_service"


def test_the_tests_own_services_run_as_syncd_too():
    from test_operations import own_service
    import time
    with own_service("--workers", "1", "--threads", "1") as service:
        deadline = time.time() + 15
        while time.time() < deadline and not worker_pids(service.pid):
            time.sleep(0.1)
        assert user_of(service.pid) == "syncd"
        assert all(user_of(pid) == "syncd" for pid in worker_pids(service.pid))
