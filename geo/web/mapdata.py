r"""What the interactive map draws: one JSON blob of every site, agreement, place and quote.

``geo build INPUT... -o out/map.html`` and :func:`geo.web.render.save_map` turn the layers
of :func:`geo.layers.build.build_layers` into a folium/Leaflet page that works air-gapped:
Leaflet, its plugins, fonts and images are inlined by
:func:`geo.web.inline.make_self_contained` and the base map is the embedded Natural Earth
outline of :func:`geo.gazetteer.boundaries.basemap_geojson`, so opening the file fetches
nothing.

How the page is built, and why
------------------------------
* **One data blob, drawn in the browser.** folium's ``Marker``/``Popup`` objects cost a
  JavaScript variable, a popup HTML string and a template render each, which for
  thousands of sites with five quotes multiplies build time and page size (folium
  issues #1814, #1871). Instead everything the page shows
  goes into one ``<script type="application/json">`` element (:func:`map_data`, encoded
  by :func:`script_json`) and a fixed script (``geo/web/static/app.js``, a file: no
  JavaScript is ever assembled from data) creates the markers, layers, popups, legend
  counts, search index and time slider from it. Sentences and documents are stored once
  and referred to by index.
* **Untrusted text stays text.** Document sentences, names from user registries and
  everything else from the data reach the page only (a) inside that JSON element, where
  ``<``, ``>``, ``&``, ``/``, U+2028 and U+2029 are ``\u``-escaped so nothing can end the
  element or start markup, and (b) through DOM ``textContent`` in the browser (popups,
  tooltips, search tips, the layer control's labels, which are HTML-escaped first because
  Leaflet inserts them as HTML). The legend is rendered in Python with
  :func:`html.escape`. Escaping ``/`` also keeps URLs quoted in news text from looking
  like page resources to the offline guard of :func:`geo.web.inline.inline_html`.
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
  :meth:`geo.registry.agreements.Registry.site_status`, so the browser just recolours
  markers.
* **Tiles.** ``tiles="none"`` (the default) draws no tile layer at all. ``"osm"`` or
  ``"carto"`` offers OpenStreetMap and CARTO in the layer control with the asked one
  switched on; they need the network, so :func:`geo.web.render.map_html` adds their
  configuration *after* inlining, on purpose, where the offline guard does not apply.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from geo.io.outputs import write_text
from geo.layers.schema import MAX_QUOTES
from geo.vocab import SITE_KINDS, STATUSES, combine_status

if TYPE_CHECKING:
    from geo.registry.agreements import Registry


DATA_VERSION = 1

#: status -> (awesome-markers colour, hex colour of that marker, label), from
#: :data:`geo.vocab.STATUSES`. Order = legend order.
STATUS_STYLE: dict[str, tuple[str, str, str]] = {
    s.key: (s.marker, s.color, s.label) for s in STATUSES
}

_STATUS_ORDER = tuple(STATUS_STYLE)

_RANK = {s: i for i, s in enumerate(_STATUS_ORDER)}

#: Statuses always shown in the legend, present or not.
_LEGEND_STATUSES = tuple(s.key for s in STATUSES if s.always_in_legend)

#: kind -> (Font Awesome 6 solid icon name, label), from :data:`geo.vocab.SITE_KINDS`.
#: Order = legend order.
KIND_STYLE: dict[str, tuple[str, str]] = {k.key: (k.icon, k.label) for k in SITE_KINDS}


_QUOTE_CONTEXT = 180  # characters kept on each side of a mention in a long sentence

_COUNTRY_SIMPLIFY = 0.01  # degrees (~1 km): the shading is a display layer


class LayersLike(Protocol):
    """What the map reads from :class:`geo.layers.build.Layers` (tests pass hand-made ones)."""

    sites: Any
    places: Any
    countries: Any
    documents: Any
    registry: Registry | None
    as_of: dt.date | None


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


def _values(column: Any) -> list[Any]:
    """A column's cells as a list, read in one call.

    Iterating an Arrow-backed string column converts cell by cell, six times slower than
    ``tolist`` (issue 14).
    """
    return list(column.tolist() if hasattr(column, "tolist") else column)


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


def _first_day(date: str | None) -> str | None:
    """The first day of an ISO date, full or partial (``2022`` -> ``2022-01-01``)."""
    if not date:
        return None
    from geo.registry.agreements import parse_partial_date

    try:
        return parse_partial_date(date[:10])[0].isoformat()
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
_JSON_ESCAPE_RE = re.compile("[" + re.escape("".join(chr(c) for c in _JSON_ESCAPES)) + "]")


def script_json(value: Any) -> str:
    """JSON that is safe as the body of a ``<script>`` element and inert in HTML.

    ``<``, ``>``, ``&`` and ``/`` are escaped (nothing can close the element or open a
    comment or a tag), and so are U+2028/U+2029 (line terminators in old JavaScript).
    ``JSON.parse`` of the element's text returns *value* unchanged. Raises ``ValueError``
    for NaN or infinities, which JSON cannot carry.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # The same as text.translate(_JSON_ESCAPES), ten times faster on a map's blob, which
    # has a few hundred such characters in megabytes (issue 14).
    return _JSON_ESCAPE_RE.sub(lambda m: _JSON_ESCAPES[ord(m.group())], text)


