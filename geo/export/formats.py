"""Exports of the agreement layers: GeoPackage, GeoJSON, CSV and KML, written atomically.

:func:`export_layers` writes the six layers of :class:`geo.layers.build.Layers` in the format
its path names (or ``fmt``); :func:`read_layers` reads any of them back, which is what
the round-trip tests and a notebook use. ``geo export`` (:mod:`geo.cli.export`) is the CLI.

Formats
-------
``.gpkg``
    One file, one table per layer; ``unresolved`` is a non-spatial attribute table.
    Written as GeoPackage 1.2 so older GDAL (Debian's ``ogrinfo``) and QGIS read it
    without warnings.
``.geojson`` or a folder
    One FeatureCollection per layer: ``<stem>-<layer>.geojson`` beside ``out.geojson``,
    or ``<folder>/<layer>.geojson``. ``unresolved`` features have a null geometry.
``.csv``
    One file per layer, ``<stem>-<layer>.csv``; spatial layers get a ``wkt`` column
    (full precision; empty for a row without geometry) next to their ``lat``/``lon``.
``.kml``
    One Google Earth file, one folder per layer, one placemark per row, written with the
    standard library in the form GDAL's own KML driver writes (a ``<Schema>`` per layer,
    ``<SimpleData>`` per column), so ``ogrinfo`` and geopandas read it. The placemark's
    name is the row's label and its description a plain-text summary; all text is
    XML-escaped and stripped of characters XML cannot hold, so document text is never
    markup. KML reserves ``name``, ``begin`` and ``end``: those columns are stored as
    ``display_name``, ``start_offset`` and ``end_offset`` (``start`` too, for symmetry)
    and renamed back by :func:`read_layers`.

Rows without geometry (sites no source locates) are kept in every format, as features
without geometry. Every file is first written to a temporary folder beside the target
and then moved into place with :func:`os.replace`, so a reader never sees half a file;
a run that fails leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from xml.etree import ElementTree as ET

from geo.errors import ConfigurationError, GeoError
from geo.io.outputs import OutputError, check_output, publish, staging_folder
from geo.io.textsafe import spreadsheet_safe, spreadsheet_value
from geo.layers.schema import COLUMNS, CRS, GEOMETRY_TYPES, LAYER_NAMES, Layers
from geo.layers.validate import validate_layers

if TYPE_CHECKING:
    import pandas as pd


#: Suffix → format name.
FORMATS: Mapping[str, str] = {
    ".gpkg": "gpkg",
    ".geojson": "geojson",
    ".csv": "csv",
    ".kml": "kml",
}

_FORMAT_NAMES = ("gpkg", "geojson", "csv", "kml")

# Columns renamed in KML because the KML drivers reserve the names (see module docstring).
_KML_RENAMES = {"name": "display_name", "start": "start_offset", "end": "end_offset"}

# Fields the KML drivers add on reading: not ours, dropped by read_layers.
_KML_DRIVER_FIELDS = (
    "id",
    "Name",
    "description",
    "Description",
    "timestamp",
    "begin",
    "end",
    "altitudeMode",
    "tessellate",
    "extrude",
    "visibility",
    "drawOrder",
    "icon",
)

_KML_NS = "http://www.opengis.net/kml/2.2"

# Characters XML 1.0 cannot hold: C0 controls other than tab/newline/return, surrogates,
# U+FFFE/U+FFFF.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


_LABELS = {
    "sites": "name",
    "places": "name",
    "mentions": "surface",
    "countries": "name",
    "documents": "doc_id",
    "unresolved": "surface",
}


def _format_of(path: Path, fmt: str | None) -> str:
    if not str(path):
        msg = "the output path is empty"
        raise ConfigurationError(msg)
    if fmt is not None:
        name = fmt.lower().lstrip(".")
        if name not in _FORMAT_NAMES:
            msg = f"unknown export format {fmt!r} (use {', '.join(_FORMAT_NAMES)})"
            raise ConfigurationError(msg)
        implied = FORMATS.get(path.suffix.lower())
        if implied is not None and implied != name:
            msg = (
                f"--format {name} does not match the suffix of {str(path)!r} "
                f"({path.suffix} is {implied}); change one of them"
            )
            raise ConfigurationError(msg)
        return name
    if path.is_dir() or str(path).endswith(("/", os.sep)) or not path.suffix:
        return "geojson"  # a folder: one GeoJSON file per layer
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        known = ", ".join(FORMATS)
        msg = (
            f"cannot tell the export format of {str(path)!r} from its suffix "
            f"(use {known}, a folder for GeoJSON, or --format)"
        )
        raise ConfigurationError(msg)
    return found


def output_paths(path: Path | str, fmt: str | None = None) -> dict[str, Path]:
    """The file each layer goes to: one shared path for GeoPackage and KML."""
    path = Path(path)
    name = _format_of(path, fmt)
    if name in ("gpkg", "kml"):
        return dict.fromkeys(LAYER_NAMES, path)
    suffix = f".{name}"
    if path.is_dir() or str(path).endswith(("/", os.sep)) or not path.suffix:
        return {layer: path / f"{layer}{suffix}" for layer in LAYER_NAMES}
    return {layer: path.with_name(f"{path.stem}-{layer}{suffix}") for layer in LAYER_NAMES}


def _folder_output(path: Path, name: str) -> bool:
    """Whether *path* names a folder that receives one file per layer."""
    return name in ("geojson", "csv") and (
        path.is_dir() or str(path).endswith(("/", os.sep)) or not path.suffix
    )


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns as plain Python values (None for missing) for the writers."""
    out = frame.copy()
    for column in out.columns:
        if column == getattr(frame, "_geometry_column_name", None):
            continue
        if out[column].dtype == object:
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def _write_gpkg(layers: Layers, out: Path) -> None:
    import pyogrio

    for layer, frame in layers.frames().items():
        kwargs: dict[str, Any] = {
            "layer": layer,
            "driver": "GPKG",
            "dataset_options": {"VERSION": "1.2"},
            "append": False,
        }
        if layer in GEOMETRY_TYPES:
            kwargs["geometry_type"] = GEOMETRY_TYPES[layer]
            kwargs["promote_to_multi"] = False
        pyogrio.write_dataframe(_plain(frame), out, **kwargs)


