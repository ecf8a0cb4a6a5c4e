"""The wire format between the trusted parent and the untrusted worker: data only (README, "Grading: the trust boundary").

Imported by BOTH sides, so it uses only the standard library and numpy (torch lazily, only when a
tensor is actually on the wire). It is also bind-mounted read-only into the sandbox next to
``worker.py``, and imported there as the top-level module ``wire``.

Frame = ``MAGIC (4 bytes) | header length (u64 LE) | blobs length (u64 LE) | header | blobs``.
The header is UTF-8 JSON; ``header["blobs"]`` lists the byte length of each blob. A blob is the
``np.save`` bytes of one array. Values are JSON with tagged objects::

    list            -> [...]                      tuple -> {"$tuple": [...]}
    dict            -> {"$dict": [[k, v], ...]}   (keys of any data type)
    np.ndarray      -> {"$nd": blob}              numpy scalar -> {"$npscalar": blob}
    torch.Tensor    -> {"$tensor": blob, "dtype", "device", "requires_grad", "grad_fn", "type"}
    torch.device    -> {"$device": "cuda:0"}      torch.dtype -> {"$dtype": "float32"}
    Handle          -> {"$handle": id, "type": "mod.Qual", "gen": n}

Decoding never unpickles and allocates nothing an array's bytes do not pay for: the ``.npy`` header is
checked first (a data dtype with a nonzero itemsize, elements x itemsize equal to the blob's data
bytes, capped element count), then ``np.load(..., allow_pickle=False)``, then the type and dtype are
checked again (an object/structured dtype or an ndarray subclass is refused). Anything that is not one of
the data types above is the *encoder's* problem: the worker turns it into a Handle (the object stays
in the worker), the parent refuses to send it (``TypeError``: a grader bug, not the student's).
"""
from __future__ import annotations

import io
import json
import math
import struct

import numpy as np

MAGIC = b"AGW1"
_PREFIX = struct.Struct("<4sQQ")
PREFIX_SIZE = _PREFIX.size
MAX_DEPTH = 64
#: array dtype kinds that are data: bool, ints, floats, complex, bytes, unicode
DATA_KINDS = frozenset("biufcSU")
#: Largest array a blob may decode to, in elements (the frame's byte cap bounds it too: every element
#: takes at least one byte of the blob) and in dimensions.
MAX_ELEMENTS = 2**27
MAX_NDIM = 32
#: torch dtypes numpy cannot represent: sent widened to float32, the original dtype in "dtype"
_WIDEN = ("bfloat16", "float8")


class WireError(ValueError):
    """A frame or value that is not valid data (malformed, too big, forbidden type)."""


class NotData(Exception):
    """Raised by the encoder for an object that is not data; carries the object."""

    def __init__(self, obj):
        super().__init__(type(obj).__qualname__)
        self.obj = obj


def type_name(obj) -> str:
    t = type(obj)
    mod = getattr(t, "__module__", "?")
    return f"{mod}.{t.__qualname__}" if mod != "builtins" else t.__qualname__


# ----------------------------------------------------------------------------------------------
# framing

def pack(header: dict, blobs: list[bytes] = ()) -> bytes:
    header = dict(header, blobs=[len(b) for b in blobs])
    h = json.dumps(header, separators=(",", ":")).encode()
    total = sum(len(b) for b in blobs)
    return b"".join([_PREFIX.pack(MAGIC, len(h), total), h, *blobs])


def parse_prefix(prefix: bytes, max_bytes: int) -> tuple[int, int]:
    """``(header_len, blobs_len)`` of a frame, or WireError if it is garbage / over ``max_bytes``."""
    magic, hlen, blen = _PREFIX.unpack(prefix)
    if magic != MAGIC:
        raise WireError(f"bad frame magic {magic!r}")
    if hlen + blen > max_bytes:
        raise WireError(f"frame of {hlen + blen} bytes exceeds the {max_bytes}-byte limit")
    return hlen, blen


