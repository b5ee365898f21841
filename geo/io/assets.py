"""The cache of third-party web assets: pinned npm packages fetched once at set-up.

folium renders pages that load Leaflet, jQuery, Bootstrap, the awesome-markers plugin, two
icon fonts and every plugin's files from public CDNs, and the result is a blank page on an
air-gapped machine. This module keeps local copies; :mod:`geo.web.inline` rewrites
rendered pages to use them.

* :data:`ASSETS` pins every npm package, at the exact version folium 0.20 and the plugins
  we use ask for, plus the world-atlas TopoJSON of the offline base map.
* :func:`fetch_assets` runs ``npm pack`` for each package at set-up time (``geo assets
  fetch``, ``make map``) and extracts the files we use into the ignored cache folder,
  with a ``manifest.json`` of versions and sha256. It is the only function here that
  touches the network; nothing is ever downloaded while a map is built or shown, and no
  third-party file enters the repository.
* :func:`asset_file` finds one file of one package in the cache, or says how to get it.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from geo import settings
from geo.errors import GeoError

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"

MANIFEST_FORMAT = 1

FIX_COMMAND = "`geo assets fetch` (or `make map`)"

"""What a user runs to fill the asset cache; quoted in every warning and error."""


@dataclass(frozen=True)
class Asset:
    """One npm package pinned at an exact version, and the files of it that ``geo`` uses.

    ``files`` are glob patterns relative to the package root (``*`` never crosses ``/``);
    each must match at least one file, so a package whose layout changed fails at fetch
    time, not in a user's browser. ``aliases`` are the ``(name, version)`` pairs under
    which CDN URLs refer to this package when they differ from the npm name or version
    (a CDN's own library names, folium's jQuery UI 1.10.2 that npm never had). ``remap`` maps a
    path as written in a CDN URL to the package file that replaces it.
    """

    name: str
    version: str
    files: tuple[str, ...]
    purpose: str
    aliases: tuple[tuple[str, str], ...] = ()
    remap: tuple[tuple[str, str], ...] = ()

    @property
    def spec(self) -> str:
        """``name@version`` as given to ``npm pack`` and used as the cache folder name."""
        return f"{self.name}@{self.version}"


# Licence and metadata files kept next to the used files when a package has them.
_ALWAYS_KEEP: tuple[str, ...] = ("package.json", "LICEN[CS]E*", "licen[cs]e*", "MIT-LICEN[CS]E*")

ASSETS: tuple[Asset, ...] = (
    Asset(
        "leaflet",
        "1.9.3",
        ("dist/leaflet.js", "dist/leaflet.css", "dist/images/*.png"),
        "folium.Map: Leaflet itself and its default marker images",
    ),
    Asset("jquery", "3.7.1", ("dist/jquery.min.js",), "folium.Map and TimestampedGeoJson"),
    Asset(
        "bootstrap",
        "5.2.2",
        ("dist/js/bootstrap.bundle.min.js", "dist/css/bootstrap.min.css"),
        "folium.Map",
    ),
    Asset(
        "drmonty-leaflet-awesome-markers",
        "2.0.2",
        ("js/leaflet.awesome-markers.js", "css/leaflet.awesome-markers.css", "css/images/*.png"),
        "folium.Icon (awesome markers); the same files as the CDN's Leaflet.awesome-markers",
        aliases=(("Leaflet.awesome-markers", "2.0.2"),),
    ),
    Asset(
        "@fortawesome/fontawesome-free",
        "6.2.0",
        ("css/all.min.css", "webfonts/*.woff2"),
        "folium.Icon(prefix='fa')",
    ),
    Asset(
        "@neos21/bootstrap3-glyphicons",
        "1.0.7",
        ("dist/css/bootstrap3-glyphicons.min.css", "dist/fonts/*.woff2"),
        "folium.Icon(prefix='glyphicon'): the glyphicon rules of Bootstrap 3, which folium "
        "loads as bootstrap 3.0.0's bootstrap-glyphicons.css; also the font that "
        "leaflet-timedimension's CSS asks for",
        aliases=(("bootstrap", "3.0.0"),),
        remap=(("css/bootstrap-glyphicons.css", "dist/css/bootstrap3-glyphicons.min.css"),),
    ),
    Asset(
        "leaflet.markercluster",
        "1.1.0",
        (
            "dist/leaflet.markercluster.js",
            "dist/MarkerCluster.css",
            "dist/MarkerCluster.Default.css",
        ),
        "folium.plugins.MarkerCluster and FastMarkerCluster",
    ),
    Asset(
        "leaflet-search",
        "2.9.7",
        (
            "dist/leaflet-search.min.js",
            "dist/leaflet-search.min.css",
            "images/search-icon.png",
            "images/loader.gif",
        ),
        "folium.plugins.Search",
    ),
    Asset(
        "leaflet.fullscreen",
        "3.0.0",
        ("Control.FullScreen.js", "Control.FullScreen.css", "icon-fullscreen.svg"),
        "folium.plugins.Fullscreen",
    ),
    Asset(
        "leaflet-minimap",
        "3.6.1",
        ("dist/Control.MiniMap.min.js", "dist/Control.MiniMap.min.css", "dist/images/toggle.*"),
        "folium.plugins.MiniMap",
    ),
    Asset(
        "leaflet-measure",
        "2.1.7",
        ("dist/leaflet-measure.min.js", "dist/leaflet-measure.css", "dist/images/*.png"),
        "folium.plugins.MeasureControl",
    ),
    Asset(
        "leaflet-timedimension",
        "1.1.1",
        ("dist/leaflet.timedimension.min.js", "dist/leaflet.timedimension.control.css"),
        "folium.plugins.TimestampedGeoJson",
    ),
    Asset("iso8601-js-period", "0.2.1", ("iso8601.js",), "folium.plugins.TimestampedGeoJson"),
    Asset(
        "moment",
        "2.18.1",
        ("min/moment.min.js",),
        "folium.plugins.TimestampedGeoJson",
        aliases=(("moment.js", "2.18.1"),),
    ),
    Asset(
        "jquery-ui",
        "1.13.3",
        ("dist/jquery-ui.min.js",),
        "folium.plugins.TimestampedGeoJson, which pins jQuery UI 1.10.2: never published on "
        "npm, so the last 1.13 release stands in for it",
        aliases=(("jqueryui", "1.10.2"),),
    ),
    Asset(
        "highlight.js",
        "8.4.0",
        ("styles/default.css",),
        "folium.plugins.TimestampedGeoJson (a stylesheet it loads)",
        aliases=(("highlight.js", "8.4"),),
    ),
    Asset(
        "world-atlas",
        "2.0.2",
        ("countries-50m.json", "countries-110m.json"),
        "geo.gazetteer.boundaries: Natural Earth countries as TopoJSON, the offline base map",
    ),
)

"""Every package fetched by :func:`fetch_assets`, pinned at exact versions."""


def default_assets_dir() -> Path:
    """The asset cache (:func:`geo.settings.assets_folder`), read at call time."""
    return settings.assets_folder()


def _dir(assets_dir: Path | str | None) -> Path:
    return Path(assets_dir) if assets_dir is not None else default_assets_dir()


def _read_manifest(assets_dir: Path) -> dict[str, Any] | None:
    path = assets_dir / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        return None
    if not isinstance(data.get("packages"), dict):
        return None
    return data


def _record_current(asset: Asset, record: Any) -> bool:
    """Whether a manifest record was made for this exact pin and file selection."""
    return (
        isinstance(record, dict)
        and record.get("version") == asset.version
        and record.get("patterns") == list(asset.files)
        and isinstance(record.get("files"), dict)
    )


def assets_available(assets_dir: Path | str | None = None) -> bool:
    """Whether every pinned package is in the cache (files present, versions current).

    Cheap (no hashing): the map builder calls it to choose between the self-contained
    page and the CDN fallback. :func:`fetch_assets` does the full sha256 verification.
    """
    root = _dir(assets_dir)
    manifest = _read_manifest(root)
    if manifest is None:
        return False
    packages = manifest["packages"]
    for asset in ASSETS:
        record = packages.get(asset.spec)
        if not _record_current(asset, record):
            return False
        base = root / asset.spec
        if not all((base / rel).is_file() for rel in record["files"]):
            return False
    return True


def asset_file(spec: str, relpath: str, assets_dir: Path | str | None = None) -> Path:
    """Path of one cached package file: ``asset_file("world-atlas", "countries-50m.json")``.

    ``spec`` is a package name (its pinned version is used) or ``name@version``. Raises
    :class:`GeoError` naming the file and the command that fetches it when it is missing.
    """
    name = spec
    if "@" in spec.lstrip("@"):
        name = spec[: spec.rindex("@")]
    asset = next((a for a in ASSETS if a.name == name), None)
    if asset is None:
        msg = f"{spec!r} is not a package in geo.io.assets.ASSETS"
        raise GeoError(msg)
    path = _dir(assets_dir) / asset.spec / relpath
    if not path.is_file():
        msg = (
            f"{asset.spec}/{relpath} is not in the asset cache {_dir(assets_dir)}; "
            f"run {FIX_COMMAND} once while the npm registry is reachable"
        )
        raise GeoError(msg)
    return path


def _matches(rel: str, pattern: str) -> bool:
    """Glob match where ``*`` stays inside one path segment."""
    parts, pats = rel.split("/"), pattern.split("/")
    return len(parts) == len(pats) and all(
        fnmatchcase(p, q) for p, q in zip(parts, pats, strict=True)
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _verified(root: Path, asset: Asset, record: Any) -> bool:
    if not _record_current(asset, record):
        return False
    base = root / asset.spec
    for rel, digest in record["files"].items():
        path = base / rel
        if not path.is_file() or _sha256(path) != digest:
            return False
    return True


def _find_npm(npm: str) -> str:
    found = shutil.which(npm)
    if found is None:
        msg = (
            f"npm was not found (looked for {npm!r}); it is needed once, at set-up, to fetch "
            f"the map's web assets. Install Node.js and npm (Debian: apt-get install npm), "
            f"then run {FIX_COMMAND}. Until then maps fall back to CDN links and need a network."
        )
        raise GeoError(msg)
    return found


def _npm_error(output: str) -> str:
    """The useful part of a failed ``npm pack``'s output (its JSON error or last lines)."""
    text = output.strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        err = data["error"]
        return " ".join(str(err.get(k, "")) for k in ("code", "summary")).strip()
    lines = [line for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-3:]) or "no output"