def _write_geojson(layers: Layers, targets: Mapping[str, Path], tmp: Path) -> dict[Path, Path]:
    import geopandas as gpd
    import pyogrio

    staged: dict[Path, Path] = {}
    for layer, frame in layers.frames().items():
        out = tmp / targets[layer].name
        if not isinstance(frame, gpd.GeoDataFrame):
            frame = gpd.GeoDataFrame(
                frame, geometry=gpd.GeoSeries([None] * len(frame), index=frame.index), crs=CRS
            )
        pyogrio.write_dataframe(
            _plain(frame),
            out,
            layer=layer,
            driver="GeoJSON",
            geometry_type=GEOMETRY_TYPES.get(layer, "Unknown"),
            promote_to_multi=False,
        )
        staged[out] = targets[layer]
    return staged


def _write_csv(layers: Layers, targets: Mapping[str, Path], tmp: Path) -> dict[Path, Path]:
    import geopandas as gpd
    import shapely
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    staged: dict[Path, Path] = {}
    for layer, frame in layers.frames().items():
        out = tmp / targets[layer].name
        if isinstance(frame, gpd.GeoDataFrame):
            table = frame.drop(columns=frame.geometry.name).copy()
            table["wkt"] = [
                shapely.to_wkt(g, rounding_precision=-1)
                if g is not None and not g.is_empty
                else None
                for g in frame.geometry
            ]
        else:
            table = frame.copy()
        for column in table.columns:
            values = table[column]
            if not (is_numeric_dtype(values) or is_bool_dtype(values)):
                table[column] = values.map(spreadsheet_safe)
        table.to_csv(out, index=False, encoding="utf-8")
        staged[out] = targets[layer]
    return staged


def _xml_text(value: Any) -> str:
    return _XML_INVALID.sub("", str(value))


def _kml_type(series: pd.Series) -> str:
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "double"
    return "string"


def _kml_value(value: Any) -> str | None:
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value)
    return _xml_text(value)


def _coords(points: Any) -> str:
    return " ".join(f"{x!r},{y!r}" for x, y, *_ in points)


def _kml_geometry(parent: ET.Element, geom: Any) -> None:
    """Append the KML form of a shapely Point, MultiPoint, Polygon or MultiPolygon."""
    if geom is None or geom.is_empty:
        return
    kind = geom.geom_type
    if kind == "Point":
        ET.SubElement(ET.SubElement(parent, "Point"), "coordinates").text = _coords(geom.coords)
    elif kind == "Polygon":
        poly = ET.SubElement(parent, "Polygon")
        ring = ET.SubElement(ET.SubElement(poly, "outerBoundaryIs"), "LinearRing")
        ET.SubElement(ring, "coordinates").text = _coords(geom.exterior.coords)
        for interior in geom.interiors:
            ring = ET.SubElement(ET.SubElement(poly, "innerBoundaryIs"), "LinearRing")
            ET.SubElement(ring, "coordinates").text = _coords(interior.coords)
    elif kind in ("MultiPoint", "MultiPolygon"):
        multi = ET.SubElement(parent, "MultiGeometry")
        for part in geom.geoms:
            _kml_geometry(multi, part)
    else:
        msg = f"cannot write a {kind} to KML"
        raise GeoError(msg)


