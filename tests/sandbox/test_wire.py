"""Does the wire format carry data only, and reject everything else without unpickling it?"""
import io
import struct
import warnings

import numpy as np
import pytest

from autograder.sandbox import wire


def roundtrip(value):
    blobs = []
    enc = wire.encode(value, blobs)
    frame = wire.pack({"value": enc}, blobs)
    hlen, blen = wire.parse_prefix(frame[:wire.PREFIX_SIZE], 2**30)
    header, blobs2 = wire.parse_body(frame[wire.PREFIX_SIZE:], hlen)
    return wire.decode(header["value"], blobs2)


@pytest.mark.parametrize("value", [None, True, 0, -3, 2**70, 1.5, float("inf"), "héllo", [], (), {},
                                   [1, (2.0, "x")], {"a": 1, 2: (3,), (1, 2): None}])
def test_plain_values_roundtrip_with_their_types(value):
    """Do builtin values come back equal and of the same type, all the way down?"""
    out = roundtrip(value)
    assert out == value and type(out) is type(value)
    assert repr(out) == repr(value)


def test_arrays_and_numpy_scalars_keep_dtype():
    """Do float32 arrays stay float32, and numpy scalars stay numpy scalars (not Python floats)?"""
    out = roundtrip((np.arange(6, dtype=np.float32).reshape(2, 3), np.int64(3), np.float32(0.5), np.bool_(True)))
    assert out[0].dtype == np.float32 and out[0].shape == (2, 3)
    assert type(out[1]) is np.int64 and type(out[2]) is np.float32 and type(out[3]) is np.bool_


with warnings.catch_warnings():
    warnings.simplefilter("ignore", PendingDeprecationWarning)
    MATRIX = np.matrix([[1]])


@pytest.mark.parametrize("obj", [MATRIX, np.array([1, None], dtype=object), object(),
                                 type("S", (str,), {})("x"), np.zeros(2, dtype=[("a", "i4")])])
def test_non_data_is_not_encoded(obj):
    """Are ndarray subclasses, object/structured arrays and str subclasses refused (left to a Handle)?"""
    with pytest.raises(wire.NotData):
        wire.encode(obj, [])


def test_object_npy_blob_is_refused_without_unpickling():
    """Is a .npy blob holding pickled objects refused by the parent (allow_pickle=False)?"""
    buf = io.BytesIO()
    np.save(buf, np.array([object()], dtype=object), allow_pickle=True)
    with pytest.raises(wire.WireError):
        wire.load_npy(buf.getvalue())


@pytest.mark.parametrize("frame", [b"garbage garbage garbage!", b"AGW1" + struct.pack("<QQ", 2**40, 0)])
def test_garbage_and_oversized_prefixes_are_rejected(frame):
    """Are a wrong magic and a frame claiming 1 TB rejected before anything is read?"""
    with pytest.raises(wire.WireError):
        wire.parse_prefix(frame[:wire.PREFIX_SIZE], 2**26)


@pytest.mark.parametrize("header", [b"{not json", b"[]", b'{"blobs": [5]}', b'{"blobs": "x"}'])
def test_malformed_headers_are_rejected(header):
    with pytest.raises(wire.WireError):
        wire.parse_body(header, len(header))


@pytest.mark.parametrize("enc", [{"$nd": 3}, {"$bogus": 1}, {"$dict": [[1]]}, {"$dict": [[[1], 2]]}, {"$handle": 1}])
def test_malformed_values_are_rejected(enc):
    with pytest.raises(wire.WireError):
        wire.decode(enc, [])


def test_deep_nesting_is_rejected():
    v = []
    for _ in range(200):
        v = [v]
    with pytest.raises(wire.WireError):
        wire.encode(v, [])


def _npy_with_header(descr: str, shape, data: bytes = b"", version=(1, 0)) -> bytes:
    """A .npy blob with a hand-written header (what a hostile worker can send)."""
    buf = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    if version == (1, 0):
        np.lib.format.write_array_header_1_0(buf, header)
    else:
        np.lib.format.write_array_header_2_0(buf, header)
    return buf.getvalue() + data


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("descr", ["|V0", "|S0", "<U0"])
def test_zero_itemsize_arrays_are_refused(descr):
    """A ~130-byte blob claiming 2.5e6 zero-size elements (the q08 attack) is refused from its header,
    and so is an empty one: a zero itemsize is never data."""
    for shape in [(2_500_000, 1), (0,), ()]:
        blob = _npy_with_header(descr, shape)
        assert len(blob) < 200
        with pytest.raises(wire.WireError, match="zero-size|not data"):
            wire.load_npy(blob)


