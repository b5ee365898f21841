"""The gazetteer's name index as flat arrays, loaded in milliseconds (issue 14).

Why: the index maps about 760,000 name keys to their encoded entries. Held as a
``dict``, loading it from the cache built 760,000 strings and tuples on every start:
0.47 of the 0.6 s that ``geo extract``, ``geo resolve`` and every Dask worker spent
before reading a word. :class:`NameTable` keeps the same mapping as a
:class:`~geo.text.flatkeys.FlatKeys` and the entries end to end, so a load copies bytes.
A lookup costs about 1.3 µs against a dict's 0.7 µs; the geoparser looks a name up only
the first time it meets a run of capitalised words, so the difference does not show.

The mapping is the dict's, exactly: the same keys in the same order, each key's value an
``int`` (one entry) or a ``tuple`` of ints (several), as :meth:`NameTable.pack` was
given it. :meth:`NameTable.updated` lays a small dict over the table (a user's sites)
without copying it.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping
from typing import Any, TypeAlias

from geo.text.flatkeys import FlatKeys

__all__ = ["NameTable", "Value"]

#: What a name key maps to: one encoded entry, or several.
Value: TypeAlias = int | tuple[int, ...]

_MISSING: Any = object()


class NameTable(Mapping[str, Value]):
    """A read-only ``str → int | tuple[int, ...]`` mapping over flat arrays (see module)."""

    __slots__ = ("_extra", "_keys", "_values", "_vstarts")

    def __init__(self, packed: Mapping[str, bytes], extra: Mapping[str, Value] | None = None):
        """A table over the byte strings of :meth:`pack` (as stored in the index cache)."""
        self._keys = FlatKeys(packed["blob"], packed["starts"], packed["slots"])
        self._values = array("q")
        self._values.frombytes(packed["values"])
        self._vstarts = array("i")
        self._vstarts.frombytes(packed["vstarts"])
        if len(self._vstarts) != len(self._keys) + 1:
            msg = "damaged name table: keys and values disagree"
            raise ValueError(msg)
        #: Keys laid over the table (see :meth:`updated`); they win over the table's.
        self._extra: dict[str, Value] = dict(extra or {})

    @staticmethod
    def pack(mapping: Mapping[str, Value]) -> dict[str, bytes]:
        """The byte strings of a table holding *mapping* (marshal- and pickle-friendly)."""
        vstarts = array("i", [0])  # (32 bits: 2**31 entries is far beyond any index)
        values = array("q")
        for value in mapping.values():
            if isinstance(value, int):
                values.append(value)
            else:
                values.extend(value)
            vstarts.append(len(values))
        blob, starts, slots = FlatKeys.pack(mapping)
        return {
            "blob": blob,
            "starts": starts,
            "slots": slots,
            "values": values.tobytes(),
            "vstarts": vstarts.tobytes(),
        }

    @classmethod
    def of(cls, mapping: Mapping[str, Value]) -> NameTable:
        """A table holding *mapping* (packing it first)."""
        return cls(cls.pack(mapping))

    def updated(self, extra: Mapping[str, Value]) -> NameTable:
        """A new table sharing these arrays, with *extra*'s keys laid over them."""
        new = object.__new__(NameTable)
        new._keys, new._values, new._vstarts = self._keys, self._values, self._vstarts
        new._extra = {**self._extra, **extra}
        return new

    def _value(self, i: int) -> Value:
        a, b = self._vstarts[i], self._vstarts[i + 1]
        return self._values[a] if b - a == 1 else tuple(self._values[a:b])

    def get(self, key: str, default: Any = None) -> Any:
        """The value of *key*, else *default* (as a dict's ``get``)."""
        if self._extra:
            found = self._extra.get(key, _MISSING)
            if found is not _MISSING:
                return found
        i = self._keys.find(key)
        return default if i < 0 else self._value(i)

    def __getitem__(self, key: str) -> Value:
        found = self.get(key, _MISSING)
        if found is _MISSING:
            raise KeyError(key)
        return found  # type: ignore[no-any-return]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        return key in self._extra or self._keys.find(key) >= 0

    def __iter__(self) -> Iterator[str]:
        """The table's keys in the order they were packed, then the keys laid over it."""
        yield from self._keys
        for key in self._extra:
            if self._keys.find(key) < 0:
                yield key

    def __len__(self) -> int:
        return len(self._keys) + sum(1 for key in self._extra if self._keys.find(key) < 0)

    def items(self) -> Iterator[tuple[str, Value]]:  # type: ignore[override]
        """``(key, value)`` in iteration order, without a second lookup per key."""
        extra = self._extra
        for i, key in enumerate(self._keys):
            found = extra.get(key, _MISSING) if extra else _MISSING
            yield key, (self._value(i) if found is _MISSING else found)
        for key, value in extra.items():
            if self._keys.find(key) < 0:
                yield key, value

    def __reduce__(self) -> tuple[Any, ...]:
        blob, starts, slots = self._keys.state()
        packed = {
            "blob": blob,
            "starts": starts,
            "slots": slots,
            "values": self._values.tobytes(),
            "vstarts": self._vstarts.tobytes(),
        }
        return (NameTable, (packed, self._extra))
