"""Write ``data/boundaries/countries-50m.geojson.gz`` from Natural Earth 1:50m countries.

Natural Earth is public domain. The input is the world-atlas TopoJSON that ``geo assets
fetch`` puts in the asset cache (``world-atlas@2.0.2/countries-50m.json``, a conversion of
Natural Earth 1:50m Admin 0 countries); the output is plain GeoJSON, one feature per line,
gzip-compressed (no timestamp, so a rerun gives the same bytes), with the Natural Earth
``id`` (ISO 3166 numeric) and ``name`` of each feature and its geometry as stored,
coordinates rounded to 3 decimals (about 100 m; the source is quantized
more coarsely). ``geo.gazetteer.boundaries`` reads it so the countries layer, distances to a
border and the map's base layer need no web assets. Run once after a world-atlas upgrade:

    python scripts/make_boundaries.py            # reads the asset cache, writes data/
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _round(coords: object) -> object:
    if isinstance(coords, list | tuple) and coords and isinstance(coords[0], int | float):
        return [round(float(coords[0]), 3), round(float(coords[1]), 3)]
    assert isinstance(coords, list | tuple)
    return [_round(c) for c in coords]


def main() -> int:
    import pyogrio

    from geo.io.assets import asset_file

    source = asset_file("world-atlas", "countries-50m.json")
    frame = pyogrio.read_dataframe(source, layer="countries")
    out = ROOT / "data" / "boundaries" / "countries-50m.geojson.gz"
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for numeric, name, geom in zip(frame["id"], frame["name"], frame.geometry, strict=True):
        if geom is None or geom.is_empty:
            continue
        mapping = geom.__geo_interface__
        feature = {
            "type": "Feature",
            "properties": {"id": numeric if isinstance(numeric, str) else None, "name": name},
            "geometry": {"type": mapping["type"], "coordinates": _round(mapping["coordinates"])},
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    header = (
        '{"type":"FeatureCollection","name":"countries",'
        '"source":"Natural Earth 1:50m Admin 0 countries (public domain), via world-atlas 2.0.2",'
        '"features":[\n'
    )
    text = header + ",\n".join(lines) + "\n]}\n"
    with out.open("wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as fh:
        fh.write(text.encode("utf-8"))
    print(f"wrote {out} ({len(lines)} features, {out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
