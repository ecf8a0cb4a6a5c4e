"""Tests of datasets/: offline MNIST-1D cache with a sha256 manifest, fresh sets, sample image."""

import hashlib
import random
import shutil
import socket

import numpy as np
import pytest

import datasets
from datasets import ChecksumError, load_mnist1d, load_sample_image, make_mnist1d
from datasets._cache import MANIFEST_PATH, PACKAGE_DIR, read_manifest

MNIST_FILES = {"train": "mnist1d/train.npz", "test": "mnist1d/test.npz"}
IMAGE_FILE = "images/grace_hopper_256.npy"


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rng_states():
    """Both global generators mnist1d reseeds, as comparable values."""
    np_state = np.random.get_state()
    return (np_state[0], np_state[1].tolist(), *np_state[2:]), random.getstate()


def _refuse_network(mp):
    """Make any outgoing connection fail the test (mnist1d's get_dataset would download)."""
    def refuse(*args, **kwargs):
        raise AssertionError("datasets tried to open a network connection")
    for name in ("connect", "connect_ex"):
        mp.setattr(socket.socket, name, refuse)
    mp.setattr(socket, "create_connection", refuse)
    mp.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def no_network(monkeypatch):
    _refuse_network(monkeypatch)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """An empty cache folder after one load of each split (so both files are regenerated)."""
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        _refuse_network(mp)
        arrays = {split: load_mnist1d(split, cache_dir=cache) for split in MNIST_FILES}
    return cache, arrays


# ---- the committed cache ------------------------------------------------------------------

def test_does_every_committed_file_match_the_manifest():
    """Do the committed files exist and hash to MANIFEST.sha256's values?"""
    manifest = read_manifest()
    assert set(manifest) == {*MNIST_FILES.values(), IMAGE_FILE}
    for rel, digest in manifest.items():
        assert _sha256(PACKAGE_DIR / rel) == digest, rel


@pytest.mark.parametrize("split, n", [("train", 4000), ("test", 1000)])
def test_do_splits_have_the_documented_shapes_dtypes_and_labels(split, n):
    """Is each split x float32 (N, 40), y int64 (N,), labels 0..9, roughly balanced?"""
    x, y = load_mnist1d(split)
    assert x.shape == (n, 40) and x.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.isfinite(x).all()
    counts = np.bincount(y, minlength=10)
    assert counts.size == 10 and y.min() == 0 and y.max() == 9
    assert counts.min() >= 0.08 * n and counts.max() <= 0.12 * n  # 10% each, give or take


def test_are_train_and_test_different_samples():
    """Is the test split not a copy of (part of) the train split?"""
    x_train, _ = load_mnist1d("train")
    x_test, _ = load_mnist1d("test")
    train_rows = {row.tobytes() for row in x_train}
    assert not any(row.tobytes() in train_rows for row in x_test)


def test_does_loading_return_fresh_arrays():
    """Can a caller modify the returned arrays without changing the next load?"""
    x, y = load_mnist1d("test")
    x[:] = 0
    y[:] = 0
    x2, y2 = load_mnist1d("test")
    assert x2.any() and y2.any()


@pytest.mark.parametrize("bad", ["valid", "Train", "", None, 0])
def test_is_a_bad_split_a_value_error_naming_the_argument(bad):
    """Does an unknown split raise ValueError that names 'split' and the allowed values?"""
    with pytest.raises(ValueError, match=r"'split'.*'train'.*'test'"):
        load_mnist1d(bad)


# ---- checksums and regeneration -----------------------------------------------------------

@pytest.mark.parametrize("rel, load", [
    (MNIST_FILES["train"], lambda d: load_mnist1d("train", cache_dir=d)),
    (IMAGE_FILE, lambda d: load_sample_image(cache_dir=d)),
])
def test_does_a_corrupt_file_raise_a_clear_checksum_error(tmp_path, rel, load):
    """Does one flipped byte raise ChecksumError naming the file, both sha256s and the fix?"""
    copy = tmp_path / rel
    copy.parent.mkdir(parents=True)
    shutil.copyfile(PACKAGE_DIR / rel, copy)
    data = bytearray(copy.read_bytes())
    data[-1] ^= 0xFF  # inside the array data: np.load alone would not notice
    copy.write_bytes(bytes(data))
    with pytest.raises(ChecksumError) as info:
        load(tmp_path)
    message = str(info.value)
    assert str(copy) in message
    assert read_manifest()[rel] in message and _sha256(copy) in message
    assert "delete" in message


