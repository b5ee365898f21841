"""The project's vocabularies, each defined once: statuses, events, agreement types, site kinds.

Every stage reads these tables instead of keeping its own list: the registry validates
event and agreement types and folds events into statuses with :data:`EVENT_STATUS`; the
layers and the map combine the statuses of a site under several agreements with
:func:`combine_status`; the map and the static plots colour statuses with
:data:`STATUSES`; the gazetteer validates site kinds and the map picks their icons from
:data:`SITE_KINDS`; ``docs/data.md`` documents the same values. Adding a value here is
the whole change (and a line in the docs).

Languages are a vocabulary too, with much more to say per entry; they live in
:mod:`geo.text.languages`, one pack per language.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "AGREEMENT_TYPES",
    "EVENT_STATUS",
    "EVENT_TYPES",
    "LIFECYCLE",
    "PRECISIONS",
    "SITE_KINDS",
    "SITE_KIND_KEYS",
    "STATUSES",
    "STATUS_KEYS",
    "Precision",
    "SiteKind",
    "Status",
    "combine_status",
]


@dataclass(frozen=True, slots=True)
class Status:
    """One status an agreement (and the sites it covers) can have on a given day.

    ``marker`` is the awesome-markers colour name of the map's pins and ``color`` the hex
    colour of that pin (legend, countries, static plots). ``liveness`` orders statuses
    when a site is under several agreements (:func:`combine_status`): higher wins.
    ``always_in_legend`` lists it in the legend even when no site has it.
    """

    key: str
    label: str
    marker: str
    color: str
    liveness: int
    always_in_legend: bool


#: Every status, in legend order (the order a reader expects, ending with ``ended``).
STATUSES: tuple[Status, ...] = (
    Status("none", "not yet agreed", "lightgray", "#a3a3a3", 0, False),
    Status("proposed", "proposed", "beige", "#ffcb92", 3, False),
    Status("negotiating", "negotiating", "orange", "#f69730", 4, True),
    Status("signed", "signed", "blue", "#38aadd", 5, True),
    Status("approved", "approved", "purple", "#d252b9", 6, True),
    Status("in_force", "in force", "green", "#72b026", 7, True),
    Status("suspended", "suspended", "darkred", "#a23336", 2, False),
    Status("ended", "ended", "gray", "#575757", 1, True),
)
STATUS_KEYS: tuple[str, ...] = tuple(s.key for s in STATUSES)
_LIVENESS = {s.key: s.liveness for s in STATUSES}

#: The stages an instrument passes through, in order: a later stage never goes back to
#: an earlier one (a late-reported negotiation does not undo a signature).
LIFECYCLE: tuple[str, ...] = ("none", "proposed", "negotiating", "signed", "approved", "in_force")

#: Event type -> the status it brings, or ``None`` for events that only mark the timeline
#: (``amended``, ``renamed``, ``extended``). ``submitted_to_parliament`` keeps an
#: instrument at ``signed``: tabling a bill approves nothing. ``suspended`` pauses the
#: instrument until ``resumed`` brings back the stage it had; ``ended`` closes it.
EVENT_STATUS: dict[str, str | None] = {
    "proposed": "proposed",
    "negotiations_announced": "negotiating",
    "negotiations_started": "negotiating",
    "signed": "signed",
    "submitted_to_parliament": "signed",
    "approved": "approved",
    "entered_into_force": "in_force",
    "amended": None,
    "renamed": None,
    "extended": None,
    "suspended": "suspended",
    "resumed": "resumed",
    "ended": "ended",
}
#: Event types in the order a timeline usually reads.
EVENT_TYPES: tuple[str, ...] = tuple(EVENT_STATUS)

#: Kinds of agreement of the registry (``docs/data.md``).
AGREEMENT_TYPES: frozenset[str] = frozenset(
    {
        "defense_cooperation_agreement",
        "supplementary_defense_cooperation_agreement",
        "defense_agreement",
        "status_of_forces_agreement",
        "basing_agreement",
        "access_agreement",
        "missile_defense_agreement",
        "implementing_arrangement",
        "mutual_defense_treaty",
        "amendment",
    }
)


def combine_status(statuses: Iterable[str]) -> str:
    """One status for a site or country under several agreements.

    The most live status wins: any agreement that is proposed, negotiating, signed,
    approved or in force beats a suspended one, which beats an ended one, which beats
    ``none``; ``none`` when there is nothing at all. Unknown values are ignored.
    """
    best = "none"
    for status in statuses:
        if _LIVENESS.get(status, -1) > _LIVENESS[best]:
            best = status
    return best


@dataclass(frozen=True, slots=True)
class SiteKind:
    """What a military site is: its key, a label and its Font Awesome 6 (solid) icon."""

    key: str
    label: str
    icon: str


#: Every site kind, in legend order; ``unknown`` is a location an agreement names whose
#: facility is not identified.
SITE_KINDS: tuple[SiteKind, ...] = (
    SiteKind("air_base", "air base", "plane"),
    SiteKind("naval_base", "naval base", "anchor"),
    SiteKind("army_garrison", "army garrison", "person-military-rifle"),
    SiteKind("training_area", "training area", "crosshairs"),
    SiteKind("storage", "storage", "warehouse"),
    SiteKind("fuel_depot", "fuel depot", "gas-pump"),
    SiteKind("space_base", "space base", "satellite-dish"),
    SiteKind("border_guard_base", "border guard base", "user-shield"),
    SiteKind("test_range", "test range", "rocket"),
    SiteKind("missile_site", "missile site", "shield-halved"),
    SiteKind("radar_site", "radar site", "tower-broadcast"),
    SiteKind("communications_station", "communications station", "tower-cell"),
    SiteKind("headquarters", "headquarters", "building-flag"),
    SiteKind("port", "port", "ship"),
    SiteKind("unknown", "facility not identified", "question"),
)
SITE_KIND_KEYS: frozenset[str] = frozenset(k.key for k in SITE_KINDS)


@dataclass(frozen=True, slots=True)
class Precision:
    """What a site's point is, and how far from the facility it may be (km)."""

    key: str
    label: str
    tolerance_km: float


#: Precision classes of a site's point, best first. A town's point is never labelled as
#: a facility's: ``village_containing_facility`` and ``locality`` say what it is.
PRECISIONS: tuple[Precision, ...] = (
    Precision("facility", "a point on the facility", 2.0),
    Precision("airfield_reference_point", "the airfield's ICAO reference point", 3.0),
    Precision("area_centroid", "the centre of a large area", 10.0),
    Precision("village_containing_facility", "the town or village containing it", 10.0),
    Precision("locality", "the town the agreement names", 10.0),
)
