"""Builds the compiled modules: the executor (fastsfn/_core.pyx) and the ids (fastsfn/ids.pyx)."""
import os

from Cython.Build import cythonize
from setuptools import Extension, setup

annotate = os.environ.get("FASTSFN_ANNOTATE") == "1"

extensions = [Extension("fastsfn._core", ["fastsfn/_core.pyx"]),
              Extension("fastsfn.ids", ["fastsfn/ids.pyx"])]

setup(
    ext_modules=cythonize(
        extensions,
        annotate=annotate,
        compiler_directives={
            "language_level": "3",
            "boundscheck": False,
            "wraparound": False,
            "embedsignature": True,
        },
    )
)
