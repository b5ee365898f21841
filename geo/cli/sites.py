"""``geo sites add`` and ``geo sites check``: the analyst's own sites file, a row at a time.

``geo sites add NAME --file my-sites.csv`` turns a name from the corpus (resolved or not)
into a draft row of a sites file with the schema of ``data/sites/*.csv``: when the
gazetteer knows the name, the row starts from that place (name, country, point and where
the point comes from); when it does not, the point is left empty for the analyst to fill
in. ``geo sites check FILE...`` validates sites files the way ``--sites`` will, reporting
every problem with file, line and field (exit 3), so a file is fixed before a run.
"""

from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path
from typing import Any, TextIO, cast

from geo.cli.common import EXIT_OK
from geo.errors import ConfigurationError
from geo.io.textsafe import for_terminal

_SLUG = re.compile(r"[^a-z0-9]+")


def add_sites_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``geo sites`` (``add``, ``check``) to the CLI's subparsers."""
    p = subparsers.add_parser(
        "sites",
        help="draft a row of your own sites file from a name; check sites files",
        description=(
            "add NAME: append a draft site row for NAME (resolved with the gazetteer when "
            "it can be) to --file, or print it. check FILE...: validate sites files."
        ),
    )
    p.add_argument("action", choices=("add", "check"))
    p.add_argument("names", nargs="+", metavar="NAME|FILE", help="a name (add) or files (check)")
    p.add_argument("--file", type=Path, metavar="FILE", help="the CSV to append to (add)")
    p.add_argument("--id", dest="site_id", help="the new site's id (default: cc-name)")
    p.add_argument("--kind", help="the site's kind (air_base, naval_base, ...)")
    p.add_argument("--country", metavar="CC", help="ISO 3166-1 alpha-2 of the host country")
    p.add_argument("--lat", type=float, help="latitude of the site, if you know it")
    p.add_argument("--lon", type=float, help="longitude of the site, if you know it")
    p.add_argument("--source", metavar="URL", help="a URL that ties the site to its location")
    return cast(argparse.ArgumentParser, p)


def draft_row(name: str, args: argparse.Namespace) -> tuple[dict[str, str], str]:
    """The draft row for *name* and a sentence saying where its point comes from."""
    from geo.gazetteer.query import clean_query
    from geo.gazetteer.sources import SITE_COLUMNS, SITE_KINDS
    from geo.gazetteer.store import load_gazetteer

    query = clean_query(name)
    gaz = load_gazetteer()
    country = (args.country or "").upper() or None
    found = gaz.candidates(query, country=country, limit=1)
    place = found[0].place if found else None
    row = dict.fromkeys(SITE_COLUMNS, "")
    row.update(name=query, local_name=query, status="current", confidence="low")
    how = "not in the gazetteer: the point is empty, give --lat/--lon or fill it in"
    if place is not None:
        row["country"] = place.country or ""
        if place.kind in SITE_KINDS:
            row["kind"] = place.kind
        if place.has_point:
            row["lat"], row["lon"] = f"{place.lat:.5f}", f"{place.lon:.5f}"
            row["coord_precision"] = "locality" if place.kind not in SITE_KINDS else "facility"
            row["coord_source"] = f"geo gazetteer {place.id} ({place.name}; {place.source})"
            how = f"point of {place.name} ({place.id}, {place.kind}) from the gazetteer"
    if args.lat is not None or args.lon is not None:
        if args.lat is None or args.lon is None:
            msg = "--lat and --lon go together"
            raise ConfigurationError(msg)
        row["lat"], row["lon"] = f"{args.lat:.5f}", f"{args.lon:.5f}"
        row["coord_precision"] = "locality"
        row["coord_source"] = args.source or "given by the analyst"
        how = "point given with --lat/--lon"
    row["country"] = country or row["country"]
    row["kind"] = args.kind or row["kind"] or "unknown"
    if args.source:
        row["source_urls"] = args.source
    slug = _SLUG.sub("-", query.lower().encode("ascii", "ignore").decode()).strip("-")
    row["id"] = args.site_id or f"{(row['country'] or 'xx').lower()}-{slug or 'site'}"
    row["notes"] = "draft from geo sites add: check the point and add the sources"
    return row, how


def _utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def cmd_sites(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``geo sites add`` or ``geo sites check``."""
    from geo.gazetteer.sources import SITE_COLUMNS
    from geo.gazetteer.usersites import load_user_sites

    if args.action == "check":
        rows = load_user_sites(args.names)  # DataError (exit 3) lists every problem
        out.write(f"{len(rows)} sites, no problems\n")
        return EXIT_OK
    if len(args.names) != 1:
        msg = "geo sites add takes one NAME (quote a name of several words)"
        raise ConfigurationError(msg)
    for value in (args.names[0], args.source, args.country, args.site_id, args.kind):
        if isinstance(value, str) and not _utf8(value):
            # An argument in another encoding reaches Python as lone surrogates: no row
            # of a UTF-8 sites file can hold it.
            msg = f"{value!a} is not UTF-8 text; give the name in UTF-8"
            raise ConfigurationError(msg)
    row, how = draft_row(args.names[0], args)
    if args.file is None:
        writer = csv.DictWriter(out, fieldnames=SITE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerow(row)
    else:
        target = Path(args.file)
        if target.suffix.lower() != ".csv":
            msg = f"--file must be a .csv sites file, not {target.name!r}"
            raise ConfigurationError(msg)
        ids: set[str] = set()
        if target.exists():
            with target.open(encoding="utf-8-sig", newline="") as fh:
                ids = {r.get("id", "") for r in csv.DictReader(fh)}
        if row["id"] in ids:
            msg = f"{target} already has a site {row['id']!r}; choose another with --id"
            raise ConfigurationError(msg)
        # The file is rewritten whole and atomically (never left half-appended), its
        # folder created like every other output's.
        from geo.io.outputs import atomic_open

        before = target.read_bytes() if target.exists() else b""
        if before and not before.endswith(b"\n"):
            before += b"\n"
        with atomic_open(target, "w") as fh:
            fh.write(before.decode("utf-8"))
            writer = csv.DictWriter(fh, fieldnames=SITE_COLUMNS, lineterminator="\n")
            if not before.strip():
                writer.writeheader()
            writer.writerow(row)
        out.write(for_terminal(f"added {row['id']} to {target}: {how}") + "\n")
    if not row["source_urls"]:
        err.write(
            "geo sites add: the draft has no source_urls yet: add one (--source URL) before "
            "using the file with --sites, which refuses sites without a source\n"
        )
    return EXIT_OK
