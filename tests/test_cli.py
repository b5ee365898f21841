"""The command line: geo resolve's table, JSON, exit codes; geo extract's formats."""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from pathlib import Path

import pytest

from geo import settings
from geo.cli.extract import EXTRACT_FIELDS
from geo.cli.main import main

SITE_NAMES = ["Evenes", "Ramsund", "Thule", "Pituffik", "Rygge", "Sola", "Karup", "Skrydstrup"]
OTHERS = {
    "Kopenhagen": "geonames:2618425",
    "København": "geonames:2618425",
    "Dänemark": "country:DK",
    "Grönland": "country:GL",
    "Irak": "country:IQ",
    "Russland": "country:RU",
    "Arktis": "region:arctic",
}
SITES = {
    "Evenes": "no-evenes",
    "Ramsund": "no-ramsund",
    "Thule": "gl-pituffik",
    "Pituffik": "gl-pituffik",
    "Rygge": "no-rygge",
    "Sola": "no-sola",
    "Karup": "dk-karup",
    "Skrydstrup": "dk-skrydstrup",
}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue(), capsys.readouterr().err


@pytest.fixture(scope="module")
def must_show() -> list[dict]:
    out = io.StringIO()
    code = main(["resolve", *SITE_NAMES, *OTHERS, "--json"], out=out)
    assert code == 0
    return json.loads(out.getvalue())


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))


@pytest.mark.parametrize(("query", "place_id"), [*SITES.items(), *OTHERS.items()])
def test_must_show_table(must_show: list[dict], query: str, place_id: str) -> None:
    record = next(r for r in must_show if r["query"] == query)
    assert record["id"] == place_id
    assert set(record) == {
        "query",
        "id",
        "name",
        "kind",
        "country",
        "lat",
        "lon",
        "source",
        "candidates",
    }
    assert record["candidates"]
    assert record["candidates"][0]["id"] == place_id


def test_must_show_coordinates(must_show: list[dict]) -> None:
    by = {r["query"]: r for r in must_show}
    assert _km(by["Evenes"]["lat"], by["Evenes"]["lon"], 68.49, 16.68) < 2
    assert by["Ramsund"]["name"] == "Ramsund Naval Station"
    assert by["Thule"]["name"] == "Pituffik Space Base"
    assert _km(by["Thule"]["lat"], by["Thule"]["lon"], 76.53, -68.70) < 2
    assert by["Arktis"]["kind"] == "region"
    assert by["Kopenhagen"]["kind"] == "city"


def test_readable_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(["resolve", "Evenes", "Irak"], capsys)
    assert code == 0
    assert "Evenes Air Station" in out
    assert "Iraq" in out
    assert out.splitlines()[0].split()[:3] == ["query", "place", "kind"]


def test_unknown_names_exit_1_with_suggestions(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["resolve", "Evenes", "Copenhagn", "--json"], capsys)
    assert code == 1
    records = json.loads(out)
    assert records[1]["id"] is None
    assert records[1]["lat"] is None
    assert "Copenhagn" in err
    assert "Copenhagen" in err


