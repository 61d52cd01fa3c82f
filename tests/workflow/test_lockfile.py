"""requirements.lock: the exact environment that CI (.ci/run, .github/workflows) and README command 1
install. Every dependency that pyproject.toml names (runtime, dev, slurm) is pinned there with `==`."""
import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
LOCKED_EXTRAS = ("dev", "slurm")  # `actionlint` stays out: its package cannot build without access to GitHub


def lock() -> dict[str, Requirement]:
    pins = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            pins[canonicalize_name(req.name)] = req
    return pins


def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def test_every_pyproject_dependency_is_pinned_and_satisfies_its_bound():
    project, pins = pyproject(), lock()
    named = [*project["dependencies"], *(r for e in LOCKED_EXTRAS for r in project["optional-dependencies"][e])]
    for spec in map(Requirement, named):
        pin = pins.get(canonicalize_name(spec.name))
        assert pin is not None, f"{spec.name} (pyproject.toml) is not pinned in requirements.lock"
        assert spec.specifier.contains(next(iter(pin.specifier)).version, prereleases=True), (spec, pin)


def test_every_lock_line_is_an_exact_pin_and_names_no_local_package():
    for name, req in lock().items():
        assert len(req.specifier) == 1 and next(iter(req.specifier)).operator == "==", req
        assert name != "lop" and not req.url, req
    assert str(lock()["torch"].specifier) == "==2.14.1" and str(lock()["torchvision"].specifier) == "==0.29.1"


def test_ci_and_readme_install_from_the_lock():
    command_1 = (REPO / "README.md").read_text().split("```bash\n")[1].split("```")[0]
    ci_run = (REPO / ".ci" / "run").read_text()
    for text in (command_1, ci_run):
        assert ".venv/bin/pip install" in text and "-r requirements.lock" in text
        assert re.search(r"pip install (-q )?--no-deps -e '\.\[dev", text), text
