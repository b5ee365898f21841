"""Offline pages: a rendered folium page made into one self-contained HTML file.

* :func:`inline_html` inlines scripts and stylesheets from the asset cache
  (:mod:`geo.io.assets`), turns CSS ``url(...)`` references into ``data:`` URIs, and
  ends with a guard that fails loudly if anything would still be fetched.
* :func:`make_self_contained` is what the map builder calls: inlined when the assets are
  there, else the CDN page unchanged with a :class:`~geo.errors.GeoWarning` that names
  the command that fixes it.

CDN URLs are never hard-coded here: folium's own ``_default_js``/``_default_css`` lists and
each plugin's ``default_js``/``default_css`` are read at run time, and a URL is mapped to a
package by the package name and version found in its path (``name@1.2.3/…``,
``name/1.2.3/…`` or ``name-1.2.3.min.js``), whatever the host.
"""

from __future__ import annotations

import base64
import functools
import html as html_lib
import json
import mimetypes
import posixpath
import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from geo.errors import GeoError, GeoWarning
from geo.io.assets import (
    ASSETS,
    FIX_COMMAND,
    MANIFEST_NAME,
    Asset,
    _dir,
    _read_manifest,
    assets_available,
)

_VERSION = r"v?\d+(?:\.\d+)*(?:-[0-9A-Za-z][0-9A-Za-z.]*)?"

_MIME = {
    ".png": "image/png",
    ".gif": "image/gif",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".cur": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
}


def folium_asset_urls(elements: Iterable[type] | None = None) -> dict[str, str]:
    """The CDN URLs folium declares, read from folium at run time: ``{url: "Owner.key"}``.

    Covers ``folium.Map``'s ``default_js``/``default_css`` (folium's ``_default_js`` and
    ``_default_css``) and those of ``elements``, by default every class in
    ``folium.plugins``. Used by the tests to check that :data:`ASSETS` pins what folium
    pins, and by :func:`inline_html` to recognise the awesome-rotate stylesheet.
    """
    from geo.io.jinja_cache import import_folium

    import_folium()
    import folium
    import folium.plugins

    classes: list[type] = [folium.Map]
    if elements is None:
        classes += [c for c in vars(folium.plugins).values() if isinstance(c, type)]
    else:
        classes += list(elements)
    found: dict[str, str] = {}
    for cls in classes:
        for attr in ("default_js", "default_css"):
            for entry in getattr(cls, attr, None) or ():
                if isinstance(entry, tuple | list) and len(entry) == 2:
                    key, url = entry
                    found.setdefault(str(url), f"{cls.__name__}.{key}")
    return found


def parse_cdn_url(url: str) -> list[tuple[str, str, str]]:
    """Candidate ``(package, version, path inside it)`` readings of a CDN URL, best first.

    Recognises ``…/name@1.2.3/path`` (also ``@scope/name@…`` and ``owner/repo@…``),
    ``…/name/1.2.3/path`` and ``…/name-1.2.3.min.js``, whatever the host. The caller
    keeps the first reading whose package it knows.
    """
    parts = urlsplit(url)
    segs = [unquote(s) for s in parts.path.split("/") if s]
    out: list[tuple[str, str, str]] = []
    for i, seg in enumerate(segs):
        rest = "/".join(segs[i + 1 :])
        m = re.fullmatch(rf"(.+?)@({_VERSION})", seg)
        if m:
            if i > 0 and segs[i - 1].startswith("@"):
                out.append((f"{segs[i - 1]}/{m.group(1)}", m.group(2), rest))
            out.append((m.group(1), m.group(2), rest))
        if i + 1 < len(segs) and re.fullmatch(_VERSION, segs[i + 1]):
            out.append((seg, segs[i + 1], "/".join(segs[i + 2 :])))
        m = re.fullmatch(rf"(.+?)-({_VERSION})((?:\.min)?\.(?:js|css))", seg)
        if m:
            out.append((m.group(1), m.group(2), m.group(1) + m.group(3)))
    return out