def test_does_a_missing_cache_regenerate_the_manifest_bytes(regenerated):
    """Does loading into an empty folder write files whose sha256 is the manifest's?"""
    cache, _ = regenerated
    for rel in MNIST_FILES.values():
        assert _sha256(cache / rel) == read_manifest()[rel], rel


def test_does_regeneration_return_the_committed_data(regenerated):
    """Are the arrays returned while regenerating equal to the committed cache's?"""
    _, arrays = regenerated
    for split, (x, y) in arrays.items():
        x_ref, y_ref = load_mnist1d(split)
        assert x.dtype == np.float32 and y.dtype == np.int64
        np.testing.assert_array_equal(x, x_ref)
        np.testing.assert_array_equal(y, y_ref)


def test_does_a_regenerated_image_match_the_manifest(tmp_path):
    """Is a missing sample image rebuilt from matplotlib's sample data, byte for byte?"""
    img = load_sample_image(cache_dir=tmp_path)
    assert _sha256(tmp_path / IMAGE_FILE) == read_manifest()[IMAGE_FILE]
    np.testing.assert_array_equal(img, load_sample_image())


def test_is_changed_generator_output_refused(tmp_path, monkeypatch):
    """If regeneration no longer reproduces the manifest, is it an error and nothing cached?"""
    monkeypatch.setattr(datasets.loaders, "_as_xy",
                        lambda x, y: (np.asarray(x, np.float32) + 1, np.asarray(y, np.int64)))
    with pytest.raises(ChecksumError, match=r"regenerated 'mnist1d/(train|test)\.npz'"):
        load_mnist1d("test", cache_dir=tmp_path)
    assert not (tmp_path / MNIST_FILES["test"]).exists()


def test_is_the_manifest_never_read_from_cache_dir(tmp_path):
    """Can a cache folder with its own manifest not bless a modified file?"""
    (tmp_path / "mnist1d").mkdir()
    bad = tmp_path / MNIST_FILES["test"]
    bad.write_bytes(b"not the data")
    (tmp_path / MANIFEST_PATH.name).write_text(f"{_sha256(bad)}  {MNIST_FILES['test']}\n")
    with pytest.raises(ChecksumError):
        load_mnist1d("test", cache_dir=tmp_path)


# ---- global random state ------------------------------------------------------------------

def test_is_the_global_rng_unchanged_by_regenerating(tmp_path, no_network):
    """After regenerating the cache, do NumPy's and Python's global RNGs continue as before?"""
    np.random.seed(1234)
    random.seed(1234)
    before = _rng_states()
    load_mnist1d("test", cache_dir=tmp_path)
    assert _rng_states() == before


def test_is_the_global_rng_unchanged_by_make_mnist1d(no_network):
    """Does make_mnist1d leave the caller's random streams exactly where they were?"""
    np.random.seed(7)
    random.seed(7)
    expected = (np.random.rand(3), random.random())
    np.random.seed(7)
    random.seed(7)
    make_mnist1d(seed=0, num_samples=100)
    assert np.array_equal(np.random.rand(3), expected[0]) and random.random() == expected[1]


def test_is_the_global_rng_restored_when_generation_fails(monkeypatch):
    """If make_dataset reseeds and then raises, are the RNG states still restored?"""
    import mnist1d.data

    def reseed_then_fail(args, template=None):
        np.random.seed(0)
        random.seed(0)
        raise RuntimeError("boom")

    monkeypatch.setattr(mnist1d.data, "make_dataset", reseed_then_fail)
    np.random.seed(99)
    random.seed(99)
    before = _rng_states()
    with pytest.raises(RuntimeError, match="boom"):
        make_mnist1d(seed=1, num_samples=10)
    assert _rng_states() == before


