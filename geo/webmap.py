"""The interactive map: one self-contained HTML file of every site, agreement and quote.

``geo build INPUT... -o out/map.html`` and :func:`save_map` turn the layers of
:func:`geo.layers.build_layers` into a folium/Leaflet page that works air-gapped:
Leaflet, its plugins, fonts and images are inlined by
:func:`geo.assets.make_self_contained` and the base map is the embedded Natural Earth
outline of :func:`geo.basemap.basemap_geojson`, so opening the file fetches nothing.

How the page is built, and why
------------------------------
* **One data blob, drawn in the browser.** folium's ``Marker``/``Popup`` objects cost a
  JavaScript variable, a popup HTML string and a template render each, which for
  thousands of sites with five quotes multiplies build time and page size (folium
  issues #1814, #1871). Instead everything the page shows
  goes into one ``<script type="application/json">`` element (:func:`map_data`, encoded
  by :func:`script_json`) and a fixed script (``_APP_JS``, a constant: no JavaScript is
  ever assembled from data) creates the markers, layers, popups, legend counts, search
  index and time slider from it. Sentences and documents are stored once and referred to
  by index.
* **Untrusted text stays text.** Document sentences, names from user registries and
  everything else from the data reach the page only (a) inside that JSON element, where
  ``<``, ``>``, ``&``, ``/``, U+2028 and U+2029 are ``\\u``-escaped so nothing can end the
  element or start markup, and (b) through DOM ``textContent`` in the browser (popups,
  tooltips, search tips, the layer control's labels, which are HTML-escaped first because
  Leaflet inserts them as HTML). The legend is rendered in Python with
  :func:`html.escape`. Escaping ``/`` also keeps URLs quoted in news text from looking
  like page resources to the offline guard of :func:`geo.assets.inline_html`.
* **Markers.** One Leaflet awesome-marker per site that has a point: colour by the
  site's status as of ``layers.as_of`` (:data:`STATUS_STYLE`), Font Awesome icon by kind
  (:data:`KIND_STYLE`). A site under several agreements is one marker, shown while any
  of its agreements' layers is switched on (one layer per agreement in the layer
  control, plus "Countries by status" and "Other places mentioned").
* **Sites without a point** (``has_point`` false: sources name the site but publish no
  coordinates, and ``data/sites.csv`` never guesses one) cannot be drawn honestly, and a
  marker at the host country's centre would look like a location. They are listed in the
  legend under "Not located" with their country and agreement; clicking a name (or
  finding it with the search box) opens the same popup as a marker would, anchored on
  the host country. So: markers on the map == rows of ``layers.sites`` with a point, and
  every other row is named in the legend.
* **Time slider.** Positions are the dates on which the registry's events (of the
  agreements on the map) took effect, ending at ``as_of``; for each site and country the
  page stores only the positions where its status changes, computed in Python with
  :meth:`geo.agreements.Registry.site_status`, so the browser just recolours markers.
* **Tiles.** ``tiles="none"`` (the default) draws no tile layer at all. ``"osm"`` or
  ``"carto"`` offers OpenStreetMap and CARTO in the layer control with the asked one
  switched on; they need the network, so :func:`map_html` adds their configuration *after*
  inlining, on purpose, where the offline guard does not apply.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import html as html_lib
import json
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, TextIO

from .atomic import output_argument, write_text

if TYPE_CHECKING:
    import folium
    import pandas as pd

    from .agreements import Registry

__all__ = [
    "KIND_STYLE",
    "STATUS_STYLE",
    "TILES",
    "add_build_parser",
    "basemap_json",
    "cmd_build",
    "combine_status",
    "legend_html",
    "map_data",
    "map_html",
    "render_map",
    "save_map",
    "script_json",
    "write_text_atomic",
]

DATA_VERSION = 1

#: status -> (awesome-markers colour, hex colour of that marker, label). Order = legend order.
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    "none": ("lightgray", "#a3a3a3", "not yet agreed"),
    "proposed": ("beige", "#ffcb92", "proposed"),
    "negotiating": ("orange", "#f69730", "negotiating"),
    "signed": ("blue", "#38aadd", "signed"),
    "approved": ("purple", "#d252b9", "approved"),
    "in_force": ("green", "#72b026", "in force"),
    "ended": ("gray", "#575757", "ended"),
}
_STATUS_ORDER = tuple(STATUS_STYLE)
_RANK = {s: i for i, s in enumerate(_STATUS_ORDER)}
#: Statuses always shown in the legend, present or not (the issue's list).
_LEGEND_STATUSES = ("negotiating", "signed", "approved", "in_force", "ended")

#: kind -> (Font Awesome 6 solid icon name, label). Order = legend order.
KIND_STYLE: dict[str, tuple[str, str]] = {
    "air_base": ("plane", "air base"),
    "naval_base": ("anchor", "naval base"),
    "army_garrison": ("person-military-rifle", "army garrison"),
    "training_area": ("crosshairs", "training area"),
    "storage": ("warehouse", "storage"),
    "fuel_depot": ("gas-pump", "fuel depot"),
    "space_base": ("satellite-dish", "space base"),
    "border_guard_base": ("user-shield", "border guard base"),
    "test_range": ("rocket", "test range"),
    "unknown": ("question", "facility not identified"),
}

#: Tile layers offered with ``tiles="osm"|"carto"``; the asked one is switched on.
TILES: dict[str, dict[str, Any]] = {
    "osm": {
        "name": "OpenStreetMap (online)",
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">'
        "OpenStreetMap</a> contributors",
        "maxZoom": 19,
    },
    "carto": {
        "name": "CARTO light (online)",
        "url": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
        "attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">'
        'OpenStreetMap</a> contributors &copy; <a href="https://carto.com/attributions">'
        "CARTO</a>",
        "subdomains": "abcd",
        "maxZoom": 19,
    },
}
TileChoice = Literal["none", "osm", "carto"]
Basemap = Literal["110m", "50m"]

MAX_QUOTES = 5
_QUOTE_CONTEXT = 180  # characters kept on each side of a mention in a long sentence
_COUNTRY_SIMPLIFY = 0.01  # degrees (~1 km): the shading is a display layer


class LayersLike(Protocol):
    """What the map reads from :class:`geo.layers.Layers` (tests pass hand-made ones)."""

    sites: Any
    places: Any
    countries: Any
    documents: Any
    registry: Registry | None
    as_of: dt.date | None


# =============================================================================== helpers


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str | int | list | tuple | dict):  # the common cells, fast
        return False
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, list | tuple | dict) else False
    except (TypeError, ValueError):
        return False


def _text(value: Any) -> str | None:
    """A non-empty string, or ``None`` for missing/empty cells (NaN, NA, None, '')."""
    if _missing(value):
        return None
    text = str(value).strip()
    return text or None


def _int(value: Any, default: int = 0) -> int:
    if _missing(value):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _split(value: Any, sep: str = ",") -> list[str]:
    """A list cell as stripped, non-empty strings: a JSON list, a list, or *sep*-joined."""
    if _missing(value):
        return []
    if isinstance(value, str) and value.lstrip().startswith("["):
        decoded = _json_cell(value)
        if isinstance(decoded, list):
            value = decoded
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if _text(v)]
    return [part.strip() for part in str(value).split(sep) if part.strip()]


def _json_cell(value: Any) -> Any:
    """A JSON-encoded cell decoded (lists and dicts pass through); ``None`` if unusable."""
    if _missing(value):
        return None
    if isinstance(value, list | dict):
        return value
    try:
        return json.loads(str(value))
    except ValueError:
        return None


def _utf16(text: str, index: int) -> int:
    """A code-point offset into *text* as the UTF-16 offset JavaScript strings use."""
    return len(text[:index].encode("utf-16-le")) // 2


def _date_iso(value: Any) -> str | None:
    if _missing(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return _text(value)


_JSON_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    ord("/"): "\\/",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def script_json(value: Any) -> str:
    """JSON that is safe as the body of a ``<script>`` element and inert in HTML.

    ``<``, ``>``, ``&`` and ``/`` are escaped (nothing can close the element or open a
    comment or a tag), and so are U+2028/U+2029 (line terminators in old JavaScript).
    ``JSON.parse`` of the element's text returns *value* unchanged. Raises ``ValueError``
    for NaN or infinities, which JSON cannot carry.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.translate(_JSON_ESCAPES)


def write_text_atomic(path: Path | str, text: str) -> Path:
    """Write *text* (UTF-8) to *path* atomically (see :mod:`geo.atomic`)."""
    return write_text(path, text)


def combine_status(statuses: Iterable[str]) -> str:
    """One status for a site or country under several agreements.

    The most advanced status among agreements that are not ended wins; ``ended`` only
    when every agreement has ended; ``none`` when there is nothing at all.
    """
    values = list(statuses)
    active = [s for s in values if s not in ("none", "ended") and s in _RANK]
    if active:
        return max(active, key=_RANK.__getitem__)
    return "ended" if "ended" in values else "none"


