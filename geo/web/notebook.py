"""Show a map inline in a Jupyter notebook without any network access.

folium's own notebook display (``Map._repr_html_``) wraps the page in an ``<iframe
srcdoc>`` whose scripts still come from CDNs: offline the cell shows a blank frame, and
VS Code asks to "trust" the notebook before running them. :func:`show_map` displays the
*inlined* page instead (:func:`geo.web.render.map_html`, or
:func:`geo.web.inline.make_self_contained` for any folium map): the whole page is
HTML-escaped into the ``srcdoc`` attribute of one ``<iframe>``, so it runs in its own
document, needs nothing from outside and cannot touch the notebook around it (the frame
is sandboxed: scripts yes, same-origin access no).

The iframe is wrapped in a ``<div>``: IPython warns ("Consider using
IPython.display.IFrame") when an HTML object starts with ``<iframe``. An executed cell
holds the full page (4 MB or more): clear outputs before committing a notebook.
"""

from __future__ import annotations

import html as html_lib
import re
from typing import TYPE_CHECKING, Any

from geo.errors import ConfigurationError, GeoError

if TYPE_CHECKING:
    from IPython.display import HTML

__all__ = ["iframe_html", "page_html", "show_map"]

_CSS_LENGTH = re.compile(r"^\d+(?:\.\d+)?(?:px|%|em|rem|vh|vw)?$")


def _length(value: int | float | str, what: str) -> str:
    """A CSS length from ``600`` (pixels) or ``"100%"``; anything else is refused."""
    if isinstance(value, bool):
        msg = f"{what} must be a number of pixels or a CSS length, not {value!r}"
        raise ConfigurationError(msg)
    if isinstance(value, int | float):
        if value <= 0:
            msg = f"{what} must be positive, not {value!r}"
            raise ConfigurationError(msg)
        return f"{value:g}px"
    text = str(value).strip()
    if not _CSS_LENGTH.match(text):
        msg = f"{what} must be a CSS length such as 600px or 100%, not {value!r}"
        raise ConfigurationError(msg)
    return text if not text[-1].isdigit() else f"{text}px"


def page_html(obj: Any, **kwargs: Any) -> str:
    """The self-contained page for *obj*: layers, a folium map/figure, or an HTML string.

    Layers (anything with a ``sites`` attribute) go through :func:`geo.web.render.map_html`
    with *kwargs*; a folium object is rendered and inlined by
    :func:`geo.web.inline.make_self_contained` (a :class:`~geo.errors.GeoWarning` and CDN
    links when the asset cache is missing); a string is taken as a finished page.
    """
    if isinstance(obj, str):
        return obj
    if hasattr(obj, "sites"):
        from geo.web.render import map_html

        return map_html(obj, **kwargs)
    if hasattr(obj, "get_root"):
        from geo.web.inline import make_self_contained

        return make_self_contained(obj.get_root().render())
    msg = f"cannot show a {type(obj).__name__}: pass layers, a folium map or an HTML page"
    raise ConfigurationError(msg)


def iframe_html(page: str, *, height: int | str = 600, width: int | str = "100%") -> str:
    """``<div><iframe srcdoc="…">`` markup holding *page*, escaped for the attribute.

    ``html.escape(page, quote=True)`` leaves no ``"`` or ``<`` in the attribute value,
    so nothing in the page (a quote from a document included) can end the attribute or
    the tag; the browser unescapes it back into the original page.
    """
    style = f"width:{_length(width, 'width')};height:{_length(height, 'height')};border:none"
    return (
        '<div class="geo-map-frame">'
        f'<iframe srcdoc="{html_lib.escape(page, quote=True)}" style="{style}" '
        'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox" '
        'allow="fullscreen" allowfullscreen title="geo map"></iframe></div>'
    )


def show_map(
    obj: Any, *, height: int | str = 600, width: int | str = "100%", **kwargs: Any
) -> HTML:
    """An IPython ``HTML`` object that displays *obj* inline, offline.

    ``show_map(layers)`` in a cell shows the same map ``geo build`` writes (*kwargs* go
    to :func:`geo.web.render.map_html`: ``tiles``, ``title``, ``basemap``); a folium map or
    a finished HTML page works too. Raises :class:`~geo.errors.GeoError` when IPython is
    not installed (``pip install -e .[notebook]``).
    """
    try:
        from IPython.display import HTML
    except ImportError as exc:  # pragma: no cover - IPython comes with the notebook extra
        msg = "IPython is needed to display maps in a notebook: pip install -e '.[notebook]'"
        raise GeoError(msg) from exc
    return HTML(iframe_html(page_html(obj, **kwargs), height=height, width=width))  # type: ignore[no-untyped-call]