def _run_npm_pack(npm: str, assets: list[Asset], workdir: Path, timeout: float) -> dict[str, Path]:
    cmd = [npm, "pack", "--silent", "--ignore-scripts", "--json", *(a.spec for a in assets)]
    names = ", ".join(a.spec for a in assets)
    try:
        proc = subprocess.run(
            cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        msg = f"npm pack {names} did not finish within {timeout:.0f} s (is the registry reachable?)"
        raise GeoError(msg) from None
    except OSError as exc:
        msg = f"could not run {npm!r} to pack {names}: {exc}"
        raise GeoError(msg) from exc
    if proc.returncode != 0:
        msg = (
            f"npm pack {names} failed (exit {proc.returncode}): "
            f"{_npm_error(proc.stdout + proc.stderr)}"
        )
        raise GeoError(msg)
    found: dict[str, Path] = {}
    try:
        for item in json.loads(proc.stdout):
            found[f"{item['name']}@{item['version']}"] = workdir / item["filename"]
    except (ValueError, KeyError, TypeError):
        pass
    for asset in assets:  # npm's own naming, if the JSON was not usable
        default = workdir / f"{asset.name.lstrip('@').replace('/', '-')}-{asset.version}.tgz"
        found.setdefault(asset.spec, default)
    return found


def _pack(npm: str, assets: list[Asset], workdir: Path, timeout: float) -> dict[str, Path]:
    """Pack all at once (fast); on failure, one by one so the error names the package."""
    try:
        return _run_npm_pack(npm, assets, workdir, timeout)
    except GeoError:
        if len(assets) == 1:
            raise
    found: dict[str, Path] = {}
    for asset in assets:
        found.update(_run_npm_pack(npm, [asset], workdir, timeout))
    return found


def _extract(asset: Asset, tarball: Path, root: Path) -> dict[str, Any]:
    """Extract the used files of one tarball into ``root/<name>@<version>/`` atomically."""
    if not tarball.is_file():
        msg = f"npm pack {asset.spec} reported success but wrote no {tarball.name}"
        raise GeoError(msg)
    target = root / asset.spec
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".partial-", dir=target.parent))
    files: dict[str, str] = {}
    total = 0
    try:
        with tarfile.open(tarball, "r:gz") as tf:
            for member in tf.getmembers():
                parts = member.name.replace("\\", "/").split("/")
                if not member.isfile() or len(parts) < 2 or ".." in parts or "" in parts[1:]:
                    continue
                rel = "/".join(parts[1:])  # drop the tarball's top folder ("package/")
                if not any(_matches(rel, p) for p in (*asset.files, *_ALWAYS_KEEP)):
                    continue
                handle = tf.extractfile(member)
                if handle is None:
                    continue
                data = handle.read()
                out = staging / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(data)
                files[rel] = hashlib.sha256(data).hexdigest()
                total += len(data)
        missing = [p for p in asset.files if not any(_matches(rel, p) for rel in files)]
        if missing:
            msg = f"npm package {asset.spec} has no file matching {', '.join(missing)}"
            raise GeoError(msg)
        if "package.json" in files:
            meta = json.loads((staging / "package.json").read_text(encoding="utf-8"))
            if meta.get("version") != asset.version:
                msg = f"npm pack {asset.spec} returned version {meta.get('version')!r}"
                raise GeoError(msg)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return {
        "name": asset.name,
        "version": asset.version,
        "purpose": asset.purpose,
        "tarball_sha256": _sha256(tarball),
        "patterns": list(asset.files),
        "bytes": total,
        "files": dict(sorted(files.items())),
    }