def _norm_version(version: str) -> str:
    return version[1:] if version[:1] in "vV" else version


@functools.cache
def _asset_index() -> dict[tuple[str, str], Asset]:
    index: dict[tuple[str, str], Asset] = {}
    for asset in ASSETS:
        index[(asset.name.lower(), asset.version)] = asset
        for name, version in asset.aliases:
            index[(name.lower(), version)] = asset
    return index


def _lookup(url: str) -> tuple[Asset, str] | None:
    index = _asset_index()
    for name, version, rest in parse_cdn_url(url):
        asset = index.get((name.lower(), _norm_version(version)))
        if asset is not None:
            return asset, rest
    return None


def asset_for_url(url: str) -> Asset | None:
    """The pinned package a CDN URL refers to (by name and version), or ``None``."""
    found = _lookup(url)
    return found[0] if found else None


def _toggle_min(path: str) -> str:
    stem, dot, ext = path.rpartition(".")
    if not dot:
        return path
    if stem.endswith(".min"):
        return f"{stem[:-4]}.{ext}"
    return f"{stem}.min.{ext}"


def _find_in_package(asset: Asset, rest: str, files: Iterable[str]) -> str | None:
    """The package file that a CDN path stands for (exact, ``dist/``, (un)minified, basename)."""
    available = set(files)
    remap = dict(asset.remap)
    if remap.get(rest) in available:
        return remap[rest]
    variants = [rest, _toggle_min(rest)]
    for variant in variants:
        for candidate in (variant, f"dist/{variant}"):
            if candidate in available:
                return candidate
    for variant in variants:
        base = variant.rsplit("/", 1)[-1]
        hits = sorted(f for f in available if f.rsplit("/", 1)[-1] == base)
        if len(hits) == 1:
            return hits[0]
        if hits:
            return max(hits, key=lambda f: len(posixpath.commonprefix([f[::-1], variant[::-1]])))
    return None


class _Cache:
    """The asset cache as seen by one :func:`inline_html` call (manifest read once)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        manifest = _read_manifest(root)
        if manifest is None:
            msg = f"no asset cache at {root} (no valid {MANIFEST_NAME}); run {FIX_COMMAND}"
            raise GeoError(msg)
        self.packages: dict[str, Any] = manifest["packages"]

    def resolve(self, url: str) -> tuple[Asset, str] | None:
        found = _lookup(url)
        if found is None:
            return None
        asset, rest = found
        record = self.packages.get(asset.spec)
        if not isinstance(record, dict):
            return None
        rel = _find_in_package(asset, rest, record.get("files", {}))
        if rel is None or not (self.root / asset.spec / rel).is_file():
            return None
        return asset, rel

    def path(self, asset: Asset, rel: str) -> Path:
        return self.root / asset.spec / rel


def resolve_url(url: str, assets_dir: Path | str | None = None) -> Path | None:
    """The cached file that stands for a CDN URL, or ``None`` when there is none."""
    try:
        cache = _Cache(_dir(assets_dir))
    except GeoError:
        return None
    found = cache.resolve(url)
    return cache.path(*found) if found else None


_ATTRS = r"(?:[^>\"']|\"[^\"]*\"|'[^']*')*"

_TAG_RE = re.compile(
    rf"<script\b(?P<sattrs>{_ATTRS})>(?P<body>.*?)</script\s*>"
    rf"|<link\b(?P<lattrs>{_ATTRS})>",
    re.IGNORECASE | re.DOTALL,
)

_ATTR_RE = re.compile(
    r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""", re.DOTALL
)

_EXTERNAL_RE = re.compile(r"^\s*(?:(?:https?|wss?|ftp):)?//", re.IGNORECASE)

_CSS_URL_RE = re.compile(
    r"""url\(\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^)"'\s]*))\s*\)"""
    r"""(?P<fmt>\s*format\(\s*(?:"[^"]*"|'[^']*'|[^)]*)\s*\))?""",
    re.IGNORECASE,
)

