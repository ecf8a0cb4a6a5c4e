"""Submissions in: ``.py``, ``.ipynb``, ``.zip`` or a folder; a folder of submissions grades each entry.

Everything a student hands in is untrusted. Here, in the parent, we only read bytes: nothing is
imported, unpickled or executed. What comes out is the student's source text, which the sandbox runs.

* ``.ipynb``: the code cells are concatenated; IPython magics (``%``) and shell escapes (``!``) are
  replaced by ``pass`` and never run.
* ``.zip``: entries with absolute paths, ``..`` or symlinks are rejected (zip-slip); more than
  ``MAX_ENTRIES`` entries, more than ``MAX_UNCOMPRESSED`` bytes, or a compression ratio above
  ``MAX_RATIO`` is a zip bomb; ``.OTTER_LOG`` and every pickle-like file are dropped unread (otter
  would unpickle a ``.OTTER_LOG`` in the grader's own process).
"""
from __future__ import annotations

import hashlib
import json
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_ENTRIES = 500
MAX_UNCOMPRESSED = 64 * 2**20
MAX_RATIO = 200
MAX_SOURCE = 2 * 2**20
#: Never loaded from a submission: files that deserialise into code (pickle and friends).
DROPPED_SUFFIXES = {".otter_log", ".pkl", ".pickle", ".dill", ".pt", ".pth", ".joblib", ".npy", ".npz", ".pyc"}


#: ``name = !cmd`` or ``name = %magic``: IPython's assignment forms of shell escapes and magics.
_ASSIGNED_ESCAPE = re.compile(r"^(\s*[A-Za-z_][\w, ]*=\s*)([!%].*)$")


class SubmissionError(ValueError):
    """The submission is unusable (the message is for the student: what is wrong, what to hand in)."""


@dataclass
class Submission:
    student: str
    """Student id: the entry's name without extension, made safe for file names."""
    path: Path
    source: str = ""
    """The student's Python source, once ``load`` has run."""
    notes: list[str] = field(default_factory=list)
    error: str = ""
    """Why the submission could not be read (then it scores 0 with this message)."""

    @property
    def sha256(self) -> str:
        return hashlib.sha256((self.error or self.source).encode()).hexdigest()


def student_id(path: Path) -> str:
    name = path.name
    for suffix in (".py", ".ipynb", ".zip"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return re.sub(r"[^A-Za-z0-9_.@-]", "_", name).strip(".") or "unnamed"


def _is_single_submission(folder: Path, student_file: str) -> bool:
    return (folder / student_file).is_file() or not any(
        p.suffix in (".py", ".ipynb", ".zip") or p.is_dir() for p in folder.iterdir())


def collect(paths: list[Path], student_file: str) -> list[Submission]:
    """Expand folders of submissions; each entry becomes one ``Submission``. Duplicate ids get a suffix."""
    subs: list[Submission] = []
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"submission {path} does not exist")
        if path.is_dir() and not _is_single_submission(path, student_file):
            entries = [p for p in sorted(path.iterdir()) if not p.name.startswith(".")]
            subs += [Submission(student_id(p), p) for p in entries
                     if p.is_dir() or p.suffix in (".py", ".ipynb", ".zip")]
        else:
            subs.append(Submission(student_id(path), path))
    seen: dict[str, int] = {}
    for s in subs:
        seen[s.student] = seen.get(s.student, 0) + 1
        if seen[s.student] > 1:
            s.student = f"{s.student}-{seen[s.student]}"
    return subs


def notebook_source(text: str, name: str) -> str:
    """Code cells of a notebook; magics and shell escapes become ``pass``."""
    try:
        nb = json.loads(text)
        cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    except (json.JSONDecodeError, AttributeError) as exc:
        raise SubmissionError(f"{name} is not a valid notebook: {exc}") from exc
    lines = []
    for cell in cells:
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else str(src)
        if src.lstrip().startswith("%%"):
            lines.append(f"# cell magic removed: {src.splitlines()[0].strip()}")
            continue
        for line in src.splitlines():
            stripped = line.lstrip()
            assigned = _ASSIGNED_ESCAPE.match(line)
            if assigned:  # files = !ls   /   t = %timeit ...: the name is kept, bound to None
                lines.append(f"{assigned.group(1)}None  # removed: {assigned.group(2)[:60]}")
            elif stripped.startswith(("%", "!")) or (stripped.endswith("?") and not stripped.startswith("#")):
                lines.append(f"{line[: len(line) - len(stripped)]}pass  # removed: {stripped[:60]}")
            else:
                lines.append(line)
        lines.append("")
    return "\n".join(lines) + "\n"