def _write_manifest(root: Path, packages: dict[str, Any]) -> None:
    data = {
        "format": MANIFEST_FORMAT,
        "note": (
            "Fetched by geo.io.assets.fetch_assets with `npm pack`; not part of the repository."
        ),
        "packages": {a.spec: packages[a.spec] for a in ASSETS if a.spec in packages},
    }
    tmp = root / f".{MANIFEST_NAME}.tmp"
    tmp.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    tmp.replace(root / MANIFEST_NAME)


def fetch_assets(
    dest: Path | str | None = None, *, npm: str = "npm", timeout: float = 600.0
) -> Path:
    """Fetch every package of :data:`ASSETS` into the asset cache; return the cache folder.

    Run once at set-up while the npm registry is reachable (``geo assets fetch``, ``make
    map``), never while building or showing a map. Each package is packed with ``npm pack
    --ignore-scripts`` in a temporary folder (so no install script runs) and only the
    files it is used for are extracted into ``dest/<name>@<version>/``; ``manifest.json``
    records versions and the sha256 of every extracted file and of each tarball.

    Idempotent: packages already present and matching their recorded hashes are skipped
    without calling npm, so a complete cache needs neither npm nor a network. Raises
    :class:`GeoError` when npm is missing or a pack fails (naming the package).
    """
    root = _dir(dest)
    root.mkdir(parents=True, exist_ok=True)
    manifest = _read_manifest(root)
    old = manifest["packages"] if manifest else {}
    packages: dict[str, Any] = {}
    todo: list[Asset] = []
    for asset in ASSETS:
        if _verified(root, asset, old.get(asset.spec)):
            packages[asset.spec] = old[asset.spec]
        else:
            todo.append(asset)
    if todo:
        exe = _find_npm(npm)
        log.info("npm pack %s", " ".join(a.spec for a in todo))
        with tempfile.TemporaryDirectory(prefix="geo-npm-") as tmp:
            tarballs = _pack(exe, todo, Path(tmp), timeout)
            for asset in todo:
                packages[asset.spec] = _extract(asset, tarballs[asset.spec], root)
                _write_manifest(root, packages)  # progress survives an interruption
    if todo or manifest is None or set(old) != set(packages):
        _write_manifest(root, packages)
    return root


