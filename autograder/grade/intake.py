"""Submissions in: ``.py``, ``.ipynb``, ``.zip`` or a folder; a folder of submissions grades each entry.

Everything a student hands in is untrusted. Here, in the parent, we only read bytes: nothing is
imported, unpickled or executed. What comes out is the student's source text, which the sandbox runs.

* One submission's problem is that submission's error, never the batch's: ``load`` turns every
  failure while reading it (unreadable, too big, corrupt, a symbolic link, ...) into ``Submission.error``,
  a message that names the file and the problem; the batch grades it 0 with that message and goes on.
* Nothing is followed or read blindly: symbolic links are refused (a submission path, an entry of a
  folder of submissions, anything inside a student's folder, a zip entry); only regular files are
  opened (``O_NOFOLLOW | O_NONBLOCK``: a FIFO cannot hang the batch); sizes are checked with
  ``fstat``/``lstat`` before reading and at most ``cap + 1`` bytes are read; a student's folder may
  hold at most ``MAX_ENTRIES`` entries and ``MAX_UNCOMPRESSED`` bytes in all. ``__MACOSX``,
  ``__pycache__`` and ``.ipynb_checkpoints`` folders (in a folder or a zip) are never read.
* ``.ipynb``: parsed as JSON (nesting deeper than ``MAX_NOTEBOOK_DEPTH`` refused), then read and
  validated with ``nbformat`` (v4 schema); the code cells are concatenated; IPython magics (``%``) and
  shell escapes (``!``) are replaced by ``pass`` and never run; a cell that is not valid text (a lone
  surrogate) is refused.
* ``.zip``: entries with absolute paths, ``..`` or symlinks are rejected (zip-slip); more than
  ``MAX_ENTRIES`` entries, more than ``MAX_UNCOMPRESSED`` bytes declared, or a compression ratio above
  ``MAX_RATIO`` is a zip bomb; only the chosen entry is read, capped whatever its header says; a bad
  CRC or an unsupported compression method is that submission's error. ``.OTTER_LOG`` and every
  pickle-like file are dropped unread (otter would unpickle a ``.OTTER_LOG`` in the grader's own
  process).

Student ids (``collect``), unique across the batch:

1. An entry's *name* is its file name without ``.py``/``.ipynb``/``.zip``, NFC-normalised; for a class
   export, what the export says (``autograder.grade.exports``: a Gradescope submitter's e-mail, a Canvas
   name, a Moodle full name with ``_`` for spaces, a roster's ``student``). The name is
   *exact* when it is at most ``MAX_ID_CHARS`` characters of Unicode letters, digits (and their
   combining marks), ``_``, ``.``, ``@`` and ``-``, neither starting nor ending with a dot
   (``José_García``, ``李雷``, ``a.b@uni.edu``).
2. An exact name is the entry's id. When several entries share an exact name, the first by kind
   (``.py``, ``.ipynb``, ``.zip``, folder), then by the order of the paths given, keeps it.
3. Every other entry's id contains a ``+``, which no exact name does, so it can never take an exact
   name's id: an exact entry that lost rule 2 gets ``name+kind`` (``alice+ipynb``, ``alice+zip``,
   ``alice+dir``, ``alice+py``); any other name gets each unsafe character and each leading/trailing
   dot replaced by ``+`` (``José García.py`` -> ``José+García``, ``alice..py`` -> ``alice+``); a name
   longer than ``MAX_ID_CHARS`` is cut and a hash appended. Should that id be taken already,
   ``+<first 8 hex digits of the sha256 of the file name>`` (of the path, for a path given whole) is
   appended, lengthened until unique (the ``name+kind`` ids are given out first).

So ``alice.py`` is ``alice`` whatever else the folder holds, ``alice-2.py`` is ``alice-2``, and the
same inputs always give the same ids.

``Submission.original`` keeps the file name as found (for the outputs to show).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import stat
import tempfile
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.core.errors import AutograderError
from autograder.grade import exports

log = logging.getLogger(__name__)

MAX_ENTRIES = 500
MAX_UNCOMPRESSED = 64 * 2**20
MAX_RATIO = 200
MAX_SOURCE = 2 * 2**20
#: A notebook file (outputs and plots included); its code cells together must stay under ``MAX_SOURCE``.
MAX_NOTEBOOK = 32 * 2**20
#: A zip file as handed in (what it expands to is capped by ``MAX_UNCOMPRESSED``).
MAX_ZIP = 64 * 2**20
#: JSON nesting of a notebook (real notebooks, widget state included, stay far below).
MAX_NOTEBOOK_DEPTH = 100
#: Folder depth inside a student's folder.
MAX_FOLDER_DEPTH = 16
MAX_ID_CHARS = 80
#: Never loaded from a submission: files that deserialise into code (pickle and friends).
DROPPED_SUFFIXES = {".otter_log", ".pkl", ".pickle", ".dill", ".pt", ".pth", ".joblib", ".npy", ".npz", ".pyc"}
#: Submission kinds in the order that decides who keeps a shared id (module docstring, rule 2).
KINDS = (".py", ".ipynb", ".zip", "/")
_KIND_TAGS = {".py": "py", ".ipynb": "ipynb", ".zip": "zip", "/": "dir"}
#: Entries of a folder of submissions that are never a student (dot files are skipped too), and folders
#: inside a submission that are never read: macOS, Python and Jupyter litter.
_IGNORED_ENTRIES = {"__MACOSX", "__pycache__"}
_IGNORED_FOLDERS = {"__MACOSX", "__pycache__", ".ipynb_checkpoints"}


#: ``name = !cmd`` or ``name = %magic``: IPython's assignment forms of shell escapes and magics.
_ASSIGNED_ESCAPE = re.compile(r"^(\s*[A-Za-z_][\w, ]*=\s*)([!%].*)$")


def _safe_char(ch: str) -> bool:
    """Kept in an id: letters and digits of any script (with their combining marks), ``_ . @ -``."""
    return ch.isalnum() or ch in "_.@-" or unicodedata.category(ch) in ("Mn", "Mc")


class SubmissionError(AutograderError, ValueError):
    """The submission is unusable (the message is for the student: what is wrong, what to hand in)."""


class NoStudentFile(SubmissionError):
    """The submission holds no student file at all (status ``no_submission``, not ``unreadable``)."""


@dataclass
class Submission:
    student: str
    """Student id, unique in the batch (module docstring: the rules)."""
    path: Path
    source: str = ""
    """The student's Python source, once ``load`` has run."""
    notes: list[str] = field(default_factory=list)
    error: str = ""
    """Why the submission could not be read (then it scores 0 with this message)."""
    original: str = ""
    """The file (or folder) name as handed in, printable (bytes that are not UTF-8 shown as U+FFFD)."""
    identity: exports.Identity = field(default_factory=exports.Identity)
    """Who handed it in, as the export or the roster says (name, e-mail, sid, time, lateness)."""
    key: str = ""
    """The seeding key (``exports.student_key``): the same locally and on Gradescope."""
    parts: dict[str, Path] | None = None
    """An LMS's files of one student: ``{name to read it as: path}`` (read like a folder of them)."""
    missing: bool = False
    """``error`` says that no student file was handed in (``NoStudentFile``)."""
    graded_as: str = ""
    """The file graded, as found, where ``original`` is a folder, zip or several files: ``alice/cnn.py``,
    ``alice.zip: src/cnn.py``, a Canvas file's name ("" = ``original`` itself)."""
    flags: list[str] = field(default_factory=list)
    """What intake found for the staff to review (``SubmissionResult.flags``: never shown to the student,
    never a change of score)."""

    def __post_init__(self):
        if not self.original:
            self.original = _printable(self.path.name)
        if not self.key:
            self.key = self.student

    @property
    def info(self) -> dict:
        """What the results record about who handed it in (``SubmissionResult.student_info``)."""
        return self.identity.info(self.original, self.key)

    @property
    def sha256(self) -> str:
        return hashlib.sha256((self.error or self.source).encode()).hexdigest()


