"""requirements*.txt, environment.yml and binder/ stay in step, and the learner's install is lean."""

from __future__ import annotations

import re
import tomllib

from notebook_files import ROOT
from packaging.requirements import Requirement

CONDA_NAMES = {"torch": "pytorch-cpu"}


TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
TEST_TOOLS = {"pytest", "nbval", "hypothesis", "ruff", "playwright", "greenlet"}


def requirements(path: str) -> tuple[list[Requirement], list[str]]:
    """(requirements, option lines such as --extra-index-url) of a requirements file."""
    reqs, options = [], []
    for line in (ROOT / path).read_text().splitlines():
        line = line.split(" #")[0].strip()
        if line.startswith("--"):
            options.append(line)
        elif line and not line.startswith("#"):
            reqs.append(Requirement(line))
    return reqs, options


def pins(path: str) -> dict[str, str]:
    """name -> exact version (local build tag such as +cpu dropped) of a requirements file."""
    out: dict[str, str] = {}
    for req in requirements(path)[0]:
        (spec,) = req.specifier
        assert spec.operator == "==", f"{path}: {req} is not an exact pin"
        version = spec.version.split("+")[0]
        assert out.setdefault(req.name.lower(), version) == version, (
            f"{path}: two versions of {req.name}"
        )
    return out


def torch_lines(path: str) -> dict[str, str]:
    """platform -> the torch pin that pip picks there."""
    env = {
        "linux": {"sys_platform": "linux"},
        "win32": {"sys_platform": "win32"},
        "darwin": {"sys_platform": "darwin"},
    }
    out = {}
    for req in requirements(path)[0]:
        if req.name == "torch":
            for platform, marker_env in env.items():
                if req.marker is None or req.marker.evaluate(marker_env):
                    assert platform not in out, f"{path}: two torch pins for {platform}"
                    out[platform] = str(req.specifier)
    return out


def test_learners_get_the_cpu_build_of_torch_from_pytorchs_index():
    reqs, options = requirements("requirements.txt")
    assert f"--extra-index-url {TORCH_CPU_INDEX}" in options
    torch = torch_lines("requirements.txt")
    assert torch["linux"].endswith("+cpu") and torch["win32"].endswith("+cpu")
    assert "+" not in torch["darwin"], "macOS wheels on the package index are CPU builds"


def test_learners_install_no_test_tools():
    learner = set(pins("requirements.txt"))
    assert not learner & TEST_TOOLS, "test tools belong in requirements-test.txt"
    assert TEST_TOOLS <= set(pins("requirements-test.txt"))
    assert not set(pins("requirements-test.txt")) & learner, "each pin lives in one file"
    conda, _ = conda_deps("environment.yml")
    assert not set(conda) & TEST_TOOLS


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
            line
            for line in (ROOT / path).read_text().splitlines()
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


def test_ruff_targets_the_oldest_python_the_course_supports():
    # ruff reads the code as this Python: with an older one it sorted tomllib (3.11's standard
    # library) among the third-party imports, and may suggest what the oldest Python lacks.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    floor = pyproject["project"]["requires-python"].removeprefix(">=")
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + floor.replace(".", "")


#: Colab's stack as the compat leg runs it (issue "The stacks learners really run").
COLAB = {
    "torch": "2.11.0",
    "numpy": "2.1.3",
    "matplotlib": "3.10.0",
    "ipywidgets": "7.7.1",
    "ipykernel": "6.17.1",
    "ipython": "7.34.0",
    "jupyter-client": "7.4.9",
    "nbclient": "0.10.4",
}


def test_compat_environment_is_colabs_stack():
    compat = pins("requirements-compat.txt")
    assert {name: compat.get(name) for name in COLAB} == COLAB
    reqs, options = requirements("requirements-compat.txt")
    # torch as Colab has it: the package index's CUDA build, not PyTorch's CPU index.
    assert not options, "compat installs from the package index alone"
    assert torch_lines("requirements-compat.txt") == dict.fromkeys(
        ("linux", "win32", "darwin"), "==" + COLAB["torch"]
    )
    main = pins("requirements.txt") | pins("requirements-test.txt")
    for name in TEST_TOOLS & set(compat):  # the test tools are the same as the main leg's
        assert compat[name] == main[name], name


def test_pyproject_floors_are_the_compat_legs_versions():
    # The lowest versions helpers claims are the ones the compat leg really tests.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    compat = pins("requirements-compat.txt")
    for dep in project["dependencies"]:
        req = Requirement(dep)
        (spec,) = req.specifier
        assert compat[req.name].startswith(spec.version + "."), (dep, compat[req.name])
    assert project["requires-python"] == ">=3.11"
    tested = {c.rsplit(" :: ", 1)[1] for c in project["classifiers"] if "Python :: 3." in c}
    assert tested == {"3.11", "3.12", "3.13"}


def test_future_environment_is_unpinned_and_names_what_it_tracks():
    reqs, options = requirements("requirements-future.txt")
    assert not options
    for r in reqs:  # the newest: no pins, no caps; a floor only where a cap must not hide it
        assert r.marker is None and all(spec.operator == ">=" for spec in r.specifier), r
    names = {r.name.lower() for r in reqs}
    assert {"torch", "numpy", "matplotlib", "ipywidgets", "jupyterlab"} <= names
    assert {"pytest", "nbval", "hypothesis"} <= names


def test_the_sanitizer_makes_autograd_node_names_the_same_on_every_torch():
    # torch 2.11 names the node "SubBackward0" in an in-place error, 2.13 and later "Sub".
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "notebooks" / "sanitize.cfg")
    rules = [
        (re.compile(c["regex"]), c["replace"]) for c in map(config.__getitem__, config.sections())
    ]

    def sanitized(text: str) -> str:
        for regex, replace in rules:
            text = regex.sub(replace, text)
        return text

    old = "[torch.FloatTensor [100, 1]], which is output 0 of SubBackward0, is at version 1"
    new = "[torch.FloatTensor [100, 1]], which is output 0 of Sub, is at version 1"
    assert sanitized(old) == sanitized(new) == new
    assert sanitized("grad_fn=<SubBackward0>") == "grad_fn=<SubBackward0>"  # only that wording
