"""``geo resolve``: place names to places with the gazetteer (and, if asked, Nominatim)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any, TextIO

from geo.cli.common import EXIT_OK, EXIT_PARTIAL
from geo.errors import ConfigurationError
from geo.io.textsafe import for_terminal, json_for_terminal


def _candidate_record(c: Any) -> dict[str, Any]:
    p = c.place
    return {
        "id": p.id,
        "name": p.name,
        "kind": p.kind,
        "country": p.country,
        "lat": p.lat,
        "lon": p.lon,
        "score": c.score,
        "reason": c.reason,
    }


def _resolve_one(
    gaz: Any, query: str, cleaned: str, country: str | None, online: Any
) -> dict[str, Any]:
    """The record of one query (*cleaned* is the query already validated)."""
    found = gaz.candidates(cleaned, country=country)
    record: dict[str, Any] = {
        "query": query,
        "id": None,
        "name": None,
        "kind": None,
        "country": None,
        "lat": None,
        "lon": None,
        "source": None,
        "candidates": [_candidate_record(c) for c in found[:10]],
    }
    best = found[0].place if found else None
    if best is not None:
        record.update(
            id=best.id,
            name=best.name,
            kind=best.kind,
            country=best.country,
            lat=best.lat,
            lon=best.lon,
            source=best.source,
        )
    elif online is not None:
        loc = online.geocode(cleaned)
        if loc is not None:
            raw = loc.raw if isinstance(loc.raw, dict) else {}
            record.update(
                id=f"nominatim:{raw.get('osm_type', 'x')}/{raw.get('osm_id', raw.get('place_id'))}",
                name=loc.address,
                kind=str(raw.get("type") or raw.get("class") or "place"),
                country=None,
                lat=loc.latitude,
                lon=loc.longitude,
                source="Nominatim (online, cached)",
            )
    return record


def cmd_resolve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Resolve each NAME with the gazetteer (and, with --online, Nominatim)."""
    from geo.gazetteer.query import clean_query
    from geo.gazetteer.store import load_gazetteer

    # Validate every query before any work, so a usage error costs nothing.
    cleaned: list[str] = []
    for query in args.names:
        try:
            cleaned.append(clean_query(query))
        except ConfigurationError as e:
            shown = query if len(query) <= 40 else query[:37] + "..."
            msg = for_terminal(f"{shown!r}: {e}")
            raise ConfigurationError(msg) from None
    country = args.country.upper() if args.country else None
    if country and (len(country) != 2 or not country.isalpha()):
        msg = f"--country needs an ISO 3166-1 alpha-2 code such as NO or DK, not {args.country!r}"
        raise ConfigurationError(msg)
    from geo.cli.options import online_geocoder

    online = online_geocoder(args)
    gaz = load_gazetteer()
    if getattr(args, "sites", None):
        from geo.gazetteer.usersites import load_user_sites, overlay

        gaz = overlay(gaz, load_user_sites(args.sites))
    records = [
        _resolve_one(gaz, q, c, country, online) for q, c in zip(args.names, cleaned, strict=True)
    ]
    missing = [r for r in records if r["id"] is None]
    if args.json:
        out.write(json_for_terminal(records, indent=2) + "\n")
    else:
        _print_table(records, out)
    for r in missing:
        suggestions = gaz.suggest(r["query"])
        hint = f" — did you mean {', '.join(suggestions)}?" if suggestions else ""
        err.write(for_terminal(f"geo: no place named {r['query']!r}{hint}") + "\n")
    return EXIT_PARTIAL if missing else EXIT_OK


def _print_table(records: Sequence[dict[str, Any]], out: TextIO) -> None:
    headers = ("query", "place", "kind", "country", "lat", "lon", "id")
    rows: list[tuple[str, ...]] = []
    for r in records:
        lat = "" if r["lat"] is None else f"{r['lat']:.4f}"
        lon = "" if r["lon"] is None else f"{r['lon']:.4f}"
        rows.append(
            (
                r["query"],
                r["name"] or "(not found)",
                r["kind"] or "",
                r["country"] or "",
                lat,
                lon,
                r["id"] or "",
            )
        )
    rows = [tuple(for_terminal(str(c)) for c in row) for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out.write(line.rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for row in rows:
        out.write("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        out.write("\n")