def _decode(data: bytes, name: str) -> str:
    if len(data) > MAX_SOURCE:
        raise SubmissionError(f"{name} is {len(data)} bytes: larger than the {MAX_SOURCE} byte limit")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"{name} is not UTF-8 text") from exc


def _from_files(files: dict[str, bytes], student_file: str, origin: str) -> str:
    """Pick the student's file among ``{relative path: bytes}``."""
    exact = [n for n in files if Path(n).name == student_file]
    if len(exact) > 1:
        raise SubmissionError(f"{origin} holds {len(exact)} files named {student_file}: hand in one")
    if exact:
        return _decode(files[exact[0]], exact[0])
    pys = [n for n in files if n.endswith(".py")]
    nbs = [n for n in files if n.endswith(".ipynb")]
    if len(pys) == 1:
        return _decode(files[pys[0]], pys[0])
    if not pys and len(nbs) == 1:
        return notebook_source(_decode(files[nbs[0]], nbs[0]), nbs[0])
    raise SubmissionError(f"{origin} has no {student_file} (found: {', '.join(sorted(files)[:8]) or 'nothing'})")


def _read_zip(path: Path, notes: list[str]) -> dict[str, bytes]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionError(f"{path.name} is not a valid zip file") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise SubmissionError(f"{path.name} has {len(infos)} entries (limit {MAX_ENTRIES}): rejected")
        files, total = {}, 0
        for info in infos:
            name = info.filename
            parts = Path(name).parts
            if name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", name):
                raise SubmissionError(f"{path.name}: entry {name!r} points outside the archive: rejected")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise SubmissionError(f"{path.name}: entry {name!r} is a symbolic link: rejected")
            if info.is_dir() or "__MACOSX" in parts or "__pycache__" in parts:
                continue
            if Path(name).suffix.lower() in DROPPED_SUFFIXES or Path(name).name == ".OTTER_LOG":
                notes.append(f"ignored {name}: files that can hold pickled objects are never loaded")
                continue
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 2**20:
                raise SubmissionError(f"{path.name}: entry {name!r} expands {info.file_size // info.compress_size}x: "
                                      "rejected as a zip bomb")
            with zf.open(info) as f:  # the header's size may lie: read with a cap
                data = f.read(MAX_UNCOMPRESSED - total + 1)
            total += len(data)
            if total > MAX_UNCOMPRESSED:
                raise SubmissionError(f"{path.name} expands beyond {MAX_UNCOMPRESSED // 2**20} MB: rejected as a zip bomb")
            files[name] = data
    return files


def load(sub: Submission, student_file: str) -> Submission:
    """Fill ``sub.source`` (or ``sub.error``) from the submission on disk."""
    path = sub.path
    try:
        if path.is_dir():
            files = {p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*")
                     if p.is_file() and not p.is_symlink() and p.stat().st_size <= MAX_SOURCE
                     and p.suffix.lower() not in DROPPED_SUFFIXES and p.name != ".OTTER_LOG"}
            sub.source = _from_files(files, student_file, f"folder {path.name}")
        elif path.suffix == ".zip":
            sub.source = _from_files(_read_zip(path, sub.notes), student_file, path.name)
        elif path.suffix == ".ipynb":
            sub.source = notebook_source(_decode(path.read_bytes(), path.name), path.name)
        elif path.suffix == ".py":
            sub.source = _decode(path.read_bytes(), path.name)
        else:
            raise SubmissionError(f"{path.name}: hand in {student_file} (a .py), a notebook or a zip")
    except SubmissionError as exc:
        sub.error = str(exc)
    return sub
