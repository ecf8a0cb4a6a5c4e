"""A broken A1 submission (for the demo): loops forever, exits, kills its own process. Each failure
costs only the test that triggered it; the correct functions still earn their points."""
import os
import sys


def conv_output_size(n, k, stride=1, padding=0, dilation=1):
    while True:  # never returns: the grader's per-call time limit stops it
        pass


def effective_kernel_size(k, dilation=1):
    return dilation * (k - 1) + 1


def full_padding(k, dilation=1):
    return dilation * (k - 1)


def pad2d(x, padding, value=0.0):
    sys.exit("giving up")  # SystemExit inside a call


def corr2d(image, kernel):
    os._exit(1)  # kills the worker process: the grader restarts it
