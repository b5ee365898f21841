"""Shared fixtures and the network guard.

``geo`` is offline by design, so every test runs with a guard that fails any socket
connection outside loopback. Tests that need a server (the fake Nominatim, the browser
serving a page) bind to 127.0.0.1 and are allowed through.
"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = address[0]
    else:  # AF_UNIX paths and the like never leave the machine
        return True
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class NetworkAccessError(AssertionError):
    """A test tried to reach a host outside loopback."""


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded_connect(self: socket.socket, address: object) -> object:
        if not _is_loopback(address):
            raise NetworkAccessError(f"test tried to connect to {address!r}")
        return real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: object) -> object:
        if not _is_loopback(address):
            raise NetworkAccessError(f"test tried to connect to {address!r}")
        return real_connect_ex(self, address)

    def guarded_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if isinstance(host, str) and host not in ("localhost", "127.0.0.1", "::1", ""):
            try:
                ipaddress.ip_address(host)
            except ValueError:
                raise NetworkAccessError(f"test tried to resolve {host!r}") from None
        return real_getaddrinfo(host, *args, **kwargs)

    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The folder of the sample documents."""
    return SEEDS


# ----------------------------------------------------------------------------- tiers

#: Test modules of the unit tier (``make check``): no gazetteer index, no browser, no
#: notebook kernel, no web assets. Everything else is integration, browser or notebook.
UNIT_MODULES = frozenset(
    {
        "test_agreements",
        "test_architecture",
        "test_data_sites",
        "test_data_world",
        "test_documents",
        "test_langid",
        "test_network_guard",
        "test_normalize",
        "test_online",
        "test_parse_unit",
        "test_sentences",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of a unit module ``unit`` (modules may also mark themselves)."""
    for item in items:
        if item.path.stem in UNIT_MODULES:
            item.add_marker(pytest.mark.unit)
