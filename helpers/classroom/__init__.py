"""The teacher's room: tools for running the course in a class, not taught in a notebook.

- :mod:`helpers.classroom.student`: the classroom edition, ``student/`` generated from the
  self-study notebooks (``make student``, ``python -m helpers.classroom``).
- :mod:`helpers.classroom.grade`: the grader, ``python -m helpers.classroom.grade PATH...``.
- :mod:`helpers.classroom.worker`: the grader's worker, which runs one submission's cells in a
  sandboxed kernel; :mod:`helpers.classroom.sandbox` builds that sandbox and
  :mod:`helpers.classroom.transfer` carries plain data in and out of it.

INSTRUCTORS.md says how to use them and what the grader guarantees.
"""

from typing import Any

# The names below come from .student, imported on first use: the grader's driver cell imports
# helpers.classroom.transfer inside every sandboxed kernel, and .student imports nbformat,
# whose jsonschema dependency spends about 3 s at import (rfc3987_syntax builds a grammar).
_STUDENT_NAMES = (
    "ROOT",
    "Exercise",
    "badge_urls",
    "build_student",
    "course_slug_ref",
    "find_exercises",
    "main",
    "make_student",
    "solution_code",
    "student_text",
    "untagged_problems",
)
__all__ = list(_STUDENT_NAMES)


def __getattr__(name: str) -> Any:
    if name in _STUDENT_NAMES:
        from . import student

        return getattr(student, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
