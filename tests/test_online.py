"""The online fallback against a fake Nominatim on 127.0.0.1: cache, rate limit, refusals.

No test reaches the internet: the geocoder is pointed at a local ``http.server`` that
answers ``/search`` the way Nominatim does and counts requests. The rate limiter's clock
and sleep are replaced, so nothing really sleeps.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from geopy.geocoders.base import _DEFAULT_USER_AGENT

from geo import settings
from geo.errors import ConfigurationError, DataError, GeoError, NetworkDisabledError
from geo.gazetteer.online import CACHE_NAME, OnlineGeocoder, OnlineGeocoderError

AGENT = "geo-tests/1.0 (tests@example.invalid)"

PLACES = {
    "evenes": {
        "place_id": 1234,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0.",
        "osm_type": "node",
        "osm_id": 42,
        "lat": "68.4983",
        "lon": "16.6783",
        "display_name": "Evenes, Nordland, Norge",
        "class": "place",
        "type": "village",
        "importance": 0.4,
    },
    "frobozzville": {  # a place only the online service knows (see tests/test_cli.py)
        "place_id": 999,
        "osm_type": "node",
        "osm_id": 7,
        "lat": "60.1",
        "lon": "10.2",
        "display_name": "Frobozzville, Norge",
        "class": "place",
        "type": "village",
    },
    "ramsund": {
        "place_id": 5678,
        "lat": "68.4833",
        "lon": "16.5333",
        "display_name": "Ramsund, Tjeldsund, Troms, Norge",
        "class": "place",
        "type": "hamlet",
    },
}


class FakeNominatim(ThreadingHTTPServer):
    """A loopback server answering ``/search?q=...&format=json`` like Nominatim."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[str] = []
        self.status = 200
        self.thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()
        self.running = True

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def stop(self) -> None:
        if self.running:
            self.shutdown()
            self.server_close()
            self.thread.join(5)
            self.running = False


class _Handler(BaseHTTPRequestHandler):
    server: FakeNominatim

    def do_GET(self) -> None:
        url = urlparse(self.path)
        self.server.requests.append(self.path)
        if url.path != "/search":
            self.send_error(404)
            return
        if self.server.status != 200:
            self.send_response(self.server.status)
            if self.server.status == 429:
                self.send_header("Retry-After", "30")
            self.end_headers()
            return
        params = parse_qs(url.query)
        query = params.get("q", [""])[0].strip().casefold()
        hits = [PLACES[query]] if query in PLACES else []
        body = json.dumps(hits).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


class FakeClock:
    """Replaces ``RateLimiter._clock``/``_sleep``: time only moves when "slept"."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def server() -> Iterator[FakeNominatim]:
    srv = FakeNominatim()
    yield srv
    srv.stop()


@pytest.fixture
def online(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Turn the online flag on, keep the cache in tmp_path, bypass any proxy."""
    monkeypatch.setattr(settings, "online", True)
    monkeypatch.setattr(settings, "online_cache_dir", tmp_path / "cache")
    monkeypatch.setattr(settings, "user_agent", None)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return tmp_path / "cache" / CACHE_NAME


def make(server: FakeNominatim, **kwargs: object) -> tuple[OnlineGeocoder, FakeClock]:
    geocoder = OnlineGeocoder(
        AGENT, domain=f"127.0.0.1:{server.port}", scheme="http", timeout=5, **kwargs
    )
    clock = FakeClock()
    geocoder.rate_limiter._clock = clock.clock  # type: ignore[method-assign]
    geocoder.rate_limiter._sleep = clock.sleep  # type: ignore[method-assign]
    return geocoder, clock


def test_result_is_parsed_into_a_location(online: Path, server: FakeNominatim) -> None:
    geocoder, _ = make(server)
    location = geocoder.geocode("Evenes")
    assert location is not None
    assert location.address == "Evenes, Nordland, Norge"
    assert location.latitude == pytest.approx(68.4983)
    assert location.longitude == pytest.approx(16.6783)
    assert location.raw["place_id"] == 1234
    assert len(server.requests) == 1
    assert "q=Evenes" in server.requests[0]
    assert "format=json" in server.requests[0]


