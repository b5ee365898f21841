"""Build hook: copy the curated ``data/`` folder into the wheel as ``geo/_data``.

The checkout keeps ``data/`` at the top level (the design card's layout); an installed
wheel has no checkout, so the build places a copy inside the package where
``importlib.resources`` finds it. Editable installs read ``data/`` directly.
"""

from pathlib import Path
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

DATA_SUFFIXES = {".csv", ".yaml", ".yml", ".json", ".md", ".geojson", ".gz"}


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        src = Path(__file__).parent / "data"
        dest = Path(self.build_lib) / "geo" / "_data"
        dest.mkdir(parents=True, exist_ok=True)
        for path in sorted(src.rglob("*")):
            if path.is_file() and path.suffix in DATA_SUFFIXES:
                target = dest / path.relative_to(src)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)


setup(cmdclass={"build_py": BuildPyWithData})
