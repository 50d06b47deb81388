"""``python -m helpers.classroom [--check]``: write (or check) ``student/`` (``make student``)."""

import sys

from .student import main

sys.exit(main())
