"""Which Python package folders a bwrap sandbox sees, and how an assignment's forbidden packages are
made absent from all of them (not merely refused by the worker's import hook, which the student's
code can remove from ``sys.meta_path``).

The sandbox mounts the interpreter's whole install read-only (``backends.python_paths``) and all of
``/usr``; besides the folders the worker imports from, that exposes others a student can add to
``sys.path`` by hand: the base interpreter's ``site-packages`` under a venv (a pyenv prefix often holds
scipy), Debian's ``/usr/lib/python3/dist-packages``, ``/usr/local/lib/python3.X/dist-packages``.

``bwrap_args`` therefore

1. covers every such folder the worker does not import from (it is not on the grader's ``sys.path``:
   the worker runs the same interpreter with ``-s``) with an empty tmpfs, and
2. in the folders it does import from, replaces each forbidden package by name: a package folder by
   a tmpfs holding only an ``__init__.py`` that raises ImportError, a module file or an extension
   (``name.py``, ``name.*.so``) by that file / an empty file.

``doctor`` checks the result from inside the sandbox (``autograder/doctor/__init__.py``).
"""
from __future__ import annotations

import glob
import importlib.util
import os
import site
import sys
from pathlib import Path


def _real(p: str) -> str:
    return os.path.realpath(p)


def grader_path() -> list[str]:
    """The folders of the grader's ``sys.path`` (what the worker's interpreter imports from)."""
    out = []
    for p in sys.path:
        if p and os.path.isdir(p):
            out.append(_real(p))
    return list(dict.fromkeys(out))


def candidate_dirs() -> list[str]:
    """Every ``site-packages`` / ``dist-packages`` folder of this interpreter, its base install and
    the machine's system Pythons, plus the grader's ``sys.path`` folders."""
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, "/usr", "/usr/local"}
    found = []
    for prefix in sorted(prefixes):
        try:
            found += site.getsitepackages([prefix])
        except Exception:  # noqa: BLE001 - an unusual site module
            pass
        for lib in ("lib", "lib64"):
            for kind in ("site-packages", "dist-packages"):
                found += glob.glob(os.path.join(prefix, lib, "python3*", kind))
                found.append(os.path.join(prefix, lib, "python3", kind))
    found += grader_path()
    return list(dict.fromkeys(_real(p) for p in found if os.path.isdir(p)))


def _package_paths(names: tuple[str, ...]) -> list[str]:
    """Where the grader's own import system finds ``names`` (outside the folders scanned by name)."""
    out = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        if spec.submodule_search_locations:
            out += [_real(d) for d in spec.submodule_search_locations]
        elif spec.origin and os.path.isfile(spec.origin):
            out.append(_real(spec.origin))
    return out


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _stand_in(private: Path, name: str) -> Path:
    """The ``__init__.py`` / module file that stands in for the hidden package ``name``."""
    path = private / f"forbidden_{name}_init.py"
    if not path.exists():
        path.write_text(f"raise ImportError('{name} is not available to submissions of this assignment')\n")
        os.chmod(path, 0o644)
    return path


def _empty(private: Path) -> Path:
    path = private / "forbidden_empty"
    if not path.exists():
        path.write_bytes(b"")
        os.chmod(path, 0o644)
    return path


def plan(names: tuple[str, ...], mounted: list[str]) -> tuple[list[str], list[tuple[str, str, str]]]:
    """``(covered, hidden)``: the folders to cover with an empty tmpfs, and ``(name, kind, path)``
    for each forbidden package entry to replace (``kind``: ``dir``, ``module`` or ``extension``).
    ``mounted``: the roots the sandbox binds (only what is under them is visible inside)."""
    mounted = [_real(m) for m in mounted]
    needed = grader_path()

    def visible(p):
        return any(_inside(p, m) for m in mounted)

    covered = []
    for d in candidate_dirs():
        if not visible(d) or d in needed or any(_inside(n, d) for n in needed):
            continue
        if any(_inside(d, c) for c in covered):
            continue
        covered.append(d)
    hidden: list[tuple[str, str, str]] = []
    if not names:
        return covered, hidden
    search = [d for d in dict.fromkeys(needed + candidate_dirs())
              if visible(d) and not any(_inside(d, c) for c in covered)]
    for name in names:
        entries = []
        for d in search:
            p = os.path.join(d, name)
            if os.path.isdir(p) and not os.path.islink(p):
                entries.append((name, "dir", p))
            if os.path.isfile(os.path.join(d, f"{name}.py")):
                entries.append((name, "module", os.path.join(d, f"{name}.py")))
            for pattern in (f"{name}.*so", f"{name}.*pyd"):
                for so in glob.glob(os.path.join(glob.escape(d), pattern)):
                    entries.append((name, "extension", so))
        for p in _package_paths((name,)):
            if visible(p) and not any(_inside(p, c) for c in covered):
                entries.append((name, "dir" if os.path.isdir(p) else "module", p))
        for e in entries:
            if e not in hidden and not any(_inside(e[2], h[2]) for h in hidden if h[1] == "dir" and h[2] != e[2]):
                hidden.append(e)
    return covered, hidden


def bwrap_args(private: Path, names: tuple[str, ...], mounted: list[str]) -> list[str]:
    """bwrap arguments (placed after the binds of ``mounted``) that cover the unused package folders
    and replace the forbidden packages in the others."""
    covered, hidden = plan(names, mounted)
    a: list[str] = []
    for d in covered:
        a += ["--tmpfs", d]
    for name, kind, p in hidden:
        if kind == "dir":
            a += ["--tmpfs", p, "--ro-bind", str(_stand_in(private, name)), f"{p}/__init__.py"]
        elif kind == "module":
            a += ["--ro-bind", str(_stand_in(private, name)), p]
        else:
            a += ["--ro-bind", str(_empty(private)), p]
    return a


def allowed_except(roots: list[str], excluded: list[str]) -> list[str]:
    """The smallest list of paths covering ``roots`` minus every path of ``excluded`` (and what is below
    it): a root holding nothing excluded stays whole, one that does is replaced by its entries, recursively.
    For allow-lists that cannot subtract (Landlock: a rule grants a whole subtree), e.g. the Python
    install without the package folders it does not use and without the forbidden packages."""
    excluded = [_real(e) for e in excluded]
    out: list[str] = []
    seen: set[str] = set()

    def walk(path: str) -> None:
        # by its real path: a rule on a symlink grants its target (a venv's lib64 -> lib would grant
        # every package below lib, the excluded ones included)
        real = _real(path)
        if real in seen or any(_inside(real, e) for e in excluded):
            return
        seen.add(real)
        if not any(_inside(e, real) for e in excluded) or not os.path.isdir(real):
            out.append(real)
            return
        try:
            names = sorted(os.listdir(real))
        except OSError:
            return
        for name in names:
            walk(os.path.join(real, name))

    for root in roots:
        walk(root)
    return list(dict.fromkeys(out))
