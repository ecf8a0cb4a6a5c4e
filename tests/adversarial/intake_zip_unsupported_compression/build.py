"""Builds a zip whose only entry, cnn_numpy.py (the full reference), claims compression method 98
(PPMd, which Python's zipfile cannot read); it used to stop the whole batch."""
import io
import zipfile
from pathlib import Path


def build(dest: Path, case: str, ctx: dict) -> Path:
    reference = (Path(__file__).resolve().parents[3] / "solutions" / "a1_numpy_cnn" / "cnn_numpy.py").read_text()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("cnn_numpy.py", reference)
    data = bytearray(buf.getvalue())
    lh, cd = data.index(b"PK\x03\x04"), data.index(b"PK\x01\x02")
    data[lh + 8: lh + 10] = data[cd + 10: cd + 12] = (98).to_bytes(2, "little")
    path = dest / f"{case}.zip"
    path.write_bytes(bytes(data))
    return path