def _country_names(layers: LayersLike) -> dict[str, str]:
    names: dict[str, str] = {}
    countries = getattr(layers, "countries", None)
    if countries is not None and len(countries) and "iso2" in countries:
        for iso2, name in zip(
            countries["iso2"], countries.get("name", countries["iso2"]), strict=True
        ):
            if _text(iso2) and _text(name):
                names.setdefault(str(iso2), str(name))
    return names


def _country_name(code: str | None, names: Mapping[str, str]) -> str | None:
    if not code:
        return None
    if code in names:
        return names[code]
    try:
        import pycountry

        found = pycountry.countries.get(alpha_2=code)
    except (LookupError, KeyError):  # pragma: no cover - pycountry raises only on bad input
        found = None
    return getattr(found, "common_name", None) or getattr(found, "name", None) or code


def _point(geometry: Any) -> list[float] | None:
    """``[lat, lon]`` of a point geometry (5 decimals, ~1 m), or ``None``."""
    if geometry is None or _missing(geometry) or getattr(geometry, "is_empty", True):
        return None
    if getattr(geometry, "geom_type", "") != "Point":
        geometry = geometry.representative_point()
    lat, lon = float(geometry.y), float(geometry.x)
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    return [round(lat, 5), round(lon, 5)]


def _round_coords(coords: Any, digits: int) -> Any:
    if coords and isinstance(coords[0], int | float):
        return [round(float(c), digits) for c in coords[:2]]
    return [_round_coords(c, digits) for c in coords]


# =============================================================================== data


class _Quotes:
    """Sentences and documents stored once; quotes refer to them by index."""

    def __init__(self, documents: Any, mentions: Any = None) -> None:
        self.sentences: list[str] = []
        # (doc, start) -> sentence_start, to turn a quote's document offsets into the
        # sentence's own (the quotes of the layers carry document offsets).
        self._sentence_start: dict[tuple[str, int], int] = {}
        if (
            mentions is not None
            and len(mentions)
            and {"doc", "start", "sentence_start"} <= set(mentions.columns)
        ):
            for doc, start, offset in zip(
                mentions["doc"], mentions["start"], mentions["sentence_start"], strict=True
            ):
                if not (_missing(start) or _missing(offset)):
                    self._sentence_start[(str(doc), int(start))] = int(offset)
        self._sentence_index: dict[str, int] = {}
        self.docs: list[list[str | None]] = []
        self._doc_index: dict[str, int] = {}
        self._doc_meta: dict[str, tuple[str | None, str | None]] = {}
        if documents is not None and len(documents):
            id_col = next((c for c in ("doc_id", "id", "doc") if c in documents), None)
            if id_col is not None:
                titles = documents["title"] if "title" in documents else [None] * len(documents)
                dates = documents["date"] if "date" in documents else [None] * len(documents)
                for doc, title, date in zip(documents[id_col], titles, dates, strict=True):
                    if _text(doc):
                        self._doc_meta[str(doc)] = (_text(title), _date_iso(date))

    def doc(self, doc_id: str) -> int:
        index = self._doc_index.get(doc_id)
        if index is None:
            title, date = self._doc_meta.get(doc_id, (None, None))
            index = self._doc_index[doc_id] = len(self.docs)
            self.docs.append([doc_id, title, date])
        return index

    def sentence(self, text: str) -> int:
        index = self._sentence_index.get(text)
        if index is None:
            index = self._sentence_index[text] = len(self.sentences)
            self.sentences.append(text)
        return index

    def quotes(self, cell: Any) -> list[list[int]]:
        """Up to :data:`MAX_QUOTES` quotes as ``[doc, sentence, start16, end16]``.

        ``start``/``end`` may be offsets into the sentence or into the document; the
        highlight is placed where ``sentence[start:end] == surface`` holds, else at the
        first occurrence of the surface form, else the sentence is shown unmarked
        (``-1, -1``). Long sentences are cut to the mention and its context.
        """
        raw = _json_cell(cell)
        if not isinstance(raw, list):
            return []
        out: list[list[int]] = []
        for item in raw:
            if len(out) >= MAX_QUOTES:
                break
            if not isinstance(item, Mapping):
                continue
            sentence = item.get("sentence")
            doc = _text(item.get("doc")) or "?"
            if not isinstance(sentence, str) or not sentence.strip():
                continue
            # Line breaks inside a sentence become spaces: same length, offsets unchanged.
            sentence = sentence.translate(_BLANKS)
            start, end = item.get("start"), item.get("end")
            offset = self._sentence_start.get((doc, start)) if isinstance(start, int) else None
            if offset is not None and isinstance(end, int):
                start, end = start - offset, end - offset
            surface = item.get("surface") if isinstance(item.get("surface"), str) else None
            span = _span(sentence, start, end, surface.translate(_BLANKS) if surface else None)
            sentence, span = _trim(sentence, span)
            if span is None:
                start16 = end16 = -1
            else:
                start16, end16 = _utf16(sentence, span[0]), _utf16(sentence, span[1])
            out.append([self.doc(doc), self.sentence(sentence), start16, end16])
        return out


_BLANKS = {ord(c): " " for c in "\r\n\t\v\f\x85\u2028\u2029"}


def _span(sentence: str, start: Any, end: Any, surface: str | None) -> tuple[int, int] | None:
    """Where the mention is in *sentence* (code points), or ``None``."""
    if surface is None:
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(sentence):
            return start, end
        return None
    if (
        isinstance(start, int)
        and isinstance(end, int)
        and 0 <= start < end <= len(sentence)
        and sentence[start:end] == surface
    ):
        return start, end
    found = sentence.find(surface)
    if found < 0:
        found = sentence.casefold().find(surface.casefold())
        if found < 0 or len(sentence.casefold()) != len(sentence):
            return None
    return found, found + len(surface)


def _trim(sentence: str, span: tuple[int, int] | None) -> tuple[str, tuple[int, int] | None]:
    """Cut a very long sentence to the mention and :data:`_QUOTE_CONTEXT` around it."""
    limit = 2 * _QUOTE_CONTEXT + 80
    if len(sentence) <= limit:
        return sentence, span
    a, b = span if span is not None else (0, 0)
    lo = max(0, a - _QUOTE_CONTEXT)
    hi = min(len(sentence), b + _QUOTE_CONTEXT)
    head = "… " if lo > 0 else ""
    tail = " …" if hi < len(sentence) else ""
    cut = head + sentence[lo:hi] + tail
    if span is None:
        return cut, None
    shift = len(head) - lo
    return cut, (a + shift, b + shift)


def _instrument_of(
    registry: Registry | None, agreement_id: str, site_id: str, instrument_id: str | None
) -> int:
    """0 for a site agreed at signature, ``1 + i`` for one added by amendment ``i``."""
    agreement = registry.get(agreement_id) if registry is not None else None
    if agreement is None:
        return 0
    for i, amendment in enumerate(agreement.amendments):
        if amendment.id == instrument_id:
            return i + 1
    if site_id in agreement.sites:
        return 0
    for i, amendment in enumerate(agreement.amendments):
        if site_id in amendment.sites:
            return i + 1
    return 0


def _agreement_record(registry: Registry | None, agreement_id: str, name: str | None) -> dict:
    agreement = registry.get(agreement_id) if registry is not None else None
    if agreement is None:
        return {"id": agreement_id, "n": name or agreement_id, "h": None, "p": None, "ins": []}
    instruments = [agreement.instrument, *agreement.amendments]
    return {
        "id": agreement.id,
        "n": agreement.name,
        "h": agreement.host,
        "p": agreement.partner,
        "ins": [
            {"id": ins.id, "n": ins.name, "ev": [[e.type, e.date] for e in ins.events]}
            for ins in instruments
        ],
    }


