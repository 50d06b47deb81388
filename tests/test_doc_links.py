"""Links to a section (``[text](#anchor)``, ``[text](FILE.md#anchor)``) in the course's Markdown
files land on a heading, on GitHub and on the website alike (whose build fails on a missing one,
but only at the end of `make test`)."""

from __future__ import annotations

import re

import pytest
from notebook_files import ROOT

DOCS = ["README.md", "INSTRUCTORS.md", "CONTRIBUTING.md"]
LINK = re.compile(r"\]\(((?:[\w./-]+\.md)?)#([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation but - and _ dropped, spaces to -."""
    text = re.sub(r"[^\w\- ]", "", heading.replace("`", "").lower())
    return text.replace(" ", "-")


def anchors(name: str) -> set[str]:
    text = FENCE.sub("", (ROOT / name).read_text(encoding="utf-8"))
    return {slug(h) for h in HEADING.findall(text)}


def test_slug_is_githubs():
    assert slug("Grade: `python -m helpers.classroom.grade`") == (
        "grade-python--m-helpersclassroomgrade"
    )
    assert slug("Two editions, one source") == "two-editions-one-source"


@pytest.mark.parametrize("name", DOCS)
def test_every_section_link_lands_on_a_heading(name):
    text = FENCE.sub("", (ROOT / name).read_text(encoding="utf-8"))
    broken = []
    for target, anchor in LINK.findall(text):
        where = target or name
        if (ROOT / where).is_file() and anchor not in anchors(where):
            broken.append(f"{where}#{anchor}")
    assert not broken, (
        f"{name} links to sections that no heading makes: {broken}; "
        "fix the link (GitHub's anchor is the heading in lower case, punctuation dropped, "
        "spaces as -)"
    )
