"""pyproject ships every file the extensions are built from, so a wheel builds from the sdist."""
from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_cython_source_and_header_is_package_data():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages, data = setuptools["packages"], setuptools["package-data"]
    sources = [path for pattern in ("*.pyx", "*.pxd", "*.h")
               for path in (ROOT / "fastsfn").rglob(pattern)]
    assert any(path.suffix == ".pxd" for path in sources)
    for path in sources:
        package = ".".join(path.parent.relative_to(ROOT).parts)
        assert package in packages, path
        assert any(fnmatch.fnmatch(path.name, pattern) for pattern in data.get(package, ())), \
            f"{path.relative_to(ROOT)} is not in [tool.setuptools.package-data] {package!r}"