_FONT_FACE_RE = re.compile(r"@font-face\s*\{[^}]*\}", re.IGNORECASE)

_SRC_DECL_RE = re.compile(r"(?<![-\w])src\s*:[^;}]*", re.IGNORECASE)


def _parse_attrs(text: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for m in _ATTR_RE.finditer(text):
        value = next((g for g in m.groups()[1:] if g is not None), "")
        attrs.setdefault(m.group(1).lower(), html_lib.unescape(value))
    return attrs


def _is_external(url: str) -> bool:
    return bool(_EXTERNAL_RE.match(url))


def _data_uri(path: Path) -> str:
    ext = path.suffix.lower()
    mime = _MIME.get(ext) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _ref(m: re.Match[str]) -> str:
    """The reference inside a matched CSS ``url()``, whatever its quoting."""
    return m.group("dq") or m.group("sq") or m.group("bare") or ""


def _blank_url(m: re.Match[str]) -> str:
    """``url(data:,)`` for a font source that is not kept (``data:`` URIs stay)."""
    return m.group(0) if _ref(m).startswith("data:") else f"url(data:,){m.group('fmt') or ''}"


def _escape_script(code: str) -> str:
    """Make code safe inside ``<script>``: no ``</script`` may end the element early."""
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)


def _escape_style(css: str) -> str:
    return re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)


def awesome_rotate_css() -> str:
    """Folium's ``leaflet.awesome.rotate`` stylesheet, which no package ships: 360 rules.

    folium's awesome markers add ``fa-rotate-<angle>`` (0–359) to every icon; the rule
    rotates the glyph.
    """
    return "".join(
        f".fa-rotate-{n}{{-webkit-transform:rotate({n}deg);transform:rotate({n}deg)}}"
        for n in range(360)
    )


def _is_awesome_rotate(url: str) -> bool:
    declared = folium_asset_urls(())
    if declared.get(url, "").endswith(".awesome_rotate_css"):
        return True
    return urlsplit(url).path.rsplit("/", 1)[-1].startswith("leaflet.awesome.rotate")


def _leaflet_icon_fix(cache: _Cache, asset: Asset) -> str:
    """JS run right after inlined Leaflet: default marker images as ``data:`` URIs.

    Leaflet finds its default icon folder from the URL of leaflet.css; inlined, there is
    none, and plain markers (``folium.Marker`` without an icon, GeoJson points) would show
    broken images.
    """
    record = cache.packages[asset.spec]["files"]
    urls = {}
    for key, name in (
        ("iconUrl", "marker-icon.png"),
        ("iconRetinaUrl", "marker-icon-2x.png"),
        ("shadowUrl", "marker-shadow.png"),
    ):
        rel = _find_in_package(asset, f"dist/images/{name}", record)
        if rel is None:
            msg = f"{asset.spec}/dist/images/{name} is not in the asset cache; run {FIX_COMMAND}"
            raise GeoError(msg)
        urls[key] = _data_uri(cache.path(asset, rel))
    options = ",".join(f"{k}:{json.dumps(v)}" for k, v in urls.items())
    return (
        "\n;(function(){if(typeof L==='undefined'){return;}var D=L.Icon.Default;"
        f"D.imagePath='';D.mergeOptions({{{options}}});}})();\n"
    )


