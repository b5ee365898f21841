"""The flat tables of issue 14 (name index, word frequencies) answer as the dicts they replace."""

from __future__ import annotations

import marshal
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.gazetteer.nametable import NameTable, Value
from geo.text.flatkeys import FlatKeys
from geo.text.lexicon import FrequencyTable

pytestmark = pytest.mark.unit

# Keys as documents produce them: any text, lone surrogates and NULs included.
keys = st.text(st.characters(codec=None, exclude_categories=()), max_size=12)
entry = st.integers(min_value=0, max_value=2**62)
values = st.one_of(entry, st.lists(entry, min_size=2, max_size=5).map(tuple))
tables = st.dictionaries(keys, values, max_size=60)


@settings(max_examples=200, deadline=None)
@given(mapping=tables, probes=st.lists(keys, max_size=20))
def test_the_table_is_the_dict(mapping: dict[str, Value], probes: list[str]) -> None:
    table = NameTable.of(mapping)
    assert list(table) == list(mapping)  # same keys, same order
    assert dict(table.items()) == mapping
    assert list(table.items()) == list(mapping.items())
    assert len(table) == len(mapping)
    for key in [*mapping, *probes]:
        assert (key in table) == (key in mapping)
        assert table.get(key) == mapping.get(key)
        assert table.get(key, -7) == mapping.get(key, -7)
        found = table.get(key)
        assert found is None or type(found) is type(mapping[key])  # int stays int
    assert 3 not in table


@settings(max_examples=100, deadline=None)
@given(mapping=tables, extra=tables)
def test_an_overlay_wins_and_adds(mapping: dict[str, Value], extra: dict[str, Value]) -> None:
    base = NameTable.of(mapping)
    table = base.updated(extra)
    merged = {**mapping, **extra}
    assert dict(table.items()) == merged
    assert sorted(table) == sorted(merged)
    assert len(table) == len(merged)
    for key in merged:
        assert table[key] == merged[key]
        assert key in table
    assert dict(base.items()) == mapping  # the base table is unchanged


def test_packed_tables_survive_marshal_and_pickle() -> None:
    mapping: dict[str, Value] = {"oslo": 5, "évenes": (1, 2), "\ud800x": 3, "": (4, 9)}
    table = NameTable(marshal.loads(marshal.dumps(NameTable.pack(mapping))))
    assert dict(table.items()) == mapping
    again = pickle.loads(pickle.dumps(table.updated({"thule": 8})))
    assert dict(again.items()) == {**mapping, "thule": 8}
    with pytest.raises(KeyError):
        table["nowhere"]


@settings(max_examples=100, deadline=None)
@given(
    mapping=st.dictionaries(keys, st.floats(allow_nan=False), max_size=60),
    probes=st.lists(keys, max_size=20),
)
def test_frequencies_are_the_dict(mapping: dict[str, float], probes: list[str]) -> None:
    table = FrequencyTable(*FrequencyTable.pack(mapping))
    assert len(table) == len(mapping)
    for word in [*mapping, *probes]:
        assert table.get(word, -1.0) == mapping.get(word, -1.0)
        assert (word in table) == (word in mapping)


def test_keys_keep_their_positions() -> None:
    words = [f"w{i}" for i in range(1000)]
    flat = FlatKeys(*FlatKeys.pack(words))
    assert [flat.find(w) for w in words] == list(range(1000))
    assert list(flat) == words
    assert flat.find("w1000") == -1


def test_a_damaged_table_is_refused() -> None:
    packed = NameTable.pack({"a": 1, "b": 2})
    packed["vstarts"] = packed["vstarts"][:-4]  # one offset short
    with pytest.raises(ValueError, match="damaged"):
        NameTable(packed)
    blob, starts, slots = FlatKeys.pack(["a", "b"])
    with pytest.raises(ValueError, match="damaged"):
        FlatKeys(blob, starts, slots[:-4])  # three of four slots


def test_the_real_index_answers_every_name() -> None:
    """Every key of the built index is found again, and a lookup gives its places."""
    from geo.gazetteer.store import load_gazetteer

    gaz = load_gazetteer()
    names = gaz.names
    assert isinstance(names, NameTable)
    count = 0
    for key, value in names.items():
        assert names.get(key) == value
        count += 1
    assert count == len(names) > 500_000
    assert "evenes" in names
    assert "thule" in names
    assert gaz.get("Evenes") is not None
    assert "no such place anywhere" not in names