def test_second_call_is_served_from_cache_even_with_the_server_down(
    online: Path, server: FakeNominatim
) -> None:
    geocoder, clock = make(server)
    first = geocoder.geocode("Evenes")
    assert first is not None
    again = geocoder.geocode("  evenes ")  # case and spacing do not make a new query
    assert again == first
    assert len(server.requests) == 1
    assert clock.sleeps == []  # a cache hit never waits for the limiter

    server.stop()
    second_run, clock2 = make(server)  # a fresh process reading the same cache file
    cached = second_run.geocode("Evenes")
    assert cached is not None
    assert cached.raw == first.raw
    assert (cached.latitude, cached.longitude) == pytest.approx((68.4983, 16.6783))
    assert len(server.requests) == 1
    assert clock2.sleeps == []


def test_rate_limit_is_honoured_without_sleeping(online: Path, server: FakeNominatim) -> None:
    geocoder, clock = make(server)
    started = time.monotonic()
    geocoder.geocode("Evenes")
    geocoder.geocode("Ramsund")  # immediately after: must wait one second
    geocoder.geocode("Evenes")  # cached: no wait
    clock.now += 5  # time passes: the next request needs no wait
    geocoder.geocode("Narvik")
    assert clock.sleeps == [pytest.approx(1.0)]
    assert len(server.requests) == 3
    assert time.monotonic() - started < 5  # nothing really slept


def test_slower_delay_is_honoured(online: Path, server: FakeNominatim) -> None:
    geocoder, clock = make(server, min_delay_seconds=2.5)
    geocoder.geocode("Evenes")
    clock.now += 1.0
    geocoder.geocode("Ramsund")
    assert clock.sleeps == [pytest.approx(1.5)]


def test_misses_are_cached(online: Path, server: FakeNominatim) -> None:
    geocoder, _ = make(server)
    assert geocoder.geocode("Nowhere At All") is None
    assert geocoder.geocode("Nowhere At All") is None
    assert len(server.requests) == 1
    data = json.loads(online.read_text(encoding="utf-8"))
    misses = [k for k, v in data["entries"].items() if v is None]
    assert len(misses) == 1
    assert misses[0].endswith("|nowhere at all")


def test_exactly_one_false_returns_a_list(online: Path, server: FakeNominatim) -> None:
    geocoder, _ = make(server)
    locations = geocoder.geocode("Ramsund", exactly_one=False)
    assert isinstance(locations, list)
    assert [loc.raw["place_id"] for loc in locations] == [5678]
    assert geocoder.geocode("Ramsund", exactly_one=False) == locations
    assert len(server.requests) == 1


def test_cache_file_is_valid_json_after_every_write(online: Path, server: FakeNominatim) -> None:
    geocoder, _ = make(server)
    for query in ("Evenes", "Ramsund", "Atlantis"):
        geocoder.geocode(query)
        data = json.loads(online.read_text(encoding="utf-8"))
        assert data["format"] == "geo-nominatim-cache"
    assert len(data["entries"]) == 3
    leftovers = [p.name for p in online.parent.iterdir() if p.name != CACHE_NAME]
    assert leftovers == []  # the temporary files were all renamed into place


def test_default_cache_lives_in_the_online_cache_folder(
    online: Path, server: FakeNominatim
) -> None:
    geocoder, _ = make(server)
    assert geocoder.cache_path == online
    geocoder.geocode("Evenes")
    assert online.is_file()


def test_explicit_cache_path(online: Path, server: FakeNominatim, tmp_path: Path) -> None:
    path = tmp_path / "elsewhere" / "answers.json"
    geocoder, _ = make(server, cache_path=path)
    geocoder.geocode("Evenes")
    assert path.is_file()
    assert not online.exists()


