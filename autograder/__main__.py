"""``python -m autograder``: the command line (see ``autograder.cli``)."""
import sys

from autograder.cli import main

sys.exit(main())
