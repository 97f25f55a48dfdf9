"""The wheel's `synthvis` command behaves as the cargo-built binary: same arguments,
same files, same exit codes (both call `synthvis::cli::main`)."""

from __future__ import annotations

import filecmp
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import SCENES, cargo_binary, run_cli, small_spec, synthvis_command

import synthvis


def test_version_is_the_package_version() -> None:
    done = run_cli("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"synthvis {synthvis.__version__}"


def same_tree(a: Path, b: Path) -> None:
    left = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    right = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert left == right
    for rel in left:
        if rel.name == "manifest.json":
            ours, theirs = json.loads((a / rel).read_text()), json.loads((b / rel).read_text())
            for m in (ours, theirs):
                m.pop("git_commit", None)
                m.pop("run", None)
            assert ours.keys() == theirs.keys()
            continue
        assert filecmp.cmp(a / rel, b / rel, shallow=False), rel


def test_render_writes_the_cargo_binarys_bytes(tmp_path: Path) -> None:
    binary = cargo_binary()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI builds target/debug/synthvis before the Python tests")
        pytest.skip("no cargo-built binary in target/")
    spec_file = tmp_path / "quick.json"
    small_spec("quickstart").save(spec_file)
    for command, out in ((synthvis_command(), "wheel"), (str(binary), "cargo")):
        done = run_cli(
            "render",
            spec_file,
            "--out",
            tmp_path / out,
            "--frames",
            "0..3",
            "--quiet",
            command=command,
        )
        assert done.returncode == 0, done.stderr
    same_tree(tmp_path / "wheel", tmp_path / "cargo")


@pytest.mark.parametrize(
    "args, code",
    [
        (["render", "no-such.json", "--out", "{tmp}/x"], 2),
        (["render", "--frobnicate"], 2),
        (["verify", "{tmp}"], 3),
        (["explain", str(SCENES / "quickstart.json"), "--frame", "2"], 0),
        (["validate", str(SCENES / "quickstart.json")], 0),
    ],
)
def test_exit_codes_and_messages_match_the_cargo_binary(
    args: list[str], code: int, tmp_path: Path
) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    ours = run_cli(*args)
    assert ours.returncode == code, ours.stderr
    binary = cargo_binary()
    if binary is not None:
        theirs = run_cli(*args, command=str(binary))
        assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout)
        assert ours.stderr.replace(synthvis_command(), "synthvis") == theirs.stderr.replace(
            str(binary), "synthvis"
        )


def test_python_dash_m_runs_the_command_too() -> None:
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "synthvis", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.startswith("synthvis ")


def test_sigint_stops_a_render_as_the_binary_does(tmp_path: Path) -> None:
    spec_file = tmp_path / "long.json"
    small_spec("quickstart", 320, 240).save(spec_file)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [synthvis_command(), "render", spec_file, "--out", out, "--frames", "0..100000", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 120
    while not (out / "rgb").is_dir() or not any((out / "rgb").iterdir()):
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.time() < deadline, "no frame written within 120 s"
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "interrupted by signal 2" in stderr and "Traceback" not in stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is False