def test_zero_itemsize_array_from_a_reply_frame_is_refused():
    """Through the whole decode path (frame -> value), as the parent reads a reply."""
    blob = _npy_with_header("|S0", (2_500_000, 1))
    frame = wire.pack({"value": {"$tuple": [{"$nd": 0}, {"$tensor": 0, "dtype": "float32"}]}}, [blob])
    hlen, _ = wire.parse_prefix(frame[:wire.PREFIX_SIZE], 2**26)
    header, blobs = wire.parse_body(frame[wire.PREFIX_SIZE:], hlen)
    with pytest.raises(wire.WireError, match="zero-size"):
        wire.decode(header["value"], blobs, make_tensor=lambda a, m: a)


@pytest.mark.parametrize("shape,data", [((10**6,), b"\0" * 8), ((2,), b"\0" * 24), ((3,), b"\0" * 16),
                                        ((2**40, 2**40), b""), ((-1,), b""), ((1,) * 40, b"\0" * 8)])
def test_arrays_whose_header_disagrees_with_their_bytes_are_refused(shape, data):
    """A header that claims more (or fewer) elements than the blob carries, a huge or negative shape, too
    many dimensions: refused before anything is allocated."""
    blob = _npy_with_header("<f8", shape, data)
    before = _peak_rss_mb()
    with pytest.raises(wire.WireError):
        wire.load_npy(blob)
    assert _peak_rss_mb() - before < 100


@pytest.mark.parametrize("descr", ["<f8", "|b1", "<i4", "<c16", "|S3", "<U2"])
def test_honest_headers_are_accepted(descr):
    """Arrays the worker really sends, both header versions, C and Fortran order, empty ones."""
    for arr in [np.zeros((3, 4), dtype=descr), np.zeros((0, 5), dtype=descr), np.zeros((), dtype=descr),
                np.asfortranarray(np.ones((2, 3), dtype=descr))]:
        buf = io.BytesIO()
        np.save(buf, arr)
        out = wire.load_npy(buf.getvalue())
        assert out.shape == arr.shape and out.dtype == arr.dtype and np.array_equal(out, arr)
    arr = np.arange(6, dtype=np.float64)
    blob = _npy_with_header("<f8", (6,), arr.tobytes(), version=(2, 0))
    assert np.array_equal(wire.load_npy(blob), arr)


@pytest.mark.parametrize("descr", ["[('a', '<i4')]", "('<f8', (2,))", "|O"])
def test_structured_subarray_and_object_headers_are_refused(descr):
    blob = _npy_with_header(descr, (1,), b"\0" * 16)
    with pytest.raises(wire.WireError):
        wire.load_npy(blob)


def test_a_blob_referenced_twice_is_refused():
    """A reply of ``[{"$nd": 0}] * 60`` beside one 48 MB blob made the parent decode 60 copies (3 GB, found by
    a review): is a second reference to a blob refused, and honest arrays (one blob each) still decoded?"""
    blobs = []
    enc = wire.encode([np.arange(3), np.ones(2)], blobs)
    assert [a.tolist() for a in wire.decode(enc, blobs)] == [[0, 1, 2], [1.0, 1.0]]
    with pytest.raises(wire.WireError, match="blob referenced twice"):
        wire.decode([{"$nd": 0}] * 60, blobs)
    with pytest.raises(wire.WireError, match="blob referenced twice"):
        wire.decode({"$dict": [[1, {"$nd": 1}], [2, {"$tensor": 1}]]}, blobs, make_tensor=lambda a, m: a)


def test_many_colliding_dict_keys_are_refused_quickly():
    """Ints ``i * (2**61 - 1)`` all hash alike: a reply of 1.5M such keys kept the parent building a dict for hours
    (found by a review). Are more than MAX_OTHER_KEYS keys that are not strings refused, before the dict grows,
    and string keys (randomised hashes) and honest dicts still decoded?"""
    import time

    n = wire.MAX_OTHER_KEYS
    ok = {"$dict": [[i * (2**61 - 1), 0] for i in range(1, n + 1)]}
    assert len(wire.decode(ok, [])) == n
    start = time.perf_counter()
    with pytest.raises(wire.WireError, match="dict keys that are not strings"):
        wire.decode({"$dict": [[i * (2**61 - 1), 0] for i in range(1, 200_000)]}, [])
    assert time.perf_counter() - start < 5  # refused at key n + 1 (without the limit: minutes)
    assert len(wire.decode({"$dict": [[f"k{i}", i] for i in range(50_000)]}, [])) == 50_000
