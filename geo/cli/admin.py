"""``geo timeline``, ``geo index`` and ``geo assets``: the registry's events and the caches."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from geo.cli.common import EXIT_OK
from geo.errors import ConfigurationError


def cmd_timeline(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print every dated event of the registry (or of one agreement), oldest first."""
    from geo.registry.agreements import load_registry

    registry = load_registry(list(args.agreements))
    if args.agreement and args.agreement not in registry:
        known = ", ".join(registry.ids)
        msg = f"no agreement {args.agreement!r} in the registry (known: {known})"
        raise ConfigurationError(msg)
    records = registry.timeline_records(args.agreement)
    if args.json:
        json.dump(records, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return EXIT_OK
    headers = ("date", "agreement", "instrument", "event", "status")
    widths = [max(len(h), *(len(str(r[h])) for r in records)) for h in headers]
    out.write("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for r in records:
        cells = (str(r[h]).ljust(w) for h, w in zip(headers, widths, strict=True))
        out.write("  ".join(cells).rstrip() + "\n")
    return EXIT_OK


def cmd_index(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Build (or report on) the cached gazetteer index."""
    import time

    from geo.gazetteer.store import index_path, load_gazetteer

    path = index_path()
    if args.action == "build":
        started = time.perf_counter()
        gaz = load_gazetteer(rebuild=args.force or not path.is_file())
        took = time.perf_counter() - started
        out.write(
            f"gazetteer index: {len(gaz):,} places, {len(gaz.names):,} names ({took:.1f} s)\n"
        )
        out.write(f"cached at {path}\n")
    else:
        out.write(f"{path} {'exists' if path.is_file() else 'is not built yet'}\n")
    return EXIT_OK


def cmd_assets(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Fetch the pinned web assets (Leaflet and friends) from the npm registry."""
    from geo.io.assets import fetch_assets

    dest = fetch_assets()
    out.write(f"web assets ready in {dest}\n")
    return EXIT_OK
