"""The one rule for spreadsheet formulas, in every CSV the project writes.

A spreadsheet runs a cell that starts with = + - @ (or a tab or CR) as a
formula: such a cell gets a leading ', which an import takes off again. A
number or pattern in canonical form (+6281234567890, +62809*,
+6281234567??, +6281234567800..+6281234567899) in a column that holds
numbers is left as it is: "+" then digits runs nothing, and it must stay
importable.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Columns whose cells are numbers or patterns as the project writes them.
NUMBER_COLUMNS = frozenset({"pattern", "number", "normalized_number"})
_CANONICAL = re.compile(r"\+[0-9]+(\*|\?+|\.\.\+[0-9]+)?")


def neutralized(column: str, value) -> str:
    """The cell as a spreadsheet can open it without running anything."""
    text = "" if value is None else str(value)
    if column in NUMBER_COLUMNS and _CANONICAL.fullmatch(text):
        return text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def restored(value: str) -> str:
    """A cell as it was before neutralized()."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value
