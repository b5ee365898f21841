"""The analyst's own data (issue 13): sites, agreements, corrections, exit codes, caches.

The Philippines example of ``docs/guide.md`` (``examples/philippines/``) is used as a
user would: ``--sites sites.csv --agreements agreements.yaml --corrections
corrections.yaml`` over three short example articles (texts of our own, every statement
from the public page each links).
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from geo import settings
from geo.cli.main import main
from geo.errors import DataError, GeoError
from geo.gazetteer import boundaries
from geo.gazetteer.store import index_path, load_gazetteer
from geo.gazetteer.usersites import load_user_sites, overlay
from geo.io.assets import pack_caches, unpack_caches
from geo.layers.build import build_layers
from geo.parse.corrections import load_corrections

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "philippines"
ARTICLES = EXAMPLE / "articles"
SITES = EXAMPLE / "sites.csv"
AGREEMENTS = EXAMPLE / "agreements.yaml"
CORRECTIONS = EXAMPLE / "corrections.yaml"
USER = ["--sites", str(SITES), "--agreements", str(AGREEMENTS)]


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(argv, out=out)
    return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------- user registry


def test_user_sites_and_agreement_without_an_index_rebuild(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    load_gazetteer()  # the cached index, as after `make map`
    before = sorted(p.name for p in index_path().parent.iterdir())

    def no_rebuild(*args: object, **kwargs: object) -> None:
        raise AssertionError("the gazetteer index was rebuilt")

    monkeypatch.setattr("geo.gazetteer.store.build_index", no_rebuild)
    layers = build_layers(
        [ARTICLES],
        as_of="2025-12-31",
        sites=[SITES],
        agreements=[AGREEMENTS],
        corrections=[CORRECTIONS],
    )
    assert sorted(p.name for p in index_path().parent.iterdir()) == before
    sites = layers.sites.set_index("site_id")
    places = layers.places.set_index("place_id")
    # The user's agreement (the Japan-Philippines RAA) names no site: the user's sites are
    # places the corpus names, outside every agreement, each with its point and quote.
    for site_id in ("ph-rancudo", "ph-ernesto-ogbinar", "ph-mavulis"):
        assert site_id not in sites.index
        row = places.loc[site_id]
        assert int(row["mention_count"]) >= 1, site_id
        assert bool(row["has_point"])
        quote = json.loads(row["quotes"])[0]
        assert quote["doc"] == "2025-09-raa-in-force"
        assert quote["surface"] in quote["sentence"]
    assert places.loc["ph-rancudo", "name"] == "Rancudo Airfield"
    assert places.loc["ph-rancudo", "kind"] == "air_base"
    # Its name and its former name (Wallace Air Station) both resolve to the user's row.
    assert int(places.loc["ph-ernesto-ogbinar", "mention_count"]) == 2
    # The user's agreement: in force on the date, its parties' countries carry it, and the
    # article that names it is linked to it.
    assert layers.registry is not None
    assert layers.registry.status("jp-ph-raa", layers.as_of) == "in_force"
    countries = layers.countries.set_index("iso2")
    for iso2 in ("JP", "PH"):
        assert json.loads(countries.loc[iso2, "status_detail"])["jp-ph-raa"] == "in_force"
    documents = layers.documents.set_index("doc_id")
    assert "jp-ph-raa" in documents.loc["2025-09-raa-in-force", "agreements"].split(",")
    assert "jp-ph-raa" not in documents.loc["2016-03-edca-first-sites", "agreements"].split(",")
    # The curated EDCA sites are there too, with their own agreement and quotes.
    assert sites.loc["ph-basa", "status"] == "approved"
    assert int(sites.loc["ph-basa", "mention_count"]) == 2
    # The user's sites are searchable names of the map.
    assert {s.id for s in layers.user_sites} == {"ph-rancudo", "ph-ernesto-ogbinar", "ph-mavulis"}
    # Corrections applied, each saying so: a place id, a point of the analyst's own, a drop.
    mentions = layers.mentions.set_index("surface")
    assert mentions.loc["Oyster Bay", "place_id"] == "geonames:1692685"  # Puerto Princesa
    assert "corrected by" in mentions.loc["Oyster Bay", "reason"]
    assert "corrections.yaml:" in mentions.loc["Oyster Bay", "reason"]
    assert mentions.loc["Luzon Strait", "place_id"] == "correction:luzon-strait"
    assert "corrected by" in mentions.loc["Luzon Strait", "reason"]
    # Santa Ana, Cagayan, and the provinces in "Gamu, Isabela" and "San Fernando, La
    # Union" need no correction: the resolver reads them (tests/test_context.py)
    assert mentions.loc["Santa Ana", "place_id"] == "geonames:1688393"
    assert mentions.loc["Isabela", "place_id"] == "admin2:ph-cagayan-valley-province-of-isabela"
    for name in ("Santa Ana", "Isabela", "La Union"):
        assert "corrected by" not in mentions.loc[name, "reason"], name
    # found whole by the recognizer ("dela" joins a Philippine name), no correction needed
    assert mentions.loc["Camp Melchor dela Cruz", "place_id"] == "ph-camp-melchor-dela-cruz"
    assert "corrected by" not in mentions.loc["Camp Melchor dela Cruz", "reason"]
    assert mentions.loc["La Union", "place_id"] == "admin2:ph-ilocos-province-of-la-union"
    assert "Poro" not in mentions.index  # "place: null" in that document drops it
    assert layers.unresolved.empty


def test_user_sites_in_yaml_and_geojson_read_like_csv(tmp_path: Path) -> None:
    rows = load_user_sites([SITES])
    (tmp_path / "s.yaml").write_text(
        "sites:\n"
        + "".join(
            f"  - id: {r.id}\n    name: {r.name}\n    kind: {r.kind}\n    country: {r.country}\n"
            f"    lat: {r.lat}\n    lon: {r.lon}\n    coord_precision: {r.coord_precision}\n"
            f"    coord_source: example\n    aliases: {list(r.aliases)!r}\n"
            f"    source_urls: [{r.source_urls[0]}]\n"
            for r in rows
        ),
        encoding="utf-8",
    )
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
            "properties": {
                "id": r.id,
                "name": r.name,
                "kind": r.kind,
                "country": r.country,
                "coord_precision": r.coord_precision,
                "coord_source": "example",
                "aliases": list(r.aliases),
                "source_urls": list(r.source_urls),
            },
        }
        for r in rows
    ]
    (tmp_path / "s.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, indent=1), encoding="utf-8"
    )
    for name in ("s.yaml", "s.geojson"):
        again = load_user_sites([tmp_path / name])
        assert [(r.id, r.name, r.lat, r.lon, r.aliases) for r in again] == [
            (r.id, r.name, r.lat, r.lon, r.aliases) for r in rows
        ], name


def test_a_malformed_user_registry_reports_every_problem(tmp_path: Path) -> None:
    sites = tmp_path / "my-sites.csv"
    sites.write_text(
        "id,name,kind,country,lat,lon,coord_precision,coord_source,source_urls\n"
        "ph-one,One,air_base,PH,95.0,120.0,locality,x,https://example.org/1\n"
        "ph-two,Two,castle,PHL,,,,,https://example.org/2\n"
        "ph-basa,Basa again,air_base,PH,,,,,\n",
        encoding="utf-8",
    )
    geojson = tmp_path / "more.geojson"
    geojson.write_text(
        '{"type": "FeatureCollection", "features": [\n'
        '  {"type": "Feature", "geometry": {"type": "LineString", "coordinates": []},\n'
        '   "properties": {"id": "ph-three"}}\n]}\n',
        encoding="utf-8",
    )
    agreements = tmp_path / "mine.yaml"
    agreements.write_text(
        "schema_version: 1\nagreements:\n  - id: my-ph\n    name: Mine\n"
        "    type: defense_cooperation_agreement\n    host: PH\n    partner: US\n"
        "    events: [{type: signed, date: '2024-13-01', source: 'https://example.org/a'}]\n"
        "    sites: [ph-nowhere]\n    sources: ['https://example.org/a']\n",
        encoding="utf-8",
    )
    code, _out, err = run(
        [
            "export",
            str(ARTICLES),
            "-o",
            str(tmp_path / "x.gpkg"),
            "--sites",
            str(sites),
            "--sites",
            str(geojson),
            "--agreements",
            str(agreements),
        ]
    )
    assert code == 3
    expected = [
        f"{sites}:2: lat: 95.0 is out of range",
        f"{sites}:3: kind: 'castle' is not one of",
        f"{sites}:3: country: 'PHL' is not an ISO 3166-1 alpha-2 code",
        f"{sites}:4: source_urls: needs at least one http(s) URL",
        f"{sites}:4: id: 'ph-basa' is already a site (defined in",
        f"{geojson}:2: features[0].geometry: must be a Point",
    ]
    for line in expected:
        assert line in err, (line, err)
    assert not (tmp_path / "x.gpkg").exists()
    # The agreement's problems come in the same run: a bad date, a site nobody declared
    # (the sites with problems still count as declared: no "unknown site id" for them).
    assert f"{agreements}:8:" in err
    assert "2024-13-01" in err
    assert "unknown site id 'ph-nowhere'" in err
    assert "unknown site id 'ph-two'" not in err
    # geo timeline checks the same files the same way.
    user = ["--sites", str(sites), "--sites", str(geojson), "--agreements", str(agreements)]
    code, _out, err2 = run(["timeline", *user])
    assert code == 3
    assert err2.splitlines()[1:] == err.splitlines()[1:]


def test_a_template_payload_in_a_user_site_stays_inert(tmp_path: Path) -> None:
    """Like the registry payloads of tests/test_security.py, in a user's site names."""
    payload = "{{ 'geo' ~ 'PWN' ~ 'ED' }}"
    img = "<img src=x onerror=alert(1)>"
    sites = tmp_path / "s.csv"
    sites.write_text(
        "id,name,kind,country,lat,lon,coord_precision,coord_source,aliases,source_urls\n"
        f'ph-evil,"Evil {payload} {img}",air_base,PH,14.5,121.0,locality,x,'
        f'"Evil Alias {payload}|{img}",https://example.org/e\n',
        encoding="utf-8",
    )
    agreements = tmp_path / "a.yaml"
    agreements.write_text(
        "schema_version: 1\nagreements:\n  - id: my-evil\n"
        f'    name: "Mine {payload}"\n    type: defense_cooperation_agreement\n'
        "    host: PH\n    partner: US\n"
        "    events: [{type: signed, date: '2024-01-01', source: 'https://example.org/a'}]\n"
        "    sites: [ph-evil]\n    sources: ['https://example.org/a']\n",
        encoding="utf-8",
    )
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        f"US forces trained at Evil Alias {payload} in the Philippines.\n", encoding="utf-8"
    )
    target = tmp_path / "map.html"
    code, _out, err = run(
        [
            "build",
            str(corpus),
            "-o",
            str(target),
            "--sites",
            str(sites),
            "--agreements",
            str(agreements),
        ]
    )
    assert code in (0, 1), err
    page = target.read_text(encoding="utf-8")
    assert "geoPWNED" not in page
    assert img not in page  # only the escaped JSON form
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page