def _printable(name: str) -> str:
    """``name`` as valid text: undecodable bytes of a file name (``surrogateescape``) become U+FFFD."""
    return os.fsencode(name).decode("utf-8", "replace")


def _kind(path: Path, is_dir: bool) -> str:
    return "/" if is_dir else next((k for k in KINDS[:3] if path.name.endswith(k)), "")


def _stem(name: str) -> str:
    for suffix in KINDS[:3]:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _name(path: Path) -> str:
    """The entry's name without its kind's suffix, as valid NFC text."""
    return unicodedata.normalize("NFC", _printable(_stem(Path(path).name)))


def _is_exact(name: str) -> bool:
    return 0 < len(name) <= MAX_ID_CHARS and all(map(_safe_char, name)) and name.strip(".") == name


def student_id(path: Path) -> str:
    """The id of ``path`` alone (rules 1 and 3 of the module docstring, without the uniqueness suffixes):
    its name when exact, else that name with each unsafe character and each leading/trailing dot
    replaced by ``+`` (a name too long is cut, with a hash of it appended)."""
    return _id_of(_name(path), os.fsencode(Path(path).name))


def _id_of(name: str, raw: bytes) -> str:
    if _is_exact(name):
        return name
    core = name.strip(".")
    lead, trail = len(name) - len(name.lstrip(".")), len(name) - len(name.rstrip("."))
    mangled = "+" * lead + "".join(c if _safe_char(c) else "+" for c in core) + "+" * trail
    if not any(c.isalnum() for c in mangled):  # nothing readable left
        mangled = "unnamed+"
    if len(mangled) > MAX_ID_CHARS:
        mangled = mangled[: MAX_ID_CHARS - 9] + "+" + hashlib.sha256(raw).hexdigest()[:8]
    return mangled


def _is_single_submission(folder: Path, student_file: str) -> bool:
    """A folder is one student's submission when it holds ``student_file`` or nothing that looks like one."""
    with os.scandir(folder) as it:
        entries = list(it)
    if any(e.name == student_file and e.is_file(follow_symlinks=False) for e in entries):
        return True
    return not any(e.name.endswith(KINDS[:3]) or e.is_dir(follow_symlinks=False) or e.is_symlink()
                   for e in entries if not e.name.startswith(".") and e.name not in _IGNORED_ENTRIES)