class _Timeline:
    """The slider's positions and the status of sites and countries at each of them."""

    def __init__(self, registry: Registry | None, agreement_ids: Sequence[str], as_of: dt.date):
        self.registry = registry
        self.as_of = as_of
        dates: dict[dt.date, list[str]] = {}
        if registry is not None:
            for agreement_id in agreement_ids:
                agreement = registry.get(agreement_id)
                if agreement is None:
                    continue
                for instrument in (agreement.instrument, *agreement.amendments):
                    for event in instrument.events:
                        day = event.effective_from
                        if day <= as_of:
                            what = event.type.replace("_", " ")
                            shown = "" if event.precision == "day" else f" (dated {event.date})"
                            dates.setdefault(day, []).append(f"{instrument.name}: {what}{shown}")
        self.dates: list[dt.date] = sorted(dates)
        self.labels: list[list[str]] = [dates[d] for d in self.dates]
        if not self.dates or self.dates[-1] != as_of:
            self.dates.append(as_of)
            self.labels.append([])
        self._series: dict[tuple[Any, ...], list[str]] = {}
        self.changes: list[list[list[int]]] = []  # the table sites and countries index
        self._change_index: dict[tuple[Any, ...], int] = {}

    @property
    def last(self) -> int:
        return len(self.dates) - 1

    def _site_series(self, site_id: str, agreement_id: str) -> tuple[Any, ...] | None:
        """The key of the site's status series under one agreement (computed once)."""
        registry = self.registry
        agreement = registry.get(agreement_id) if registry is not None else None
        if registry is None or agreement is None or site_id not in agreement.all_sites():
            return None
        key = (
            agreement_id,
            site_id in agreement.sites,
            tuple(m.id for m in agreement.amendments if site_id in m.sites),
            tuple(
                a.id for a in registry if a.amends == agreement_id and site_id in a.removes_sites
            ),
        )
        if key not in self._series:
            self._series[key] = [registry.site_status(site_id, agreement_id, d) for d in self.dates]
        return key

    def site_changes(self, site_id: str, agreement_ids: Sequence[str], final: str) -> int:
        """Index into :attr:`changes` of the site's ``[[position, status index], ...]``."""
        keys = tuple(k for a in agreement_ids if (k := self._site_series(site_id, a)))
        return self._changes(keys, final)

    def country_changes(self, agreement_ids: Sequence[str], final: str) -> int:
        """Index into :attr:`changes` of a country's status changes (its agreements' own)."""
        registry = self.registry
        keys: list[tuple[Any, ...]] = []
        if registry is not None:
            for agreement_id in agreement_ids:
                if agreement_id in registry:
                    key = ("country", agreement_id)
                    if key not in self._series:
                        self._series[key] = [registry.status(agreement_id, d) for d in self.dates]
                    keys.append(key)
        return self._changes(tuple(keys), final)

    def _changes(self, keys: tuple[tuple[Any, ...], ...], final: str) -> int:
        """The positions where the combined status changes, stored once per distinct list."""
        index = self._change_index.get((keys, final))
        if index is not None:
            return index
        per_agreement = [self._series[k] for k in keys]
        out: list[list[int]] = []
        previous = None
        for position in range(len(self.dates)):
            if position == self.last:
                status = final  # the layer's own status as of: the slider ends where it does
            elif per_agreement:
                status = combine_status(series[position] for series in per_agreement)
            else:
                status = final
            code = _RANK.get(status, 0)
            if code != previous:
                out.append([position, code])
                previous = code
        try:
            index = self.changes.index(out)
        except ValueError:
            index = len(self.changes)
            self.changes.append(out)
        self._change_index[(keys, final)] = index
        return index


def _site_aliases(site_ids: Iterable[str]) -> dict[str, list[str]]:
    """Names of curated sites for the search box (local name, aliases, former names)."""
    wanted = set(site_ids)
    from .curated import load_sites
    from .errors import GeoError

    try:
        rows = load_sites()
    except (GeoError, OSError):  # search aliases are a convenience; the map must build
        return {}
    out: dict[str, list[str]] = {}
    for row in rows:
        if row.id in wanted:
            names = [
                row.local_name,
                *getattr(row, "aliases", ()),
                *getattr(row, "former_names", ()),
            ]
            out[row.id] = list(dict.fromkeys(n for n in names if n))
    return out


def _anchor_points(countries: Any) -> dict[str, list[float]]:
    """A point inside each country of the countries layer, for popups of unlocated sites."""
    out: dict[str, list[float]] = {}
    if countries is None or not len(countries) or "iso2" not in countries:
        return out
    geometry = countries.geometry if hasattr(countries, "geometry") else None
    if geometry is None:
        return out
    for iso2, geom in zip(countries["iso2"], geometry, strict=True):
        if not _text(iso2) or geom is None or _missing(geom) or geom.is_empty:
            continue
        largest = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        point = _point(largest.representative_point())
        if point is not None:
            out[str(iso2)] = point
    return out


def _layer_as_of(layers: LayersLike) -> dt.date:
    from .layers import parse_as_of

    return parse_as_of(getattr(layers, "as_of", None))


def _status_detail(row: Mapping[str, Any]) -> dict[str, tuple[str, str | None]]:
    """``status_detail`` of a sites row: agreement id -> (status, instrument id)."""
    value = _json_cell(row.get("status_detail"))
    out: dict[str, tuple[str, str | None]] = {}
    if isinstance(value, dict):  # {"agreement": "status"}, as the countries layer has it
        return {str(k): (str(v), None) for k, v in value.items()}
    if isinstance(value, list):
        for item in value:
            if isinstance(item, Mapping) and item.get("agreement") and item.get("status"):
                out[str(item["agreement"])] = (str(item["status"]), _text(item.get("instrument")))
    return out


def _records(frame: Any) -> list[dict[str, Any]]:
    if frame is None or not len(frame):
        return []
    records = frame.to_dict("records")
    if hasattr(frame, "geometry"):
        try:
            geometries = list(frame.geometry)
        except AttributeError:  # a GeoDataFrame without an active geometry column
            geometries = [None] * len(records)
        for record, geom in zip(records, geometries, strict=True):
            record["__geometry__"] = geom
    return records


