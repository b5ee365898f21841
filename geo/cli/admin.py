"""``geo timeline``, ``geo index`` and ``geo assets``: the registry's events and the caches."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from geo.cli.common import EXIT_OK
from geo.errors import ConfigurationError


def cmd_timeline(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print every dated event of the registry (or of one agreement), oldest first.

    Each row ends with the source URL that states the event, so a reader can check it.
    """
    from geo.registry.agreements import load_registry

    if getattr(args, "sites", None):
        from geo.layers.build import load_user_registry

        _sites, registry = load_user_registry(args.sites, args.agreements)
    else:
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
    headers = ("date", "agreement", "instrument", "event", "status", "source")
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
    """Fetch the web assets, pack or unpack every cache, or say where the caches are."""
    from pathlib import Path

    from geo import settings
    from geo.io import assets

    action = getattr(args, "action", "fetch")
    archive = getattr(args, "archive", None)
    if action in ("pack", "unpack") and not archive:
        msg = f"geo assets {action} needs a FILE (for example geo-cache.tar.gz)"
        raise ConfigurationError(msg)
    if action == "pack":
        from geo.io.outputs import output_argument

        target = output_argument(str(archive))
        from geo.gazetteer.store import index_path

        counts = assets.pack_caches(target, only=[index_path()])
        size = Path(target).stat().st_size
        shown = ", ".join(f"{n} {k} files" for k, n in counts.items())
        out.write(f"wrote {target} ({size / 1e6:.1f} MB): {shown}\n")
        out.write(f"on the other machine: geo assets unpack {Path(target).name}\n")
        return EXIT_OK
    if action == "unpack":
        counts = assets.unpack_caches(Path(str(archive)))
        shown = ", ".join(f"{n} {k} files" for k, n in counts.items())
        out.write(f"unpacked {archive}: {shown} into {settings.cache_dir}\n")
        return EXIT_OK
    if action == "info":
        from geo.gazetteer.store import index_path

        index = index_path()
        out.write(f"cache root     {settings.cache_dir}\n")
        out.write(f"index          {index} ({'built' if index.is_file() else 'not built yet'})\n")
        ready = "complete" if assets.assets_available() else "missing: run geo assets fetch"
        out.write(f"web assets     {settings.assets_folder()} ({ready})\n")
        out.write(f"online answers {settings.online_folder()}\n")
        return EXIT_OK
    dest = assets.fetch_assets()
    out.write(f"web assets ready in {dest}\n")
    return EXIT_OK