def _kml_description(layer: str, row: Mapping[str, Any], as_of: dt.date) -> str:
    """A short plain-text summary for Google Earth's balloon (escaped by the writer)."""
    import json

    lines: list[str] = []
    if layer == "sites":
        lines.append(f"Agreements: {row.get('agreement_names') or '-'}")
        lines.append(f"Status on {as_of.isoformat()}: {row.get('status')}")
        named = "named" if row.get("named_in_corpus") else "not named"
        lines.append(f"Mentions: {row.get('mention_count')} ({named} in the corpus)")
        lines.append(_reported_line(row))
        quotes = json.loads(row.get("quotes") or "[]")
        lines.extend(f"“{' '.join(q['sentence'].split())}” ({q['doc']})" for q in quotes)
        if row.get("source_url"):
            lines.append(f"Source of the point: {row.get('source_url')}")
    elif layer == "countries":
        lines.append(f"Role: {row.get('role')}; agreements: {row.get('agreements')}")
        lines.append(f"Status on {as_of.isoformat()}: {row.get('status')}")
    elif layer == "documents":
        lines.append(f"{row.get('title') or ''} {row.get('date') or ''}".strip())
        lines.append(f"Agreements: {row.get('agreements') or '-'}")
    elif layer in ("mentions", "unresolved"):
        lines.append(f"“{' '.join(str(row.get('sentence')).split())}” ({row.get('doc')})")
        if row.get("reason"):
            lines.append(f"Why: {row.get('reason')}")
    elif layer == "places":
        lines.append(f"{row.get('kind')}, {row.get('mention_count')} mention(s)")
        lines.append(_reported_line(row))
        quotes = json.loads(row.get("quotes") or "[]")
        lines.extend(f"“{' '.join(q['sentence'].split())}” ({q['doc']})" for q in quotes)
    return "\n".join(line for line in lines if line)


def _reported_line(row: Mapping[str, Any]) -> str:
    """The balloon line "Reported: first to last" (documents' dates), or "" when undated."""
    first, last = row.get("first_reported"), row.get("last_reported")
    if not isinstance(first, str) or not first:
        return ""
    if not isinstance(last, str) or last in ("", first):
        return f"Reported: {first}"
    return f"Reported: {first} to {last}"


def _site_style(row: Mapping[str, Any]) -> str:
    """``site-<kind>-<status>-<named|implied|other>``: one style per kind and status."""
    if row.get("named_in_corpus"):
        corpus = "named"
    else:
        corpus = "implied" if row.get("in_corpus") else "other"
    return f"site-{row.get('kind') or 'unknown'}-{row.get('status') or 'none'}-{corpus}"


#: Google Earth's own icon per site kind (its built-in "shapes" palette); kinds not
#: listed get the plain placemark.
_KIND_ICONS = {
    "air_base": "airports",
    "naval_base": "marina",
    "army_garrison": "flag",
    "training_area": "target",
    "storage": "square",
    "fuel_depot": "gas_stations",
    "space_base": "star",
    "border_guard_base": "police",
    "test_range": "target",
    "radar_site": "triangle",
    "missile_site": "triangle",
    "communications_station": "triangle",
    "headquarters": "ranger_station",
    "port": "ferry",
}
_ICON_ROOT = "http://maps.google.com/mapfiles/kml/shapes/"


def _kml_color(hex_color: str, alpha: str = "ff") -> str:
    """``#rrggbb`` as KML's ``aabbggrr``."""
    value = hex_color.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return alpha + value[4:6] + value[2:4] + value[0:2]


