"""Checksummed file cache for the committed data files (no project imports, no network).

The manifest ``datasets/MANIFEST.sha256`` is in ``sha256sum`` format, one line per file,
with paths relative to the ``datasets/`` folder, so it can also be checked by hand:

    cd datasets && sha256sum -c MANIFEST.sha256

The manifest is always read from this package, never from ``cache_dir``: a test or a caller may
point the loaders at another folder, but cannot change what the bytes must hash to.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

PACKAGE_DIR = Path(__file__).resolve().parent
MANIFEST_PATH = PACKAGE_DIR / "MANIFEST.sha256"

# Fixed zip metadata so the same arrays always give the same .npz bytes (np.savez stamps the
# current time into every member, so its output's sha256 changes from run to run).
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class ChecksumError(RuntimeError):
    """A data file's sha256 does not match ``datasets/MANIFEST.sha256``."""


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def read_manifest(path: Path = MANIFEST_PATH) -> dict[str, str]:
    """Parse a ``sha256sum``-format manifest into ``{relative_path: hex_sha256}``."""
    entries: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        digest, rel = line.split(maxsplit=1)
        entries[rel.lstrip("*").strip()] = digest.lower()
    return entries


def write_manifest(entries: dict[str, str], path: Path = MANIFEST_PATH) -> None:
    """Write ``{relative_path: hex_sha256}`` in ``sha256sum`` format (sorted, LF line ends)."""
    text = "".join(f"{entries[rel]}  {rel}\n" for rel in sorted(entries))
    path.write_bytes(text.encode("utf-8"))


def expected_sha256(rel: str) -> str:
    """The manifest's sha256 for ``rel``; ``ChecksumError`` if the manifest has no entry."""
    manifest = read_manifest()
    if rel not in manifest:
        raise ChecksumError(f"{rel!r} has no entry in {MANIFEST_PATH}")
    return manifest[rel]


def resolve_dir(cache_dir: str | os.PathLike | None) -> Path:
    """``cache_dir`` as a Path; ``None`` means the ``datasets/`` package folder."""
    return PACKAGE_DIR if cache_dir is None else Path(cache_dir)


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """Serialise ``arrays`` to ``.npz`` bytes deterministically (stored, fixed dates, sorted names).

    ``np.load`` reads the result like any ``np.savez`` file.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(name + ".npy", date_time=_ZIP_DATE)
            info.create_system = 3  # "Unix", whatever platform writes it
            info.external_attr = 0o644 << 16
            with zf.open(info, "w") as member:
                np.lib.format.write_array(member, np.ascontiguousarray(arrays[name]),
                                          allow_pickle=False)
    return buf.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    """Serialise one array to ``.npy`` bytes (deterministic: header + raw data)."""
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def _mismatch_message(path: Path, expected: str, actual: str, what: str) -> str:
    return (f"checksum mismatch for {what} '{path}': expected sha256 {expected}, got {actual}. "
            f"The file is corrupt or was modified; delete it and it will be regenerated offline "
            f"on the next load (or restore it with `git checkout -- {path.name}`).")


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the sandbox user must be able to read it
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def store_regenerated(cache_dir: Path, files: dict[str, bytes]) -> None:
    """Check freshly generated ``{rel: bytes}`` against the manifest, then write the missing ones.

    A mismatch means the generator no longer reproduces the committed data (e.g. another
    mnist1d, NumPy or SciPy version): raise rather than silently cache different data.
    A read-only ``cache_dir`` only warns: the caller still gets the verified bytes.
    """
    for rel, data in files.items():
        expected, actual = expected_sha256(rel), sha256_bytes(data)
        if actual != expected:
            raise ChecksumError(
                f"regenerated {rel!r} does not match {MANIFEST_PATH.name}: expected sha256 "
                f"{expected}, got {actual}. The generator's output changed (check the pinned "
                f"numpy/scipy/mnist1d versions in requirements.txt); restore the committed file "
                f"with `git checkout -- datasets/{rel}`.")
    for rel, data in files.items():
        path = cache_dir / rel
        if path.exists():
            continue
        try:
            _atomic_write(path, data)
        except OSError as exc:
            warnings.warn(f"could not cache {path} ({exc}); using the data in memory",
                          RuntimeWarning, stacklevel=3)


def read_verified(cache_dir: Path, rel: str, regenerate) -> bytes:
    """Bytes of ``cache_dir/rel`` after checking them against the manifest.

    If the file is missing, ``regenerate()`` is called; it returns ``{rel: bytes}`` for this
    file and any sibling files generated together, which are verified and cached.
    """
    path = cache_dir / rel
    expected = expected_sha256(rel)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        files = regenerate()
        store_regenerated(cache_dir, files)
        return files[rel]
    actual = sha256_bytes(data)
    if actual != expected:
        raise ChecksumError(_mismatch_message(path, expected, actual, "data file"))
    return data