def cache_size(assets_dir: Path | str | None = None) -> int:
    """Total bytes of the cached files listed in the manifest (0 without a cache)."""
    manifest = _read_manifest(_dir(assets_dir))
    if manifest is None:
        return 0
    return sum(int(rec.get("bytes", 0)) for rec in manifest["packages"].values())


# --------------------------------------------------------------------------- pack / unpack

#: The caches a pack carries, by the name they have inside the archive.
PACK_FOLDERS = ("index", "assets", "online")

PACK_MANIFEST = "geo-pack.json"

PACK_FORMAT = 1


def _cache_folders() -> dict[str, Path]:
    """Where each cache lives on this machine (:mod:`geo.settings`, read at call time)."""
    return {
        "index": settings.index_folder(),
        "assets": settings.assets_folder(),
        "online": settings.online_folder(),
    }


def pack_caches(
    archive: Path | str,
    folders: Sequence[str] = PACK_FOLDERS,
    *,
    only: Sequence[Path] | None = None,
) -> dict[str, int]:
    """Write the caches (index, web assets, online answers) into one ``.tar.gz``.

    For moving a set-up to an air-gapped machine: run ``geo assets pack geo-cache.tar.gz``
    where ``make map`` worked, carry the file over, run ``geo assets unpack
    geo-cache.tar.gz`` there. Only regular files are packed (links and special files are
    skipped); ``geo-pack.json`` inside lists every file with its size and sha256, which
    :func:`unpack_caches` checks. Returns the number of files per cache. The archive is
    written atomically (:func:`geo.io.outputs.atomic_open`). *only*, when given, limits
    the index folder to those files (the CLI passes the current index, not stale ones
    left by older data).
    """
    import datetime as dt

    from geo.io.outputs import atomic_open

    roots = _cache_folders()
    counts: dict[str, int] = {}
    entries: list[tuple[str, Path]] = []
    for name in folders:
        if name not in roots:
            msg = f"unknown cache {name!r} (known: {', '.join(PACK_FOLDERS)})"
            raise GeoError(msg)
        root = roots[name]
        counts[name] = 0
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root).as_posix()
            if path.is_symlink() or not path.is_file() or rel.startswith(".") or "/." in rel:
                continue
            if name == "index" and only is not None and path.name not in {p.name for p in only}:
                continue
            entries.append((f"{name}/{rel}", path))
            counts[name] += 1
    if not entries:
        msg = "the caches are empty: run `make map` (or geo index build, geo assets fetch) first"
        raise GeoError(msg)
    files = {arc: {"bytes": p.stat().st_size, "sha256": _sha256(p)} for arc, p in entries}
    manifest = {
        "format": PACK_FORMAT,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "files": files,
    }
    data = json.dumps(manifest, indent=1).encode("utf-8")
    with atomic_open(archive, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as tf:
        info = tarfile.TarInfo(PACK_MANIFEST)
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
        for arc, path in entries:
            tf.add(path, arcname=arc, recursive=False)
    return counts


def unpack_caches(archive: Path | str) -> dict[str, int]:
    """Unpack a :func:`pack_caches` archive into this machine's cache folders.

    Every member is checked before anything is written: a known cache folder, a relative
    path without ``..``, a regular file listed in ``geo-pack.json`` with its size, and
    then its sha256. Files go into a staging folder next to each cache and are moved into
    place one by one, so a broken archive leaves the caches as they were. Raises
    :class:`GeoError` naming the archive and the member. Returns files per cache.
    """
    path = Path(archive)
    roots = _cache_folders()
    try:
        tf = tarfile.open(path, mode="r:*")  # noqa: SIM115 - closed by the with below
    except (OSError, tarfile.TarError) as exc:
        msg = f"{path}: not a geo cache archive ({exc})"
        raise GeoError(msg) from exc
    with tf:
        try:
            members = tf.getmembers()
            meta = next((m for m in members if m.name == PACK_MANIFEST), None)
            handle = tf.extractfile(meta) if meta is not None and meta.isfile() else None
            manifest = json.loads(handle.read().decode("utf-8")) if handle else None
        except (OSError, tarfile.TarError, ValueError) as exc:
            msg = f"{path}: unreadable archive ({exc})"
            raise GeoError(msg) from exc
        if not isinstance(manifest, dict) or manifest.get("format") != PACK_FORMAT:
            msg = f"{path}: no {PACK_MANIFEST} of format {PACK_FORMAT}: not made by geo assets pack"
            raise GeoError(msg)
        listed = manifest.get("files")
        if not isinstance(listed, dict):
            msg = f"{path}: {PACK_MANIFEST} has no file list"
            raise GeoError(msg)
        chosen: list[tuple[tarfile.TarInfo, str, str]] = []
        for member in members:
            if member.name == PACK_MANIFEST:
                continue
            parts = member.name.split("/")
            if (
                not member.isfile()
                or len(parts) < 2
                or parts[0] not in roots
                or any(p in ("", ".", "..") for p in parts)
                or member.name.startswith("/")
            ):
                msg = f"{path}: refusing member {member.name!r} (not a file of a geo cache)"
                raise GeoError(msg)
            record = listed.get(member.name)
            if not isinstance(record, dict) or record.get("bytes") != member.size:
                msg = f"{path}: member {member.name!r} is not listed in {PACK_MANIFEST} as packed"
                raise GeoError(msg)
            chosen.append((member, parts[0], "/".join(parts[1:])))
        counts = dict.fromkeys(roots, 0)
        staged: list[tuple[Path, Path]] = []
        stages: list[Path] = []
        try:
            for member, cache, rel in chosen:
                root = roots[cache]
                root.mkdir(parents=True, exist_ok=True)
                stage = root / ".unpack"
                if stage not in stages:
                    shutil.rmtree(stage, ignore_errors=True)
                    stage.mkdir()
                    stages.append(stage)
                source = tf.extractfile(member)
                if source is None:
                    msg = f"{path}: cannot read member {member.name!r}"
                    raise GeoError(msg)
                data = source.read()
                if hashlib.sha256(data).hexdigest() != listed[member.name].get("sha256"):
                    msg = f"{path}: member {member.name!r} does not match its sha256"
                    raise GeoError(msg)
                out = stage / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(data)
                staged.append((out, root / rel))
                counts[cache] += 1
            for out, target in staged:
                target.parent.mkdir(parents=True, exist_ok=True)
                out.replace(target)
        except (OSError, tarfile.TarError) as exc:
            msg = f"{path}: cannot unpack ({exc})"
            raise GeoError(msg) from exc
        finally:
            for stage in stages:
                shutil.rmtree(stage, ignore_errors=True)
    return counts