def test_country_filter(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["resolve", "Sola", "--country", "no", "--json"], capsys)
    assert code == 0
    assert json.loads(out)[0]["country"] == "NO"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["resolve", ""], "empty"),
        (["resolve", "x" * 10_000], "10,000 characters"),
        (["resolve", "Even\x01es"], "control characters"),
        (["resolve", "Evenes", "--country", "Norway"], "ISO 3166-1"),
        (["resolve"], "arguments"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2_without_traceback(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(argv, capsys)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_malformed_data_file_exits_3_naming_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from geo.io.resources import data_dir

    data = tmp_path / "data"
    shutil.copytree(data_dir(), data)
    sites = data / "sites" / "no.csv"
    lines = sites.read_text(encoding="utf-8").splitlines()
    assert ",air_base," in lines[3]
    lines[3] = lines[3].replace(",air_base,", ",flying_saucer,", 1)
    sites.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(settings, "data_dir", data)
    monkeypatch.setattr(settings, "index_dir", tmp_path / "index")
    code, _out, err = run(["resolve", "Evenes"], capsys)
    assert code == 3
    assert "sites/no.csv:4: kind: 'flying_saucer'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "geojson"])
def test_extract_formats(
    fmt: str, tmp_path: Path, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / f"mentions.{fmt}"
    code, out, err = run(["extract", str(seeds_dir), "-o", str(target), "--format", fmt], capsys)
    assert code == 0
    assert out == ""
    assert "2 documents" in err
    assert "unresolved" in err
    text = target.read_text(encoding="utf-8")
    if fmt == "jsonl":
        records = [json.loads(line) for line in text.splitlines()]
        assert all(tuple(r) == EXTRACT_FIELDS for r in records)
    elif fmt == "csv":
        records = list(csv.DictReader(io.StringIO(text)))
        assert tuple(records[0]) == EXTRACT_FIELDS
    else:
        features = json.loads(text)["features"]
        records = [f["properties"] for f in features]
        assert all(f["geometry"]["type"] == "Point" for f in features if f["geometry"])
    assert len(records) > 50
    assert {r["doc"] for r in records} == {"000_640b02f3eca9c30c", "004_f6e18cdd7bce2205"}


def test_extract_offsets_point_into_the_document_text(
    seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from geo.io.documents import read_documents

    texts = {d.id: d.text for d in read_documents([seeds_dir])}
    code, out, _ = run(["extract", str(seeds_dir)], capsys)
    assert code == 0
    for line in out.splitlines():
        r = json.loads(line)
        assert texts[r["doc"]][r["start"] : r["end"]] == r["surface"]


def test_extract_reports_a_bad_document_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "good.txt").write_text("Forces left Norway for Iceland.", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x00\x01\x02" * 50)
    code, out, err = run(["extract", str(tmp_path)], capsys)
    assert code == 1
    assert "bad.txt" in err
    assert "1 failed" in err
    assert {json.loads(line)["name"] for line in out.splitlines()} == {"Norway", "Iceland"}


def test_extract_reads_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        "sys.stdin", io.TextIOWrapper(io.BytesIO(b"Troops left Evenes Air Station."))
    )
    code, out, _ = run(["extract", "-"], capsys)
    assert code == 0
    assert json.loads(out.splitlines()[0])["id"] == "no-evenes"


def test_online_fallback_is_off_by_default_then_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.test_online import AGENT, FakeNominatim

    monkeypatch.setattr(settings, "online_cache_dir", tmp_path)
    monkeypatch.setattr(settings, "online", False)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = FakeNominatim()
    try:
        url = f"http://127.0.0.1:{server.port}"
        code, out, _ = run(["resolve", "Frobozzville", "--json"], capsys)
        assert code == 1  # offline by default: never asked
        assert server.requests == []
        argv = ["resolve", "Frobozzville", "--json", "--online", "--user-agent", AGENT]
        code, out, _ = run([*argv, "--nominatim", url], capsys)
        assert code == 0
        record = json.loads(out)[0]
        assert record["lat"] == pytest.approx(60.1)
        assert record["source"].startswith("Nominatim")
        assert len(server.requests) == 1
    finally:
        server.stop()
    code, out, _ = run([*argv, "--nominatim", url], capsys)  # server gone: the cache answers
    assert code == 0
    assert json.loads(out)[0]["name"] == "Frobozzville, Norge"


def test_online_needs_a_user_agent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(settings, "online_cache_dir", tmp_path)
    monkeypatch.setattr(settings, "user_agent", None)
    monkeypatch.setattr(settings, "online", False)
    code, _out, err = run(["resolve", "Frobozzville", "--online"], capsys)
    assert code == 2
    assert "user agent" in err.lower()


def test_progress_bar_on_a_terminal(
    seeds_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    fake = Terminal()
    monkeypatch.setattr("sys.stderr", fake)
    assert main(["extract", str(seeds_dir)], out=io.StringIO()) == 0
    assert "geoparsing" in fake.getvalue()
    assert "2 documents" in fake.getvalue()


def test_timeline(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["timeline", "us-dk-dca", "--json"], capsys)
    assert code == 0
    records = json.loads(out)
    assert [r["date"] for r in records] == sorted(r["date"] for r in records)
    signed = next(r for r in records if r["event"] == "signed")
    assert signed["date"] == "2023-12-21"
    assert signed["status"] == "signed"
    assert signed["source"].startswith("http")
    code, out, _ = run(["timeline"], capsys)
    assert code == 0
    assert "us-no-sdca-amendment-2024" in out
    code, _out, err = run(["timeline", "us-xx-dca"], capsys)
    assert code == 2
    assert "known:" in err