def test_two_geocoders_sharing_a_cache_keep_each_others_entries(
    online: Path, server: FakeNominatim
) -> None:
    a, _ = make(server)
    b, _ = make(server)
    a.geocode("Evenes")
    b.geocode("Ramsund")  # b read the file before a wrote: the merge keeps a's entry
    entries = json.loads(online.read_text(encoding="utf-8"))["entries"]
    assert len(entries) == 2


@pytest.mark.parametrize(
    "agent", ["", "   ", None, "my-application", "my_app/1", _DEFAULT_USER_AGENT]
)
def test_refused_without_a_user_agent_of_your_own(
    online: Path, server: FakeNominatim, agent: str | None
) -> None:
    with pytest.raises(ConfigurationError, match="usage policy"):
        OnlineGeocoder(agent, domain=f"127.0.0.1:{server.port}", scheme="http")
    assert server.requests == []


def test_user_agent_falls_back_to_the_setting(
    online: Path, server: FakeNominatim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "user_agent", AGENT)
    geocoder = OnlineGeocoder(None, domain=f"127.0.0.1:{server.port}", scheme="http")
    assert geocoder.user_agent == AGENT


def test_refused_when_online_is_off(
    online: Path, server: FakeNominatim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "online", False)
    with pytest.raises(NetworkDisabledError, match="--online"):
        OnlineGeocoder(AGENT, domain=f"127.0.0.1:{server.port}", scheme="http")

    monkeypatch.setattr(settings, "online", True)
    geocoder, _ = make(server)
    geocoder.geocode("Evenes")
    monkeypatch.setattr(settings, "online", False)
    with pytest.raises(NetworkDisabledError, match=r"geo\.settings\.online"):
        geocoder.geocode("Ramsund")
    assert len(server.requests) == 1


def test_public_service_refuses_faster_than_one_per_second(online: Path) -> None:
    # domain=None is the public instance: refused before any request could be made.
    with pytest.raises(ConfigurationError, match="one request per second"):
        OnlineGeocoder(AGENT, min_delay_seconds=0.5)


def test_unreachable_service_raises_at_once(online: Path, server: FakeNominatim) -> None:
    geocoder, clock = make(server)
    server.stop()
    started = time.monotonic()
    with pytest.raises(OnlineGeocoderError, match="cannot reach") as info:
        geocoder.geocode("Evenes")
    assert time.monotonic() - started < 3  # no retries, no 5-second error waits
    assert isinstance(info.value, GeoError)
    assert isinstance(info.value, ConnectionError)
    assert info.value.query == "Evenes"
    assert clock.sleeps == []
    assert not online.exists()  # errors are not cached


@pytest.mark.parametrize(
    ("status", "pattern"),
    [(429, "rate-limited"), (403, "user agent"), (500, "failed"), (503, "no answer")],
)
def test_http_errors_become_clear_errors_and_are_not_cached(
    online: Path, server: FakeNominatim, status: int, pattern: str
) -> None:
    geocoder, _ = make(server)
    server.status = status
    started = time.monotonic()
    with pytest.raises(OnlineGeocoderError, match=pattern) as info:
        geocoder.geocode("Evenes")
    assert time.monotonic() - started < 3  # no hidden HTTP retries honouring Retry-After
    assert len(server.requests) == 1
    if status == 429:
        assert info.value.retry_after == 30
    server.status = 200
    assert geocoder.geocode("Evenes") is not None  # asked again, now answered
    assert len(server.requests) == 2


def test_corrupt_cache_is_reported(online: Path, server: FakeNominatim) -> None:
    online.parent.mkdir(parents=True)
    online.write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="not valid JSON"):
        make(server)
    online.write_text(json.dumps({"something": "else"}), encoding="utf-8")
    with pytest.raises(DataError, match="not an online-geocoder cache"):
        make(server)


def test_empty_query_is_refused(online: Path, server: FakeNominatim) -> None:
    geocoder, _ = make(server)
    with pytest.raises(ConfigurationError, match="non-empty"):
        geocoder.geocode("   ")
    assert server.requests == []
