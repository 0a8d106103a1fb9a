"""Per-epoch training state that survives a killed run, for stages that train for many epochs.

DVC deletes a stage's declared outputs before it runs, so the resume file is deliberately not
an output: it lives next to the model, is written atomically after every epoch, is used only
when its fingerprint (the effective params and the identity of the input files) matches the
new run, and is deleted once the stage has written its outputs.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
from pathlib import Path
from typing import Any

import torch

from transferlab.atomic_io import write_with

# Fault injection for tests: SIGKILL the process right after saving this epoch's state.
KILL_AFTER_EPOCH_ENV = "TRANSFERLAB_KILL_AFTER_EPOCH"


def file_identity(path: Path | str) -> dict[str, Any]:
    """Size and modification time: cheap, and changes whenever DVC rewrites the file."""
    st = Path(path).stat()
    return {"path": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def fingerprint(record: dict[str, Any]) -> str:
    """Stable hash of a JSON-serialisable record."""
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


class ResumeStore:
    """Save and load one run's training state at ``path``, guarded by a fingerprint."""

    def __init__(self, path: Path | str, record: dict[str, Any]) -> None:
        self.path = Path(path)
        self.fingerprint = fingerprint(record)

    def load(self) -> dict[str, Any] | None:
        """The saved state if it belongs to this exact run configuration, else None."""
        if not self.path.exists():
            return None
        state = torch.load(self.path, map_location="cpu", weights_only=False)
        if state.get("fingerprint") != self.fingerprint:
            print(f"{self.path}: saved state is from other params or inputs; starting afresh")
            return None
        return state

    def save(self, state: dict[str, Any]) -> None:
        """Atomically replace the saved state; then honour the test's kill request."""
        payload = {"fingerprint": self.fingerprint, **state}
        write_with(self.path, lambda tmp: torch.save(payload, tmp))
        kill_after = os.environ.get(KILL_AFTER_EPOCH_ENV)
        if kill_after is not None and state.get("epoch") == int(kill_after):
            os.kill(os.getpid(), signal.SIGKILL)

    def clear(self) -> None:
        """Remove the saved state (the run finished and wrote its outputs)."""
        self.path.unlink(missing_ok=True)
