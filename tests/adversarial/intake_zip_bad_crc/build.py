"""Builds a zip holding the full reference solution as cnn_numpy.py, with its CRC-32 zeroed in both
headers: a lenient reader would grade the reference (92/92); it used to stop the whole batch."""
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
    data[lh + 14: lh + 18] = data[cd + 16: cd + 20] = b"\0\0\0\0"
    path = dest / f"{case}.zip"
    path.write_bytes(bytes(data))
    return path