class _Inliner:
    """One pass over a page: replaces CDN tags by inline copies, remembers what it did."""

    def __init__(self, cache: _Cache) -> None:
        self.cache = cache
        self.done: set[str] = set()

    # CSS --------------------------------------------------------------------

    def _css_ref(self, asset: Asset, css_rel: str, ref: str) -> tuple[Asset, str] | None:
        """Resolve one ``url()`` of a package's CSS to a cached file (relative or CDN)."""
        if _is_external(ref):
            return self.cache.resolve(ref)
        path = re.split(r"[?#]", ref, maxsplit=1)[0]
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(css_rel), path))
        if rel.startswith("../") or rel == "..":
            return None
        files = self.cache.packages[asset.spec]["files"]
        return (asset, rel) if rel in files else None

    def _missing(self, asset: Asset, css_rel: str, ref: str) -> GeoError:
        return GeoError(
            f"{asset.spec}/{css_rel} refers to {ref!r}, which is not in the asset cache; "
            f"add it to geo.io.assets.ASSETS and run {FIX_COMMAND}"
        )

    def _font_face(self, asset: Asset, css_rel: str, block: str) -> str:
        """Keep woff2 sources as ``data:``; other formats become ``url(data:,)``.

        A ``src`` that has no woff2 source (leaflet-timedimension's glyphicons) gets the
        woff2 sibling of its first font, when the cache has one.
        """

        def one_src(decl_match: re.Match[str]) -> str:
            decl = decl_match.group(0)
            refs = [_ref(u) for u in _CSS_URL_RE.finditer(decl)]
            has_woff2 = any(re.split(r"[?#]", r)[0].lower().endswith(".woff2") for r in refs)
            substituted = False

            def one_url(m: re.Match[str]) -> str:
                nonlocal substituted
                ref = _ref(m)
                fmt = m.group("fmt") or ""
                if ref.startswith("data:"):
                    return m.group(0)
                path = re.split(r"[?#]", ref, maxsplit=1)[0]
                if path.lower().endswith(".woff2"):
                    found = self._css_ref(asset, css_rel, ref)
                    if found is None:
                        raise self._missing(asset, css_rel, ref)
                    return f'url("{_data_uri(self.cache.path(*found))}"){fmt}'
                if not has_woff2 and not substituted:
                    stem = path.rsplit(".", 1)[0]
                    found = self._css_ref(asset, css_rel, f"{stem}.woff2")
                    if found is not None:
                        substituted = True
                        return f'url("{_data_uri(self.cache.path(*found))}") format("woff2")'
                return f"url(data:,){fmt}"

            return _CSS_URL_RE.sub(one_url, decl)

        decls = list(_SRC_DECL_RE.finditer(block))
        if not decls:
            return block
        last = decls[-1]  # earlier ``src`` declarations are overridden (old-IE fallbacks)
        head = _CSS_URL_RE.sub(_blank_url, block[: last.start()])
        return head + one_src(last) + block[last.end() :]

    def css(self, asset: Asset, rel: str) -> str:
        """A package stylesheet with every ``url()`` turned into a ``data:`` URI."""
        text = self.cache.path(asset, rel).read_text(encoding="utf-8-sig")

        def plain_url(m: re.Match[str]) -> str:
            ref = _ref(m)
            if not ref or ref.startswith(("data:", "#")):
                return m.group(0)
            path = re.split(r"[?#]", ref, maxsplit=1)[0]
            if path.rsplit(".", 1)[-1].lower() in {"eot", "ttf", "otf", "woff"}:
                return f"url(data:,){m.group('fmt') or ''}"
            found = self._css_ref(asset, rel, ref)
            if found is None:
                raise self._missing(asset, rel, ref)
            return f'url("{_data_uri(self.cache.path(*found))}"){m.group("fmt") or ""}'

        pieces: list[str] = []
        pos = 0
        for face in _FONT_FACE_RE.finditer(text):
            pieces.append(_CSS_URL_RE.sub(plain_url, text[pos : face.start()]))
            pieces.append(self._font_face(asset, rel, face.group(0)))
            pos = face.end()
        pieces.append(_CSS_URL_RE.sub(plain_url, text[pos:]))
        return "".join(pieces)

    # tags -------------------------------------------------------------------

    def script(self, attrs: dict[str, str], original: str) -> str:
        src = attrs.get("src", "")
        if not _is_external(src):
            return original
        found = self.cache.resolve(src)
        if found is None:
            return original  # left for the guard, which names it
        asset, rel = found
        key = f"{asset.spec}/{rel}"
        if key in self.done:  # e.g. jQuery, loaded by folium.Map and TimestampedGeoJson
            return f"<!-- geo.io.assets: {key} inlined above -->"
        self.done.add(key)
        code = self.cache.path(asset, rel).read_text(encoding="utf-8-sig")
        if asset.name == "leaflet" and rel.endswith(".js"):
            code += _leaflet_icon_fix(self.cache, asset)
        keep = "".join(
            f' {k}="{html_lib.escape(v)}"'
            for k, v in attrs.items()
            if k in {"type", "id", "nonce"} and v
        )
        return f'<script{keep} data-geo-asset="{key}">{_escape_script(code)}</script>'

    def link(self, attrs: dict[str, str], original: str) -> str:
        href = attrs.get("href", "")
        rels = attrs.get("rel", "").lower().split()
        if "stylesheet" not in rels or not _is_external(href):
            return original
        media = attrs.get("media")
        media_attr = f' media="{html_lib.escape(media)}"' if media else ""
        if _is_awesome_rotate(href):
            key = "folium/leaflet.awesome.rotate.css (generated)"
            css = awesome_rotate_css()
        else:
            found = self.cache.resolve(href)
            if found is None:
                return original
            asset, rel = found
            key = f"{asset.spec}/{rel}"
            css = self.css(asset, rel)
        if key in self.done:
            return f"<!-- geo.io.assets: {key} inlined above -->"
        self.done.add(key)
        return f'<style{media_attr} data-geo-asset="{key}">{_escape_style(css)}</style>'

    def __call__(self, m: re.Match[str]) -> str:
        if m.group("lattrs") is not None:
            return self.link(_parse_attrs(m.group("lattrs")), m.group(0))
        attrs = _parse_attrs(m.group("sattrs"))
        if "src" not in attrs:
            return m.group(0)
        return self.script(attrs, m.group(0))


