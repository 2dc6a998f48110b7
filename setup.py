"""Builds the compiled executor, fastsfn._core, from fastsfn/_core.pyx."""
import os

from Cython.Build import cythonize
from setuptools import Extension, setup

annotate = os.environ.get("FASTSFN_ANNOTATE") == "1"

extensions = [Extension("fastsfn._core", ["fastsfn/_core.pyx"])]

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
