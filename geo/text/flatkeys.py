"""Strings to positions in three flat byte strings: a hash table that loads without objects.

Why (issue 14): the tables every process loads on start -- the gazetteer's 760,000 name
keys (:class:`geo.gazetteer.nametable.NameTable`), wordfreq's 300,000-600,000 words
per language (:class:`geo.text.lexicon.FrequencyTable`) -- cost hundreds of
milliseconds and a hundred megabytes as dicts, because a dict needs one string object
per key. :class:`FlatKeys` holds the keys' UTF-8 bytes end to end, their offsets and an
open-addressing table of CRC-32 slots; loading it copies three byte strings. A lookup
hashes the key's bytes (``zlib.crc32``, in C), probes a slot or two (half the slots stay
empty) and compares one slice: about 1 µs, against a dict's 0.7 µs and the 12 µs of a
bisection over sorted words. Each key has a position, ``0 .. n-1`` in the order the
keys were packed, where the owner keeps its values.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Collection, Iterator

__all__ = ["LAYOUT", "FlatKeys"]

#: Slots per key, at least: a miss ends at an empty slot after a probe or two.
_SPARE = 2

#: Names the byte layout below: tables cached on disk (``geo.io.derived``) put it in their
#: key, so a table packed by another layout is never read as this one.
LAYOUT = "flatkeys-crc32-i32-1"

#: Positions and offsets: 32 bits (a table holds at most 2 GB of keys; checked on packing).
_INT = "i"
_MAX = 2**31 - 1


def _raw(key: str) -> bytes:
    # surrogatepass: keys come from document text, where a lone surrogate must not raise.
    return key.encode("utf-8", "surrogatepass")


class FlatKeys:
    """Distinct strings → their positions, over the byte strings of :meth:`pack`."""

    __slots__ = ("_blob", "_mask", "_slots", "_starts")

    def __init__(self, blob: bytes, starts: bytes, slots: bytes) -> None:
        self._blob = blob
        self._starts = array(_INT)
        self._starts.frombytes(starts)
        self._slots = array(_INT)
        self._slots.frombytes(slots)
        self._mask = len(self._slots) - 1
        if not self._slots or self._mask & len(self._slots) or len(self._starts) < 1:
            msg = "damaged key table: no offsets, or slots that are not a power of two"
            raise ValueError(msg)

    @staticmethod
    def pack(keys: Collection[str]) -> tuple[bytes, bytes, bytes]:
        """``(blob, starts, slots)`` of a table of *keys* (distinct; their order kept)."""
        size = 1
        while size < max(1, len(keys)) * _SPARE:
            size *= 2
        mask = size - 1
        slots = array(_INT, [0]) * size
        starts = array(_INT, [0])
        blob = bytearray()  # (no list of a million bytes objects: the index build's peak)
        for i, key in enumerate(keys):
            raw = _raw(key)
            blob += raw
            if len(blob) > _MAX:
                msg = "a key table holds at most 2 GB of keys"
                raise ValueError(msg)
            starts.append(len(blob))
            h = zlib.crc32(raw) & mask
            while slots[h]:
                h = (h + 1) & mask
            slots[h] = i + 1  # 0 marks an empty slot
        return bytes(blob), starts.tobytes(), slots.tobytes()

    def state(self) -> tuple[bytes, bytes, bytes]:
        """The byte strings this table was made from (for pickling)."""
        return self._blob, self._starts.tobytes(), self._slots.tobytes()

    def find(self, key: str) -> int:
        """The position of *key*, or -1."""
        raw = _raw(key)
        mask, slots, starts, blob = self._mask, self._slots, self._starts, self._blob
        h = zlib.crc32(raw) & mask
        while True:
            i = slots[h]
            if not i:
                return -1
            i -= 1
            if blob[starts[i] : starts[i + 1]] == raw:
                return i
            h = (h + 1) & mask

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __iter__(self) -> Iterator[str]:
        """The keys in position order."""
        blob, starts = self._blob, self._starts
        for i in range(len(starts) - 1):
            yield blob[starts[i] : starts[i + 1]].decode("utf-8", "surrogatepass")
