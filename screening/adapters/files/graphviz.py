"""The links graph as Graphviz DOT, and as SVG by Graphviz's `dot`.

Node names in the DOT text are generated ("i1", "n2"): what staff or the
phone system typed (inmate ids, names registered) only ever appears inside
a quoted label, escaped, so no value can end the string, open an HTML
label, or add an attribute. `dot` runs with an argument list (no shell),
the DOT on its stdin.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from collections.abc import Iterable

# How long `dot` may take over a graph of at most a few hundred nodes.
DOT_TIMEOUT = 60


def quoted(text: str) -> str:
    """A DOT quoted string holding `text` as it reads: backslashes and quotes
    escaped, line breaks as DOT's \\n, other control characters dropped."""
    cleaned = "".join(ch for ch in str(text).replace("\r\n", "\n")
                      if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf"))
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot_text(nodes: Iterable[dict], links: Iterable[dict], start: tuple[str, str], note: str = "") -> str:
    """nodes: {kind: inmate|number, node, hops}; links: {inmate, number, registered_as, calls}."""
    names: dict[tuple[str, str], str] = {}
    lines = ["graph links {", "  graph [overlap=false];", "  node [fontname=Helvetica];"]
    if note:
        lines.append(f"  label={quoted(note)};")
    for node in nodes:
        key = (node["kind"], node["node"])
        names[key] = f"{'i' if node['kind'] == 'inmate' else 'n'}{len(names) + 1}"
        shape = "box" if node["kind"] == "inmate" else "ellipse"
        bold = ", penwidth=3" if key == start else ""
        lines.append(f"  {names[key]} [shape={shape}{bold}, label={quoted(node['node'])}];")
    for link in links:
        ends = names.get(("inmate", link["inmate"])), names.get(("number", link["number"]))
        if None in ends:
            continue
        parts = ([link["registered_as"]] if link["registered_as"] else []) + (
            [f"{link['calls']} call{'s' if link['calls'] != 1 else ''}"] if link["calls"] else [])
        style = "" if link["registered_as"] else ", style=dashed"  # called, never registered
        lines.append(f"  {ends[0]} -- {ends[1]} [label={quoted(chr(10).join(parts))}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def svg_of(dot: str) -> str:
    """The graph drawn by `dot -Tsvg`; OSError when Graphviz is not installed or fails."""
    program = shutil.which("dot")
    if program is None:
        raise OSError("--format svg needs Graphviz's `dot`, which is not installed (apt-get install graphviz); "
                      "--format dot writes the graph for drawing elsewhere")
    try:
        result = subprocess.run([program, "-Tsvg"], input=dot.encode("utf-8"), capture_output=True,
                                timeout=DOT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise OSError(f"dot did not draw the graph in {DOT_TIMEOUT} s") from None
    if result.returncode != 0:
        raise OSError(f"dot failed: {result.stderr.decode('utf-8', 'replace').strip()[:300]}")
    return result.stdout.decode("utf-8")
