"""Q6 corr2d and convolve2d: single-channel cross-correlation (deep learning's "convolution") and the
true, flipped convolution.

Public cases: the lecture's worked examples (5x5 -> 25 at the top left; the UFLDL example), the classic
sharpen / box-blur / edge kernels on a small step image, and a flipped kernel, all worked out by hand.
Hidden cases: random images and rectangular kernels (seeded per student), compared with the reference;
the dtype rules (their own case: value cases compare values only), invalid shapes, inputs left unchanged.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import case_rng, student

OK_FORMAT = False
name = "q06_corr2d"

LECTURE_X = np.array([[3, 5, 2, 8, 1], [9, 7, 5, 4, 3], [2, 0, 6, 1, 6], [6, 3, 7, 9, 2], [1, 4, 9, 5, 1]])
LECTURE_K = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]])
STEP = np.array([[1.0, 1.0, 1.0, 5.0, 5.0]] * 4)   # a dark region (1) next to a bright one (5)


@test_case(points=1, hidden=False)
def corr2d_lecture_example(corr2d):
    """The lecture's 5x5 integer input and 3x3 kernel: 25 at the top left (integers are computed in float64)."""
    student("corr2d", corr2d).expect(np.array([[25, 18, 17], [18, 22, 14], [20, 15, 23]], dtype=np.float64),
                                     LECTURE_X, LECTURE_K, case="lecture 5x5 example")


@test_case(points=1, hidden=False)
def corr2d_ufldl_example(corr2d):
    """The UFLDL tutorial's binary image and X-shaped kernel."""
    image = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]],
                     dtype=np.float64)
    kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=np.float64)
    student("corr2d", corr2d).expect(np.array([[4, 3, 4], [2, 4, 3], [2, 3, 4]], dtype=np.float64), image, kernel,
                                     case="UFLDL example")


@test_case(points=1, hidden=False)
def corr2d_classic_kernels(corr2d):
    """Sharpen keeps flat regions and exaggerates the step; box blur sums; the edge kernel is 0 where flat."""
    sharpen = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=np.float64)
    blur = np.ones((3, 3))
    edge = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float64)
    f = student("corr2d", corr2d)
    f.expect(np.array([[1.0, -3.0, 9.0]] * 2), STEP, sharpen, case="sharpen kernel on a step image")
    f.expect(np.array([[9.0, 21.0, 33.0]] * 2), STEP, blur, case="box-blur kernel on a step image")
    f.expect(np.array([[0.0, 4.0, -4.0]] * 2), STEP, edge, case="edge kernel on a step image")


@test_case(points=1, hidden=False)
def convolve2d_flips_the_kernel(convolve2d):
    """True convolution flips the kernel on both axes; a kernel symmetric under the flip gives corr2d's result."""
    kernel = np.array([[1.0, 2.0], [0.0, -1.0]])
    f = student("convolve2d", convolve2d)
    f.expect(np.array([[22, 14, 12, 3], [-5, -1, 8, 4], [13, 13, 17, 19], [0, 14, 16, 2]], dtype=np.float64),
             LECTURE_X, kernel, case="lecture 5x5 input, asymmetric 2x2 kernel")
    f.expect(np.array([[9.0, 21.0, 33.0]] * 2), STEP, np.ones((3, 3)), case="box blur (symmetric kernel)")


@test_case(points=1, hidden=True)
def corr2d_convolve2d_random(corr2d, convolve2d):
    rng = case_rng("corr2d random")
    for _ in range(4):
        image = rng.standard_normal(tuple(int(v) for v in rng.integers(3, 12, size=2)))
        while True:   # rectangular (KH != KW), both >= 2: a flip or transposed kernel axes always show
            kh, kw = int(rng.integers(2, image.shape[0] + 1)), int(rng.integers(2, image.shape[1] + 1))
            if kh != kw:
                break
        kernel = rng.standard_normal((kh, kw))
        student("corr2d", corr2d).same(image, kernel, case="random image, rectangular kernel")
        student("convolve2d", convolve2d).same(image, kernel, case="random image, rectangular kernel")


@test_case(points=0.5, hidden=True)
def corr2d_dtypes(corr2d, convolve2d):
    rng = case_rng("corr2d dtypes")
    image, kernel = rng.standard_normal((7, 6)).astype(np.float32), rng.standard_normal((3, 2)).astype(np.float32)
    ints = rng.integers(-4, 5, size=(6, 6)), rng.integers(-2, 3, size=(2, 3))
    for f in (student("corr2d", corr2d), student("convolve2d", convolve2d)):
        f.dtype(image, kernel, case="float32 in: float32 out")
        f.dtype(*ints, case="integer in: float64 out")


@test_case(points=0.5, hidden=True)
def corr2d_invalid_arguments(corr2d):
    f, rng = student("corr2d", corr2d), case_rng("corr2d invalid arguments")
    image, kernel = rng.standard_normal((7, 6)), rng.standard_normal((3, 2))
    f.valid_call(image, kernel)
    f.raises(ValueError, image, image[:2, :2][None], case="3-D kernel")
    f.raises(ValueError, image[0], kernel, case="1-D image")
    f.raises(ValueError, kernel, image, case="kernel larger than the image")


@test_case(points=0, hidden=True)
def corr2d_keeps_inputs_info(corr2d, convolve2d):
    rng = case_rng("corr2d inputs unchanged")
    image, kernel = rng.standard_normal((7, 6)), rng.standard_normal((3, 2))
    student("corr2d", corr2d).keeps_inputs(image, kernel, what="image or kernel")
    student("convolve2d", convolve2d).keeps_inputs(image, kernel, what="image or kernel")
