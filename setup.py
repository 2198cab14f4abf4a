"""Build hook (all other settings are in pyproject.toml).

The top-level ``codebooks/`` and ``transcripts/`` folders are the one, editable
copy of the default codebooks and the sample interviews. A wheel gets them as
package data under ``codering/_data/`` at build time, where
:mod:`codering.paths` finds them with ``importlib.resources``; a checkout or
an editable install reads the top-level folders themselves.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("codebooks", "transcripts")


class BuildPyWithData(build_py):
    """``build_py`` that also copies the shipped folders into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the top-level folders
        for name in SHIPPED:
            for source in sorted((ROOT / name).rglob("*")):
                if source.is_file():
                    target = Path(self.build_lib, "codering", "_data", name, source.relative_to(ROOT / name))
                    self.mkpath(str(target.parent))
                    self.copy_file(str(source), str(target))


setup(cmdclass={"build_py": BuildPyWithData})