def map_data(layers: LayersLike, *, title: str | None = None) -> dict[str, Any]:
    """Everything the page draws, as one JSON-ready dict (the page's data blob).

    Keys are short because the blob is the bulk of a large map. ``sites``: ``i`` id,
    ``n`` name, ``k`` kind, ``c`` country, ``ll`` [lat, lon] or null, ``s`` status,
    ``a`` [[agreement index, instrument index (0 = the agreement, 1+ = an amendment),
    status index]], ``t`` index into ``timeline.changes``; optional, left out when
    empty or implied: ``h`` host (if not ``c``), ``pa`` partners (if not those of the
    agreements), ``pr`` coordinate precision, ``m`` mentions, ``dc`` documents, ``q``
    quotes [[doc, sentence, start, end]] (UTF-16 offsets, -1 when unmarked), ``al``
    search names, ``u`` index into ``urls``, ``ax`` popup anchor of an unlocated site.
    Also ``places``, ``agreements`` (with instruments and events), ``docs``,
    ``sentences``, ``countries`` (GeoJSON), ``timeline`` (``dates``, ``labels``,
    ``changes`` [[position, status index], ...]) and ``bounds``; status indexes refer to
    ``statuses``. The base map is embedded separately (:func:`basemap_json`). Pure: call
    it to test what a page will show without a browser.
    """
    as_of = _layer_as_of(layers)
    registry = getattr(layers, "registry", None)
    quotes = _Quotes(getattr(layers, "documents", None), getattr(layers, "mentions", None))
    names = _country_names(layers)
    site_rows = _records(getattr(layers, "sites", None))
    place_rows = _records(getattr(layers, "places", None))
    country_rows = _records(getattr(layers, "countries", None))

    # Agreements in registry order first, then any the registry does not know.
    used: dict[str, str | None] = {}
    for row in site_rows:
        ids = _split(row.get("agreements"))
        labels = _split(row.get("agreement_names"), " | ")
        for i, agreement_id in enumerate(ids):
            used.setdefault(agreement_id, labels[i] if len(labels) == len(ids) else None)
    for row in country_rows:
        for agreement_id in _split(row.get("agreements")):
            used.setdefault(agreement_id, None)
    order = [a for a in (registry.ids if registry is not None else ()) if a in used]
    order += [a for a in used if a not in order]
    agreement_index = {a: i for i, a in enumerate(order)}
    agreements = [_agreement_record(registry, a, used[a]) for a in order]
    timeline = _Timeline(registry, order, as_of)

    site_ids = [str(r.get("site_id") or r.get("id") or "") for r in site_rows]
    aliases = _site_aliases(site_ids)
    anchors = _anchor_points(getattr(layers, "countries", None))

    sites: list[dict[str, Any]] = []
    counts = {"agreements": [0] * len(order)}
    urls = _Table()
    for row, site_id in zip(site_rows, site_ids, strict=True):
        ids = [a for a in _split(row.get("agreements")) if a in agreement_index]
        detail = _status_detail(row)
        status = _text(row.get("status")) or "none"
        entries = []
        for agreement_id in ids:
            agreement_status, instrument_id = detail.get(agreement_id, (None, None))
            if agreement_status is None and registry is not None and agreement_id in registry:
                try:
                    agreement_status = registry.site_status(site_id, agreement_id, as_of)
                except KeyError:
                    agreement_status = None
            instrument = _instrument_of(registry, agreement_id, site_id, instrument_id)
            code = _RANK.get(agreement_status or status, 0)
            entries.append([agreement_index[agreement_id], instrument, code])
            counts["agreements"][agreement_index[agreement_id]] += 1
        point = _point(row.get("__geometry__"))
        if point is not None and row.get("has_point") is False:
            point = None
        country = _text(row.get("country"))
        host = (_split(row.get("host")) or [country])[0]
        partners = _split(row.get("partner"))
        url = _text(row.get("source_url"))
        url = url.split("|")[0].strip() if url else None
        site: dict[str, Any] = {
            "i": site_id,
            "n": _text(row.get("name")) or site_id,
            "k": _text(row.get("kind")) or "unknown",
            "c": country,
            "ll": point,
            "s": status,
            "a": entries,
            "t": timeline.site_changes(site_id, ids, status),
        }
        # Optional keys are left out when empty or implied: 5,000 sites add up.
        optional: dict[str, Any] = {
            "h": host if host != country else None,
            "pa": partners if partners != _partners(agreements, entries) else None,
            "pr": _text(row.get("coord_precision")) if point is not None else None,
            "m": _int(row.get("mention_count")),
            "dc": len(_split(row.get("doc_ids"))),
            "q": quotes.quotes(row.get("quotes")),
            "al": _split_aliases(row.get("aliases")) or aliases.get(site_id, []),
            "u": urls.index(url) if url and url.lower().startswith(_HTTP) else None,
            "ax": (anchors.get(country or "") or anchors.get(host or "")) if not point else None,
        }
        site.update((k, v) for k, v in optional.items() if v)
        sites.append(site)

    site_id_set = set(site_ids)
    places: list[dict[str, Any]] = []
    for row in place_rows:
        place_id = _text(row.get("place_id")) or ""
        point = _point(row.get("__geometry__"))
        if point is None or place_id in site_id_set or _int(row.get("mention_count"), 1) < 1:
            continue  # unlocated, a site, or only named by a demonym ("Norwegian")
        places.append(
            {
                "i": place_id,
                "n": _text(row.get("name")) or place_id,
                "k": _text(row.get("kind")) or "place",
                "c": _text(row.get("country")),
                "ll": point,
                "m": _int(row.get("mention_count"), 1),
                "dc": len(_split(row.get("doc_ids"))),
                "q": quotes.quotes(row.get("quotes")),
            }
        )
    places.sort(key=lambda p: -p["m"])  # big circles first, small ones drawn on top

    features = []
    for row in country_rows:
        geom = row.get("__geometry__")
        iso2 = _text(row.get("iso2"))
        if geom is None or _missing(geom) or geom.is_empty or iso2 is None:
            continue
        simplified = geom.simplify(_COUNTRY_SIMPLIFY, preserve_topology=True)
        if simplified.is_empty:
            continue
        mapping = simplified.__geo_interface__
        ids = [a for a in _split(row.get("agreements")) if a in agreement_index]
        status = _text(row.get("status")) or "none"
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "iso2": iso2,
                    "n": _text(row.get("name")) or _country_name(iso2, names),
                    "r": _text(row.get("role")),
                    "a": [agreement_index[a] for a in ids],
                    "s": status,
                    "t": timeline.country_changes(ids, status),
                },
                "geometry": {
                    "type": mapping["type"],
                    "coordinates": _round_coords(mapping["coordinates"], 3),
                },
            }
        )

    country_codes = {s["c"] for s in sites} | {s.get("h") for s in sites}
    country_codes |= {c for s in sites for c in s.get("pa", ())}
    country_codes |= {c for a in agreements for c in (a["h"], a["p"])}
    country_codes |= {p["c"] for p in places}
    country_codes.discard(None)

    located = [s["ll"] for s in sites if s["ll"]] or [p["ll"] for p in places]
    bounds = None
    if located:
        lats = [p[0] for p in located]
        lons = [p[1] for p in located]
        bounds = [[min(lats), min(lons)], [max(lats), max(lons)]]

    return {
        "v": DATA_VERSION,
        "title": title or default_title(as_of),
        "asOf": as_of.isoformat(),
        "statuses": [[s, *STATUS_STYLE[s]] for s in _STATUS_ORDER],
        "kinds": {k: list(v) for k, v in KIND_STYLE.items()},
        "countryNames": {c: _country_name(c, names) for c in sorted(country_codes)},
        "agreements": agreements,
        "agreementCounts": counts["agreements"],
        "docs": quotes.docs,
        "sentences": quotes.sentences,
        "sites": sites,
        "places": places,
        "countries": {"type": "FeatureCollection", "features": features},
        "urls": urls.values,
        "timeline": {
            "dates": [d.isoformat() for d in timeline.dates],
            "labels": timeline.labels,
            "changes": timeline.changes,
        },
        "bounds": bounds,
    }


_HTTP = ("https://", "http://")


class _Table:
    """Distinct values stored once, referred to by index (source URLs)."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._index: dict[str, int] = {}

    def index(self, value: str) -> int:
        found = self._index.get(value)
        if found is None:
            found = self._index[value] = len(self.values)
            self.values.append(value)
        return found


def _partners(agreements: Sequence[Mapping[str, Any]], entries: Sequence[Sequence[int]]) -> list:
    """The partners a site's agreements imply (its ``pa`` is stored only if it differs)."""
    return list(dict.fromkeys(p for e in entries if (p := agreements[e[0]]["p"])))


def _split_aliases(value: Any) -> list[str]:
    if _missing(value):
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if _text(v)]
    return [part.strip() for part in str(value).split("|") if part.strip()]


def default_title(as_of: dt.date) -> str:
    """The page title when none is given."""
    return f"Defense agreement sites as of {as_of.isoformat()}"


# =============================================================================== legend


def legend_html(data: Mapping[str, Any], element_id: str) -> str:
    """The legend, rendered in Python: every text in it goes through :func:`html.escape`.

    Shown as a Leaflet control (so it stays visible in fullscreen); the counts carry
    ``data-status``/``data-kind`` attributes the time slider updates. Sites without a
    point are listed by name under "Not located", each a button that opens its popup.
    """
    esc = html_lib.escape
    sites = data["sites"]
    status_counts: dict[str, int] = dict.fromkeys(STATUS_STYLE, 0)
    kind_counts: dict[str, int] = {}
    for site in sites:
        if site["ll"] is not None:
            status_counts[site["s"]] = status_counts.get(site["s"], 0) + 1
            kind_counts[site["k"]] = kind_counts.get(site["k"], 0) + 1
    parts = [
        f'<div id="{esc(element_id)}" class="geo-legend" hidden>',
        '<details open><summary class="geo-legend-title">',
        esc(str(data["title"])),
        "</summary>",
        f'<div class="geo-legend-asof">as of {esc(str(data["asOf"]))}; '
        f"{sum(1 for s in sites if s['ll'])} of {len(sites)} sites drawn</div>",
        '<div class="geo-legend-h">Status</div><ul class="geo-legend-list">',
    ]
    for status, (_color, hexcolor, label) in STATUS_STYLE.items():
        if status not in _LEGEND_STATUSES and not status_counts.get(status):
            continue
        parts.append(
            f'<li><span class="geo-swatch" style="background:{esc(hexcolor)}"></span>'
            f'{esc(label)} <span class="geo-count" data-status="{esc(status)}">'
            f"{status_counts.get(status, 0)}</span></li>"
        )
    parts.append('</ul><div class="geo-legend-h">Kind</div><ul class="geo-legend-list">')
    for kind, (icon, label) in KIND_STYLE.items():
        if kind not in kind_counts:
            continue
        parts.append(
            f'<li><i class="fa fa-{esc(icon)} geo-kind-icon"></i>{esc(label)} '
            f'<span class="geo-count" data-kind="{esc(kind)}">{kind_counts[kind]}</span></li>'
        )
    for kind in sorted(set(kind_counts) - set(KIND_STYLE)):
        parts.append(
            f'<li><i class="fa fa-question geo-kind-icon"></i>{esc(kind)} '
            f'<span class="geo-count" data-kind="{esc(kind)}">{kind_counts[kind]}</span></li>'
        )
    parts.append("</ul>")
    if data["places"]:
        parts.append(
            '<div class="geo-legend-h">Other places mentioned</div>'
            '<div class="geo-legend-places"><span class="geo-dot" style="width:8px;height:8px">'
            '</span><span class="geo-dot" style="width:14px;height:14px"></span>'
            '<span class="geo-dot" style="width:22px;height:22px"></span> '
            f"sized by mentions ({len(data['places'])} places)</div>"
        )
    if data["countries"]["features"]:
        parts.append(
            '<div class="geo-legend-h">Countries</div><div class="geo-legend-note">'
            "host and partner countries shaded by the most advanced status</div>"
        )
    unlocated = [(i, s) for i, s in enumerate(sites) if s["ll"] is None]
    if unlocated:
        parts.append(
            f'<details class="geo-unlocated"><summary class="geo-legend-h">Not located '
            f"({len(unlocated)}): no published point</summary><ul>"
        )
        agreements = data["agreements"]
        for index, site in unlocated:
            where = data["countryNames"].get(site["c"] or "", site["c"]) or ""
            under = ", ".join(agreements[a[0]]["n"] for a in site["a"])
            parts.append(
                f'<li><button type="button" class="geo-site-link" data-site="{index}">'
                f'{esc(site["n"])}</button> <span class="geo-legend-note">'
                f"{esc(where)}{' · ' if under else ''}{esc(under)}</span></li>"
            )
        parts.append("</ul></details>")
    parts.append("</details></div>")
    return "".join(parts)