def _add_style(document: ET.Element, style_id: str) -> None:
    """The ``<Style>`` of *style_id* (sites: kind, status and corpus; mentions; places)."""
    from geo.vocab import STATUSES

    colors = {s.key: s.color for s in STATUSES}
    style = ET.SubElement(document, "Style", id=style_id)
    icon = ET.SubElement(style, "IconStyle")
    if style_id.startswith("site-"):
        _, rest = style_id.split("-", 1)
        kind, status, corpus = rest.rsplit("-", 2)
        ET.SubElement(icon, "color").text = _kml_color(colors.get(status, "#9e9e9e"))
        ET.SubElement(icon, "scale").text = {"named": "1.2", "implied": "1.0"}.get(corpus, "0.7")
        shape = _KIND_ICONS.get(kind, "placemark_circle")
        ET.SubElement(ET.SubElement(icon, "Icon"), "href").text = f"{_ICON_ROOT}{shape}.png"
        label = ET.SubElement(style, "LabelStyle")
        ET.SubElement(label, "scale").text = "0.8" if corpus == "named" else "0"
    else:
        color = {"mention-site": "#e31c1c", "mention-place": "#7b68b5", "place": "#7b68b5"}
        ET.SubElement(icon, "color").text = _kml_color(color.get(style_id, "#555555"))
        ET.SubElement(icon, "scale").text = "0.6"
        ET.SubElement(
            ET.SubElement(icon, "Icon"), "href"
        ).text = f"{_ICON_ROOT}placemark_circle.png"


def _style_of(layer: str, row: Mapping[str, Any]) -> str | None:
    if layer == "sites":
        return _site_style(row)
    if layer == "mentions":
        return "mention-site" if row.get("is_site") else "mention-place"
    if layer == "places":
        return "place"
    return None


def _site_span(layers: Layers, site_id: str) -> tuple[str | None, str | None]:
    """``(begin, end)`` of a site's TimeSpan: its first agreement event, its end if ended.

    ``begin`` is the first dated event of the instruments that brought the site in (a
    proposal, talks, a signature), so Google Earth's time slider shows the site from when
    it entered the record; ``end`` is set only when every one of its agreements ended.
    """
    registry = layers.registry
    if registry is None:
        return None, None
    begins: list[dt.date] = []
    ends: list[dt.date | None] = []
    for agreement in registry.agreements_for_site(site_id):
        instruments = [agreement.instrument, *agreement.amendments]
        events = [e for i in instruments if site_id in i.sites for e in i.events]
        if not events:
            events = list(agreement.instrument.events)
        if events:
            begins.append(min(e.effective_from for e in events))
        ended = [e.effective_from for e in agreement.instrument.events if e.type == "ended"]
        ends.append(max(ended) if ended else None)
    begin = min(begins).isoformat() if begins else None
    end = None
    if ends and all(e is not None for e in ends):
        end = max(e for e in ends if e is not None).isoformat()
    return begin, end


def _when(value: Any) -> str | None:
    """A document date as KML's ``when`` (full or partial ISO date), or ``None``."""
    text = str(value).strip() if isinstance(value, str) else ""
    return text[:10] if re.match(r"^\d{4}(-\d{2}){0,2}", text) else None


def _add_time(
    placemark: ET.Element,
    layer: str,
    row: Mapping[str, Any],
    layers: Layers,
    doc_dates: Mapping[str, Any],
) -> None:
    """TimeSpan of sites (agreement events) and TimeStamp of mentions and documents."""
    if layer == "sites":
        begin, end = _site_span(layers, str(row.get("site_id")))
        if begin or end:
            span = ET.SubElement(placemark, "TimeSpan")
            if begin:
                ET.SubElement(span, "begin").text = begin
            if end:
                ET.SubElement(span, "end").text = end
    elif layer in ("mentions", "documents"):
        doc = row.get("doc") if layer == "mentions" else row.get("doc_id")
        when = _when(doc_dates.get(str(doc)))
        if when:
            ET.SubElement(ET.SubElement(placemark, "TimeStamp"), "when").text = when


