"""Every data file of the package is declared, so a plain `pip install .`
(not only an editable one) ships it: migrations, rules, defaults."""

import fnmatch
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_every_data_file_is_in_package_data():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    missing = []
    for path in (ROOT / "screening").rglob("*"):
        if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        package = ".".join(path.parent.relative_to(ROOT).parts)
        if not any(fnmatch.fnmatch(path.name, pattern) for pattern in declared.get(package, [])):
            missing.append(str(path.relative_to(ROOT)))
    assert missing == [], f"add these to [tool.setuptools.package-data]: {missing}"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_every_migration_folder_is_a_package(backend):
    folders = [folder for folder in (ROOT / "screening" / "adapters" / backend / "schema").iterdir()
               if folder.is_dir() and folder.name != "__pycache__"]
    assert sorted(folder.name for folder in folders) == ["decisions", "lists"]
    for folder in folders:
        assert (folder / "__init__.py").exists(), folder
        assert list(folder.glob("0001_*.sql")), folder