_TILE_CALL_RE = re.compile(
    r"""L\.tileLayer(?:\.wms)?\s*\(\s*(["'`])(?P<url>.*?)\1""", re.IGNORECASE | re.DOTALL
)

_TEMPLATE_URL_RE = re.compile(
    r"""(["'`])(?P<url>(?:(?:https?:)?//)[^"'`\s]*\{[sxyz]\}[^"'`\s]*)\1"""
)

# Media tags, also inside JS strings (escaped quotes) and JSON (``\u003c`` for ``<``).
_MEDIA_RE = re.compile(
    r"""(?:<|\\u003c)(?P<tag>img|iframe|source|audio|video|embed|track|object)\b"""
    r"""[^<>]*?\b(?P<attr>src|data|poster)\s*=\s*\\?["']?"""
    r"""(?P<url>(?:(?:https?:)?//)[^"'\s\\<>]+)""",
    re.IGNORECASE,
)

_PAGE_CSS_URL_RE = re.compile(
    r"""(?:url\(\s*["']?|@import\s+["'])(?P<url>(?:(?:https?:)?//)[^"')\s]+)""", re.IGNORECASE
)


def external_references(html: str) -> list[tuple[str, str]]:
    """Everything in a page that a browser would fetch from the network: ``(kind, url)``.

    Scripts, links (stylesheets, icons, preloads), tile layers and tile URL templates,
    embedded media and CSS ``url()``/``@import``. Hyperlinks (``<a href>``, e.g. the
    attribution) are not fetched and are not reported. Inlined asset bodies are skipped.
    """
    found: list[tuple[str, str]] = []
    page_text: list[str] = []
    pos = 0
    for m in _TAG_RE.finditer(html):
        page_text.append(html[pos : m.start()])
        pos = m.end()
        if m.group("lattrs") is not None:
            href = _parse_attrs(m.group("lattrs")).get("href", "")
            if _is_external(href):
                found.append(("<link href>", href))
            continue
        attrs = _parse_attrs(m.group("sattrs"))
        if _is_external(attrs.get("src", "")):
            found.append(("<script src>", attrs["src"]))
        if "data-geo-asset" not in attrs:
            page_text.append(m.group("body"))
    page_text.append(html[pos:])
    text = "\n".join(page_text)
    # <style> blocks we inlined hold only data: URIs; the page's own text is checked.
    text = re.sub(
        r"<style\b[^>]*data-geo-asset[^>]*>.*?</style\s*>", "", text, flags=re.I | re.DOTALL
    )
    for m in _TILE_CALL_RE.finditer(text):
        if _is_external(m.group("url")):
            found.append(("tile layer", m.group("url")))
    for m in _TEMPLATE_URL_RE.finditer(text):
        if ("tile layer", m.group("url")) not in found:
            found.append(("tile URL", m.group("url")))
    for m in _MEDIA_RE.finditer(text):
        found.append((f"<{m.group('tag').lower()} {m.group('attr').lower()}>", m.group("url")))
    for m in _PAGE_CSS_URL_RE.finditer(text):
        found.append(("CSS url()", m.group("url")))
    return found


