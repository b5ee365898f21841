"""Stage 5, the agreement registry: load, validate and query the agreements, their dated
events and agreed sites.
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