# =============================================================================== folium


_CSS = """
.folium-map.leaflet-container{background:#d4e6f4;font:13px/1.35 system-ui,-apple-system,
"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
.geo-legend{background:rgba(255,255,255,.94);padding:6px 10px;border-radius:6px;
box-shadow:0 1px 5px rgba(0,0,0,.35);max-width:300px;max-height:55vh;overflow:auto;
font-size:12px}
.geo-legend ul{list-style:none;margin:0;padding:0}
.geo-legend li{margin:1px 0;white-space:nowrap}
.geo-legend-title{font-weight:600;font-size:13px;cursor:pointer;white-space:normal}
.geo-legend-asof,.geo-legend-note{color:#555;font-size:11px;white-space:normal}
.geo-legend-h{font-weight:600;margin-top:6px}
.geo-swatch{display:inline-block;width:12px;height:12px;border-radius:50%;
margin-right:6px;vertical-align:-1px;border:1px solid rgba(0,0,0,.35)}
.geo-kind-icon{width:16px;text-align:center;margin-right:4px;color:#333}
.geo-count{color:#666}.geo-count::before{content:"("}.geo-count::after{content:")"}
.geo-dot{display:inline-block;border-radius:50%;background:rgba(91,75,138,.45);
border:1px solid #5b4b8a;margin-right:3px;vertical-align:middle}
.geo-unlocated ul{max-height:160px;overflow:auto}.geo-unlocated li{white-space:normal}
.geo-site-link{background:none;border:0;padding:0;color:#0b5cad;text-decoration:underline;
cursor:pointer;font:inherit}
.geo-popup{max-height:360px;overflow:auto;font-size:12.5px;padding-right:4px}
.geo-popup-title{font-weight:700;font-size:14px;margin-bottom:1px}
.geo-popup-sub{color:#555;margin-bottom:4px}
.geo-popup table{border-collapse:collapse;width:100%}
.geo-popup th{text-align:left;vertical-align:top;color:#555;font-weight:600;
padding:2px 8px 2px 0;white-space:nowrap}
.geo-popup td{padding:2px 0;vertical-align:top}
.geo-popup ul{margin:0;padding-left:16px}
.geo-badge{display:inline-block;border-radius:8px;padding:0 6px;margin-left:4px;
font-size:11px;color:#fff;white-space:nowrap}
.geo-dates{color:#555;font-size:11.5px}
.geo-quote{margin:6px 0 0;padding:3px 0 3px 8px;border-left:3px solid #c9c0a8;
font-style:normal;white-space:normal}
.geo-quote mark{background:#ffe58a;padding:0 1px}
.geo-quote cite{display:block;color:#666;font-size:11px;font-style:normal}
.geo-slider{background:rgba(255,255,255,.94);padding:5px 10px;border-radius:6px;
box-shadow:0 1px 5px rgba(0,0,0,.35);width:300px;font-size:12px}
.geo-slider input{width:100%}
.geo-slider-events{color:#555;font-size:11px;max-height:48px;overflow:auto}
.geo-tip-alias{color:#777;font-size:11px}
.leaflet-control-layers-list .geo-n{color:#777}
"""

