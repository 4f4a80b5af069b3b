"""Installing the package's wheel leaves an existing torch 2.x alone (what a Colab user needs).

The test builds the wheel, makes a fresh virtual environment that already holds
"another torch 2.x" (a stand-in distribution, ``torch 2.1.0``, so nothing is
downloaded), lets it see the other dependencies of this environment, installs
the wheel with ``--no-index`` and checks that pip kept that torch. With a
torch 1.x in its place pip would replace it (or fail, where no torch 2 can be
found), which shows that the ``torch>=2.1`` range, not luck, is what decides.
"""

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def fake_torch_wheel(folder: Path, version: str) -> Path:
    """A minimal wheel named torch ``version`` whose module only knows its version."""
    info = f"torch-{version}.dist-info"
    files = {"torch/__init__.py": f'__version__ = "{version}"\n'.encode(),
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: torch\nVersion: {version}\n".encode(),
             f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = [_record_line(n, d) for n, d in files.items()] + [f"{info}/RECORD,,"]
    path = folder / f"torch-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as whl:
        for name, data in files.items():
            whl.writestr(name, data)
        whl.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return path


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """seq2seq_lib's wheel, built from a copy of the sources (the checkout stays clean)."""
    folder = tmp_path_factory.mktemp("wheel")
    src = folder / "src"
    shutil.copytree(ROOT / "seq2seq_lib", src / "seq2seq_lib", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(folder / "dist"), str(src)], check=True)
    return next((folder / "dist").glob("seq2seq_lib-*.whl"))


def env_with_torch(folder: Path, version: str) -> Path:
    """A fresh venv holding torch ``version``; it also sees this environment's other packages."""
    venv.EnvBuilder(with_pip=False).create(folder)  # this pip drives it
    python = folder / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    pip(python, "install", "--no-index", str(fake_torch_wheel(folder, version)))
    # Appended after the venv's own site-packages: its torch is found first.
    (Path(site) / "zz_outer_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def pip(python: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    return subprocess.run([sys.executable, "-m", "pip", "--python", str(python), *args],
                          check=check, capture_output=True, text=True, env=env)


def torch_version(python: Path) -> str:
    return pip(python, "show", "torch").stdout.split("Version:")[1].split()[0]


def test_installing_the_wheel_keeps_an_existing_torch_2(tmp_path, wheel):
    python = env_with_torch(tmp_path / "env", "2.1.0")
    result = pip(python, "install", "--no-index", str(wheel))
    assert "torch" not in result.stdout.split("Successfully installed")[-1], result.stdout
    assert torch_version(python) == "2.1.0"
    probe = "import importlib.metadata as m, torch; print(torch.__version__, m.version('seq2seq_lib'))"
    out = subprocess.run([python, "-c", probe], check=True, capture_output=True, text=True).stdout
    assert out.split() == ["2.1.0", "0.1.0"]  # the stand-in torch is the one imported


def test_a_torch_1_is_not_accepted(tmp_path, wheel):
    """With torch 1.x, pip must replace it (or fail where no torch 2 can be found): the range decides."""
    python = env_with_torch(tmp_path / "env", "1.13.1")
    result = pip(python, "install", "--dry-run", "--no-index", str(wheel), check=False)
    would_install = result.stdout.split("Would install")[-1] if result.returncode == 0 else ""
    assert ("torch-2." in would_install) or (result.returncode != 0 and "torch>=2.1" in result.stderr), result
    assert torch_version(python) == "1.13.1"  # a dry run changes nothing


def test_the_wheel_ships_the_corpus_with_its_licence(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"seq2seq_lib/corpora/tatoeba-fra-eng-short.tsv.xz", "seq2seq_lib/corpora/README.md",
            "seq2seq_lib/corpora/ABOUT.txt"} <= names
    readme = zipfile.ZipFile(wheel).read("seq2seq_lib/corpora/README.md").decode()
    assert "CC BY 2.0" in readme and "tatoeba.org" in readme and "manythings.org/anki" in readme
    assert "contains errors" in readme
