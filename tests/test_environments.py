"""requirements.txt, environment.yml, binder/ and requirements-compat.txt stay in step."""

from __future__ import annotations

import re

import tomllib
from conftest import ROOT
from packaging.requirements import Requirement

CONDA_NAMES = {"torch": "pytorch-cpu"}


def pins(path: str) -> dict[str, str]:
    """name -> version of every `name==version` line in a requirements file."""
    out = {}
    for line in (ROOT / path).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            out[name.lower()] = version
    return out


def conda_deps(path: str) -> tuple[dict[str, str], list[str]]:
    """(conda name -> version, pip entries) of an environment file."""
    conda, pip, in_pip = {}, [], False
    for line in (ROOT / path).read_text().splitlines():
        if m := re.fullmatch(r"  - ([\w-]+)=([\w.]+)", line):
            conda[m.group(1)] = m.group(2)
        elif line == "  - pip:":
            in_pip = True
        elif in_pip and (m := re.fullmatch(r"      - (.+)", line)):
            pip.append(m.group(1))
    return conda, pip


def test_environment_yml_lists_the_same_packages_as_requirements():
    conda, pip = conda_deps("environment.yml")
    expected = {CONDA_NAMES.get(name, name): v for name, v in pins("requirements.txt").items()}
    assert conda.pop("python") == "3.11"
    assert conda == expected
    assert pip == ["-e ."]
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"channels:\n  - conda-forge\n  - nodefaults\n", text), "conda-forge only"


def test_binder_environment_is_the_same_without_the_editable_install():
    def body(path: str) -> list[str]:
        return [
            line for line in (ROOT / path).read_text().splitlines()
            if line and not line.startswith("#") and line not in ("  - pip:", "      - -e .")
        ]

    assert body("binder/environment.yml") == body("environment.yml")
    post = (ROOT / "binder" / "postBuild").read_text()
    assert "pip install --no-deps -e ." in post


def test_pyproject_gives_ranges_not_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["name"] != "helpers"
    for dep in project["dependencies"]:
        req = Requirement(dep)
        assert req.specifier and all(s.operator == ">=" for s in req.specifier), dep


def test_compat_environment_uses_the_lowest_allowed_versions():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lowest = {
        Requirement(d).name: next(iter(Requirement(d).specifier)).version
        for d in project["dependencies"]
    }
    compat, main = pins("requirements-compat.txt"), pins("requirements.txt")
    for name in ("numpy", "matplotlib"):
        assert compat[name] == lowest[name] + ".0", name
    assert compat["ipywidgets"].startswith("7.7") and lowest["ipywidgets"] == "7.7"
    assert compat["torch"] == main["torch"], "torch stays at the pinned CPU build"
    for name in set(compat) - {"numpy", "matplotlib", "ipywidgets"}:
        assert compat[name] == main[name], name