def _agreement_folders(document: ET.Element, layers: Layers, frame: Any) -> None:
    """One folder per agreement with its sites, for Google Earth's tree.

    The ``sites`` folder keeps every site once (what GIS tools read back); these folders
    repeat each agreement's sites with the same style, time span and description.
    """
    import geopandas as gpd

    registry = layers.registry
    if registry is None or not len(frame):
        return
    top = ET.SubElement(document, "Folder")
    ET.SubElement(top, "name").text = "sites by agreement"
    geometry = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else None
    rows = frame.drop(columns=[geometry.name] if geometry is not None else []).to_dict("records")
    by_id = {str(r["site_id"]): (i, r) for i, r in enumerate(rows)}
    for agreement in registry:
        members = [by_id[s] for s in agreement.all_sites() if s in by_id]
        if not members:
            continue
        folder = ET.SubElement(top, "Folder", id=f"agreement-{agreement.id}")
        ET.SubElement(folder, "name").text = _xml_text(agreement.id)
        status = registry.status(agreement.id, layers.as_of)
        ET.SubElement(folder, "description").text = _xml_text(
            f"{agreement.name} ({agreement.host}–{agreement.partner}); "
            f"status on {layers.as_of.isoformat()}: {status}"
        )
        for position, row in members:
            placemark = ET.SubElement(folder, "Placemark")
            ET.SubElement(placemark, "name").text = _xml_text(row.get("name") or "")
            ET.SubElement(placemark, "description").text = _xml_text(
                _kml_description("sites", row, layers.as_of)
            )
            _add_time(placemark, "sites", row, layers, {})
            ET.SubElement(placemark, "styleUrl").text = "#" + _site_style(row)
            if geometry is not None:
                _kml_geometry(placemark, geometry.iloc[position])


def _write_kml(layers: Layers, out: Path) -> None:
    import geopandas as gpd
    import pandas as pd

    ET.register_namespace("", _KML_NS)
    kml = ET.Element("kml", xmlns=_KML_NS)
    document = ET.SubElement(kml, "Document")
    ET.SubElement(document, "name").text = f"geo agreement layers, status on {layers.as_of}"
    frames = layers.frames()
    styles: list[str] = ["mention-site", "mention-place", "place"]
    for site in frames["sites"].drop(columns="geometry").to_dict("records"):
        site_style = _site_style(cast("Mapping[str, Any]", site))
        if site_style not in styles:
            styles.append(site_style)
    for style_id in styles:
        _add_style(document, style_id)
    documents = frames["documents"]
    doc_dates = dict(zip(documents["doc_id"].astype(str), documents["date"], strict=True))
    for layer, frame in frames.items():
        schema = ET.SubElement(document, "Schema", name=layer, id=layer)
        for column in frame.columns:
            if isinstance(frame, gpd.GeoDataFrame) and column == frame.geometry.name:
                continue
            ET.SubElement(
                schema,
                "SimpleField",
                name=_KML_RENAMES.get(column, column),
                type=_kml_type(frame[column]),
            )
    for layer, frame in frames.items():
        folder = ET.SubElement(document, "Folder")
        ET.SubElement(folder, "name").text = layer
        geometry = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else None
        columns = [c for c in frame.columns if geometry is None or c != geometry.name]
        for position, row in enumerate(frame[columns].to_dict("records")):
            placemark = ET.SubElement(folder, "Placemark")
            label = row.get(_LABELS[layer])
            ET.SubElement(placemark, "name").text = _xml_text(
                label if label is not None and not pd.isna(label) else ""
            )
            ET.SubElement(placemark, "description").text = _xml_text(
                _kml_description(layer, cast("Mapping[str, Any]", row), layers.as_of)
            )
            record = cast("Mapping[str, Any]", row)
            _add_time(placemark, layer, record, layers, doc_dates)
            row_style = _style_of(layer, record)
            if row_style is not None:
                ET.SubElement(placemark, "styleUrl").text = "#" + row_style
            data = ET.SubElement(
                ET.SubElement(placemark, "ExtendedData"), "SchemaData", schemaUrl=f"#{layer}"
            )
            for column in columns:
                text = _kml_value(row[column])
                if text is not None:
                    ET.SubElement(
                        data, "SimpleData", name=_KML_RENAMES.get(column, column)
                    ).text = text
            if geometry is not None:
                _kml_geometry(placemark, geometry.iloc[position])
    _agreement_folders(document, layers, frames["sites"])
    ET.ElementTree(kml).write(out, encoding="utf-8", xml_declaration=True)


def export_layers(layers: Layers, path: Path | str, *, fmt: str | None = None) -> list[Path]:
    """Write *layers* to *path* in the format of its suffix (or *fmt*); return the files.

    The layers are validated first (:func:`geo.layers.validate.validate_layers`), so nothing is
    written for an inconsistent layer. Every file is written to a temporary folder beside
    the target and moved into place; existing files of the same names are replaced.
    """
    path = Path(path)
    name = _format_of(path, fmt)
    validate_layers(layers)
    targets = output_paths(path, name)
    folder_output = _folder_output(path, name)
    folder = next(iter(targets.values())).parent
    if folder_output:
        check_output(folder, folder=True)
    for target in dict.fromkeys(targets.values()):
        check_output(target)
    try:
        with staging_folder(folder.parent if folder_output else folder) as tmp:
            if name in ("gpkg", "kml"):
                out = tmp / path.name
                if name == "gpkg":
                    _write_gpkg(layers, out)
                else:
                    _write_kml(layers, out)
                staged = {out: path}
            elif name == "geojson":
                staged = _write_geojson(layers, targets, tmp)
            else:
                staged = _write_csv(layers, targets, tmp)
            publish(staged, folder=folder if folder_output else None)
    except _write_errors() as exc:
        msg = f"cannot write {path}: {getattr(exc, 'strerror', None) or exc}"
        raise OutputError(msg) from exc
    return list(dict.fromkeys(targets.values()))