def _is_dir_link(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir(follow_symlinks=True)
    except OSError:
        return False


def collect(paths: list[Path], student_file: str, *, roster: "exports.Roster | None" = None,
            unpack: Path | None = None, exclude: Path | None = None) -> list[Submission]:
    """Expand folders of submissions and class exports; each entry becomes one ``Submission`` with a
    unique id, its identity (``Submission.identity``) and its seeding key (``Submission.key``).

    A folder or zip holding ``submission_metadata.yml`` is a Gradescope export; a zip holding several
    students' entries is a class zip (unpacked, with the zip checks, under ``unpack``, which the caller
    removes once the submissions are loaded); Canvas and Moodle names give the student's name, LMS id
    and Canvas's late mark (``autograder.grade.exports``). An empty folder or zip given is skipped; the
    caller refuses a batch with no submission at all.

    A path that does not exist is the caller's mistake (``FileNotFoundError``); a class export that
    cannot be read is too (``exports.ClassExportError``); everything else about an entry (a symbolic link,
    a FIFO, ...) is found by ``load`` and becomes that submission's error.
    A path given that is itself a symbolic link is such an entry too (give the folder it points to).
    ``exclude`` (the batch's out folder, which may lie inside a folder given) is no entry of any folder.
    """
    found: list[_Found] = []
    exclude = Path(exclude).resolve() if exclude is not None else None
    for path in map(Path, paths):
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            raise FileNotFoundError(f"submission {path} does not exist") from None
        if stat.S_ISDIR(st.st_mode):
            _collect_given_folder(path, student_file, found, "", unpack, exclude)
        elif stat.S_ISREG(st.st_mode) and path.name.endswith(".zip") and _zip_listing(path) == []:
            continue  # an empty zip given is nobody's submission
        elif stat.S_ISREG(st.st_mode) and path.name.endswith(".zip") and _is_class_zip(path, student_file):
            if unpack is None:
                raise ValueError(f"{path} is a class zip: it can only be unpacked with a scratch folder (unpack=)")
            dest = Path(tempfile.mkdtemp(prefix="zip-", dir=unpack))
            root = _unpack_class_zip(path, dest)
            _collect_given_folder(root, student_file, found, _printable(path.name) + ": ", unpack, exclude)
        else:
            found.append(_Found(path, False, str(path), exports.Identity(), _printable(path.name)))
    subs = []
    if roster is not None:
        for f in found:
            row = roster.match(f.original, student_id(Path(f.ident.id_name or f.path.name)))
            if row is not None:
                roster.apply(f.ident, row)
    for sid, f in zip(_unique_ids(found), found, strict=True):
        fallback = f"{f.ident.source}:{f.ident.lms_id}" if f.ident.lms_id else sid
        sub = Submission(sid, f.path, original=f.original, error=f.error, identity=f.ident, parts=f.parts,
                         key=exports.student_key(f.ident.email, f.ident.sid, fallback), flags=f.flags,
                         notes=list(f.notes))
        subs.append(sub)
    return subs


@dataclass
class _Found:
    path: Path
    is_dir: bool
    hashkey: str
    """What to hash for a non-exact id (module docstring, rule 3)."""
    ident: "exports.Identity"
    original: str
    parts: dict[str, Path] | None = None
    error: str = ""
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Notes for the submission's feedback (what intake chose)."""


def _visible(folder: Path, exclude: Path | None = None) -> list[os.DirEntry]:
    """The entries of ``folder`` that can be submissions: not hidden, not a system's clutter, not (inside)
    ``exclude`` (a resolved path: the batch's out folder)."""
    with os.scandir(folder) as it:
        return sorted((e for e in it if not e.name.startswith(".") and e.name not in _IGNORED_ENTRIES
                       and not (exclude is not None and Path(e.path).resolve().is_relative_to(exclude))),
                      key=lambda e: e.name)


def _collect_given_folder(path: Path, student_file: str, found: list, prefix: str, unpack: Path | None,
                          exclude: Path | None = None) -> None:
    """A folder given (or a class zip's unpacked root): one submission, a folder of them, or an export.

    A Gradescope export's ``submission_metadata.yml`` names who handed in each folder: it is read only
    where the TA's download puts it, at the top of what was given (this folder, or the one folder in it),
    never inside a student's folder (a student could write one naming other students: their rows, their
    ids and 0s of made-up students). A folder holding ``student_file`` itself is one submission."""
    entries = _visible(path, exclude)
    if not entries:  # an empty folder is nobody's submission (the batch refuses when nothing is left)
        return
    wrapped = entries[0] if len(entries) == 1 and entries[0].is_dir(follow_symlinks=False) else None
    if _is_export(entries):
        _collect_gradescope(path, found, prefix, exclude)
    elif wrapped is not None and _is_export(_visible(Path(wrapped.path), exclude)):
        _collect_gradescope(Path(wrapped.path), found, prefix + _printable(wrapped.name) + "/", exclude)
    elif _is_single_submission(path, student_file):
        name = prefix + _printable(path.name) if not prefix else prefix.rstrip(": ")
        found.append(_Found(path, True, str(path), exports.Identity(), name))
    else:
        _collect_entries(path, entries, student_file, found, prefix, unpack)


#: A Gradescope export's submission folders (and the keys of its metadata).
_GRADESCOPE_FOLDER = re.compile(r"submission_\d+")


def _is_export_layout(tops: set[tuple[str, str]]) -> bool:
    """A Gradescope export's layout, from one level's ``(name, "file" | "dir" | "other")``: its
    ``submission_metadata.yml`` beside ``submission_<id>/`` folders only (a student's folder holding a
    metadata file beside their own file or folders is one submission). For a folder (``_is_export``) and a
    zip's listing (``_is_class_zip``) alike."""
    metadata = (exports.GRADESCOPE_METADATA, "file")
    return metadata in tops and all(item == metadata or (item[1] == "dir" and _GRADESCOPE_FOLDER.fullmatch(item[0]))
                                    for item in tops)


def _is_export(entries: list[os.DirEntry]) -> bool:
    return _is_export_layout({(e.name, "dir" if e.is_dir(follow_symlinks=False) else
                                       "file" if e.is_file(follow_symlinks=False) else "other") for e in entries})


def _collect_gradescope(folder: Path, found: list, prefix: str, exclude: Path | None = None) -> None:
    meta = {k: v for k, v in exports.gradescope_metadata(folder / exports.GRADESCOPE_METADATA).items()
            if _GRADESCOPE_FOLDER.fullmatch(k)}  # a row only for what can be a submission folder
    on_disk = {e.name: e for e in _visible(folder, exclude)}
    for name in sorted(set(meta) | {n for n, e in on_disk.items() if e.is_dir(follow_symlinks=False)}):
        ident = meta.get(name) or exports.Identity(source="gradescope")
        original = prefix + _printable(name)
        error = "" if name in on_disk else f"{original}: listed in {exports.GRADESCOPE_METADATA} but not in the export"
        found.append(_Found(folder / name, True, name, ident, original, error=error))


def _collect_entries(folder: Path, entries: list, student_file: str, found: list, prefix: str,
                     unpack: Path | None) -> None:
    """Each entry of a folder of submissions; LMS-named files of one student become one submission."""
    groups: dict[tuple[str, str], _Found] = {}
    for e in entries:
        entry_is_dir = e.is_dir(follow_symlinks=False)
        # a link to a folder counts as an entry too (``load`` refuses it, saying why)
        if not (entry_is_dir or e.name.endswith(KINDS[:3]) or (e.is_symlink() and _is_dir_link(e))
                or (e.is_file(follow_symlinks=False) and exports.lms_identity(e.name))):
            continue
        path, original = Path(e.path), prefix + _printable(e.name)
        flags = []
        if entry_is_dir and os.path.lexists(path / exports.GRADESCOPE_METADATA):
            flags.append(f"{original}/{exports.GRADESCOPE_METADATA}: ignored, this folder was graded as one "
                         "student's (an export's metadata is read only at the top of what is given: if this is "
                         "a Gradescope export, grade its folder by itself)")
            log.warning("%s", flags[-1])
        ident = exports.lms_identity(e.name)
        if ident is None:
            found.append(_Found(path, entry_is_dir, e.name, exports.Identity(), original, flags=flags))
        elif entry_is_dir:  # a Moodle folder: its files keep their names
            found.append(_Found(path, True, e.name, ident, original, flags=flags))
        else:  # Canvas/Moodle files: one submission per LMS user, its files under their own names
            group = groups.get((ident.source, ident.lms_id))
            if group is None:
                group = groups[(ident.source, ident.lms_id)] = _Found(path, False, e.name, ident, original, parts={})
                found.append(group)
            else:
                group.original += ", " + _printable(e.name)
                group.ident.late = "yes" if "yes" in (group.ident.late, ident.late) else group.ident.late
            as_name = ident.files.get(e.name) or e.name
            kept = group.parts.get(as_name)
            if kept is None or _upload_order(e.name) > _upload_order(kept.name):
                group.parts[as_name] = path
            if kept is not None:  # two uploads of one file: the later one counts, and the feedback says so
                group.notes.append(f"{_printable(kept.name)} and {_printable(e.name)} are both {_printable(as_name)}: "
                                   f"graded {_printable(group.parts[as_name].name)}, the later upload")


def _upload_order(name: str) -> tuple[int, int]:
    """Canvas names an upload ``<name>_<user id>_<attachment id>_<file>[-N]``: a later upload of the same
    file has a larger attachment id (and a larger ``-N``)."""
    m, again = exports.CANVAS_NAME.match(name), exports.RENUMBERED.match(name)
    return (int(m["subid"]) if m else -1, int(again["n"]) if again else 0)


def _unique_ids(found: list[_Found]) -> list[str]:
    """Ids by the rules of the module docstring, in the order of ``found``."""
    names = [unicodedata.normalize("NFC", f.ident.id_name) if f.ident.id_name else _name(f.path) for f in found]
    kinds = [_kind(f.path, f.is_dir) for f in found]
    ids: list[str | None] = [None] * len(found)
    taken: set[str] = set()
    for i in sorted(range(len(found)), key=lambda i: (KINDS.index(kinds[i]) if kinds[i] else len(KINDS), i)):
        if _is_exact(names[i]) and names[i] not in taken:  # rule 2
            ids[i] = names[i]
            taken.add(names[i])
    losers = [i for i in range(len(found)) if ids[i] is None and _is_exact(names[i])]
    others = [i for i in range(len(found)) if ids[i] is None and not _is_exact(names[i])]
    for i in losers + others:  # rule 3: the ``name+kind`` ids first
        path, key = found[i].path, found[i].hashkey
        digest = hashlib.sha256(os.fsencode(key)).hexdigest()
        if _is_exact(names[i]):
            base = names[i]
            candidates = [f"{base}+{_KIND_TAGS[kinds[i]]}"] if kinds[i] else []
        else:
            base = _id_of(names[i], names[i].encode()) if found[i].ident.id_name else student_id(path)
            candidates = [base]
        candidates += [f"{base}+{digest[:n]}" for n in range(8, 65, 8)]
        candidates += [f"{base}+{digest}-{n}" for n in range(2, len(found) + 3)]
        ids[i] = next(c for c in candidates if c not in taken)
        taken.add(ids[i])
    assert len(set(ids)) == len(ids), "student ids are not unique"
    return ids


# ------------------------------------------------------------------------------------------------
# class zips: several students' entries in one zip (the LMS's download, or a zip of the class folder)

#: A class zip as given, what it may expand to, and its entries (a course's whole download).
MAX_CLASS_ZIP = 4 * 2**30
MAX_CLASS_UNCOMPRESSED = 8 * 2**30
MAX_CLASS_ENTRIES = 100_000


def _zip_names(zf: zipfile.ZipFile) -> list[str]:
    return [i.filename for i in zf.infolist() if not i.is_dir() and not _IGNORED_FOLDERS.intersection(
        Path(i.filename).parts) and not Path(i.filename).name.startswith(".")]


def _zip_name(info: zipfile.ZipInfo) -> str:
    """An entry's name: zip tools that write UTF-8 names without the UTF-8 flag (Info-ZIP, macOS) are
    read as UTF-8 rather than as the CP437 the format assumes, when the bytes are valid UTF-8."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _zip_listing(path: Path) -> list[str] | None:
    """The files of the zip ``path`` (litter left out), or None when it cannot be read as a zip."""
    try:
        with zipfile.ZipFile(path) as zf:
            return _zip_names(zf)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None


def _is_class_zip(path: Path, student_file: str) -> bool:
    """A zip given holds several students' entries (one folder level under a common root folder is
    looked through): a Gradescope export's metadata at that level (beside no ``student_file``: deeper, it
    is a student's file), ``student_file`` more than once, or, without
    ``student_file``, two entries or more that are each a submission (``.py``/``.ipynb``/``.zip`` files,
    folders) or carry an LMS's naming. Anything unreadable is a student's zip (``load`` says why)."""
    names = _zip_listing(path)
    if names is None:
        return False
    if sum(Path(n).name == student_file for n in names) >= 2:
        return True
    tops = {n.split("/", 1)[0] for n in names}
    inner = names
    if len(tops) == 1 and all("/" in n for n in names):  # one root folder: look inside it
        tops = {n.split("/", 2)[1] for n in names if n.count("/") >= 1}
        inner = [n.split("/", 1)[1] for n in names]
    if _is_export_layout({(n.split("/", 1)[0], "dir" if "/" in n else "file") for n in inner
                          if n.split("/", 1)[0] not in _IGNORED_ENTRIES and not n.startswith(".")}):
        return True  # where Gradescope puts its metadata, beside its folders only
    if any(Path(n).name == student_file for n in names):
        return False
    names = inner
    entries = {t for t in tops if t.endswith(KINDS[:3]) or exports.lms_identity(t)
               or any(n.startswith(t + "/") for n in names)}
    return len(entries) >= 2


def _checked_entries(infos: list[zipfile.ZipInfo], label: str, max_total: int, error: type[Exception],
                     name_of=lambda info: info.filename):
    """``(info, name, parts)`` of each entry of a zip (student's or class) outside the ignored folders, after
    the checks both kinds share: no absolute, drive or ``..`` path, no NUL, no symbolic link, no entry
    expanding more than ``MAX_RATIO`` times, at most ``max_total`` bytes together (by the headers; the
    readers also cap what they read). A failed check raises ``error`` naming ``label`` and the entry."""
    total = 0
    for info in infos:
        name = name_of(info)
        parts = Path(name).parts
        if name.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", name) or "\0" in name:
            raise error(f"{label}: entry {name!r} points outside the archive: refused")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise error(f"{label}: entry {name!r} is a symbolic link: refused")
        if _IGNORED_FOLDERS.intersection(parts):
            continue
        if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 2**20:
            raise error(f"{label}: entry {name!r} expands {info.file_size // info.compress_size}x: refused as a zip bomb")
        total += info.file_size
        if total > max_total:
            unit, size = ("GB", max_total // 2**30) if max_total >= 2**30 else ("MB", max_total // 2**20)
            raise error(f"{label} expands beyond {size} {unit}: refused as a zip bomb")
        yield info, name, parts


def _unpack_class_zip(path: Path, dest: Path) -> Path:
    """Unpack the class zip ``path`` into ``dest`` with the zip checks (no absolute or ``..`` paths, no
    links, bounded entries, sizes and ratios; each entry read with a cap whatever its header says);
    returns the folder to read (its single root folder, when it has one). A bad class zip is the
    caller's error (``exports.ClassExportError`` names it): it is the LMS's file, not one student's."""
    zname = _printable(path.name)
    bad = exports.ClassExportError
    try:
        with _open_capped(path, MAX_CLASS_ZIP, zname) as fobj, zipfile.ZipFile(fobj) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_CLASS_ENTRIES:
                raise bad(f"class zip {zname} has {len(infos)} entries (limit {MAX_CLASS_ENTRIES})")
            for info, name, parts in _checked_entries(infos, f"class zip {zname}", MAX_CLASS_UNCOMPRESSED, bad,
                                                      _zip_name):
                target = dest.joinpath(*parts)
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "xb") as out:
                    written = 0
                    while chunk := src.read(2**20):
                        written += len(chunk)
                        if written > info.file_size:  # the header lied
                            raise bad(f"class zip {zname}: entry {name!r} is larger than its header says")
                        out.write(chunk)
    except exports.ClassExportError:
        raise
    except SubmissionError as exc:
        raise bad(f"class {exc}") from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise bad(f"class zip {zname} cannot be unpacked ({_short(exc, 160)})") from None
    entries = _visible(dest)
    if len(entries) == 1 and entries[0].is_dir(follow_symlinks=False):
        return Path(entries[0].path)
    return dest


