"""The optional online fallback: Nominatim through geopy, cached on disk, off by default.

``geo`` resolves places from its local gazetteer. For the rare name it lacks, a user may
allow one online source per run (``geo --online``, which sets ``geo.settings.online``).
:class:`OnlineGeocoder` is that source, built to respect Nominatim's usage policy:

- **Your own user agent** is required; geopy's sample agents are refused.
- **At most one request per second** on the public service, enforced by geopy's
  ``RateLimiter`` with ``max_retries=0`` and ``swallow_exceptions=False``. Its defaults
  (two retries 5 s apart, errors swallowed into ``None``) would turn every network failure
  into a silent 10-second ``None``; here a failure raises :class:`OnlineGeocoderError`
  at once. The HTTP layer must not retry either: geopy's ``requests`` adapter retries
  twice by default and honours ``Retry-After``, so one 429 answer with
  ``Retry-After: 30`` would block for a silent minute; it is built with
  ``max_retries=0`` here.
- **No repeated queries**: answers, misses included, go to a JSON cache
  (``geo.settings.online_folder() / "nominatim.json"``) that is consulted *before* the rate
  limiter, so a cached query costs no wait and no network, and a second run over the same
  documents is fully offline.

Nominatim forbids bulk geocoding: use this for a handful of names per run, never for a
corpus (see ``docs/GEOPARSING_BENCHMARKS.md`` §1 and ``OFFLINE_MAP.md`` §5).

Example::

    import geo.settings
    from geo.gazetteer.online import OnlineGeocoder

    geo.settings.online = True
    geocoder = OnlineGeocoder("my-project/1.0 (me@example.org)")
    location = geocoder.geocode("Evenes")   # geopy.Location or None
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any, Literal, cast, overload

from geopy import exc as geopy_exc
from geopy.adapters import BaseAdapter, RequestsAdapter, URLLibAdapter
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.location import Location

from geo import settings
from geo.errors import ConfigurationError, DataError, GeoError, NetworkDisabledError
from geo.io.outputs import atomic_open

log = logging.getLogger("geo.gazetteer.online")

CACHE_NAME = "nominatim.json"
"""File name of the default cache inside :func:`geo.settings.online_folder`."""

_CACHE_FORMAT = "geo-nominatim-cache"
_CACHE_VERSION = 1

# Sample agents from geopy's documentation and its own default, which Nominatim's
# operators block. geopy keeps the same list privately; it is read when present.
_SAMPLE_AGENTS = frozenset(
    {"my-application", "my_app/1", "my_user_agent/1.0", "specify_your_app_name_here"}
)

_POLICY = (
    "Nominatim's usage policy requires a user agent that identifies your application "
    "(for example 'my-project/1.0 (you@example.org)'), at most one request per second "
    "and no bulk geocoding"
)


class OnlineGeocoderError(GeoError, ConnectionError):
    """Raised when the online geocoder cannot answer a query.

    The network is unreachable, the request timed out, or the service answered with an
    HTTP error (403 for a blocked user agent, 429 when rate-limited: ``retry_after``
    then holds the seconds the service asked to wait, if it said). ``query`` is the query
    that failed. Errors are never cached: the same query is asked again next time.
    """

    def __init__(self, message: str, *, query: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.query = query
        self.retry_after = retry_after


def _rejected_agents() -> frozenset[str]:
    from geopy.geocoders import nominatim as geopy_nominatim

    extra = getattr(geopy_nominatim, "_REJECTED_USER_AGENTS", ())
    return _SAMPLE_AGENTS | {str(a).casefold() for a in extra}


def _no_retry_adapter() -> Callable[..., BaseAdapter]:
    """An HTTP adapter factory that never retries or waits on its own (see module doc)."""
    if RequestsAdapter.is_available:
        return cast("Callable[..., BaseAdapter]", partial(RequestsAdapter, max_retries=0))
    return cast("Callable[..., BaseAdapter]", URLLibAdapter)  # urllib does not retry


def _require_online() -> None:
    if not settings.online:
        msg = (
            "the online geocoder is disabled: geo runs offline unless geo.settings.online "
            "is True (the CLI's --online flag sets it for one run)"
        )
        raise NetworkDisabledError(msg)


class OnlineGeocoder:
    """Nominatim behind a disk cache and a one-request-per-second limiter.

    Parameters
    ----------
    user_agent
        Identifies your application to Nominatim. ``None`` uses
        ``geo.settings.user_agent`` (``$GEO_USER_AGENT``); empty values and geopy's
        sample agents raise :class:`~geo.errors.ConfigurationError`.
    cache_path
        JSON cache file; ``None`` means ``geo.settings.online_folder() / "nominatim.json"``.
    min_delay_seconds
        Minimum time between two requests. Values below 1 are refused for the public
        service (``domain=None``), whose policy allows one request per second.
    domain, scheme
        Where the Nominatim service lives; ``domain=None`` keeps geopy's default, the
        public OpenStreetMap instance. A self-hosted instance has no rate policy of ours.
    timeout
        Seconds to wait for one answer before :class:`OnlineGeocoderError`.

    Raises
    ------
    NetworkDisabledError
        If ``geo.settings.online`` is False; checked again on every :meth:`geocode`.
    """

    def __init__(
        self,
        user_agent: str | None,
        *,
        cache_path: Path | None = None,
        min_delay_seconds: float = 1.0,
        domain: str | None = None,
        scheme: str = "https",
        timeout: float = 10,
    ) -> None:
        _require_online()
        agent = (user_agent if user_agent is not None else settings.user_agent) or ""
        agent = agent.strip()
        if not agent or agent.casefold() in _rejected_agents():
            shown = repr(agent) if agent else "none"
            msg = (
                f"the online geocoder needs your own user agent (got {shown}): {_POLICY}. "
                "Pass OnlineGeocoder(user_agent=...) or set $GEO_USER_AGENT"
            )
            raise ConfigurationError(msg)
        if not math.isfinite(min_delay_seconds) or min_delay_seconds < 0:
            msg = f"min_delay_seconds must be a non-negative number, not {min_delay_seconds!r}"
            raise ConfigurationError(msg)
        if domain is None and min_delay_seconds < 1:
            msg = (
                f"min_delay_seconds={min_delay_seconds!r} is below the public Nominatim "
                f"limit: {_POLICY}. Use a self-hosted instance (domain=...) to go faster"
            )
            raise ConfigurationError(msg)
        if scheme not in ("http", "https"):
            msg = f"scheme must be 'http' or 'https', not {scheme!r}"
            raise ConfigurationError(msg)

        kwargs: dict[str, Any] = {
            "user_agent": agent,
            "scheme": scheme,
            "timeout": timeout,
            "adapter_factory": _no_retry_adapter(),
        }
        if domain is not None:
            kwargs["domain"] = domain
        try:
            self._nominatim = Nominatim(**kwargs)
        except geopy_exc.ConfigurationError as err:
            msg = f"geopy refused the Nominatim settings: {err}. {_POLICY}"
            raise ConfigurationError(msg) from err
        self.rate_limiter = RateLimiter(
            self._nominatim.geocode,
            min_delay_seconds=min_delay_seconds,
            max_retries=0,
            error_wait_seconds=min_delay_seconds,
            swallow_exceptions=False,
        )
        self.user_agent = agent
        self.endpoint: str = self._nominatim.api
        self.cache_path = Path(cache_path) if cache_path is not None else None
        if self.cache_path is None:
            self.cache_path = settings.online_folder() / CACHE_NAME
        self._lock = threading.Lock()
        self._entries: dict[str, list[dict[str, Any]] | None] = self._read_cache()

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(endpoint={self.endpoint!r}, "
            f"cache_path={str(self.cache_path)!r}, cached={len(self._entries)})"
        )

    # ------------------------------------------------------------------ queries

    @overload
    def geocode(self, query: str, exactly_one: Literal[True] = ...) -> Location | None: ...

    @overload
    def geocode(self, query: str, exactly_one: Literal[False]) -> list[Location] | None: ...

    def geocode(self, query: str, exactly_one: bool = True) -> Location | list[Location] | None:
        """Geocode *query*: a ``geopy.Location`` (or a list), or ``None`` if nothing matched.

        Answers come from the cache when the same query (case and spacing aside) was asked
        before, without waiting and without network; misses are cached too. Otherwise
        one request is made, after the rate limiter's wait.

        Raises :class:`~geo.errors.NetworkDisabledError` if ``geo.settings.online`` is
        False (even for cached queries: the flag means "this run may use the online
        source at all") and :class:`OnlineGeocoderError` when the request fails.
        """
        _require_online()
        if not isinstance(query, str) or not query.strip():
            msg = f"the online geocoder needs a non-empty query string, not {query!r}"
            raise ConfigurationError(msg)
        key = self._key(query, exactly_one)
        with self._lock:
            hit = key in self._entries
            stored = self._entries.get(key)
        if hit:
            log.debug("online geocoder cache hit for %r", query)
            return _from_cache(stored, exactly_one)

        answer = self._ask(query, exactly_one)
        if answer is None or (isinstance(answer, list) and not answer):
            stored = None
        elif isinstance(answer, Location):
            stored = [_to_cache(answer)]
        else:
            stored = [_to_cache(loc) for loc in answer]
        with self._lock:
            self._entries[key] = stored
            try:
                self._write_cache(key, stored)
            except OSError as err:  # keep the answer; only persistence failed
                log.warning("cannot write the online-geocoder cache %s: %s", self.cache_path, err)
        return _from_cache(stored, exactly_one)

    def _key(self, query: str, exactly_one: bool) -> str:
        """Cache key: endpoint, answer shape and the query with case and spacing folded."""
        folded = " ".join(query.split()).casefold()
        return f"{self.endpoint}|{'one' if exactly_one else 'all'}|{folded}"

    def _ask(self, query: str, exactly_one: bool) -> Any:
        """One rate-limited request; every geopy failure becomes an OnlineGeocoderError."""
        where = f"{self.endpoint} for {query!r}"
        try:
            return self.rate_limiter(query, exactly_one=exactly_one)
        except geopy_exc.GeocoderRateLimited as err:
            msg = (
                f"Nominatim rate-limited the request to {where} (HTTP 429"
                + (f", retry after {err.retry_after} s" if err.retry_after else "")
                + f"): {_POLICY}"
            )
            raise OnlineGeocoderError(msg, query=query, retry_after=err.retry_after) from err
        except geopy_exc.GeocoderInsufficientPrivileges as err:
            msg = (
                f"Nominatim refused the request to {where} (HTTP 403, usually a blocked "
                f"user agent {self.user_agent!r} or bulk use): {_POLICY}"
            )
            raise OnlineGeocoderError(msg, query=query) from err
        except geopy_exc.GeocoderTimedOut as err:
            msg = f"no answer from {where} (timed out or service overloaded): {err}"
            raise OnlineGeocoderError(msg, query=query) from err
        except geopy_exc.GeocoderUnavailable as err:
            msg = f"cannot reach {where}: {err}; is the network up?"
            raise OnlineGeocoderError(msg, query=query) from err
        except geopy_exc.GeopyError as err:
            msg = f"the online geocoder failed on {where}: {type(err).__name__}: {err}"
            raise OnlineGeocoderError(msg, query=query) from err

    # ------------------------------------------------------------------ cache

    def _read_cache(self) -> dict[str, list[dict[str, Any]] | None]:
        assert self.cache_path is not None
        try:
            text = self.cache_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as err:
            msg = f"cannot read the online-geocoder cache {str(self.cache_path)!r}: {err}"
            raise DataError(msg) from err
        try:
            data = json.loads(text)
        except ValueError as err:
            msg = (
                f"the online-geocoder cache {str(self.cache_path)!r} is not valid JSON "
                f"({err}); delete it to start a fresh cache"
            )
            raise DataError(msg) from err
        if (
            not isinstance(data, Mapping)
            or data.get("format") != _CACHE_FORMAT
            or not isinstance(data.get("entries"), Mapping)
        ):
            msg = (
                f"{str(self.cache_path)!r} is not an online-geocoder cache of geo; "
                "delete it or pass another cache_path"
            )
            raise DataError(msg)
        return dict(data["entries"])

    def _write_cache(self, key: str, value: list[dict[str, Any]] | None) -> None:
        """Add one entry and rewrite the file atomically (temp file + ``os.replace``).

        Entries another process wrote since we read the file are kept: the file is
        re-read and merged before writing.
        """
        assert self.cache_path is not None
        try:
            on_disk = self._read_cache()
        except DataError:
            on_disk = {}
        on_disk.update(self._entries)
        on_disk[key] = value
        self._entries = on_disk
        payload = {"format": _CACHE_FORMAT, "version": _CACHE_VERSION, "entries": on_disk}
        with atomic_open(self.cache_path, "w") as handle:
            json.dump(payload, handle, ensure_ascii=False, indent=1, sort_keys=True)
            handle.write("\n")


def _to_cache(location: Location) -> dict[str, Any]:
    return {
        "address": location.address,
        "lat": location.latitude,
        "lon": location.longitude,
        "raw": location.raw,
    }


def _from_cache(
    stored: list[dict[str, Any]] | None, exactly_one: bool
) -> Location | list[Location] | None:
    if not stored:
        return None
    locations = [Location(e["address"] or "", (e["lat"], e["lon"]), e["raw"]) for e in stored]
    return locations[0] if exactly_one else locations