# The page's application: a constant. It reads the JSON data blob by element id and never
# evaluates or concatenates data into code; texts reach the DOM through textContent only.
_APP_JS = r"""
(function () {
  'use strict';
  if (window.geoWebmap) { return; }
  var STATE = window.geoWebmapState = window.geoWebmapState || {};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function fold(s) {
    return String(s).normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  }
  function changesAt(t, pos) {
    var code = t.length ? t[0][1] : 0;
    for (var i = 0; i < t.length && t[i][0] <= pos; i++) { code = t[i][1]; }
    return code;
  }

  window.geoWebmap = function (mapName, dataId) {
    var map = window[mapName];
    var D = JSON.parse(document.getElementById(dataId).textContent);
    var tilesEl = document.getElementById(dataId + '-tiles');
    var TILES = tilesEl ? JSON.parse(tilesEl.textContent) : [];
    var baseEl = document.getElementById(dataId + '-base');
    var BASE = baseEl ? JSON.parse(baseEl.textContent) : null;
    var CHANGES = D.timeline.changes;
    var STATUS = {}, STATUS_BY_CODE = [];
    D.statuses.forEach(function (s) {
      var o = {key: s[0], marker: s[1], color: s[2], label: s[3]};
      STATUS[s[0]] = o; STATUS_BY_CODE.push(o);
    });
    function status(key) { return STATUS[key] || STATUS.none; }
    function kind(key) { return D.kinds[key] || ['question', String(key).replace(/_/g, ' ')]; }
    function countryName(code) { return code ? (D.countryNames[code] || code) : ''; }
    var lastPos = D.timeline.dates.length - 1, pos = lastPos;

    map.createPane('geoBase').style.zIndex = 250;
    map.createPane('geoCountries').style.zIndex = 350;
    map.createPane('geoPlaces').style.zIndex = 450;

    // ---------------------------------------------------------------- base layers
    var baseLayers = {}, overlays = {};
    var baseStyle = {fillColor: '#efe9dc', fillOpacity: 1, color: '#9b9b9b', weight: 0.6};
    var natural = L.layerGroup();
    if (BASE) {
      L.geoJSON(BASE, {style: baseStyle, interactive: false, pane: 'geoBase'}).addTo(natural);
    }
    baseLayers['Natural Earth countries (offline)'] = natural;
    var tileOn = null;
    TILES.forEach(function (t) {
      var opts = {attribution: t.attribution, maxZoom: t.maxZoom || 19};
      if (t.subdomains) { opts.subdomains = t.subdomains; }
      var layer = L.tileLayer(t.url, opts);
      baseLayers[esc(t.name)] = layer;
      if (t.show) { tileOn = layer; }
    });
    (tileOn || natural).addTo(map);

    // ---------------------------------------------------------------- popups
    function row(table, label, content) {
      var tr = el('tr'); tr.appendChild(el('th', null, label));
      var td = el('td'); if (typeof content === 'string') { td.textContent = content; }
      else if (content) { td.appendChild(content); }
      tr.appendChild(td); table.appendChild(tr); return td;
    }
    function badge(key) {
      var st = typeof key === 'number' ? STATUS_BY_CODE[key] : status(key);
      key = st.key;
      var b = el('span', 'geo-badge', st.label);
      b.style.background = st.color;
      if (key === 'proposed' || key === 'none') { b.style.color = '#333'; }
      return b;
    }
    var DATE_EVENTS = {signed: 'signed', approved: 'approved',
      entered_into_force: 'in force', ended: 'ended'};
    function quotesBlock(root, quotes) {
      (quotes || []).forEach(function (q) {
        var doc = D.docs[q[0]], text = D.sentences[q[1]], bq = el('blockquote', 'geo-quote');
        if (q[2] >= 0) {
          bq.appendChild(document.createTextNode(text.slice(0, q[2])));
          bq.appendChild(el('mark', null, text.slice(q[2], q[3])));
          bq.appendChild(document.createTextNode(text.slice(q[3])));
        } else { bq.appendChild(document.createTextNode(text)); }
        var cite = [doc[0]];
        if (doc[1]) { cite.push(doc[1]); }
        if (doc[2]) { cite.push(doc[2]); }
        bq.appendChild(el('cite', 'geo-doc', '\u2014 ' + cite.join(' \u00b7 ')));
        root.appendChild(bq);
      });
    }
    function mentionsText(m, dc) {
      m = m || 0; dc = dc || 0;
      if (!m) { return 'not named in the documents'; }
      return m + (m === 1 ? ' mention' : ' mentions') + ' in ' + dc +
        (dc === 1 ? ' document' : ' documents');
    }
    function fmtLatLon(ll) {
      var lat = ll[0], lon = ll[1];
      return Math.abs(lat).toFixed(4) + '\u00b0' + (lat >= 0 ? 'N' : 'S') + ', ' +
        Math.abs(lon).toFixed(4) + '\u00b0' + (lon >= 0 ? 'E' : 'W');
    }
    function sitePopup(i) {
      var s = D.sites[i], root = el('div', 'geo-popup');
      root.dataset.site = s.i;
      root.appendChild(el('div', 'geo-popup-title', s.n));
      root.appendChild(el('div', 'geo-popup-sub', kind(s.k)[1] + ' \u00b7 ' + countryName(s.c)));
      var table = el('table');
      var host = countryName(s.c) + (s.c ? ' (' + s.c + ')' : '');
      if (s.h && s.h !== s.c) { host += ' \u2014 agreement host ' + countryName(s.h); }
      row(table, 'Host country', host);
      var partners = s.pa || [];
      if (!s.pa) {
        s.a.forEach(function (a) {
          var p = D.agreements[a[0]].p;
          if (p && partners.indexOf(p) < 0) { partners.push(p); }
        });
      }
      if (partners.length) { row(table, 'Partner', partners.map(countryName).join(', ')); }
      var ul = el('ul', 'geo-agreements');
      s.a.forEach(function (a) {
        var ag = D.agreements[a[0]], li = el('li');
        li.appendChild(el('span', 'geo-agreement-name', ag.n));
        li.appendChild(badge(a[2]));
        var ins = ag.ins[a[1]] || ag.ins[0];
        var dates = [];
        if (ins) {
          if (a[1] > 0) { li.appendChild(el('div', 'geo-dates', 'added by ' + ins.n)); }
          ins.ev.forEach(function (e) {
            if (DATE_EVENTS[e[0]]) { dates.push(DATE_EVENTS[e[0]] + ' ' + e[1]); }
          });
        }
        if (dates.length) { li.appendChild(el('div', 'geo-dates', dates.join(' \u00b7 '))); }
        ul.appendChild(li);
      });
      if (!s.a.length) { ul.appendChild(el('li', null, 'none recorded')); }
      row(table, 'Agreements', ul);
      var st = STATUS_BY_CODE[changesAt(CHANGES[s.t], pos)] || status(s.s);
      var stTd = row(table, pos === lastPos ? 'Status' : 'Status ' + D.timeline.dates[pos], null);
      stTd.appendChild(badge(st.key));
      var where = s.ll ? fmtLatLon(s.ll) : 'not known: no source publishes a point';
      if (s.ll && s.pr) { where += ' (' + String(s.pr).replace(/_/g, ' ') + ')'; }
      row(table, 'Coordinates', where);
      row(table, 'Mentions', mentionsText(s.m, s.dc));
      root.appendChild(table);
      quotesBlock(root, s.q);
      if (s.u !== undefined) {
        var a = el('a', 'geo-source', 'source');
        a.href = D.urls[s.u]; a.target = '_blank'; a.rel = 'noopener noreferrer';
        var p = el('div', 'geo-dates'); p.appendChild(a); root.appendChild(p);
      }
      return root;
    }
    function placePopup(i) {
      var p = D.places[i], root = el('div', 'geo-popup');
      root.appendChild(el('div', 'geo-popup-title', p.n));
      root.appendChild(el('div', 'geo-popup-sub',
        String(p.k).replace(/_/g, ' ') + (p.c ? ' \u00b7 ' + countryName(p.c) : '')));
      var table = el('table');
      row(table, 'Coordinates', fmtLatLon(p.ll));
      row(table, 'Mentions', mentionsText(p.m, p.dc));
      root.appendChild(table);
      quotesBlock(root, p.q);
      return root;
    }

    // ---------------------------------------------------------------- countries
    function countryStyle(feature) {
      var code = changesAt(CHANGES[feature.properties.t], pos), st = STATUS_BY_CODE[code];
      return {fillColor: st.color, fillOpacity: code === 0 ? 0.08 : 0.3, color: st.color,
        weight: 1, opacity: 0.7};
    }
    var countries = L.geoJSON(D.countries, {
      pane: 'geoCountries', style: countryStyle,
      onEachFeature: function (f, layer) {
        layer.bindTooltip(function () {
          var p = f.properties, box = el('div');
          box.appendChild(el('b', null, p.n));
          var st = STATUS_BY_CODE[changesAt(CHANGES[p.t], pos)];
          box.appendChild(el('div', null, (p.r || 'country') + ' \u00b7 ' + st.label));
          p.a.forEach(function (a) { box.appendChild(el('div', 'geo-dates', D.agreements[a].n)); });
          return box;
        }, {sticky: true});
      }
    });
    if (D.countries.features.length) {
      overlays['Countries by status'] = countries; countries.addTo(map);
    }

    // ---------------------------------------------------------------- site markers
    var icons = {};
    function iconFor(k, stKey) {
      var key = k + '|' + stKey;
      if (!icons[key]) {
        icons[key] = L.AwesomeMarkers.icon({icon: kind(k)[0], prefix: 'fa',
          markerColor: status(stKey).marker, iconColor: stKey === 'none' ? '#555' : 'white'});
      }
      return icons[key];
    }
    var groups = D.agreements.map(function () { return L.layerGroup(); });
    var noAgreement = L.layerGroup();
    var sitesLayer = L.layerGroup();
    var markers = [], siteIndex = {}, shown = [];
    D.sites.forEach(function (s, i) {
      siteIndex[s.i] = i;
      shown.push(s.s);
      if (!s.ll) { markers.push(null); return; }
      var m = L.marker(s.ll, {icon: iconFor(s.k, s.s), riseOnHover: true, alt: s.n});
      m.bindTooltip(function () { return el('span', null, s.n); });
      m.bindPopup(function () { return sitePopup(i); }, {maxWidth: 360, minWidth: 240});
      // The open site's icon goes on top: Evenes and Ramsund overlap below zoom 9.
      m.on('popupopen', function () { m.setZIndexOffset(10000); });
      m.on('popupclose', function () { m.setZIndexOffset(0); });
      m.geoSite = s.i;
      markers.push(m);
    });
    function visible(s) {
      if (!s.a.length) { return map.hasLayer(noAgreement); }
      for (var j = 0; j < s.a.length; j++) { if (map.hasLayer(groups[s.a[j][0]])) { return true; } }
      return false;
    }
    function refresh() {
      D.sites.forEach(function (s, i) {
        var m = markers[i]; if (!m) { return; }
        var on = visible(s);
        if (on && !sitesLayer.hasLayer(m)) { sitesLayer.addLayer(m); }
        else if (!on && sitesLayer.hasLayer(m)) { sitesLayer.removeLayer(m); }
      });
    }
    D.agreements.forEach(function (ag, j) {
      var sw = '<span class="geo-n">(' + D.agreementCounts[j] + ')</span>';
      overlays[esc((ag.h ? ag.h + ' \u00b7 ' : '') + ag.n) + ' ' + sw] = groups[j];
      groups[j].addTo(map);
      groups[j].on('add remove', refresh);
    });
    if (D.sites.some(function (s) { return !s.a.length; })) {
      overlays['Sites under no agreement'] = noAgreement;
      noAgreement.addTo(map); noAgreement.on('add remove', refresh);
    }
    markers.forEach(function (m, i) { if (m && visible(D.sites[i])) { sitesLayer.addLayer(m); } });
    sitesLayer.addTo(map);

    // ---------------------------------------------------------------- other places
    var placesRenderer = L.svg({pane: 'geoPlaces'});
    var places = L.layerGroup();
    D.places.forEach(function (p, i) {
      var c = L.circleMarker(p.ll, {renderer: placesRenderer, pane: 'geoPlaces',
        radius: Math.min(4 + 2.5 * Math.sqrt(p.m), 28), color: '#5b4b8a', weight: 1,
        fillColor: '#7b68b5', fillOpacity: 0.45});
      c.bindTooltip(function () { return el('span', null, p.n + ' (' + p.m + ')'); });
      c.bindPopup(function () { return placePopup(i); }, {maxWidth: 360, minWidth: 220});
      places.addLayer(c);
    });
    if (D.places.length) {
      overlays['Other places mentioned <span class="geo-n">(' + D.places.length + ')</span>'] =
        places;
      places.addTo(map);
    }

    var layerControl = L.control.layers(baseLayers, overlays,
      {collapsed: Object.keys(overlays).length > 9, position: 'topright'}).addTo(map);

    // ---------------------------------------------------------------- open a site
    function openSite(i, zoomIn) {
      var s = D.sites[i], m = markers[i];
      if (m) {
        if (!sitesLayer.hasLayer(m)) {
          if (s.a.length) { map.addLayer(groups[s.a[0][0]]); } else { map.addLayer(noAgreement); }
        }
        if (zoomIn) { map.setView(m.getLatLng(), Math.max(map.getZoom(), 9), {animate: false}); }
        m.openPopup();
        return m;
      }
      var at = s.ax || map.getCenter();
      L.popup({maxWidth: 360, minWidth: 240}).setLatLng(at).setContent(sitePopup(i)).openOn(map);
      return null;
    }

    // ---------------------------------------------------------------- legend
    var legendEl = document.getElementById(dataId + '-legend');
    if (legendEl) {
      var legend = L.control({position: 'bottomleft'});
      legend.onAdd = function () {
        legendEl.hidden = false;
        // A short map (a notebook cell) starts with the legend folded to its title.
        if (map.getSize().y < 650) { legendEl.querySelector('details').open = false; }
        L.DomEvent.disableClickPropagation(legendEl);
        L.DomEvent.disableScrollPropagation(legendEl);
        return legendEl;
      };
      legend.addTo(map);
      legendEl.querySelectorAll('button.geo-site-link').forEach(function (b) {
        b.addEventListener('click', function () {
          openSite(parseInt(b.getAttribute('data-site'), 10), false);
        });
      });
    }
    function updateCounts() {
      if (!legendEl) { return; }
      var counts = {};
      D.sites.forEach(function (s, i) {
        if (markers[i]) { counts[shown[i]] = (counts[shown[i]] || 0) + 1; }
      });
      legendEl.querySelectorAll('[data-status]').forEach(function (node) {
        node.textContent = String(counts[node.getAttribute('data-status')] || 0);
      });
    }

    // ---------------------------------------------------------------- time slider
    function applyTime(p) {
      pos = Math.max(0, Math.min(lastPos, p));
      D.sites.forEach(function (s, i) {
        var st = STATUS_BY_CODE[changesAt(CHANGES[s.t], pos)].key;
        if (st === shown[i]) { return; }
        shown[i] = st;
        var m = markers[i];
        if (m) { m.setIcon(iconFor(s.k, st)); m.setOpacity(st === 'none' ? 0.55 : 1); }
      });
      countries.setStyle(countryStyle);
      updateCounts();
    }
    if (lastPos > 0) {
      var slider = L.control({position: 'bottomleft'});
      slider.onAdd = function () {
        var box = el('div', 'geo-slider');
        var label = el('div', 'geo-slider-date');
        var input = el('input'); input.type = 'range'; input.min = '0';
        input.max = String(lastPos); input.value = String(lastPos); input.step = '1';
        input.setAttribute('aria-label', 'Agreement timeline');
        var events = el('div', 'geo-slider-events');
        function show() {
          label.textContent = 'Agreement timeline: ' + D.timeline.dates[pos] +
            (pos === lastPos ? ' (as of)' : '');
          events.textContent = D.timeline.labels[pos].join('; ');
        }
        input.addEventListener('input', function () {
          applyTime(parseInt(input.value, 10)); show();
        });
        box.appendChild(label); box.appendChild(input); box.appendChild(events);
        show();
        L.DomEvent.disableClickPropagation(box);
        return box;
      };
      slider.addTo(map);
    }

    // ---------------------------------------------------------------- search
    if (L.Control.Search) {
      var records = null;
      var buildRecords = function () {
        records = {};
        D.sites.forEach(function (s, i) {
          var at = s.ll || s.ax; if (!at) { return; }
          var key = s.n;
          if (Object.prototype.hasOwnProperty.call(records, key)) { key = s.n + ' (' + s.i + ')'; }
          var loc = L.latLng(at[0], at[1]);
          loc.site = i; loc.labels = [s.n].concat(s.al || []);
          loc.names = loc.labels.map(fold);
          records[key] = loc;
        });
        return records;
      };
      var search = new L.Control.Search({
        sourceData: function (text, callback) {
          callback(records || buildRecords()); return {abort: function () {}};
        },
        formatData: function (r) { return r; },
        filterData: function (text, recs) {
          var t = fold(text).trim(), out = {};
          if (!t) { return out; }
          Object.keys(recs).forEach(function (key) {
            var loc = recs[key];
            for (var j = 0; j < loc.names.length; j++) {
              if (loc.names[j].indexOf(t) >= 0) {
                loc.hint = j > 0 ? loc.labels[j] : null; out[key] = loc; return;
              }
            }
          });
          return out;
        },
        buildTip: function (text, loc) {
          var li = el('li', null, text);
          if (loc && loc.hint && fold(text).indexOf(fold(loc.hint)) < 0) {
            li.appendChild(el('span', 'geo-tip-alias', ' \u00b7 ' + loc.hint));
          }
          return li;
        },
        moveToLocation: function (latlng) { openSite(latlng.site, true); },
        marker: false, initial: false, tooltipLimit: 25, position: 'topleft',
        textPlaceholder: 'Search sites\u2026', textErr: 'No site of that name'
      });
      map.addControl(search);
    }

    // ---------------------------------------------------------------- minimap, view
    if (L.Control.MiniMap && BASE) {
      var mini = L.geoJSON(BASE, {style: baseStyle, interactive: false});
      var miniMap = new L.Control.MiniMap(mini, {toggleDisplay: true, position: 'bottomright',
        width: 140, height: 140, zoomLevelOffset: -5});
      // The plugin moves the main map to the minimap's centre after *any* minimap move; when
      // its own follow-up animation ends after a popup's auto-pan, that snaps the main map
      // back to a zoom-0 pixel (the popup ends off screen). Only a drag of the minimap
      // itself should move the main map.
      var followMini = miniMap._onMiniMapMoved;
      miniMap._onMiniMapMoved = function (e) {
        if (this._geoDragged) { this._geoDragged = false; followMini.call(this, e); }
        else { this._mainMapMoving = false; }
      };
      miniMap.addTo(map);
      miniMap._miniMap.on('dragstart', function () { miniMap._geoDragged = true; });
    }
    if (D.bounds) {
      var b = L.latLngBounds(D.bounds);
      if (b.getNorthEast().equals(b.getSouthWest())) { map.setView(b.getCenter(), 8); }
      else { map.fitBounds(b, {padding: [30, 30], maxZoom: 9}); }
    }

    var state = STATE[mapName] = {
      map: map, data: D, markers: markers, siteIndex: siteIndex, groups: groups,
      places: places, countries: countries, layerControl: layerControl,
      openSite: function (id, zoomIn) { return openSite(siteIndex[id], zoomIn !== false); },
      applyTime: applyTime, drawnAt: null
    };
    requestAnimationFrame(function () { state.drawnAt = performance.now(); });
  };
})();
"""


