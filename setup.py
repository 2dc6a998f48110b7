"""Builds the compiled modules: the executor (fastsfn/_core.pyx), the ids (fastsfn/ids.pyx),
the log records (fastsfn/logrecords.pyx) and the input's compact text they take
(fastsfn/compactjson.pyx), the execution responses (fastsfn/responses.pyx),
Python handlers run as Lambda functions (fastsfn/lambdas.pyx), log files' writes
(fastsfn/logs/filewrite.pyx) and the queue of log lines to the writer (fastsfn/logs/blockqueue.pyx)."""
import os

from Cython.Build import cythonize
from setuptools import Extension, setup

annotate = os.environ.get("FASTSFN_ANNOTATE") == "1"

extensions = [Extension("fastsfn._core", ["fastsfn/_core.pyx"]),
              Extension("fastsfn.ids", ["fastsfn/ids.pyx"]),
              # depends: rebuilt when the C they include changes (Cython does not track it)
              Extension("fastsfn.logrecords", ["fastsfn/logrecords.pyx"],
                        depends=["fastsfn/jsonstring.h"]),
              Extension("fastsfn.compactjson", ["fastsfn/compactjson.pyx"],
                        depends=["fastsfn/jsonstring.h"]),
              Extension("fastsfn.responses", ["fastsfn/responses.pyx"],
                        depends=["fastsfn/jsonstring.h"]),
              Extension("fastsfn.lambdas", ["fastsfn/lambdas.pyx"],
                        depends=["fastsfn/jsonstring.h"]),
              Extension("fastsfn.logs.filewrite", ["fastsfn/logs/filewrite.pyx"]),
              Extension("fastsfn.logs.blockqueue", ["fastsfn/logs/blockqueue.pyx"])]

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