def write_text_atomic(path: Path | str, text: str) -> Path:
    """Write *text* (UTF-8) to *path* atomically (see :mod:`geo.io.outputs`)."""
    return write_text(path, text)


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


def _plain_columns(mentions: Any) -> bool:
    """Whether ``doc`` holds only strings and ``start``/``sentence_start`` only integers.

    True for the layers :func:`geo.layers.build.build_layers` makes (a string column
    without missing values, two int64 columns), whose cells ``tolist`` gives as ``str``
    and ``int``; a hand-made or edited layer may hold anything and takes the slow path.
    """
    import pandas as pd

    doc, start, offset = mentions["doc"], mentions["start"], mentions["sentence_start"]
    return (
        isinstance(doc.dtype, pd.StringDtype)
        and not doc.isna().any()
        and pd.api.types.is_integer_dtype(start.dtype)
        and pd.api.types.is_integer_dtype(offset.dtype)
        and not isinstance(start.dtype, pd.api.extensions.ExtensionDtype)
        and not isinstance(offset.dtype, pd.api.extensions.ExtensionDtype)
    )


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
            docs = _values(mentions["doc"])
            starts = _values(mentions["start"])
            offsets = _values(mentions["sentence_start"])
            if _plain_columns(mentions):
                # Built in one call (issue 14): in these columns every cell is a str or
                # an int, for which the loop below stores the same keys and values.
                keys = zip(docs, starts, strict=True)
                self._sentence_start = dict(zip(keys, offsets, strict=True))
            else:
                for doc, start, offset in zip(docs, starts, offsets, strict=True):
                    if not (_missing(start) or _missing(offset)):
                        self._sentence_start[(str(doc), int(start))] = int(offset)
        self._sentence_index: dict[str, int] = {}
        self.docs: list[list[Any]] = []
        self._doc_index: dict[str, int] = {}
        self._doc_meta: dict[str, tuple[str | None, ...]] = {}
        self.urls = _Table()
        if documents is not None and len(documents):
            id_col = next((c for c in ("doc_id", "id", "doc") if c in documents), None)
            if id_col is not None:
                none = [None] * len(documents)
                columns = [
                    _values(documents.get(c, none)) for c in ("title", "date", "outlet", "url")
                ]
                for doc, *cells in zip(_values(documents[id_col]), *columns, strict=True):
                    if _text(doc):
                        title, date, outlet, url = cells
                        self._doc_meta[str(doc)] = (
                            _text(title),
                            _date_iso(date),
                            _text(outlet),
                            _text(url),
                        )
        for doc_id in self._doc_meta:  # every document, in corpus order, quoted or not
            self.doc(doc_id)

    def doc(self, doc_id: str) -> int:
        """Index of a document in ``docs``: ``[id, title, date, outlet, url index, from]``.

        ``url index`` refers to ``urls`` (-1 without an http(s) URL); ``from`` is the first
        day the document's date covers (``2022-02`` -> ``2022-02-01``), from which the
        time control shows its mentions (``None``: undated, always shown).
        """
        index = self._doc_index.get(doc_id)
        if index is None:
            title, date, outlet, url = self._doc_meta.get(doc_id, (None, None, None, None))
            index = self._doc_index[doc_id] = len(self.docs)
            link = self.urls.index(url) if url and url.lower().startswith(_HTTP) else -1
            self.docs.append([doc_id, title, date, outlet, link, _first_day(date)])
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
            sentence = _spaced(sentence)
            start, end = item.get("start"), item.get("end")
            offset = self._sentence_start.get((doc, start)) if isinstance(start, int) else None
            if offset is not None and isinstance(start, int) and isinstance(end, int):
                start, end = start - offset, end - offset
            surface = item.get("surface") if isinstance(item.get("surface"), str) else None
            span = _span(sentence, start, end, _spaced(surface) if surface else None)
            sentence, span = _trim(sentence, span)
            if span is None:
                start16 = end16 = -1
            else:
                start16, end16 = _utf16(sentence, span[0]), _utf16(sentence, span[1])
            out.append([self.doc(doc), self.sentence(sentence), start16, end16])
        return out


