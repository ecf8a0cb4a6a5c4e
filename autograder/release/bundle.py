"""Deterministic zip files: sorted entries, fixed timestamps and modes, so a rebuild is byte-identical."""
from __future__ import annotations

import zipfile
from pathlib import Path

_EPOCH = (1980, 1, 1, 0, 0, 0)


def write_zip(path: Path, files: dict[str, bytes], executable: frozenset[str] = frozenset()) -> Path:
    """Write ``{archive_name: content}`` to ``path`` atomically (via a temporary file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, _EPOCH)
            info.external_attr = (0o755 if name in executable else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name])
    tmp.replace(path)
    return path


def tree_files(root: Path, prefix: str, exclude=("__pycache__",), suffixes: tuple[str, ...] | None = None
               ) -> dict[str, bytes]:
    """``{prefix/relative_path: bytes}`` for every file under ``root`` (caches excluded)."""
    out = {}
    for p in sorted(Path(root).rglob("*")):
        if p.is_file() and not any(part in exclude for part in p.parts) and (
                suffixes is None or p.suffix in suffixes):
            out[f"{prefix}/{p.relative_to(root).as_posix()}"] = p.read_bytes()
    return out
