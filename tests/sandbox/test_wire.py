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
