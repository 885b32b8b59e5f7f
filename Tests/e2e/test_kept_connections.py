"""Connections nginx keeps open to the workers (`fastcgi_keep_conn`, nginx/syncd.conf): served by
whichever thread is free, never a thread parked on each, and closed only by nginx."""
import concurrent.futures
import os
import signal
import socket
import struct
import subprocess
import time

import requests
from conftest import env
from test_fastcgi_tcp import pair, record, serve
from test_operations import eventually, own_service

PORT = 18094
KEEP_CONNECTION = 1


def health_request(request_id):
    return (record(1, struct.pack(">HB5x", 1, KEEP_CONNECTION), request_id)
            + record(4, pair(b"REQUEST_METHOD", b"GET") + pair(b"DOCUMENT_URI", b"/health"), request_id)
            + record(4, b"", request_id) + record(5, b"", request_id))


def answer(connection):
    """The records of one response, up to and including its FCGI_END_REQUEST; b"" when the worker
    closed the connection first."""
    received = b""
    while True:
        offset = 0
        while len(received) - offset >= 8:
            kind = received[offset + 1]
            length, padding = struct.unpack(">HB", received[offset + 4:offset + 7])
            end = offset + 8 + length + padding
            if len(received) < end:
                break
            if kind == 3:
                assert end == len(received), "nothing after the end of the request"
                return received
            offset = end
        chunk = connection.recv(65536)
        if not chunk:
            return b""
        received += chunk


def test_one_thread_serves_many_connections_kept_open():
    """A worker with one thread answers requests on 12 connections that all stay open: the thread is
    never parked on a connection waiting for its next request."""
    service, board = serve(f"127.0.0.1:{PORT}", allowed="127.0.0.1")
    connections = []
    try:
        deadline = time.time() + 15
        while time.time() < deadline and not connections:
            try:
                connections.append(socket.create_connection(("127.0.0.1", PORT), timeout=5))
            except OSError:
                time.sleep(0.1)
        connections += [socket.create_connection(("127.0.0.1", PORT), timeout=5) for _ in range(11)]
        for round_number in range(3):
            # Each round in another order: any connection may carry the next request.
            order = connections if round_number % 2 == 0 else list(reversed(connections))
            for index, connection in enumerate(order):
                connection.sendall(health_request(index + 1))
                response = answer(connection)
                assert b"Status: 200" in response, f"round {round_number}, connection {index}: {response[:80]!r}"
        # A connection the peer closes is let go: the worker stops at once, nothing left open.
        for connection in connections:
            connection.close()
        connections = []
        time.sleep(0.2)
        started = time.time()
        service.send_signal(signal.SIGINT)
        assert service.wait(30) == 0
        assert time.time() - started < 5
    finally:
        for connection in connections:
            connection.close()
        if service.poll() is None:
            service.kill()
            service.wait(10)
        if os.path.exists(board):
            os.unlink(board)


def connections_to(path):
    """How many connections are open on the unix socket `path`, counted on the accepting side."""
    listing = subprocess.run(["ss", "-xn", "state", "connected"], capture_output=True, text=True).stdout
    return sum(1 for line in listing.splitlines() if f" {path} " in line)


def test_nginx_keeps_more_connections_open_than_the_workers_have_threads():
    """Through nginx: eight clients at once against one worker of two threads. nginx opens a connection
    per request in flight and keeps them; every request is answered at once (a thread parked on an idle
    connection would leave the others waiting until nginx closed it, a second later)."""
    with own_service("--workers", "1", "--threads", "2") as service:
        base = env("SYNC_AUX_BASE_URL")
        assert eventually(lambda: requests.get(base + "/health", timeout=2).status_code == 200)
        socket_path = env("SYNC_AUX_SOCKET")
        most_open = 0

        def client(_):
            nonlocal most_open
            slowest = 0.0
            with requests.Session() as session:
                for _ in range(40):
                    started = time.time()
                    status = session.get(base + "/health", timeout=10).status_code
                    slowest = max(slowest, time.time() - started)
                    assert status == 200
                    most_open = max(most_open, connections_to(socket_path))
            return slowest

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            slowest = max(pool.map(client, range(8)))
        assert slowest < 0.5, f"a request waited {slowest:.2f} s"
        assert most_open > 2, f"nginx kept {most_open} connections open to a worker of two threads"
        service.send_signal(signal.SIGTERM)
        assert service.wait(30) == 0
