"""CNN course autograder: release, verify, check, grade and doctor for the convolutional-networks unit.

Layers (each may import only those below it; ``tests/test_layering.py`` enforces it):

* ``core``    - dataclasses of the data model; imports nothing from the project.
* ``checks``  - oracle comparison and layered student messages; the grading context test files read.
* ``build``   - the release pipeline (strip solutions, split public/hidden, stamp headers, bundle).
* ``sandbox`` - trusted parent / untrusted worker; ``sandbox/worker.py`` is the untrusted side.
* ``grade``   - loading and running otter test files against a submission; batch grading.
* ``verify``, ``check``, ``doctor`` - the other verbs; ``cli`` maps flags onto the verbs' ``main``.
"""

__version__ = "0.1.0"
