"""examples/screening.toml: every setting there, each with its comment, and
a file that loads as it is (to the defaults)."""

import dataclasses
import re
import tomllib
from pathlib import Path

from screening.config import Settings, load_settings
from screening.domain.policy import build_policy_set, default_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "screening.toml"
# Left unset in the example (their defaults are measured), shown commented out.
COMMENTED_OUT = {"names.deny_threshold", "names.review_threshold", "names.contact_threshold"}
# Tables shown commented out, with every key: on, they change what commands do.
COMMENTED_TABLES = {"approvals": ("require", "expire_hours")}


def keys(table: dict, prefix: str = "") -> set[str]:
    """Dotted names of every leaf key of a table."""
    found = set()
    for key, value in table.items():
        if isinstance(value, dict) and value:
            found |= keys(value, f"{prefix}{key}.")
        else:
            found.add(f"{prefix}{key}")
    return found


def test_every_setting_is_in_the_example():
    data = tomllib.loads(EXAMPLE.read_text("utf-8"))
    settings = {f.name for f in dataclasses.fields(Settings)} - {"config_file"} - set(COMMENTED_TABLES)
    assert settings - set(data) == set()
    assert keys(default_settings()) - keys(data["policy"]) == set()
    text = EXAMPLE.read_text("utf-8")
    for key in COMMENTED_OUT:
        assert re.search(rf"^# {re.escape(key.split('.')[-1])} = ", text, re.M), key
    for table, table_keys in COMMENTED_TABLES.items():
        assert re.search(rf"^# \[{table}\]$", text, re.M), table
        for key in table_keys:
            assert re.search(rf"^# {key} = ", text, re.M), f"{table}.{key}"


def test_the_commented_tables_load_as_shown():
    text = "\n".join(line[2:] for line in EXAMPLE.read_text("utf-8").splitlines()
                     if line.startswith("# [approvals]") or re.match(r"# (require|expire_hours) = ", line))
    assert Settings(approvals=tomllib.loads(text)["approvals"]).approval_policy().require

def test_every_key_has_a_comment_above_it():
    lines = EXAMPLE.read_text("utf-8").splitlines()
    for number, line in enumerate(lines):
        if re.match(r"[A-Za-z_\"]+\s*=", line):
            assert lines[number - 1].startswith("#"), f"line {number + 1} has no comment: {line}"


def test_the_example_loads_to_the_defaults():
    example = load_settings(str(EXAMPLE), environ={})
    assert dataclasses.replace(example, config_file="", policy={}, facilities={}) == Settings()
    assert example.policies() == build_policy_set()
