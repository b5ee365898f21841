"""Layer validation: every problem of every layer found at once, before anything is written.

:func:`validate_layers` runs inside :func:`geo.layers.build.build_layers` and again before
every export, and raises one :class:`~geo.errors.LayerValidationError` whose ``problems``
list wrong CRS, missing columns, missing or duplicate ids, unexpected geometry types,
coordinates out of range, points that disagree with ``lat``/``lon``, flags that disagree
with geometries, references between layers that do not resolve and offsets that do not
point at the surface in its sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from geo.errors import LayerValidationError
from geo.layers.schema import COLUMNS, CRS, GEOMETRY_TYPES, ID_COLUMNS, LAYER_NAMES

if TYPE_CHECKING:
    from geo.layers.schema import Layers


def _frame_problems(name: str, frame: Any) -> list[str]:
    """CRS, columns, unique ids, geometry types and ranges of one spatial layer."""
    import geopandas as gpd

    problems: list[str] = []
    if not isinstance(frame, gpd.GeoDataFrame):
        return [f"{name}: expected a GeoDataFrame, got {type(frame).__name__}"]
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        problems.append(f"{name}: CRS is {frame.crs}, expected {CRS}")
    missing = [c for c in COLUMNS[name] if c not in frame.columns]
    if missing:
        problems.append(f"{name}: missing columns {', '.join(missing)}")
    id_col = ID_COLUMNS[name]
    if id_col in frame.columns:
        ids = frame[id_col]
        if ids.isna().any():
            problems.append(f"{name}: {int(ids.isna().sum())} row(s) without {id_col}")
        dupes = sorted(set(ids[ids.duplicated()].dropna().astype(str)))
        if dupes:
            problems.append(f"{name}: duplicate {id_col} {', '.join(dupes[:10])}")
    if frame.geometry.name not in frame.columns:
        return problems
    problems.extend(_geometry_problems(name, frame, id_col))
    return problems


def _geometry_problems(name: str, frame: Any, id_col: str) -> list[str]:
    """Geometry type, flag, range and lat/lon agreement of every row of one layer.

    Each test is one vectorised call over the column (shapely's array functions), and
    the columns are read once as lists: reading one cell at a time with ``frame.at``
    made validation a third of ``geo build`` on a large corpus (issue 14). Rows are
    still reported in order, each with the same messages as before.
    """
    import numpy as np
    import shapely

    expected = GEOMETRY_TYPES[name]
    flag = {"countries": "has_polygon"}.get(name, "has_point")
    geoms = np.empty(len(frame), dtype=object)
    # The geometry array's own object array: iterating the GeoSeries made one Python
    # call per row (issue 14); the cells are the same objects.
    geoms[:] = np.asarray(frame.geometry.array, dtype=object)
    empty = (shapely.is_missing(geoms) | shapely.is_empty(geoms)).tolist()
    types = [None if g is None else g.geom_type for g in geoms]
    bounds = shapely.bounds(geoms)
    minx, miny, maxx, maxy = bounds[:, 0], bounds[:, 1], bounds[:, 2], bounds[:, 3]
    in_range = (
        (minx >= -180)
        & (minx <= maxx)
        & (maxx <= 180)
        & (miny >= -90)
        & (miny <= maxy)
        & (maxy <= 90)
    ).tolist()
    ids = frame[id_col].tolist() if id_col in frame.columns else list(frame.index)
    flags = frame[flag].tolist() if flag in frame.columns else None
    latlon = name != "countries" and {"lat", "lon"} <= set(frame.columns)
    lats = frame["lat"].tolist() if latlon else []
    lons = frame["lon"].tolist() if latlon else []
    xs: list[float] = []
    ys: list[float] = []
    if latlon:
        points = np.array(
            [not e and t == "Point" for e, t in zip(empty, types, strict=True)], dtype=bool
        )  # dtype given: an empty layer's mask would be float and fail as an index
        x = np.full(len(frame), np.nan)
        y = np.full(len(frame), np.nan)
        x[points] = shapely.get_x(geoms[points])
        y[points] = shapely.get_y(geoms[points])
        xs, ys = x.tolist(), y.tolist()
    if _geometry_clean(frame, expected, flag, empty, types, in_range, latlon, xs, ys):
        return []
    problems: list[str] = []
    for i, is_empty in enumerate(empty):
        kind = types[i]
        if not is_empty and kind != expected:
            problems.append(f"{name}[{ids[i]}]: geometry is a {kind}, expected {expected}")
            continue
        if flags is not None and bool(flags[i]) == is_empty:
            state = "empty" if is_empty else "present"
            problems.append(f"{name}[{ids[i]}]: {flag} is {flags[i]} but geometry is {state}")
        if is_empty:
            continue
        if not in_range[i]:
            problems.append(f"{name}[{ids[i]}]: coordinates out of range ({geoms[i].bounds})")
        if (
            latlon
            and kind == "Point"
            and (abs(ys[i] - float(lats[i])) > 1e-9 or abs(xs[i] - float(lons[i])) > 1e-9)
        ):
            problems.append(
                f"{name}[{ids[i]}]: geometry {geoms[i].wkt} does not match lat/lon columns"
            )
    return problems


def _plain_numbers(column: Any) -> bool:
    """Whether a column is a NumPy integer or float column (``tolist`` gives int/float)."""
    import numpy as np

    return isinstance(column.dtype, np.dtype) and column.dtype.kind in "if"


def _geometry_clean(
    frame: Any,
    expected: str,
    flag: str,
    empty: list[bool],
    types: list[str | None],
    in_range: list[bool],
    latlon: bool,
    xs: list[float],
    ys: list[float],
) -> bool:
    """Whether the row loop of :func:`_geometry_problems` would report nothing.

    Decided on whole arrays, so a valid layer (every layer ``build_layers`` makes) skips
    the loop: it was a Python step per row of 113,000 mentions (issue 14). Any doubt
    (a flag column that is not boolean, lat/lon that are not plain numbers, any row the
    tests flag) returns ``False`` and the loop reports, with the same messages.
    """
    import numpy as np

    present = ~np.array(empty, dtype=bool)
    kinds = np.array(types, dtype=object)
    if np.any(present & (kinds != expected)):
        return False
    if flag in frame.columns:
        flags = frame[flag]
        if flags.dtype != np.dtype(bool) or np.any(flags.to_numpy() != present):
            return False
    if np.any(present & ~np.array(in_range, dtype=bool)):
        return False
    if latlon:
        if not (_plain_numbers(frame["lat"]) and _plain_numbers(frame["lon"])):
            return False
        lats = frame["lat"].to_numpy(dtype=float)
        lons = frame["lon"].to_numpy(dtype=float)
        points = present & (kinds == "Point")
        apart = (np.abs(np.array(ys, dtype=float) - lats) > 1e-9) | (
            np.abs(np.array(xs, dtype=float) - lons) > 1e-9
        )
        if np.any(points & apart):
            return False
    return True


def _mentions_clean(columns: list[list[Any]], frame: Any, places: set[Any], docs: set[Any]) -> bool:
    """Whether the mention loop of :func:`validate_layers` would report nothing.

    Set inclusions and array comparisons, then one comprehension for the surfaces, so a
    valid mentions layer skips the loop that built a label and three ``int`` per row
    (issue 14). Offsets must be NumPy integer columns (``tolist`` gives ``int``);
    otherwise, or when any row fails, the loop runs and reports as before.
    """
    import numpy as np

    _ids, place_ids, doc_ids, starts, ends, offsets, sentences, surfaces = columns
    if not (places.issuperset(place_ids) and docs.issuperset(doc_ids)):
        return False
    numeric = [frame[c] for c in ("start", "end", "sentence_start")]
    if not all(isinstance(c.dtype, np.dtype) and c.dtype.kind == "i" for c in numeric):
        return False
    start, end = numeric[0].to_numpy(), numeric[1].to_numpy()
    if not bool(np.all((start >= 0) & (start < end))):
        return False
    return all(
        sentence[a - o : b - o] == surface
        for a, b, o, sentence, surface in zip(
            starts, ends, offsets, sentences, surfaces, strict=True
        )
    )


def validate_layers(layers: Layers) -> None:
    """Check every layer at once; raise :class:`LayerValidationError` listing all problems.

    Called by :func:`build_layers` before returning and by the exporter before writing,
    so a layer edited in a notebook is checked again. Checks: each spatial layer is a
    GeoDataFrame in EPSG:4326 with the documented columns, unique ids, the expected
    geometry type, coordinates within [-180, 180] × [-90, 90] and points that agree with
    the ``lat``/``lon`` and ``has_point`` columns; every agreement id of ``sites`` and
    ``countries`` is in the registry; every mention's place is a row of ``places`` or
    ``sites`` and its document a row of ``documents``; offsets are ordered and the
    surface sits at them in the sentence; ``unresolved`` has its columns.
    """
    problems: list[str] = []
    frames = {}
    for name in LAYER_NAMES[:-1]:
        frame = getattr(layers, name)
        problems.extend(_frame_problems(name, frame))
        frames[name] = frame
    unresolved = layers.unresolved
    missing = [c for c in COLUMNS["unresolved"] if c not in getattr(unresolved, "columns", ())]
    if missing:
        problems.append(f"unresolved: missing columns {', '.join(missing)}")

    registry = layers.registry
    if registry is not None:
        for name in ("sites", "countries"):
            frame = frames[name]
            if "agreements" not in frame.columns:
                continue
            for key, value in zip(frame[ID_COLUMNS[name]], frame["agreements"], strict=True):
                for agreement_id in filter(None, str(value or "").split(",")):
                    if agreement_id not in registry:
                        problems.append(
                            f"{name}[{key}]: agreement {agreement_id!r} is not in the registry"
                        )
        if "site_id" in frames["sites"].columns:
            missing_sites = sorted(registry.site_ids() - set(frames["sites"]["site_id"]))
            if missing_sites:
                problems.append(f"sites: registry sites missing: {', '.join(missing_sites)}")

    mentions = frames["mentions"]
    known_places = set()
    for name, column in (("places", "place_id"), ("sites", "site_id")):
        if column in frames[name].columns:
            known_places |= set(frames[name][column].astype(str))
    doc_ids = (
        set(frames["documents"]["doc_id"]) if "doc_id" in frames["documents"].columns else set()
    )
    needed = {
        "mention_id",
        "doc",
        "start",
        "end",
        "surface",
        "place_id",
        "sentence",
        "sentence_start",
    }
    if needed <= set(mentions.columns):
        # Columns read as lists: iterating rows of Arrow-backed string columns one value
        # at a time was most of validation on a large corpus (issue 14).
        columns = [
            mentions[c].tolist()
            for c in (
                "mention_id",
                "place_id",
                "doc",
                "start",
                "end",
                "sentence_start",
                "sentence",
                "surface",
            )
        ]
        clean = _mentions_clean(columns, mentions, known_places, doc_ids)
        rows = zip(*columns, strict=True) if not clean else zip()  # clean: nothing to report
        for mention_id, place_id, doc, start, end, offset, sentence, surface in rows:
            label = f"mentions[{mention_id}]"
            if place_id not in known_places:
                problems.append(f"{label}: place {place_id!r} is in neither places nor sites")
            if doc not in doc_ids:
                problems.append(f"{label}: document {doc!r} is not in documents")
            start, end, offset = int(start), int(end), int(offset)
            if not 0 <= start < end:
                problems.append(f"{label}: bad offsets start={start} end={end}")
            elif sentence[start - offset : end - offset] != surface:
                problems.append(
                    f"{label}: offsets {start}-{end} do not point at {surface!r} in its sentence"
                )
    if {"doc", "start", "end"} <= set(getattr(unresolved, "columns", ())):
        for row in unresolved.itertuples(index=False):
            start, end = int(row.start), int(row.end)  # type: ignore[arg-type]
            if not 0 <= start < end:
                problems.append(f"unresolved[{row.doc}:{row.start}]: bad offsets")
            if row.doc not in doc_ids:
                problems.append(f"unresolved[{row.doc}:{row.start}]: document not in documents")
    if problems:
        count = len(problems)
        summary = f"{count} problem{'s' if count != 1 else ''} in the layers"
        raise LayerValidationError(summary + ":\n  " + "\n  ".join(problems), problems=problems)
