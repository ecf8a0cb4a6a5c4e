"""Q6 corr2d and convolve2d: single-channel cross-correlation (deep learning's "convolution") and the
true, flipped convolution.

Public cases: the lecture's worked examples (5x5 -> 25 at the top left; the UFLDL example), the classic
sharpen / box-blur / edge kernels on a small step image, and a flipped kernel, all worked out by hand.
Hidden cases: random images and rectangular kernels (seeded per student), compared with the reference;
dtypes, inputs left unchanged, invalid shapes.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import call, case_rng, check_array, check_true, expect_raises, reference, inputs_kept

OK_FORMAT = False
name = "q06_corr2d"

LECTURE_X = np.array([[3, 5, 2, 8, 1], [9, 7, 5, 4, 3], [2, 0, 6, 1, 6], [6, 3, 7, 9, 2], [1, 4, 9, 5, 1]])
LECTURE_K = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]])
STEP = np.array([[1.0, 1.0, 1.0, 5.0, 5.0]] * 4)   # a dark region (1) next to a bright one (5)


@test_case(points=1, hidden=False)
def corr2d_lecture_example(corr2d):
    """The lecture's 5x5 integer input and 3x3 kernel: 25 at the top left (integers are computed in float64)."""
    expected = np.array([[25, 18, 17], [18, 22, 14], [20, 15, 23]], dtype=np.float64)
    check_array("corr2d", call("corr2d", corr2d, LECTURE_X, LECTURE_K), expected, case="lecture 5x5 example")


@test_case(points=1, hidden=False)
def corr2d_ufldl_example(corr2d):
    """The UFLDL tutorial's binary image and X-shaped kernel."""
    image = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]],
                     dtype=np.float64)
    kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=np.float64)
    expected = np.array([[4, 3, 4], [2, 4, 3], [2, 3, 4]], dtype=np.float64)
    check_array("corr2d", call("corr2d", corr2d, image, kernel), expected, case="UFLDL example")


@test_case(points=1, hidden=False)
def corr2d_classic_kernels(corr2d):
    """Sharpen keeps flat regions and exaggerates the step; box blur sums; the edge kernel is 0 where flat."""
    sharpen = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=np.float64)
    blur = np.ones((3, 3))
    edge = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float64)
    check_array("corr2d", call("corr2d", corr2d, STEP, sharpen), np.array([[1.0, -3.0, 9.0]] * 2),
                case="sharpen kernel on a step image")
    check_array("corr2d", call("corr2d", corr2d, STEP, blur), np.array([[9.0, 21.0, 33.0]] * 2),
                case="box-blur kernel on a step image")
    check_array("corr2d", call("corr2d", corr2d, STEP, edge), np.array([[0.0, 4.0, -4.0]] * 2),
                case="edge kernel on a step image")


@test_case(points=1, hidden=False)
def convolve2d_flips_the_kernel(convolve2d):
    """True convolution flips the kernel on both axes; a kernel symmetric under the flip gives corr2d's result."""
    kernel = np.array([[1.0, 2.0], [0.0, -1.0]])
    expected = np.array([[22, 14, 12, 3], [-5, -1, 8, 4], [13, 13, 17, 19], [0, 14, 16, 2]], dtype=np.float64)
    check_array("convolve2d", call("convolve2d", convolve2d, LECTURE_X, kernel), expected,
                case="lecture 5x5 input, asymmetric 2x2 kernel")
    check_array("convolve2d", call("convolve2d", convolve2d, STEP, np.ones((3, 3))), np.array([[9.0, 21.0, 33.0]] * 2),
                case="box blur (symmetric kernel)")


# BEGIN HIDDEN TESTS
def _same_as_reference(fn_name, fn, *args, case, **kwargs):
    """Compare the student's ``fn(*args, **kwargs)`` with the reference's, computed FIRST on the pristine inputs."""
    expected = getattr(reference(), fn_name)(*args, **kwargs)
    check_array(fn_name, call(fn_name, fn, *args, **kwargs), expected, case=case)
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def corr2d_convolve2d_random(corr2d, convolve2d):
    rng = case_rng("corr2d random")
    for _ in range(4):
        image = rng.standard_normal(tuple(int(v) for v in rng.integers(3, 12, size=2)))
        while True:   # rectangular (KH != KW), so at least 2 wide on one axis: the flip always shows
            kh, kw = int(rng.integers(1, image.shape[0] + 1)), int(rng.integers(1, image.shape[1] + 1))
            if kh != kw:
                break
        kernel = rng.standard_normal((kh, kw))
        _same_as_reference("corr2d", corr2d, image, kernel, case="random image, rectangular kernel")
        _same_as_reference("convolve2d", convolve2d, image, kernel, case="random image, rectangular kernel")


@test_case(points=1, hidden=True)
def corr2d_dtypes_and_errors(corr2d, convolve2d):
    rng = case_rng("corr2d dtypes")
    image, kernel = rng.standard_normal((7, 6)).astype(np.float32), rng.standard_normal((3, 2)).astype(np.float32)
    _same_as_reference("corr2d", corr2d, image, kernel, case="float32 in: float32 out")
    _same_as_reference("convolve2d", convolve2d, image, kernel, case="float32 in: float32 out")
    ints = rng.integers(-4, 5, size=(6, 6)), rng.integers(-2, 3, size=(2, 3))
    _same_as_reference("convolve2d", convolve2d, *ints, case="integer in: float64 out")
    expect_raises(ValueError, "corr2d", corr2d, image, image[:2, :2][None], case="3-D kernel")
    expect_raises(ValueError, "corr2d", corr2d, image[0], kernel, case="1-D image")
    expect_raises(ValueError, "corr2d", corr2d, kernel, image, case="kernel larger than the image")


@test_case(points=0, hidden=True)
def corr2d_keeps_inputs_info(corr2d, convolve2d):
    rng = case_rng("corr2d inputs unchanged")
    image, kernel = rng.standard_normal((7, 6)), rng.standard_normal((3, 2))
    for fn_name, fn in (("corr2d", corr2d), ("convolve2d", convolve2d)):
        check_true(inputs_kept(fn_name, fn, (image, kernel), {}) is not False,
                   f"'{fn_name}' modified its input arrays: never write into image or kernel (for information, worth no points: only the sandbox sees this, so it is your code's word)")
