"""Workers on TCP: FastCGI has no authentication and no TLS, so a listener that the network can reach
needs the addresses allowed to connect (SYNC_FASTCGI_ALLOWED_ADDRS), and libfcgi closes anyone else."""
import os
import socket
import struct
import subprocess
import time
import uuid

from conftest import env

PORT = 18093


def record(kind, content, request_id=1):
    padding = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBB", 1, kind, request_id, len(content), padding, 0) + content + b"\0" * padding


def pair(name, value):
    return bytes([len(name), len(value)]) + name + value


HEALTH = (record(1, struct.pack(">HB5x", 1, 0))
          + record(4, pair(b"REQUEST_METHOD", b"GET") + pair(b"DOCUMENT_URI", b"/health")) + record(4, b"")
          + record(5, b""))


def ask(source):
    """Sends a FastCGI request for /health from `source`; returns what came back (b"" when closed)."""
    with socket.create_connection(("127.0.0.1", PORT), timeout=5, source_address=(source, 0)) as connection:
        connection.sendall(HEALTH)
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except (ConnectionResetError, socket.timeout):
            pass
        return received


def serve(listen, allowed=None):
    board = f"/dev/shm/sync-tcp-{uuid.uuid4().hex[:8]}"
    environment = {**os.environ, "SYNC_SCOREBOARD": board, "SYNC_LOG_REQUESTS": "0"}
    if allowed is not None:
        environment["SYNC_FASTCGI_ALLOWED_ADDRS"] = allowed
    return subprocess.Popen(["setpriv", "--reuid=syncd", "--regid=syncd", "--init-groups", "--", env("SYNC_SERVICE_BIN"),
                             "serve", "--listen", listen, "--workers", "1", "--threads", "1"],
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), board


def test_a_network_listener_without_allowed_addresses_is_refused():
    service, _ = serve(f"0.0.0.0:{PORT}")
    _, errors = service.communicate(timeout=30)
    assert service.returncode != 0
    assert "SYNC_FASTCGI_ALLOWED_ADDRS" in errors and "no authentication" in errors


def test_only_the_allowed_addresses_are_served():
    service, board = serve(f"127.0.0.1:{PORT}", allowed="127.0.0.1")
    try:
        deadline = time.time() + 15
        answer = b""
        while time.time() < deadline and b"Status: 200" not in answer:
            try:
                answer = ask("127.0.0.1")
            except OSError:
                time.sleep(0.1)
        assert b"Status: 200" in answer, "nginx's address is served"
        assert b"Status" not in ask("127.0.0.2"), "another address gets the connection closed"
    finally:
        service.terminate()
        service.wait(30)
        if os.path.exists(board):
            os.unlink(board)