@functools.lru_cache(maxsize=4)
def _basemap_cached(resolution: str, root: str, mtime_ns: int) -> str:
    from .basemap import basemap_geojson

    return script_json(basemap_geojson(resolution, digits=2, assets_dir=root))  # type: ignore[arg-type]


def basemap_json(resolution: Basemap) -> str | None:
    """The embedded Natural Earth base layer as script JSON (cached per process).

    Coordinates are rounded to 0.01° (about 1 km, finer than the 1:50m source): 1.5 MB
    for ``"50m"``, 0.2 MB for ``"110m"``. ``None``, with a
    :class:`~geo.errors.GeoWarning`, when the asset cache lacks world-atlas: the map is
    then drawn without country outlines rather than not at all.
    """
    from .assets import asset_file
    from .errors import GeoError, GeoWarning

    try:
        path = asset_file("world-atlas", f"countries-{resolution}.json")
    except GeoError as exc:
        warnings.warn(f"the map has no base layer: {exc}", GeoWarning, stacklevel=3)
        return None
    return _basemap_cached(resolution, str(path.parent.parent), path.stat().st_mtime_ns)


@functools.cache
def _geo_app_class() -> type:
    """The folium element of the page, defined lazily so importing this module stays cheap."""
    import folium
    from branca.element import CssLink, JavascriptLink
    from folium.elements import JSCSSMixin
    from folium.plugins import MiniMap, Search
    from folium.template import Template

    class GeoApp(JSCSSMixin, folium.MacroElement):
        """The data blob, the legend and the script that draws them onto the map.

        Declares the Search and MiniMap plugins' files, which :mod:`geo.assets` inlines
        like folium's own.
        """

        default_js: ClassVar[list[tuple[str, str]]] = [*Search.default_js, *MiniMap.default_js]
        default_css: ClassVar[list[tuple[str, str]]] = [*Search.default_css, *MiniMap.default_css]
        _template = Template(
            """
            {% macro header(this, kwargs) %}
            <title>{{ this.title_html }}</title>
            <style>{{ this.css }}</style>
            <script>{{ this.app_js }}</script>
            {% endmacro %}
            {% macro html(this, kwargs) %}
            <script type="application/json" id="{{ this.data_id }}">{{ this.payload }}</script>
            {%- if this.basemap_payload %}
            <script type="application/json" id="{{ this.data_id }}-base">
            {{- this.basemap_payload -}}
            </script>
            {%- endif %}
            {%- if this.tiles_payload %}
            <script type="application/json" id="{{ this.data_id }}-tiles">
            {{- this.tiles_payload -}}
            </script>
            {%- endif %}
            {{ this.legend }}
            {% endmacro %}
            {% macro script(this, kwargs) %}
            geoWebmap({{ this._parent.get_name()|tojson }}, {{ this.data_id|tojson }});
            {% endmacro %}
            """
        )

        def __init__(
            self, data: dict[str, Any], tiles: TileChoice, basemap: Basemap | None
        ) -> None:
            super().__init__()
            self._name = "GeoApp"
            self.data_id = f"geo-data-{self.get_name()}"
            self.payload = script_json(data)
            self.basemap_payload = basemap_json(basemap) if basemap else None
            self.tiles_payload = tiles_json(tiles) if tiles != "none" else ""
            self.legend = legend_html(data, f"{self.data_id}-legend")
            self.title_html = html_lib.escape(str(data["title"]))
            self.css = _CSS
            self.app_js = _APP_JS

        def render(self, **kwargs: Any) -> None:
            """Render the three macros once and hand their output on as literal text.

            branca's ``MacroElement.render`` wraps each macro's output in
            ``Element(output)``, which compiles that output *again* as a Jinja2
            template: any ``{{ ... }}`` in a document sentence, a file name or a
            registry name would then be evaluated on the analyst's machine (issue 9).
            Here the output goes into :class:`_Literal` elements, whose template is
            fixed, so data is never compiled.
            """
            figure = self.get_root()
            for name, url in self.default_js:
                figure.header.add_child(JavascriptLink(url), name=name)
            for name, url in self.default_css:
                figure.header.add_child(CssLink(url), name=name)
            macros = self._template.module.__dict__
            for part, target in (
                ("header", figure.header),
                ("html", figure.html),
                ("script", figure.script),
            ):
                target.add_child(
                    _literal_class()(str(macros[part](self, kwargs))), name=self.get_name()
                )
            for element in self._children.values():
                element.render(**kwargs)

    return GeoApp


