"""The teacher's room: tools for running the course in a class, not taught in a notebook.

- :mod:`helpers.classroom.student`: the classroom edition, ``student/`` generated from the
  self-study notebooks (``make student``, ``python -m helpers.classroom``).
- :mod:`helpers.classroom.grade`: the grader, ``python -m helpers.classroom.grade PATH...``.
- :mod:`helpers.classroom.worker`: the grader's worker, which runs one submission's cells in a
  sandboxed kernel; :mod:`helpers.classroom.sandbox` builds that sandbox and
  :mod:`helpers.classroom.transfer` carries plain data in and out of it.

INSTRUCTORS.md says how to use them and what the grader guarantees.
"""

from .student import (
    ROOT,
    Exercise,
    badge_urls,
    build_student,
    course_slug_ref,
    find_exercises,
    main,
    make_student,
    solution_code,
    student_text,
    untagged_problems,
)

__all__ = [
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
]
