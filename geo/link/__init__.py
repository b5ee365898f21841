"""Stage 6, agreement links: which agreements a document and its places speak of.

Every link carries its evidence: the sentence, its offsets and the rule that made it.
"""

from __future__ import annotations

from geo.link.rules import (
    AGREEMENT_TERMS,
    DEFENSE_TERMS,
    Link,
    LinkKind,
    NameIndex,
    link_documents,
    mention_id,
)

__all__ = [
    "AGREEMENT_TERMS",
    "DEFENSE_TERMS",
    "Link",
    "LinkKind",
    "NameIndex",
    "link_documents",
    "mention_id",
]