@functools.cache
def _literal_class() -> type:
    """An element whose fixed template prints one attribute verbatim (never compiled)."""
    from branca.element import Element
    from folium.template import Template

    class _Literal(Element):
        _template = Template("{{ this.text }}")

        def __init__(self, text: str) -> None:
            super().__init__()
            self._name = "Literal"
            self.text = text

    return _Literal


def tiles_json(tiles: TileChoice) -> str:
    """The tile layers offered for ``tiles`` (the asked one shown), as script JSON."""
    if tiles not in TILES:
        msg = f"tiles must be one of none, {', '.join(TILES)}; not {tiles!r}"
        from .errors import ConfigurationError

        raise ConfigurationError(msg)
    layers = [{**spec, "show": key == tiles} for key, spec in TILES.items()]
    layers.sort(key=lambda t: not t["show"])
    return script_json(layers)


def _check_tiles(tiles: str) -> TileChoice:
    if tiles not in ("none", *TILES):
        from .errors import ConfigurationError

        msg = f"tiles must be one of none, {', '.join(TILES)}; not {tiles!r}"
        raise ConfigurationError(msg)
    return tiles  # type: ignore[return-value]


def render_map(
    layers: LayersLike,
    *,
    tiles: str = "none",
    title: str | None = None,
    basemap: Basemap | None = "50m",
) -> folium.Map:
    """The interactive map of *layers* as a :class:`folium.Map` (not yet inlined).

    Use :func:`map_html`/:func:`save_map` for the offline page; this object is for
    callers that want to add their own folium elements first. Controls: layer control
    (base map, countries, one layer per agreement, other places), search, fullscreen,
    scale, measure, minimap, legend and (when the registry has events) the time slider.
    ``tiles`` is ``"none"``, ``"osm"`` or ``"carto"`` (see :data:`TILES`); ``basemap``
    is the Natural Earth resolution embedded (``"50m"``: 1.5 MB, coasts good to a few
    km; ``"110m"``: 0.2 MB; ``None``: no base layer).
    """
    import folium
    from folium import plugins

    choice = _check_tiles(tiles)
    data = map_data(layers, title=title)
    geo_app = _geo_app_class()
    center = [60.0, 15.0]
    if data["bounds"]:
        (s, w), (n, e) = data["bounds"]
        center = [(s + n) / 2, (w + e) / 2]
    m = folium.Map(
        location=center,
        zoom_start=4,
        tiles=None,
        control_scale=True,
        maxZoom=18 if choice != "none" else 13,
        minZoom=2,
        worldCopyJump=False,
    )
    plugins.Fullscreen(position="topleft").add_to(m)
    plugins.MeasureControl(
        position="topleft", primary_length_unit="kilometers", secondary_length_unit="miles"
    ).add_to(m)
    geo_app(data, choice, basemap).add_to(m)
    return m


def _insert_before_body_end(page: str, fragment: str) -> str:
    index = page.rfind("</body>")
    if index < 0:
        return page + fragment
    return page[:index] + fragment + page[index:]


def map_html(
    layers: LayersLike,
    *,
    tiles: str = "none",
    self_contained: bool = True,
    title: str | None = None,
    basemap: Basemap | None = "50m",
) -> str:
    """The map as one HTML page; inlined (works offline) when ``self_contained``.

    Inlining is :func:`geo.assets.make_self_contained`: with the asset cache missing
    it returns the CDN page with a :class:`~geo.errors.GeoWarning`. Tile layers, when
    asked for, are added to the page after inlining: they are the one thing that needs a
    network, by the user's choice, and the offline guard must not reject them.
    """
    from .assets import make_self_contained

    choice = _check_tiles(tiles)
    if not self_contained:
        return render_map(layers, tiles=choice, title=title, basemap=basemap).get_root().render()
    m = render_map(layers, tiles="none", title=title, basemap=basemap)
    page = make_self_contained(m.get_root().render())
    if choice != "none":
        app = next(c for c in m._children.values() if isinstance(c, _geo_app_class()))
        fragment = (
            f'<script type="application/json" id="{app.data_id}-tiles">'
            f"{tiles_json(choice)}</script>\n"
        )
        page = _insert_before_body_end(page, fragment)
    return page


def save_map(layers: LayersLike, path: Path | str, **kwargs: Any) -> Path:
    """Write :func:`map_html` of *layers* to *path* atomically; return the path.

    ``kwargs`` go to :func:`map_html` (``tiles``, ``self_contained``, ``title``,
    ``basemap``).
    """
    return write_text_atomic(path, map_html(layers, **kwargs))


# =============================================================================== CLI


def add_build_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``geo build`` to the CLI's subparsers; :func:`cmd_build` runs it."""
    from .layers import add_layer_arguments

    p = subparsers.add_parser(
        "build",
        help="build the interactive offline map (one HTML file)",
        description=(
            "Geoparse the documents, link the sites to their agreements and write a "
            "self-contained interactive map that opens offline in any browser."
        ),
    )
    add_layer_arguments(p)
    p.add_argument(
        "-o",
        "--output",
        type=output_argument,
        default=Path("out/map.html"),
        help="the HTML file to write (default: out/map.html)",
    )
    p.add_argument(
        "--tiles",
        choices=("none", *TILES),
        default="none",
        help="online tile layer to switch on (default none: offline base map only)",
    )
    p.add_argument("--title", help="title shown in the legend and the browser tab")
    return p


def _call_build_layers(args: argparse.Namespace, on_error: Any) -> Any:
    from .layers import build_layers

    return build_layers(
        list(args.inputs),
        as_of=args.as_of,
        agreements=list(args.agreements),
        on_error=on_error,
    )


def cmd_build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``geo build``: layers from the inputs, then the map, written atomically.

    A document that fails is reported on stderr and the rest goes on: the map is still
    written and the exit code is 1 (partial). Missing web assets give a map that loads
    Leaflet from CDNs, with a warning on stderr (exit 0: the map was made as well as this
    machine allows). Exit codes are those of :mod:`geo.cli`.
    """
    from .atomic import check_output
    from .cli import EXIT_OK, EXIT_PARTIAL, DocumentReporter
    from .errors import GeoWarning

    check_output(args.output, args.inputs)
    report = DocumentReporter("build", err)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GeoWarning)
        layers = _call_build_layers(args, report)
        for problem in getattr(layers, "errors", None) or ():
            report(problem)  # problems the layers kept without passing on (none are repeated)
        path = save_map(layers, args.output, tiles=args.tiles, title=args.title)
    for warning in caught:
        if issubclass(warning.category, GeoWarning):
            err.write(f"geo build: warning: {warning.message}\n")
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    sites = getattr(layers, "sites", None)
    total = len(sites) if sites is not None else 0
    drawn = sum(1 for p in _site_points(sites)) if sites is not None else 0
    places = getattr(layers, "places", None)
    size = path.stat().st_size
    out.write(
        f"wrote {path} ({size / 1e6:.1f} MB): {drawn} of {total} sites drawn, "
        f"{total - drawn} not located, {len(places) if places is not None else 0} other places\n"
    )
    return EXIT_PARTIAL if report.failures else EXIT_OK


def _site_points(sites: pd.DataFrame) -> Iterable[list[float]]:
    if not len(sites) or not hasattr(sites, "geometry"):
        return []
    has_point = sites["has_point"] if "has_point" in sites else [True] * len(sites)
    return [
        p
        for geom, flag in zip(sites.geometry, has_point, strict=True)
        if flag is not False and (p := _point(geom)) is not None
    ]
