"""The installable package: `pip wheel .` builds a wheel of `vae` (and only `vae`), with requirements.txt's pins as
its dependencies. The build runs in a folder of links to the checkout, so that its build/ and egg-info land there."""

import importlib.util
import subprocess
import sys
import zipfile

import pytest

from .conftest import ROOT


def built_wheel(tmp_path) -> zipfile.ZipFile:
    source = tmp_path / "source"
    source.mkdir()
    for entry in ROOT.iterdir():
        if entry.name != ".git":
            (source / entry.name).symlink_to(entry)
    offline = ["--no-build-isolation"] if importlib.util.find_spec("setuptools") else []  # else pip fetches it
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", *offline, "-q", ".", "-w", str(tmp_path / "dist")],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("landscape_vae-*.whl")
    return zipfile.ZipFile(wheel)


@pytest.mark.slow  # pip builds the wheel in a subprocess
def test_the_wheel_holds_the_vae_package_and_nothing_else_of_the_checkout(tmp_path):
    wheel = built_wheel(tmp_path)
    names = wheel.namelist()
    for name in ("vae/__init__.py", "vae/core/model.py", "vae/latent/explore.py", "vae/publish/hub.py", "vae/hub.py"):
        assert name in names, name
    assert {name.split("/")[0] for name in names if not name.startswith("landscape_vae-")} == {"vae"}
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    (metadata,) = [name for name in names if name.endswith(".dist-info/METADATA")]
    fields = wheel.read(metadata).decode().split("\n\n", 1)[0].splitlines()
    pins = {line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()} - {""}
    assert {line.removeprefix("Requires-Dist: ") for line in fields if line.startswith("Requires-Dist: ")} == pins
    assert "Requires-Python: >=3.10" in fields
