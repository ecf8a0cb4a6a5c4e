"""``python -m datasets``: check each cached file against MANIFEST.sha256 (regenerate missing ones).

``python -m datasets --write-manifest`` (instructors only, after a deliberate data change):
regenerate every file from its generator, overwrite it and record the new sha256s.
"""

import argparse
import sys

from ._cache import (
    PACKAGE_DIR,
    ChecksumError,
    _atomic_write,
    read_manifest,
    read_verified,
    sha256_bytes,
    write_manifest,
)
from .loaders import regenerators


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m datasets", description=__doc__.splitlines()[0])
    parser.add_argument("--write-manifest", action="store_true",
                        help="regenerate all files and rewrite MANIFEST.sha256")
    args = parser.parse_args(argv)
    table = regenerators()
    if args.write_manifest:
        files = {}
        for gen in dict.fromkeys(table.values()):  # each generator once, in order
            files.update(gen())
        for rel, data in files.items():
            _atomic_write(PACKAGE_DIR / rel, data)
        write_manifest({rel: sha256_bytes(data) for rel, data in files.items()})
        print(f"wrote {len(files)} files and {PACKAGE_DIR / 'MANIFEST.sha256'}")
        return 0
    status = 0
    for rel in read_manifest():
        try:
            read_verified(PACKAGE_DIR, rel, table[rel])
            print(f"OK    {rel}")
        except ChecksumError as exc:
            print(f"FAIL  {rel}: {exc}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
