"""Report files: readable by their owner only, and whole or not at all.

A report names inmates, numbers and called parties, so its file is created
0600 (a temporary one in the same folder, by mkstemp), written, forced to
disk, and only then given its name: by a hard link, which fails when the
name is taken (no report overwrites another file unless told to: force,
then by rename). A failure anywhere before, in the report or in what the
caller does last (the audit entry), removes the temporary file: no part of
a report is ever left under its name, nor beside it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO


def check_writable(path: str | os.PathLike, force: bool = False) -> Path:
    """The path, or OSError saying why a report cannot go there (checked
    before the work, and again when the file is named)."""
    target = Path(path)
    if target.is_dir():
        raise OSError(f"--output {target}: it is a folder")
    if not target.parent.is_dir():
        raise OSError(f"--output {target}: the folder {target.parent} does not exist")
    if target.exists() and not force:
        raise OSError(f"--output {target} already exists; choose a new file, or give --force to replace it")
    return target


@contextlib.contextmanager
def private_output(path: str | os.PathLike, force: bool = False) -> Iterator[TextIO]:
    """A text file to write the report into; it appears under `path` when
    the block ends without an error, and not at all otherwise."""
    target = check_writable(path, force)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        _name(temporary, target, force)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    sync_folder(target.parent)


def _name(temporary: str, target: Path, force: bool) -> None:
    if force:
        os.replace(temporary, target)
        return
    try:
        os.link(temporary, target)  # atomic, and never over an existing file
    except FileExistsError:
        raise OSError(f"--output {target} already exists; choose a new file, or give --force to replace it") \
            from None


def sync_folder(folder: Path) -> None:
    """The new name on disk too, not only the data."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