def _pin_hint(url: str) -> str:
    """A hint for a URL naming another version of a pinned package (a folium upgrade)."""
    for name, version, _ in parse_cdn_url(url):
        for asset in ASSETS:
            names = {asset.name.lower(), *(n.lower() for n, _ in asset.aliases)}
            if name.lower() in names:
                return f" (asks for {name}@{version}; geo.io.assets.ASSETS pins {asset.spec})"
    return ""


def inline_html(html: str, *, assets_dir: Path | str | None = None) -> str:
    """Make a rendered folium page self-contained, using the asset cache only.

    Every ``<script src>`` and ``<link rel=stylesheet href>`` whose URL names a pinned
    package becomes an inline ``<script>``/``<style>`` (attribute order and quoting do
    not matter); CSS ``url()`` references, relative or protocol-relative, become ``data:``
    URIs (woff2 fonts kept, other font formats ``data:,``); folium's awesome-rotate CSS is
    generated; Leaflet's default marker images are set to ``data:`` URIs. A file loaded
    twice (jQuery) is inlined once.

    Raises :class:`GeoError` when the cache is missing, or naming the URL when anything
    would still be fetched from the network (an unknown plugin, a tile layer, a remote
    image): a page that silently needs the internet is worse than no page.
    """
    cache = _Cache(_dir(assets_dir))
    out = _TAG_RE.sub(_Inliner(cache), html)
    leftovers = external_references(out)
    if leftovers:
        listing = "; ".join(f"{kind} {url}{_pin_hint(url)}" for kind, url in leftovers[:10])
        more = f" (and {len(leftovers) - 10} more)" if len(leftovers) > 10 else ""
        hint = (
            "tile layers need the network: build the map with tiles=None and an embedded "
            "base layer (geo.gazetteer.boundaries.basemap_geojson) or "
            "geo.gazetteer.boundaries.plain_tile_layer()"
            if any("tile" in kind for kind, _ in leftovers)
            else f"add the package to geo.io.assets.ASSETS and run {FIX_COMMAND}, "
            "or remove what needs it"
        )
        msg = f"the page would still fetch from the network: {listing}{more}; {hint}"
        raise GeoError(msg)
    return out


def make_self_contained(html: str, *, assets_dir: Path | str | None = None) -> str:
    """The page inlined when the asset cache is complete, else unchanged with a warning.

    The fallback keeps ``geo`` usable on a machine where set-up could not run npm: the
    page then loads its scripts from CDNs and needs a network, which the
    :class:`GeoWarning` says, with the command that fixes it. Errors of a complete cache
    (an unknown plugin, a tile layer) are raised, not downgraded.
    """
    if not assets_available(assets_dir):
        warnings.warn(
            f"web assets are missing from {_dir(assets_dir)}: the map will load Leaflet and "
            f"its plugins from CDNs and be blank without a network. Run {FIX_COMMAND} once "
            "while the npm registry is reachable.",
            GeoWarning,
            stacklevel=2,
        )
        return html
    return inline_html(html, assets_dir=assets_dir)
