"""The guard itself: outside connections fail, loopback works."""

from __future__ import annotations

import socket
import threading

import pytest

from tests.conftest import NetworkAccessError


def test_outside_connection_is_refused() -> None:
    with socket.socket() as s, pytest.raises(NetworkAccessError):
        s.connect(("192.0.2.1", 80))


def test_name_resolution_is_refused() -> None:
    with pytest.raises(NetworkAccessError):
        socket.getaddrinfo("example.org", 443)


def test_loopback_is_allowed() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    accepted: list[bytes] = []

    def serve() -> None:
        conn, _ = server.accept()
        accepted.append(conn.recv(5))
        conn.close()

    t = threading.Thread(target=serve)
    t.start()
    with socket.socket() as client:
        client.connect(("127.0.0.1", port))
        client.sendall(b"hello")
    t.join(5)
    server.close()
    assert accepted == [b"hello"]
