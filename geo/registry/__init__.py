"""Stage 5, the agreement registry: agreements, their dated events and agreed sites.

Loaded, validated and queried by :mod:`geo.registry.agreements`.
"""

from __future__ import annotations

from geo.registry.agreements import (
    AGREEMENT_TYPES,
    EVENT_TYPES,
    SCHEMA_VERSION,
    STATUSES,
    Agreement,
    Event,
    Instrument,
    Registry,
    load_registry,
    parse_partial_date,
)

__all__ = [
    "AGREEMENT_TYPES",
    "EVENT_TYPES",
    "SCHEMA_VERSION",
    "STATUSES",
    "Agreement",
    "Event",
    "Instrument",
    "Registry",
    "load_registry",
    "parse_partial_date",
]