def _write_errors() -> tuple[type[Exception], ...]:
    """What writing a file may raise: OS errors and GDAL's own, through pyogrio."""
    return (OSError, *_driver_errors())


def _driver_errors() -> tuple[type[Exception], ...]:
    """The exceptions GDAL raises through pyogrio when a file cannot be written."""
    try:
        from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError
    except ImportError:  # pragma: no cover - pyogrio is a dependency
        return ()
    return (DataSourceError, DataLayerError, FieldError, GeometryError)


def _restore(layer: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Documented column names and bool columns back after a round trip."""
    import pandas as pd

    bool_columns = {"named_in_corpus", "in_corpus", "has_point", "demonym", "is_site"}
    bool_columns.add("has_polygon")
    for column in bool_columns & set(frame.columns):
        if not pd.api.types.is_bool_dtype(frame[column]):
            frame[column] = frame[column].map(
                lambda v: None if pd.isna(v) else str(v).strip().lower() in ("1", "true")
            )
    if frame.empty:  # GeoJSON and KML keep no schema for a layer without features
        for column in COLUMNS.get(layer, ()):
            if column not in frame.columns:
                frame[column] = pd.Series(dtype=object)
    documented = [c for c in COLUMNS.get(layer, ()) if c in frame.columns]
    extra = [c for c in frame.columns if c not in documented]
    return frame[documented + extra]


def _read_kml(path: Path) -> dict[str, pd.DataFrame]:
    import pyogrio

    out: dict[str, pd.DataFrame] = {}
    for layer, _geometry_type in pyogrio.list_layers(path):
        if str(layer) not in LAYER_NAMES:  # "sites by agreement" folders repeat the sites
            continue
        frame = pyogrio.read_dataframe(path, layer=layer)
        drop = [c for c in _KML_DRIVER_FIELDS if c in frame.columns]
        frame = frame.drop(columns=drop)
        frame = frame.rename(columns={v: k for k, v in _KML_RENAMES.items()})
        if layer not in GEOMETRY_TYPES and "geometry" in frame.columns:
            frame = frame.drop(columns="geometry")
        out[str(layer)] = _restore(str(layer), frame)
    return out


def read_layers(path: Path | str, *, fmt: str | None = None) -> dict[str, pd.DataFrame]:
    """Read back what :func:`export_layers` wrote to *path*: layer name → frame.

    Spatial layers come back as GeoDataFrames in EPSG:4326, ``unresolved`` as a
    DataFrame. Column values may come back with the types of the format (KML and CSV
    have no JSON or nullable integers); names and bool columns are restored.
    """
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    import shapely
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    path = Path(path)
    name = _format_of(path, fmt)
    if name == "kml":
        return _read_kml(path)
    if name == "gpkg":
        return {
            str(layer): _restore(str(layer), pyogrio.read_dataframe(path, layer=layer))
            for layer, _geometry_type in pyogrio.list_layers(path)
        }
    out: dict[str, pd.DataFrame] = {}
    for layer, file in output_paths(path, name).items():
        if not file.exists():
            continue
        if name == "geojson":
            frame = pyogrio.read_dataframe(file)
            if layer not in GEOMETRY_TYPES:
                frame = pd.DataFrame(frame.drop(columns="geometry"))
        else:
            frame = pd.read_csv(file, encoding="utf-8", keep_default_na=False, na_values=[""])
            for column in frame.columns:
                values = frame[column]
                if not (is_numeric_dtype(values) or is_bool_dtype(values)):
                    frame[column] = values.map(spreadsheet_value)
            if "wkt" in frame.columns:
                geometry = [
                    shapely.from_wkt(w) if isinstance(w, str) and w else None for w in frame["wkt"]
                ]
                frame = gpd.GeoDataFrame(
                    frame.drop(columns="wkt"), geometry=gpd.GeoSeries(geometry), crs=CRS
                )
        out[layer] = _restore(layer, frame)
    return out
