"""Programs some tests run (promtool, Graphviz's dot): found on PATH, or the
test skips, unless the environment says the program must be there (CI sets
SCREENING_REQUIRE_<NAME>), when it fails instead."""

import os
import shutil

import pytest


def program(name: str, package: str, require: str) -> str:
    """The path of `name`; skip without it, or fail when $`require` is set."""
    found = shutil.which(name)
    if found is None:
        if os.environ.get(require):
            pytest.fail(f"{name} is required here ({require}) but not on PATH")
        pytest.skip(f"{name} not installed (Debian: apt-get install {package})")
    return found
