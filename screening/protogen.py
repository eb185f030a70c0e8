"""Regenerate screening/v1 from proto/ (needs the test extra: grpcio-tools).

    python -m screening.protogen

The generated code is committed so that a plain `pip install` needs no
compiler; tests/unit/test_generated_code.py fails when it is stale.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO = "screening/v1/screening.proto"


def generate(out_dir: Path) -> None:
    from grpc_tools import protoc

    include = resources.files("grpc_tools").joinpath("_proto")
    args = [
        "protoc",
        f"-I{ROOT / 'proto'}",
        f"-I{include}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        str(ROOT / "proto" / PROTO),
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT)