# ---- fresh sets for the hidden test -------------------------------------------------------

def test_is_make_mnist1d_deterministic_per_seed(no_network):
    """Does one seed always give the same set, and two seeds different sets?"""
    x1, y1 = make_mnist1d(seed=3, num_samples=200)
    x2, y2 = make_mnist1d(seed=3, num_samples=200)
    x3, _ = make_mnist1d(seed=4, num_samples=200)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


def test_does_make_mnist1d_have_the_documented_shapes_and_balance():
    """Is it x float32 (num_samples, 40), y int64 with exactly num_samples // 10 per class?"""
    x, y = make_mnist1d(seed=11, num_samples=300)
    assert x.shape == (300, 40) and x.dtype == np.float32
    assert y.shape == (300,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [30] * 10


def test_does_make_mnist1d_with_the_standard_seed_reproduce_the_cache():
    """Is make_mnist1d(42, 5000) the train split followed by the test split?"""
    x, y = make_mnist1d(seed=42, num_samples=5000)
    x_train, y_train = load_mnist1d("train")
    x_test, y_test = load_mnist1d("test")
    np.testing.assert_array_equal(x, np.concatenate([x_train, x_test]))
    np.testing.assert_array_equal(y, np.concatenate([y_train, y_test]))


def test_does_make_mnist1d_pass_overrides_and_keep_all_samples():
    """Are dataset_args forwarded (shuffle_seq changes x) and train_split never drops samples?"""
    x, _ = make_mnist1d(seed=5, num_samples=100)
    x_shuffled, _ = make_mnist1d(seed=5, num_samples=100, shuffle_seq=True)
    assert not np.array_equal(x, x_shuffled)
    assert make_mnist1d(seed=5, num_samples=100, train_split=0.5)[0].shape == (100, 40)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"seed": 1.0}, TypeError, "'seed'"),
    ({"seed": True}, TypeError, "'seed'"),
    ({"seed": 1, "num_samples": 105}, ValueError, "'num_samples'"),
    ({"seed": 1, "num_samples": 0}, ValueError, "'num_samples'"),
    ({"seed": 1, "num_samples": 100.0}, TypeError, "'num_samples'"),
    ({"seed": 1, "url": "http://example.com"}, TypeError, "unknown"),
    ({"seed": 1, "num_sample": 100}, TypeError, "unknown"),
])
def test_are_bad_make_mnist1d_arguments_rejected(kwargs, error, match):
    """Are non-int seeds/sizes, sizes not a multiple of 10 and unknown args rejected by name?"""
    with pytest.raises(error, match=match):
        make_mnist1d(**kwargs)


# ---- sample image -------------------------------------------------------------------------

@pytest.mark.parametrize("size, side", [(128, 128), (None, 256), (256, 256), (100, 100), (1, 1)])
def test_is_the_sample_image_a_float64_square_in_unit_range(size, side):
    """Is load_sample_image(size) float64 (side, side), values in [0, 1], not flat?"""
    img = load_sample_image(size)
    assert img.shape == (side, side) and img.dtype == np.float64
    assert img.min() >= 0.0 and img.max() <= 1.0
    if side > 1:
        assert img.std() > 0.1 and img.min() < 0.1 and img.max() > 0.9


def test_is_the_default_sample_image_a_128_pixel_area_average():
    """Is the default 128x128 image the 2x2 block mean of the stored 256x256 one?"""
    full = load_sample_image(None)
    blocks = full.reshape(128, 2, 128, 2).mean(axis=(1, 3))  # (128, 128)
    np.testing.assert_allclose(load_sample_image(), blocks, rtol=0, atol=1e-12)
    assert load_sample_image(100).mean() == pytest.approx(full.mean(), abs=1e-9)


@pytest.mark.parametrize("size, error", [(0, ValueError), (257, ValueError), (-3, ValueError),
                                         (64.0, TypeError), (True, TypeError), ("128", TypeError)])
def test_is_a_bad_image_size_rejected_by_name(size, error):
    """Is a size outside 1..256, or not an int, rejected with a message naming 'size'?"""
    with pytest.raises(error, match="'size'"):
        load_sample_image(size)