# ------------------------------------------------------------------------------------------------
# reading files: regular files only, never through a symbolic link, never more than a cap

def _open_capped(path: Path, cap: int, name: str):
    """An open binary file of the regular file ``path`` (not a symbolic link, at most ``cap`` bytes by
    ``fstat``), opened without following a link or blocking on a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if os.path.islink(path):
            raise SubmissionError(f"{name} is a symbolic link: refused (hand in the file itself)") from None
        raise SubmissionError(f"{name} cannot be read ({exc.strerror or type(exc).__name__})") from None
    f = os.fdopen(fd, "rb")
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        f.close()
        raise SubmissionError(f"{name} is not a regular file: refused")
    if st.st_size > cap:
        f.close()
        raise SubmissionError(f"{name} is {st.st_size} bytes: larger than the {cap} byte limit")
    return f


def _read_capped(path: Path, cap: int, name: str) -> bytes:
    """The bytes of the regular file ``path``: at most ``cap + 1`` are read, more than ``cap`` refused."""
    with _open_capped(path, cap, name) as f:
        data = f.read(cap + 1)
    if len(data) > cap:
        raise SubmissionError(f"{name} is larger than the {cap} byte limit")
    return data


def _decode(data: bytes, name: str) -> str:
    if len(data) > MAX_SOURCE:
        raise SubmissionError(f"{name} is {len(data)} bytes: larger than the {MAX_SOURCE} byte limit")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"{name} is not UTF-8 text (byte {exc.start})") from None


def _folder_files(folder: Path, origin: str) -> dict[str, Path]:
    """``{relative path: path}`` of the files in a student's folder; symbolic links, special files,
    more than ``MAX_ENTRIES`` entries, ``MAX_FOLDER_DEPTH`` levels or ``MAX_UNCOMPRESSED`` bytes refused."""
    files: dict[str, Path] = {}
    count = total = 0
    stack = [(folder, 0)]
    while stack:
        current, depth = stack.pop()
        with os.scandir(current) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in entries:
            rel = Path(e.path).relative_to(folder).as_posix()
            count += 1
            if count > MAX_ENTRIES:
                raise SubmissionError(f"{origin} has more than {MAX_ENTRIES} entries: rejected")
            st = e.stat(follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                raise SubmissionError(f"{origin}: {_printable(rel)} is a symbolic link: refused (hand in files)")
            if stat.S_ISDIR(st.st_mode):
                if e.name not in _IGNORED_FOLDERS:
                    if depth + 1 >= MAX_FOLDER_DEPTH:
                        raise SubmissionError(f"{origin} is nested deeper than {MAX_FOLDER_DEPTH} folders: rejected")
                    stack.append((Path(e.path), depth + 1))
                continue
            if not stat.S_ISREG(st.st_mode):
                raise SubmissionError(f"{origin}: {_printable(rel)} is not a regular file: refused")
            total += st.st_size
            if total > MAX_UNCOMPRESSED:
                raise SubmissionError(f"{origin} holds more than {MAX_UNCOMPRESSED // 2**20} MB: rejected")
            files[rel] = Path(e.path)
    return files


# ------------------------------------------------------------------------------------------------
# notebooks

def _json_depth(value) -> int:
    """Nesting depth of parsed JSON, iteratively (no recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (dict, list)):
            deepest = max(deepest, d)
            if deepest > MAX_NOTEBOOK_DEPTH:
                return deepest
            stack.extend((c, d + 1) for c in (v.values() if isinstance(v, dict) else v))
    return deepest


