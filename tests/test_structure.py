"""The package's shape: every module imports on its own, there is no import cycle, and the app does not
pull in the training loop."""

import ast
import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

FLOORS = ("core", "latent", "publish")  # each floor imports only from the floors before it
COMMANDS = {"export", "hub", "evaluate", "intel"}  # the `python -m vae.NAME` commands
MODULES = sorted(
    f"{p.parent.name}.{p.stem}" for floor in FLOORS for p in (ROOT / "vae" / floor).glob("*.py") if p.stem != "__init__"
)


def internal_imports(module: str) -> set[str]:
    """The vae modules ("floor.name") that `module` imports (relative imports), read from its source."""
    floor = module.split(".")[0]
    tree = ast.parse((ROOT / "vae" / f"{module.replace('.', '/')}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or node.level == 0:
            continue
        if node.level == 1:
            names = [node.module] if node.module else [a.name for a in node.names]
            found |= {f"{floor}.{name.split('.')[0]}" for name in names}
        elif node.module and "." in node.module:
            found.add(".".join(node.module.split(".")[:2]))
        elif node.module:
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def test_the_vae_package_has_no_import_cycle():
    graph = {m: internal_imports(m) for m in MODULES}
    done, path = set(), []

    def visit(module):
        if module in path:
            pytest.fail("import cycle: " + " -> ".join([*path[path.index(module) :], module]))
        if module in done:
            return
        path.append(module)
        for imported in graph.get(module, ()):
            visit(imported)
        path.pop()
        done.add(module)

    for module in MODULES:
        visit(module)


def test_the_package_has_three_floors_each_importing_only_those_below():
    upward = [
        f"{module} imports {imported}"
        for module in MODULES
        for imported in internal_imports(module)
        if FLOORS.index(imported.split(".")[0]) > FLOORS.index(module.split(".")[0])
    ]
    assert upward == []
    top = {p.stem for p in (ROOT / "vae").glob("*.py")} - {"__init__"}
    assert top == COMMANDS  # beside the floors, only the commands' entry points
    for floor in FLOORS:
        assert ast.get_docstring(ast.parse((ROOT / "vae" / floor / "__init__.py").read_text()))


EACH_ON_ITS_OWN = """
import importlib, sys
import torch  # third-party imports stay cached; only the package is forgotten between modules
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "vae" or m.startswith("vae.")]:
        del sys.modules[loaded]
    importlib.import_module(f"vae.{name}")
"""


@pytest.mark.slow
def test_each_module_imports_on_its_own():
    result = subprocess.run(
        [sys.executable, "-c", EACH_ON_ITS_OWN, *MODULES], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]


FAKE_SPACES = """
import functools

def GPU(handler):  # what ZeroGPU's `spaces` package offers: a decorator for the functions that may use its GPU
    @functools.wraps(handler)
    def on_gpu(*args, **kwargs):
        return handler(*args, **kwargs)
    on_gpu.zero_gpu = True
    return on_gpu
"""

APP_FACTS = """
import json, sys
import app
imported = {name: name in sys.modules for name in ("vae.core.training", "torch.distributed.run", "vae.latent.explore")}
from vae.latent import explore
demo = app.build_demo(explore.load_explorer_models(app.MODELS_DIR))
bound = sorted({f.fn.__name__ for f in demo.fns.values() if getattr(f.fn, "zero_gpu", False)})
print(json.dumps({"imported": imported, "bound": bound}))
"""


@functools.cache
def app_facts(fake_spaces_dir: str) -> dict:
    """What `import app` loads and which handlers build_demo binds through spaces.GPU, with a `spaces` module
    importable: one subprocess for both (each costs Gradio's and torch's imports)."""
    (Path(fake_spaces_dir) / "spaces.py").write_text(FAKE_SPACES)
    env = {**os.environ, "PYTHONPATH": fake_spaces_dir}
    result = subprocess.run(
        [sys.executable, "-c", APP_FACTS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def facts(tmp_path_factory):
    return app_facts(str(tmp_path_factory.mktemp("spaces")))


@pytest.mark.slow
def test_the_app_does_not_import_the_training_loop(facts):
    assert facts["imported"] == {"vae.core.training": False, "torch.distributed.run": False, "vae.latent.explore": True}


@pytest.mark.slow
def test_with_the_spaces_package_only_the_big_batches_wait_for_zero_gpu(facts):
    assert set(facts["bound"]) == {"traverse", "interpolate"}  # explore, samples and page-open pictures stay on CPU


def imported_packages(folder: str) -> set[tuple[str, str]]:
    """(file, top-level package) for every absolute import in the .py files under `folder`."""
    found = set()
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            found |= {(path.name, name.split(".")[0]) for name in names}
    return found


def test_tests_and_bench_import_nothing_from_each_other():
    assert {f for f, package in imported_packages("tests") if package == "bench"} == set()
    assert {f for f, package in imported_packages("bench") if package == "tests"} == set()


def test_no_function_is_longer_than_sixty_lines():
    files = [ROOT / "app.py", ROOT / "train.py", *(ROOT / "vae").rglob("*.py"), *(ROOT / "ui").glob("*.py")]
    long = [
        f"{path.name}:{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for path in files
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno + 1 > 60
    ]
    assert long == []


def test_the_readme_is_short_enough_to_read_in_ten_minutes():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 250  # measured tables live in docs/RESULTS.md


def test_the_app_and_package_run_on_python_3_10():
    """ZeroGPU Spaces run Python 3.10; no 3.10 interpreter is installable here, so vermin reads the code."""
    files = ["app.py", "train.py", "vae", "ui"]
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, vermin; sys.exit(vermin.main())",
            "--no-tips",
            "--violations",
            "--eval-annotations",
            "-t=3.10-",
            *files,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "Target versions not met" not in result.stdout, result.stdout[-2000:]


def test_the_bundled_models_script_asks_where_to_write_before_it_trains(tmp_path):
    script = ROOT / "scripts" / "train_bundled.sh"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    env = {k: v for k, v in os.environ.items() if k != "OUT"}
    result = subprocess.run(["bash", str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0 and "set OUT" in result.stderr and not (tmp_path / "runs").exists()


def test_the_app_wires_and_no_module_grows_past_a_few_hundred_lines():
    assert len((ROOT / "app.py").read_text().splitlines()) <= 350  # the tabs and their wiring only
    files = [*(ROOT / "ui").glob("*.py"), *(ROOT / "vae").rglob("*.py")]
    long = [
        f"{path.relative_to(ROOT)} ({n} lines)" for path in files if (n := len(path.read_text().splitlines())) > 400
    ]
    assert long == []


def test_each_browser_module_has_one_job_and_stays_short():
    """web/ holds small ES modules, shared by the Gradio page and the static edition (web/static/)."""
    long = [
        f"{path.relative_to(ROOT)} ({n} lines)"
        for path in (ROOT / "web").rglob("*.js")
        if (n := len(path.read_text().splitlines())) > 250
    ]
    assert long == []


@pytest.mark.parametrize("command", [["format", "--check"], ["check"]])
def test_ruff_finds_nothing(command):
    """pyproject.toml's formatter and linter, as a developer runs them (`ruff format`, `ruff check --fix`)."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "."], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]