def parse_body(body: bytes, hlen: int) -> tuple[dict, list[bytes]]:
    try:
        header = json.loads(body[:hlen].decode())
    except (ValueError, RecursionError) as e:
        raise WireError(f"malformed frame header ({type(e).__name__})") from None
    if not isinstance(header, dict) or not isinstance(header.get("blobs"), list):
        raise WireError("malformed frame header")
    blobs, pos = [], hlen
    for n in header["blobs"]:
        if type(n) is not int or n < 0 or pos + n > len(body):
            raise WireError("malformed blob table")
        blobs.append(body[pos:pos + n])
        pos += n
    if pos != len(body):
        raise WireError("frame length does not match its blob table")
    return header, blobs


def read_frame_blocking(fd: int, max_bytes: int) -> tuple[dict, list[bytes]] | None:
    """Read one frame from a blocking fd (the worker's side). None at EOF."""
    prefix = _read_exact(fd, PREFIX_SIZE)
    if prefix is None:
        return None
    hlen, blen = parse_prefix(prefix, max_bytes)
    body = _read_exact(fd, hlen + blen)
    if body is None:
        return None
    return parse_body(body, hlen)


def _read_exact(fd: int, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        b = _os().read(fd, min(n - got, 1 << 20))
        if not b:
            return None
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def write_all_blocking(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = _os().write(fd, view)
        view = view[n:]


def _os():
    import os
    return os


# ----------------------------------------------------------------------------------------------
# values

def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def npy_header(blob: bytes) -> tuple[tuple[int, ...], np.dtype, int]:
    """``(shape, dtype, data offset)`` of a ``.npy`` blob, read from its header alone (nothing is
    allocated for the data), or WireError when the header is not that of a data array whose bytes
    are exactly the rest of the blob: the dtype must be a plain data dtype (``DATA_KINDS``, no
    fields, no sub-array) with a nonzero itemsize; the shape at most ``MAX_NDIM`` non-negative ints
    of at most ``MAX_ELEMENTS`` elements in all; and elements x itemsize must equal the bytes that follow
    the header. So a reply of a few bytes cannot stand for a huge array (a zero-itemsize dtype such
    as ``S0``/``U0``/``V0`` with millions of elements, or a header that claims more than it carries)."""
    f = io.BytesIO(blob)
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, _fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, _fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise WireError(f".npy format version {version} is not accepted")
    except WireError:
        raise
    except Exception as e:  # noqa: BLE001 - any failure is the worker's garbage
        raise WireError(f"array blob has no valid .npy header ({type(e).__name__})") from None
    if not isinstance(dtype, np.dtype):
        raise WireError("array header without a dtype")
    if dtype.kind not in DATA_KINDS or dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
        raise WireError(f"array of dtype {dtype} is not data")
    if dtype.itemsize == 0:
        raise WireError(f"array of dtype {dtype} has zero-size elements: refused")
    if type(shape) is not tuple or len(shape) > MAX_NDIM or any(type(n) is not int or n < 0 for n in shape):
        raise WireError("array header with a malformed shape")
    count = math.prod(shape)
    if count > MAX_ELEMENTS:
        raise WireError(f"array of {count} elements exceeds the {MAX_ELEMENTS}-element limit")
    offset = f.tell()
    if count * dtype.itemsize != len(blob) - offset:
        raise WireError(f"array header claims {count} x {dtype.itemsize} bytes, the blob carries {len(blob) - offset}")
    return shape, dtype, offset


def load_npy(blob: bytes) -> np.ndarray:
    """The only way bytes from the worker become an array: the header checked first (``npy_header``),
    then loaded without pickle; an exact ndarray of a data dtype."""
    shape, dtype, _ = npy_header(blob)
    try:
        arr = np.load(io.BytesIO(blob), allow_pickle=False)
    except Exception as e:  # noqa: BLE001 - any failure is the worker's garbage
        raise WireError(f"array blob is not a valid .npy ({type(e).__name__})") from None
    if type(arr) is not np.ndarray or arr.dtype.kind not in DATA_KINDS or arr.dtype.hasobject:
        raise WireError(f"array of dtype {arr.dtype} is not data")
    if arr.shape != shape or arr.dtype != dtype:
        raise WireError("array differs from its header")
    return arr


def encode(obj, blobs: list[bytes], *, on_other=None, depth: int = 0):
    """Encode ``obj`` as tagged JSON, appending array bytes to ``blobs``.

    ``on_other(obj) -> dict`` encodes a non-data object (the worker makes a Handle); without it a
    non-data object raises ``NotData``. Only EXACT builtin types count as data: a ``str`` or ``int``
    subclass (which could override ``__eq__``) is not data.
    """
    if depth > MAX_DEPTH:
        raise WireError(f"value nested deeper than {MAX_DEPTH} levels")
    t = type(obj)
    if obj is None or t in (bool, int, float, str):
        return obj
    if t is list:
        return [encode(v, blobs, on_other=on_other, depth=depth + 1) for v in obj]
    if t is tuple:
        return {"$tuple": [encode(v, blobs, on_other=on_other, depth=depth + 1) for v in obj]}
    if t is dict:
        return {"$dict": [[encode(k, blobs, on_other=on_other, depth=depth + 1),
                           encode(v, blobs, on_other=on_other, depth=depth + 1)] for k, v in obj.items()]}
    if t is np.ndarray and obj.dtype.kind in DATA_KINDS and not obj.dtype.hasobject:
        blobs.append(_npy(obj))
        return {"$nd": len(blobs) - 1}
    if isinstance(obj, np.generic) and t.__module__ == "numpy" and obj.dtype.kind in DATA_KINDS:
        blobs.append(_npy(np.asarray(obj)))
        return {"$npscalar": len(blobs) - 1}
    if t.__module__.startswith("torch"):
        enc = _encode_torch(obj, blobs)
        if enc is not None:
            return enc
    if on_other is None:
        raise NotData(obj)
    return on_other(obj)


def _encode_torch(obj, blobs):
    import torch

    t = type(obj)
    if t is torch.device:
        return {"$device": str(obj)}
    if t is torch.dtype:
        return {"$dtype": str(obj).removeprefix("torch.")}
    if t in (torch.Tensor, torch.nn.Parameter):
        d = obj.detach()
        if d.layout != torch.strided:
            return None
        dtype = str(d.dtype).removeprefix("torch.")
        if dtype.startswith(_WIDEN):
            d = d.to(torch.float32)
        arr = d.cpu().resolve_conj().resolve_neg().numpy()
        if type(arr) is not np.ndarray:
            return None
        blobs.append(_npy(np.ascontiguousarray(arr)))
        gf = obj.grad_fn
        return {"$tensor": len(blobs) - 1, "dtype": dtype, "device": str(obj.device),
                "requires_grad": bool(obj.requires_grad),
                "grad_fn": None if gf is None else type(gf).__name__,
                "type": "torch.nn.parameter.Parameter" if t is torch.nn.Parameter else "torch.Tensor"}
    return None


#: Most dict keys of one message that are not strings. Strings hash with a per-process random key; ints,
#: floats and tuples of them do not: a hostile reply of keys that all collide (``i * (2**61 - 1)``) makes
#: building the dict quadratic (1.5M keys: hours in the trusted parent). 1,000 such keys cost milliseconds.
MAX_OTHER_KEYS = 1000


class _Blobs(list):
    """A message's blobs, each of which one value may decode (``encode`` writes one per array): a blob
    referenced again would make the decoder allocate it again (60 references to one 48 MB blob: 3 GB)."""

    def __init__(self, blobs):
        super().__init__(blobs)
        self.used: set[int] = set()
        self.other_keys = 0


def decode(enc, blobs: list[bytes], *, make_tensor=None, make_handle=None, depth: int = 0):
    """Inverse of ``encode``. ``make_tensor(arr, meta)`` and ``make_handle(meta)`` build the side's
    own objects (the parent builds ``TensorValue``/``Handle``, the worker real tensors / table
    lookups). Raises WireError on anything unexpected: a blob referenced twice, more than
    ``MAX_OTHER_KEYS`` dict keys that are not strings."""
    if not isinstance(blobs, _Blobs):
        blobs = _Blobs(blobs)
    if depth > MAX_DEPTH:
        raise WireError("value nested too deeply")
    t = type(enc)
    if enc is None or t in (bool, int, float, str):
        return enc
    if t is list:
        return [decode(v, blobs, make_tensor=make_tensor, make_handle=make_handle, depth=depth + 1) for v in enc]
    if t is not dict or len(enc) == 0:
        raise WireError(f"unexpected {t.__name__} on the wire")
    sub = dict(make_tensor=make_tensor, make_handle=make_handle, depth=depth + 1)
    if "$tuple" in enc and type(enc["$tuple"]) is list:
        return tuple(decode(v, blobs, **sub) for v in enc["$tuple"])
    if "$dict" in enc and type(enc["$dict"]) is list:
        out = {}
        for pair in enc["$dict"]:
            if type(pair) is not list or len(pair) != 2:
                raise WireError("malformed dict entry")
            k = decode(pair[0], blobs, **sub)
            if type(k) is not str:
                blobs.other_keys += 1
                if blobs.other_keys > MAX_OTHER_KEYS:
                    raise WireError(f"more than {MAX_OTHER_KEYS} dict keys that are not strings")
            try:
                out[k] = decode(pair[1], blobs, **sub)
            except TypeError:
                raise WireError("unhashable dict key") from None
        return out
    if "$nd" in enc:
        return load_npy(_blob(blobs, enc["$nd"]))
    if "$npscalar" in enc:
        arr = load_npy(_blob(blobs, enc["$npscalar"]))
        if arr.shape != ():
            raise WireError("numpy scalar with a shape")
        return arr[()]
    if "$tensor" in enc:
        if make_tensor is None:
            raise WireError("tensor not expected here")
        return make_tensor(load_npy(_blob(blobs, enc["$tensor"])), enc)
    if "$device" in enc or "$dtype" in enc:
        return _decode_torch_meta(enc)
    if "$handle" in enc:
        if make_handle is None:
            raise WireError("handle not expected here")
        return make_handle(enc)
    raise WireError("unknown tag on the wire")


def _blob(blobs: _Blobs, i):
    if type(i) is not int or not 0 <= i < len(blobs):
        raise WireError("bad blob index")
    if i in blobs.used:
        raise WireError("blob referenced twice")
    blobs.used.add(i)
    return blobs[i]


def _decode_torch_meta(enc):
    import torch

    if "$device" in enc:
        s = enc["$device"]
        if type(s) is not str or len(s) > 32:
            raise WireError("bad torch.device")
        try:
            return torch.device(s)
        except Exception:  # noqa: BLE001
            raise WireError("bad torch.device") from None
    s = enc["$dtype"]
    dt = getattr(torch, s, None) if type(s) is str and s.isidentifier() else None
    if type(dt) is not torch.dtype:
        raise WireError("bad torch.dtype")
    return dt


def format_exception(exc: BaseException, limit: int = 500) -> str:
    """``"Type: message"``, truncated; SyntaxError gets its line number."""
    name = type(exc).__name__
    if isinstance(exc, SyntaxError):
        msg = f"{exc.msg} (line {exc.lineno})" if exc.lineno else str(exc.msg)
    else:
        try:
            msg = str(exc)
        except Exception:  # noqa: BLE001 - a hostile __str__
            msg = "<unprintable message>"
    text = f"{name}: {msg}" if msg else name
    return text if len(text) <= limit else text[: limit - 3] + "..."
