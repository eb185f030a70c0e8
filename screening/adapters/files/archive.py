"""Archives of pruned decisions: JSON Lines, one decision a line, written
and forced to disk a batch at a time before that batch is deleted from the
log (DecisionLog.prune), so a crash loses none of them.

The file is new (never an earlier archive overwritten) and readable by its
owner only: decisions name inmates, numbers and called parties.
"""

from __future__ import annotations

import json
import os
from typing import Any


class JsonlArchive:
    def __init__(self, path: str):
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise OSError(f"archive {path} already exists; choose a new file") from None
        except OSError as error:
            raise OSError(f"cannot create archive {path}: {error.strerror}") from None
        self.path = path
        self.count = 0
        self._file = os.fdopen(descriptor, "w", encoding="utf-8")

    def __call__(self, decisions: list[dict[str, Any]]) -> None:
        self._file.writelines(json.dumps(decision, ensure_ascii=False) + "\n" for decision in decisions)
        self._file.flush()
        os.fsync(self._file.fileno())
        self.count += len(decisions)

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> JsonlArchive:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
