"""Where the curated data files are found: the checkout's ``data/`` or the wheel's copy.

An editable install (the Makefile's) reads ``data/`` next to the package, so an edit to a
CSV takes effect at once; an installed wheel carries the same files as ``geo/_data``
(copied by ``setup.py``). ``geo.settings.data_dir`` overrides both, for tests and for
users who keep their own curated copy.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from geo import settings
from geo.errors import ConfigurationError

_CHECKOUT_DATA = Path(__file__).resolve().parents[2] / "data"


def data_dir() -> Path:
    """Return the folder holding ``sites/``, ``agreements/``, ``countries.csv`` and the rest."""
    if settings.data_dir is not None:
        return Path(settings.data_dir)
    if (_CHECKOUT_DATA / "countries.csv").is_file():
        return _CHECKOUT_DATA
    packaged = resources.files("geo") / "_data"
    if packaged.is_dir():
        return Path(str(packaged))
    msg = (
        "cannot find the curated data folder (data/ in a checkout, geo/_data in a wheel); "
        "set GEO_DATA_DIR or geo.settings.data_dir"
    )
    raise ConfigurationError(msg)


def data_path(name: str) -> Path:
    """Return the path of the curated data file *name* (it may not exist)."""
    return data_dir() / name
