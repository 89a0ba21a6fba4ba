"""`pip install .` (not editable) from a copy of the checkout's files, into a clean virtual
environment: the package data (the record format's JSON Schema, the web pages' templates and
assets) is installed, and `letters rules validate` works from it, run outside the checkout.

The clean venv has no packages of its own but this one: the dependencies are those of the test's
own environment, reached through a .pth line (so nothing is downloaded and the test is quick), and
pip builds with that environment's setuptools (--no-build-isolation --no-deps)."""

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

from conftest import COUNCILS, ROOT


def _tracked_copy(target: Path) -> Path:
    """The checkout's committed and staged files, as a fresh clone would have them."""
    archive = subprocess.run(["git", "ls-files", "-z", "--cached"], cwd=ROOT, capture_output=True, check=True)
    for name in filter(None, archive.stdout.decode().split("\0")):
        source, copy = ROOT / name, target / name
        if source.is_file():
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(source.read_bytes())
    return target


def test_pip_install_dot_installs_the_package_data_and_the_command_works(tmp_path):
    source = _tracked_copy(tmp_path / "clone")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    installed = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                                "--no-index", str(source)], capture_output=True, text=True, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr

    where = tmp_path / "elsewhere"  # no rules/ here: the command must not find the checkout by chance
    where.mkdir()
    found = subprocess.run([str(python), "-c", "import correspondence, importlib.resources as r; "
                            "print(correspondence.__file__); "
                            "print(r.files('correspondence.engine').joinpath('schema/complaint-case-1.schema.json').is_file())"],
                           capture_output=True, text=True, cwd=where, check=True).stdout.split()
    assert Path(found[0]).is_relative_to(site) and found[1] == "True"
    assert (site / "correspondence" / "web" / "templates").is_dir()  # the web pages' package data too

    result = subprocess.run([str(env_dir / "bin" / "letters"), "rules", "validate", "--rules", str(ROOT / "rules")],
                            capture_output=True, text=True, cwd=where)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"{len(COUNCILS)} rules files valid ({', '.join(COUNCILS)})")
    assert sys.executable != str(python)
