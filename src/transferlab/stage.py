"""Entry-point wrapper shared by the scripts in ``stages/``."""

from __future__ import annotations

import sys
from collections.abc import Callable

from transferlab.errors import TransferlabError


def run_stage(main: Callable[[list[str]], None], argv: list[str] | None = None) -> None:
    """Run a stage's ``main``; user-facing errors print one clear line and exit with status 2."""
    try:
        main(sys.argv[1:] if argv is None else argv)
    except TransferlabError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
