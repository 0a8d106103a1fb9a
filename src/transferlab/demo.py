"""Offline demo: run the whole DAG with real ``dvc repro`` in a scratch copy of the repository.

``make demo`` (or ``python -m transferlab.demo``) copies the files git knows about into a
gitignored scratch folder, makes it a git repository, merges ``params.demo.yaml`` over its
``params.yaml`` (synthetic data, random tiny weights, small sizes) and runs ``dvc repro`` there.
The repository's own ``metrics/``, ``plots/`` and ``dvc.lock`` are never written: they hold
real results only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from transferlab.errors import ParamsError, TransferlabError
from transferlab.params import read_yaml

OVERLAY_FILE = "params.demo.yaml"
DEFAULT_DEST = ".demo"


def merge_overlay(base: Mapping[str, Any], overlay: Mapping[str, Any], prefix: str = "") -> dict:
    """Deep-merge ``overlay`` into ``base``; a key absent from ``base`` is an error (a typo)."""
    merged = dict(base)
    for key, value in overlay.items():
        dotted = f"{prefix}{key}"
        if key not in base:
            raise ParamsError(f"params: overlay key {dotted} does not exist in params.yaml")
        if isinstance(value, Mapping) and isinstance(base[key], Mapping):
            merged[key] = merge_overlay(base[key], value, prefix=f"{dotted}.")
        else:
            merged[key] = value
    return merged


def _tool_env() -> dict[str, str]:
    # Stage commands say `python ...`: make that, and `dvc`, the interpreter running the demo.
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("GIT_AUTHOR_NAME", "transferlab demo")
    env.setdefault("GIT_AUTHOR_EMAIL", "demo@localhost")
    env.setdefault("GIT_COMMITTER_NAME", env["GIT_AUTHOR_NAME"])
    env.setdefault("GIT_COMMITTER_EMAIL", env["GIT_AUTHOR_EMAIL"])
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str], quiet: bool = False) -> str:
    result = subprocess.run(cmd, cwd=cwd, env=env, text=True, capture_output=quiet)
    if result.returncode != 0:
        detail = f"\n{result.stdout}{result.stderr}" if quiet else ""
        raise TransferlabError(
            f"`{' '.join(cmd)}` failed in {cwd} (exit {result.returncode}){detail}"
        )
    return result.stdout if quiet else ""


def project_files(repo: Path) -> list[str]:
    """Tracked files plus untracked ones git does not ignore (work in progress is included)."""
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [f for f in out.split("\0") if f and (repo / f).is_file()]


def prepare_scratch(repo: Path, dest: Path) -> None:
    """Copy the project into ``dest``, apply the demo overlay and commit it as a fresh repo."""
    if dest.resolve() == repo.resolve():
        raise TransferlabError("the demo folder must not be the repository itself")
    if dest.exists():
        shutil.rmtree(dest)
    for rel in project_files(repo):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / rel, target)
    merged = merge_overlay(read_yaml(dest / "params.yaml"), read_yaml(dest / OVERLAY_FILE))
    header = (
        "# Demo params: params.yaml merged with params.demo.yaml. SYNTHETIC DATA, RANDOM WEIGHTS.\n"
    )
    (dest / "params.yaml").write_text(header + yaml.safe_dump(merged, sort_keys=False))
    env = _tool_env()
    _run(["git", "init", "-q", "-b", "main"], dest, env)
    _run(["git", "add", "-A"], dest, env)
    _run(["git", "commit", "-q", "-m", "demo: project with params.demo.yaml applied"], dest, env)


def run_demo(repo: Path, dest: Path) -> float:
    """Prepare the scratch copy, run ``dvc repro`` there and commit the results; returns seconds."""
    start = time.perf_counter()
    prepare_scratch(repo, dest)
    env = _tool_env()
    _run(["dvc", "repro"], dest, env)
    _run(["git", "add", "-A"], dest, env)
    _run(["git", "commit", "-q", "--allow-empty", "-m", "demo: dvc repro"], dest, env)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="project root (default: cwd)")
    parser.add_argument(
        "--dest", type=Path, default=None, help=f"scratch folder (default: <repo>/{DEFAULT_DEST})"
    )
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    dest = (args.dest or repo / DEFAULT_DEST).resolve()
    try:
        seconds = run_demo(repo, dest)
    except TransferlabError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    print(
        f"\nDemo finished in {seconds:.0f} s "
        "(synthetic data, random weights: numbers are not results)."
    )
    print(f"  scratch repository: {dest}")
    for folder in ("metrics", "plots"):
        if (dest / folder).exists():
            print(f"  {folder}: {dest / folder}")
    if (dest / "REPORT.md").exists():
        print(f"  report: {dest / 'REPORT.md'}")
    dvc = Path(sys.executable).parent / "dvc"
    print(f"Explore it: cd {dest} && {dvc} metrics show && {dvc} plots show")


if __name__ == "__main__":
    main()
