"""Forbidden in A1: corr2d and convolve2d import scipy when called. They fail with a message naming
scipy; the q01 functions still score."""
# @@REFERENCE_Q01@@


def corr2d(image, kernel):
    from scipy.signal import correlate2d
    return correlate2d(image, kernel, mode="valid")


def convolve2d(image, kernel):
    import scipy.signal
    return scipy.signal.convolve2d(image, kernel, mode="valid")