def _short(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(getattr(exc, "message", None) or exc).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _read_notebook(text: str, name: str):
    """A validated nbformat v4 notebook, or SubmissionError naming ``name`` and the problem."""
    import nbformat

    try:
        raw = json.loads(text)
    except RecursionError:
        raise SubmissionError(f"{name} is not a valid notebook: JSON nested too deeply") from None
    except ValueError as exc:
        raise SubmissionError(f"{name} is not a valid notebook: not JSON ({_short(exc)})") from None
    if _json_depth(raw) > MAX_NOTEBOOK_DEPTH:
        raise SubmissionError(f"{name} is not a valid notebook: JSON nested deeper than {MAX_NOTEBOOK_DEPTH} levels")
    if not isinstance(raw, dict):
        raise SubmissionError(f"{name} is not a valid notebook: the top level is not a JSON object")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # missing cell ids and the like: normalised, not the student's fault
            nb = nbformat.reads(text, as_version=4)
            nbformat.validator.normalize(nb)
            nbformat.validate(nb)
    except RecursionError:
        raise SubmissionError(f"{name} is not a valid notebook: nested too deeply") from None
    except Exception as exc:  # noqa: BLE001 - nbformat/jsonschema raise many types for a broken notebook
        raise SubmissionError(f"{name} is not a valid Jupyter notebook ({type(exc).__name__}: {_short(exc)}); "
                              "open it in Jupyter, save it, and hand it in again") from None
    return nb


def notebook_source(text: str, name: str) -> str:
    """Code cells of a notebook (validated with nbformat); magics and shell escapes become ``pass``."""
    nb = _read_notebook(text, name)
    lines = []
    for number, cell in enumerate(nb.cells, 1):
        if cell.cell_type != "code":
            continue
        src = cell.source
        try:
            src.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise SubmissionError(f"{name}: code cell {number} is not valid text (character {exc.start} is a "
                                  "lone surrogate)") from None
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


# ------------------------------------------------------------------------------------------------
# choosing the student's file in a folder or a zip

def _choose(names: list[str], student_file: str, origin: str, notes: list[str] | None = None) -> str:
    """The name of the student's file among ``names`` (relative paths). The other code files handed in
    beside it are named in ``notes`` (a ``cnn_numpy_final.py`` next to ``cnn_numpy.py`` is not graded: the
    student and the TA are told which one was)."""
    chosen = _pick(names, student_file, origin)
    others = sorted(n for n in names if n != chosen and n.endswith((".py", ".ipynb")))
    if others and notes is not None:
        shown = ", ".join(_printable(n) for n in others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5
                                                                else "")
        notes.append(f"graded {_printable(chosen)}; also handed in, not graded: {shown}")
    return chosen


def _pick(names: list[str], student_file: str, origin: str) -> str:
    exact = [n for n in names if Path(n).name == student_file]
    if len(exact) > 1:
        raise SubmissionError(f"{origin} holds {len(exact)} files named {student_file}: hand in one")
    if exact:
        return exact[0]
    pys = [n for n in names if n.endswith(".py")]
    nbs = [n for n in names if n.endswith(".ipynb")]
    if len(pys) == 1:
        return pys[0]
    if not pys and len(nbs) == 1:
        return nbs[0]
    shown = ", ".join(_printable(n) for n in sorted(names)[:8]) or "nothing"
    raise NoStudentFile(f"{origin} has no {student_file} (found: {shown})")


def _source_of(data: bytes, name: str) -> str:
    """Source text of a chosen file's bytes: a notebook's code cells, or the file itself."""
    if name.endswith(".ipynb"):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SubmissionError(f"{name} is not UTF-8 text (byte {exc.start})") from None
        source = notebook_source(text, name)
        if len(source.encode()) > MAX_SOURCE:
            raise SubmissionError(f"{name}: its code cells are larger than the {MAX_SOURCE} byte limit")
        return source
    return _decode(data, name)


def _loadable(name: str, notes: list[str]) -> bool:
    """False, with a note, for a file that can hold pickled objects (never loaded); ``name`` is printable."""
    if Path(name).suffix.lower() in DROPPED_SUFFIXES or Path(name).name == ".OTTER_LOG":
        notes.append(f"ignored {name}: files that can hold pickled objects are never loaded")
        return False
    return True


def _load_folder(path: Path, student_file: str, notes: list[str]) -> tuple[str, str]:
    origin = f"folder {_printable(path.name)}"
    files = {}
    for rel, p in _folder_files(path, origin).items():
        if _loadable(_printable(rel), notes):
            files[rel] = p
    chosen = _choose(list(files), student_file, origin, notes)
    label = f"{_printable(path.name)}/{_printable(chosen)}"
    cap = MAX_NOTEBOOK if chosen.endswith(".ipynb") else MAX_SOURCE
    return _source_of(_read_capped(files[chosen], cap, label), label), label


def _load_zip(path: Path, student_file: str, notes: list[str]) -> tuple[str, str]:
    zname = _printable(path.name)
    with _open_capped(path, MAX_ZIP, zname) as fobj:
        try:
            zf = zipfile.ZipFile(fobj)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise SubmissionError(f"{zname} is not a valid zip file ({_short(exc, 100)})") from None
        with zf:
            infos = zf.infolist()
            if len(infos) > MAX_ENTRIES:
                raise SubmissionError(f"{zname} has {len(infos)} entries (limit {MAX_ENTRIES}): rejected")
            members = {}
            for info, name, _ in _checked_entries(infos, zname, MAX_UNCOMPRESSED, SubmissionError):
                if not info.is_dir() and _loadable(name, notes):
                    members[name] = info
            chosen = _choose(list(members), student_file, zname, notes)
            label = f"{zname}: {chosen}"
            cap = MAX_NOTEBOOK if chosen.endswith(".ipynb") else MAX_SOURCE
            try:
                with zf.open(members[chosen]) as f:  # the header's size may lie: read with a cap
                    data = f.read(cap + 1)
            except NotImplementedError as exc:
                raise SubmissionError(f"{label}: {_short(exc, 100)} (zip it again with the usual 'deflate' "
                                      "compression)") from None
            except Exception as exc:  # noqa: BLE001 - bad CRC (BadZipFile), zlib.error, LZMAError, EOFError, ...
                raise SubmissionError(f"{label} is corrupt ({_short(exc, 100)})") from None
            if len(data) > cap:
                raise SubmissionError(f"{label} is larger than the {cap} byte limit")
            return _source_of(data, label), label


def _load_parts(parts: dict[str, Path], student_file: str, origin: str, notes: list[str]) -> tuple[str, str]:
    """An LMS's files of one student, read as a folder holding them under their own names. Like the other
    ``_load_*``: ``(source, the file graded as found: a name, ``folder/file`` or ``zip: member``)``."""
    if len(parts) == 1:
        (as_name, path), = parts.items()
        if as_name.endswith(".zip"):
            return _load_zip(path, student_file, notes)
        cap = MAX_NOTEBOOK if as_name.endswith(".ipynb") else MAX_SOURCE
        if not as_name.endswith((".py", ".ipynb")):
            raise SubmissionError(f"{origin}: hand in {student_file} (a .py), a notebook or a zip")
        label = _printable(path.name)
        return _source_of(_read_capped(path, cap, label), label), label
    chosen = _choose(list(parts), student_file, origin, notes)
    cap = MAX_NOTEBOOK if chosen.endswith(".ipynb") else MAX_SOURCE
    label = _printable(parts[chosen].name)
    return _source_of(_read_capped(parts[chosen], cap, label), label), label


def load(sub: Submission, student_file: str) -> Submission:
    """Fill ``sub.source`` (or ``sub.error``) from the submission on disk. Never raises for anything
    about the submission: every failure becomes ``sub.error``, naming the file and the problem."""
    path, name = sub.path, sub.original or _printable(sub.path.name)
    if sub.error:  # found while collecting (an export's entry that is missing)
        return sub
    try:
        st = os.lstat(path)
        if sub.parts is not None:
            sub.source, sub.graded_as = _load_parts(sub.parts, student_file, name, sub.notes)
        elif stat.S_ISLNK(st.st_mode):
            raise SubmissionError(f"{name} is a symbolic link: refused (hand in the file itself)")
        elif stat.S_ISDIR(st.st_mode):
            sub.source, sub.graded_as = _load_folder(path, student_file, sub.notes)
        elif path.name.endswith(".zip"):
            sub.source, sub.graded_as = _load_zip(path, student_file, sub.notes)
        elif path.name.endswith(".ipynb"):
            sub.source = _source_of(_read_capped(path, MAX_NOTEBOOK, name), name)
        elif path.name.endswith(".py"):
            sub.source = _decode(_read_capped(path, MAX_SOURCE, name), name)
        else:
            raise SubmissionError(f"{name}: hand in {student_file} (a .py), a notebook or a zip")
    except SubmissionError as exc:
        sub.source, sub.error, sub.missing = "", str(exc), isinstance(exc, NoStudentFile)
    except RecursionError:
        sub.source, sub.error = "", f"{name} could not be read: nested too deeply"
    except Exception as exc:  # noqa: BLE001 - whatever else reading one submission raises is its error alone
        sub.source, sub.error = "", f"{name} could not be read ({type(exc).__name__}: {_short(exc, 160)})"
    # messages quote what they found (a validator's view of the notebook): keep them valid text
    sub.error = sub.error.encode("utf-8", "replace").decode("utf-8")
    sub.notes = [n.encode("utf-8", "replace").decode("utf-8") for n in sub.notes]
    return sub
