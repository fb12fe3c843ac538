"""SiKo's version: pyproject.toml's [project] version, as the installed package reports it.

The image runs the code from /app without the package installed (Dockerfile), so the version is
read from the pyproject.toml beside the code there.
"""

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def _version() -> str:
    try:
        return version("siko")
    except PackageNotFoundError:
        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        with pyproject.open("rb") as file:
            return str(tomllib.load(file)["project"]["version"])


__version__ = _version()