# --------------------------------------------------------------------------- corrections


def test_corrections_report_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "c.yaml"
    bad.write_text(
        "corrections:\n"
        "  - name: Basa\n    place: ph-nowhere\n"
        "  - name: Pag-asa\n    lat: 95\n    lon: 10\n"
        "  - place: ph-basa\n"
        "  - name: X\n    place: ph-basa\n    lat: 1\n    lon: 2\n"
        "  - name: Y\n    plcae: ph-basa\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as caught:
        load_corrections([bad], load_gazetteer())
    problems = caught.value.problems
    assert problems is not None
    assert len(problems) == 6
    assert f"{bad}:2: corrections[0].place: no place has the id 'ph-nowhere'" in problems[0]
    assert f"{bad}:4: corrections[1].lat/lon" in problems[1]
    assert f"{bad}:7: corrections[2].name" in problems[2]
    assert f"{bad}:8: corrections[3]: give a place id or lat/lon, not both" in problems[3]
    assert f"{bad}:12: corrections[4].plcae: unknown field" in problems[4]


def test_user_site_ids_work_in_corrections() -> None:
    gaz = overlay(load_gazetteer(), load_user_sites([SITES]))
    tmp = EXAMPLE / "corrections.yaml"
    assert load_corrections([tmp], gaz)
    place = gaz.get_place("ph-rancudo")
    assert place is not None
    assert place.curated
    assert gaz.get("Pag-asa airstrip") == place  # an alias of the user's row
    assert load_gazetteer().get_place("ph-rancudo") is None  # the cached index is untouched


# --------------------------------------------------------------------------- exit codes


def test_unresolved_names_exit_1_and_corrections_make_it_0(tmp_path: Path) -> None:
    code, _out, err = run(["extract", str(ARTICLES), "-o", str(tmp_path / "m.jsonl")])
    assert code == 1
    assert "names stayed unresolved" in err
    code, _out, err = run(["export", str(ARTICLES), "-o", str(tmp_path / "a.csv"), *USER])
    assert code == 1
    assert "Luzon Strait" in err
    code, _out, err = run(
        [
            "build",
            str(ARTICLES),
            "-o",
            str(tmp_path / "m.html"),
            *USER,
            "--corrections",
            str(CORRECTIONS),
        ]
    )
    assert code == 0, err
    code, out, err = run(
        [
            "extract",
            str(ARTICLES),
            "--sites",
            str(SITES),
            "--corrections",
            str(CORRECTIONS),
            "--format",
            "csv",
        ]
    )
    assert code == 0, err
    assert "corrected by" in out


def test_a_map_in_the_corpus_folder_is_skipped_and_reported(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(ARTICLES, corpus)
    code, _out, err = run(
        [
            "build",
            str(ARTICLES),
            "-o",
            str(tmp_path / "map.html"),
            *USER,
            "--corrections",
            str(CORRECTIONS),
        ]
    )
    assert code == 0, err
    shutil.copy(tmp_path / "map.html", corpus / "map.html")  # e.g. moved there by hand
    code, out, err = run(
        ["extract", str(corpus), "--sites", str(SITES), "--corrections", str(CORRECTIONS)]
    )
    assert code == 0, err
    assert "map.html: skipped: a map written by geo" in err
    assert "3 documents" in err
    assert '"doc": "map"' not in out


def test_timeline_lists_sources() -> None:
    code, out, _err = run(["timeline", "us-ph-edca"])
    assert code == 0
    header = out.splitlines()[0].split()
    assert header[-1] == "source"
    assert "https://" in out.splitlines()[2]


def test_sites_add_drafts_a_row(tmp_path: Path) -> None:
    target = tmp_path / "mine.csv"
    code, out, err = run(
        [
            "sites",
            "add",
            "Basco Airport",
            "--file",
            str(target),
            "--kind",
            "air_base",
            "--source",
            "https://en.wikipedia.org/wiki/Basco_Airport",
        ]
    )
    assert code == 0, err
    assert "from the gazetteer" in out
    code, _out, err = run(
        ["sites", "add", "Mavulis Island", "--country", "PH", "--file", str(target)]
    )
    assert code == 0
    assert "no source_urls yet" in err
    code, _out, err = run(["sites", "check", str(target)])
    assert code == 3
    assert f"{target}:3: source_urls" in err
    rows = target.read_text(encoding="utf-8").splitlines()
    assert rows[1].startswith("ph-basco-airport,Basco Airport,")
    assert ",20.45130,121.98000,locality," in rows[1]


# --------------------------------------------------------------------------- caches


def test_countries_need_no_web_assets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(settings, "assets_dir", tmp_path / "no-assets")
    with pytest.raises(GeoError, match="geo assets fetch"):
        boundaries.countries("110m")
    russia = boundaries.country_polygon("RU")
    assert russia.bounds[0] == -180.0
    assert russia.bounds[2] == 180.0
    layers = build_layers([ARTICLES], as_of="2025-12-31")
    countries = layers.countries.set_index("iso2")
    assert bool(countries.loc["PH", "has_polygon"])


@pytest.mark.unit
def test_pack_and_unpack_move_the_caches(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source = tmp_path / "a"
    (source / "assets" / "pkg@1").mkdir(parents=True)
    (source / "assets" / "pkg@1" / "x.js").write_text("x", encoding="utf-8")
    (source / "index").mkdir()
    (source / "index" / "gazetteer-1.marshal").write_bytes(b"\x00" * 10)
    (source / "index" / "gazetteer-old.marshal").write_bytes(b"\x01")
    (source / "online").mkdir()
    (source / "online" / "nominatim.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(settings, "cache_dir", source)
    archive = tmp_path / "geo-cache.tar.gz"
    counts = pack_caches(archive, only=[source / "index" / "gazetteer-1.marshal"])
    assert counts == {"index": 1, "assets": 1, "online": 1}
    target = tmp_path / "b"
    monkeypatch.setattr(settings, "cache_dir", target)
    assert unpack_caches(archive) == {"index": 1, "assets": 1, "online": 1}
    assert (target / "assets" / "pkg@1" / "x.js").read_text(encoding="utf-8") == "x"
    assert not (target / "index" / "gazetteer-old.marshal").exists()
    # An archive with a path outside the caches is refused before anything is written.
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tf:
        data = json.dumps({"format": 1, "files": {"../x": {"bytes": 1}}}).encode()
        info = tarfile.TarInfo("geo-pack.json")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo("../x")
        info.size = 1
        tf.addfile(info, io.BytesIO(b"x"))
    monkeypatch.setattr(settings, "cache_dir", tmp_path / "c")
    with pytest.raises(GeoError, match="refusing member"):
        unpack_caches(evil)
    assert not (tmp_path / "x").exists()
    assert not (tmp_path / "c").exists()


# --------------------------------------------------------------------------- KML


def test_kml_styles_timespans_and_agreement_folders(tmp_path: Path) -> None:
    ogrinfo = shutil.which("ogrinfo")
    if ogrinfo is None:
        pytest.fail("ogrinfo not found: `make test` installs Debian's gdal-bin")
    target = tmp_path / "ph.kml"
    code, _out, err = run(
        [
            "export",
            str(ARTICLES),
            "-o",
            str(target),
            "--as-of",
            "2025-12-31",
            *USER,
            "--corrections",
            str(CORRECTIONS),
        ]
    )
    assert code == 0, err
    done = subprocess.run(
        [ogrinfo, "-ro", "-al", str(target), "sites", "mentions", "places", "us-ph-edca"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "Layer name: us-ph-edca" in text  # one folder per agreement with sites
    assert "Style = @site-naval_base-approved-named" in text  # kind, status, corpus
    assert "Style = @site-air_base-approved-named" in text
    assert "Style = @mention-site" in text
    assert "Style = @mention-place" in text
    assert "begin (DateTime) = 2023/02/02" in text  # the four 2023 EDCA locations
    assert "begin (DateTime) = 2016/03/18" in text  # EDCA's first five sites, 2016
    assert "timestamp (DateTime) = 2023/04/03" in text  # an article's date on its mentions
    assert "timestamp (DateTime) = 2025/09/11" in text
    assert "Rancudo Airfield on Pag-asa Island" in text  # the quote, in the description
    assert "Reported: 2016-03-18 to 2023-04-03" in text  # Basa: first and last article
    raw = target.read_text(encoding="utf-8")
    assert "<TimeSpan><begin>2023-02-02</begin></TimeSpan>" in raw
    assert raw.count('<Folder id="agreement-') >= 2
    # The user's agreement names no site: no folder of its own.
    assert '<Folder id="agreement-jp-ph-raa"' not in raw


# --------------------------------------------------------------------------- --online


def test_online_fallback_on_extract_build_and_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--online asks a (fake, loopback) Nominatim once per unresolved name, then the cache."""
    from tests import test_online

    monkeypatch.setattr(settings, "online_cache_dir", tmp_path / "online")
    monkeypatch.setattr(settings, "user_agent", None)
    monkeypatch.setattr(settings, "online", False)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setitem(
        test_online.PLACES,
        "frobozzville air base",
        {**test_online.PLACES["frobozzville"], "display_name": "Frobozzville Air Base, Norge"},
    )
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "US Marines trained at Frobozzville Air Base in Norway last week.\n", encoding="utf-8"
    )
    server = test_online.FakeNominatim()
    try:
        url = f"http://127.0.0.1:{server.port}"
        online = ["--online", "--user-agent", test_online.AGENT, "--nominatim", url]
        code, _out, _err = run(["extract", str(corpus), "-o", str(tmp_path / "off.jsonl")])
        assert code == 1  # offline by default: unresolved, and never asked
        assert server.requests == []
        code, _out, err = run(["extract", str(corpus), "-o", str(tmp_path / "on.jsonl"), *online])
        assert code == 0, err
        records = [json.loads(line) for line in (tmp_path / "on.jsonl").read_text().splitlines()]
        found = next(r for r in records if r["surface"] == "Frobozzville Air Base")
        assert found["lat"] == pytest.approx(60.1)
        assert found["reason"].startswith("online: Nominatim")
        assert len(server.requests) == 1
    finally:
        server.stop()
    # The server is gone: build and export get the answer from the cache.
    code, _out, err = run(["build", str(corpus), "-o", str(tmp_path / "m.html"), *online])
    assert code == 0, err
    code, _out, err = run(["export", str(corpus), "-o", str(tmp_path / "x.csv"), *online])
    assert code == 0, err
    assert "Frobozzville Air Base" in (tmp_path / "x-mentions.csv").read_text(encoding="utf-8")


@pytest.mark.security
def test_sites_add_refuses_a_name_that_is_not_utf8(tmp_path: Path) -> None:
    # A name typed in another encoding arrives as lone surrogates (surrogateescape): a
    # usage error naming it, not an internal error, and no file half-written.
    target = tmp_path / "sub" / "mine.csv"
    code, _out, err = run(["sites", "add", "Eve\udcff", "--file", str(target)])
    assert code == 2
    assert "'Eve\\udcff' is not UTF-8 text" in err
    assert not target.exists()
    # A hostile but valid name is kept as text, in a folder the command creates.
    code, _out, _err = run(["sites", "add", '{{7*7}}</script>"', "--file", str(target)])
    assert code == 0
    assert '"{{7*7}}</script>"""' in target.read_text(encoding="utf-8")
