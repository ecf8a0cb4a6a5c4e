"""Solution and hidden-test markers: stubs keep the interface, malformed markers fail with file:line."""
import pytest

from autograder.release.markers import MarkerError, strip_hidden_tests, strip_solutions

SOLUTION = '''\
import numpy as np


# BEGIN SOLUTION
def _helper(x):
    return x + 1
# END SOLUTION


def area(h, w):
    """Area of a rectangle."""
    out = None
    # BEGIN SOLUTION
    # HINT: multiply the two sides.
    out = _helper(h * w) - 1
    # END SOLUTION
    return out


def scale():
    factor = 2.5  # SOLUTION
    return factor
'''


def test_stub_keeps_signature_docstring_and_return():
    """Does the stub keep the signature, docstring, initialiser and return, and raise NotImplementedError?"""
    stub = strip_solutions(SOLUTION, "sol.py")
    assert 'def area(h, w):\n    """Area of a rectangle."""\n    out = None\n' in stub
    assert "    # TODO: implement area (see the docstring above).\n" in stub
    assert "    # HINT: multiply the two sides.\n" in stub
    assert '    raise NotImplementedError("area is not implemented yet")\n    return out\n' in stub
    assert "_helper" not in stub and "h * w" not in stub


def test_single_line_solution():
    """Is a '# SOLUTION' line's right-hand side replaced by '...'?"""
    stub = strip_solutions(SOLUTION, "sol.py")
    assert "    factor = ...  # TODO\n" in stub and "2.5" not in stub


def test_stub_is_valid_python_and_raises():
    """Does the generated stub import, and does each stubbed function raise NotImplementedError?"""
    namespace = {}
    exec(compile(strip_solutions(SOLUTION, "sol.py"), "stub", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="area"):
        namespace["area"](2, 3)


@pytest.mark.parametrize("text, line, what", [
    pytest.param("def f():\n    # BEGIN SOLUTION\n    return 1\n", 2, "never closed", id="unclosed"),
    pytest.param("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    x = 1\n    # END SOLUTION\n", 3,
                 "nested", id="nested"),
    pytest.param("def f():\n    return 1\n    # END SOLUTION\n", 3, "without a matching", id="stray-end"),
    pytest.param("def f():\n    # BEGIN SOLUTION\n    x = 1\n# END SOLUTION\n", 4, "not indented", id="misindented"),
    pytest.param("def f():\n    # BEGIN SOLUTON\n    x = 1\n", 2, "malformed", id="typo"),
])
def test_malformed_markers_fail_with_file_and_line(text, line, what):
    """Is each malformed marker rejected with path:line and the problem?"""
    with pytest.raises(MarkerError, match=rf"^sol\.py:{line}: .*{what}"):
        strip_solutions(text, "sol.py")


TESTS = '''\
from otter.test_files import test_case

name = "q1"


@test_case(points=1, hidden=False)
def public_case(f):
    assert f(1) == 2


# BEGIN HIDDEN TESTS
def _secret_inputs():
    return [3, 4]
# END HIDDEN TESTS


@test_case(points=2, hidden=True)
def hidden_case(f):
    assert f(_secret_inputs()[0]) == 4
'''


def test_hidden_cases_and_regions_are_removed():
    """Does the public test file keep public cases and lose hidden cases and hidden helpers?"""
    public = strip_hidden_tests(TESTS, "q1.py")
    assert "def public_case" in public
    assert "hidden_case" not in public and "_secret_inputs" not in public and "hidden=True" not in public
    compile(public, "q1.py", "exec")


def test_unclosed_hidden_region_fails():
    """Is an unclosed BEGIN HIDDEN TESTS rejected with file:line?"""
    with pytest.raises(MarkerError, match=r"^q1\.py:1: "):
        strip_hidden_tests("# BEGIN HIDDEN TESTS\nx = 1\n", "q1.py")