_BLANKS = {ord(c): " " for c in "\r\n\t\v\f\x85\u2028\u2029"}
_BLANK_RE = re.compile("[" + "".join(chr(c) for c in _BLANKS) + "]")


def _spaced(text: str) -> str:
    """*text* with every character of :data:`_BLANKS` made a space (same length).

    The same as ``text.translate(_BLANKS)``, four times faster: ``translate`` with a
    dict reads every character through it (issue 14: 15,000 sentences per large map).
    """
    return _BLANK_RE.sub(" ", text)


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


def _agreement_record(
    registry: Registry | None, agreement_id: str, name: str | None
) -> dict[str, Any]:
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

    def __init__(
        self,
        registry: Registry | None,
        agreement_ids: Sequence[str],
        as_of: dt.date,
        extra: Mapping[dt.date, Sequence[str]] | None = None,
    ):
        self.registry = registry
        self.as_of = as_of
        dates: dict[dt.date, list[str]] = {}
        for day, labels in (extra or {}).items():  # article dates: mentions appear then
            if day <= as_of:
                dates.setdefault(day, []).extend(labels)
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


def _site_aliases(site_ids: Iterable[str], user_sites: Iterable[Any] = ()) -> dict[str, list[str]]:
    """Names of curated and user sites for the search box (local name, aliases, former)."""
    wanted = set(site_ids)
    from geo.errors import GeoError
    from geo.gazetteer.sources import load_sites

    try:
        rows = [*load_sites(), *user_sites]
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
    from geo.layers.schema import parse_as_of

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
    records: list[dict[str, Any]] = frame.to_dict("records")
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
    Also ``places`` (the same short keys; ``al`` when the place is a site), ``agreements``
    (with instruments and events), ``docs``,
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
    article_days: dict[dt.date, list[str]] = {}
    for doc in quotes.docs:
        if doc[5]:
            label = f"article: {doc[1] or doc[0]}" + (f" ({doc[3]})" if doc[3] else "")
            article_days.setdefault(dt.date.fromisoformat(doc[5]), []).append(label)
    timeline = _Timeline(registry, order, as_of, article_days)

    site_ids = [str(r.get("site_id") or r.get("id") or "") for r in site_rows]
    place_ids = [str(r.get("place_id") or "") for r in place_rows]
    # Sites outside every agreement (a user's, or a curated one no agreement lists) are
    # places of the map: their aliases are searchable too.
    aliases = _site_aliases([*site_ids, *place_ids], getattr(layers, "user_sites", None) or ())
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
        hosts = _split(row.get("host"))
        host = hosts[0] if hosts else country
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
        doc_ids = _split(row.get("doc_ids"))  # read once for "dc" and "dd"
        # Optional keys are left out when empty or implied: 5,000 sites add up.
        optional: dict[str, Any] = {
            "h": host if host != country else None,
            "pa": partners if partners != _partners(agreements, entries) else None,
            "pr": _text(row.get("coord_precision")) if point is not None else None,
            "m": _int(row.get("mention_count")),
            "dc": _int(row.get("doc_count"), len(doc_ids)),
            "q": quotes.quotes(row.get("quotes")),
            "al": _split_aliases(row.get("aliases")) or aliases.get(site_id, []),
            "u": urls.index(url) if url and url.lower().startswith(_HTTP) else None,
            "ax": (anchors.get(country or "") or anchors.get(host or "")) if not point else None,
            "dd": _doc_refs(quotes, doc_ids, row.get("implied_by")),
            "im": _int(row.get("implied_count")),
            "rp": _reported(row),
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
        doc_ids = _split(row.get("doc_ids"))
        places.append(
            {
                "i": place_id,
                "n": _text(row.get("name")) or place_id,
                "k": _text(row.get("kind")) or "place",
                "c": _text(row.get("country")),
                "ll": point,
                "m": _int(row.get("mention_count"), 1),
                "dc": _int(row.get("doc_count"), len(doc_ids)),
                "q": quotes.quotes(row.get("quotes")),
                "dd": _doc_refs(quotes, doc_ids, None),
            }
        )
        reported = _reported(row)
        if reported:
            places[-1]["rp"] = reported
        if aliases.get(place_id):
            places[-1]["al"] = aliases[place_id]
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

    # The view fits what the corpus names (sites named or implied, other places), not
    # the registry: a corpus about the Philippines opens on the Philippines.
    # Sites named or implied frame it; other places join when they lie near them (a
    # "Washington" of a government's statement does not widen a view of Luzon).
    core = [s["ll"] for s in sites if s["ll"] and s.get("dd")]
    others = [p["ll"] for p in places if p["k"] not in _WIDE_KINDS] or [p["ll"] for p in places]
    bounds = _bounds(core)
    if bounds is not None:
        (south, west), (north, east) = bounds
        pad_lat = max((north - south) * 0.5, 3.0)
        pad_lon = max((east - west) * 0.5, 3.0)
        near = [
            ll
            for ll in others
            if south - pad_lat <= ll[0] <= north + pad_lat
            and west - pad_lon <= ll[1] <= east + pad_lon
        ]
        bounds = _bounds(core + near)
    else:
        bounds = _bounds(others)
    all_bounds = _bounds([s["ll"] for s in sites if s["ll"]] + [p["ll"] for p in places])
    review = _review(layers, quotes)

    return {
        "v": DATA_VERSION,
        "title": title or default_title(as_of),
        "asOf": as_of.isoformat(),
        "statuses": [[s, *STATUS_STYLE[s]] for s in _STATUS_ORDER],
        "kinds": {k: list(v) for k, v in KIND_STYLE.items()},
        "countryNames": {
            c: _country_name(c, names) for c in sorted(cast("set[str]", country_codes))
        },
        "agreements": agreements,
        "agreementCounts": counts["agreements"],
        "docs": quotes.docs,
        "sentences": quotes.sentences,
        "sites": sites,
        "places": places,
        "countries": {"type": "FeatureCollection", "features": features},
        "urls": urls.values,
        "docUrls": quotes.urls.values,
        "review": review,
        "lowScore": LOW_SCORE,
        "timeline": {
            "dates": [d.isoformat() for d in timeline.dates],
            "labels": timeline.labels,
            "changes": timeline.changes,
        },
        "bounds": bounds or all_bounds,
        "allBounds": all_bounds,
    }


#: Place kinds too wide to frame a corpus by (a country's point says little about where).
_WIDE_KINDS = frozenset({"country", "continent", "ocean", "region", "sea", "union"})

#: Resolved mentions below this score are listed in the map's review panel.
LOW_SCORE = 0.7

#: At most this many entries in the review panel (the exports hold them all).
MAX_REVIEW = 500


def _bounds(points: Sequence[Sequence[float]]) -> list[list[float]] | None:
    if not points:
        return None
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def _reported(row: Mapping[str, Any]) -> list[str] | None:
    """``[first, last]`` report dates of a site or place row (the popup's "Reported"), if any."""
    first, last = _text(row.get("first_reported")), _text(row.get("last_reported"))
    return [first, last or first] if first else None


def _doc_refs(quotes: _Quotes, doc_ids: list[str], implied: Any) -> list[int]:
    """Indexes into ``docs`` of the documents that name (or imply) a site or place.

    *doc_ids* is the row's ``doc_ids`` cell already split (:func:`_split`).
    """
    refs = [quotes.doc(d) for d in doc_ids]
    extra = _json_cell(implied)
    if isinstance(extra, list):
        refs += [
            quotes.doc(str(i["doc"])) for i in extra if isinstance(i, Mapping) and i.get("doc")
        ]
    return list(dict.fromkeys(refs))


def _review(layers: LayersLike, quotes: _Quotes) -> list[list[Any]]:
    """The review panel: unresolved names, then resolved ones scoring below LOW_SCORE.

    Each entry is ``[surface, doc index, sentence index, score or None, place name or
    None, reason]``; names in the same document are listed once.
    """
    out: list[list[Any]] = []
    seen: set[tuple[str, str]] = set()
    unresolved = getattr(layers, "unresolved", None)
    if unresolved is not None and len(unresolved):
        for row in unresolved.to_dict("records"):
            key = (str(row.get("doc")), str(row.get("surface")))
            if key in seen or not _text(row.get("surface")):
                continue
            seen.add(key)
            sentence = _spaced(str(row.get("sentence") or ""))
            out.append(
                [
                    str(row["surface"]),
                    quotes.doc(str(row.get("doc"))),
                    quotes.sentence(sentence[:600]),
                    None,
                    None,
                    _text(row.get("reason")) or "",
                ]
            )
    mentions = getattr(layers, "mentions", None)
    if mentions is not None and len(mentions) and "score" in mentions:
        low = mentions[(mentions["score"] < LOW_SCORE) & ~mentions["demonym"].astype(bool)]
        for row in low.sort_values("score").to_dict("records"):
            key = (str(row.get("doc")), str(row.get("surface")))
            if key in seen:
                continue
            seen.add(key)
            sentence = _spaced(str(row.get("sentence") or ""))
            out.append(
                [
                    str(row["surface"]),
                    quotes.doc(str(row.get("doc"))),
                    quotes.sentence(sentence[:600]),
                    round(float(row["score"]), 2),
                    _text(row.get("name")),
                    _text(row.get("reason")) or "",
                ]
            )
    return out[:MAX_REVIEW]


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


def _partners(
    agreements: Sequence[Mapping[str, Any]], entries: Sequence[Sequence[int]]
) -> list[str]:
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
