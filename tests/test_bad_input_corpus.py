"""The bad-input corpus (tests/bad_inputs/): every case runs through the CLI and must end with its
clear message (file, row, column, what was expected), exit code 2, no traceback and no output;
`infeasible_*` cases are valid files whose rules cannot all hold: exit 3 with the conflicting
employee, rules and a suggestion.

Each case folder holds the files that differ from the small valid centre in `_base/` and a
`case.toml`: the command (with {data} and {out}), the expected exit code, the fragments the error
must contain, and files to remove. `accepted_*` cases are inputs that look odd but are valid
(encodings, separators): they must plan and validate."""
from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from scheduler.cli import main

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_"))


def prepare(name: str, tmp_path: Path) -> tuple[dict, list[str], Path]:
    spec = tomllib.loads((CORPUS / name / "case.toml").read_text())
    data = tmp_path / "data"
    shutil.copytree(CORPUS / "_base", data)
    for f in (CORPUS / name).iterdir():
        if f.name != "case.toml":
            shutil.copy(f, data / f.name)
    for f in spec.get("remove", []):
        (data / f).unlink()
    out = tmp_path / "out"
    args = [a.replace("{data}", str(data)).replace("{out}", str(out)) for a in spec["command"]]
    return spec, args, out


def test_the_corpus_covers_every_input_file_and_command():
    prefixes = {c.split("_")[0] for c in CASES}
    assert {"history", "employees", "time", "preferences", "config", "requirements", "validate", "replan",
            "whatif", "sweep", "plan", "accepted", "infeasible"} <= prefixes
    assert len(CASES) >= 35


@pytest.mark.parametrize("name", CASES)
def test_bad_input_gets_a_clear_answer(name, tmp_path, capsys):
    spec, args, out = prepare(name, tmp_path)
    try:
        code = main(args)
    except SystemExit as exc:          # argparse's own refusal of a flag's value (exit 2)
        code = exc.code
    err = capsys.readouterr().err
    assert code == spec["exit"], err
    assert "Traceback" not in err and "internal error" not in err, err
    for fragment in spec["expect"]:
        assert fragment in err, f"{fragment!r} not in:\n{err}"
    if spec["exit"] in (2, 3):         # bad input / no roster possible: nothing written
        if spec["exit"] == 2:
            assert err.startswith("error: ") or "\nerror: " in err or ": error: argument" in err, err
        leftovers = [p for p in out.rglob("*")] if out.exists() else []
        assert not [p for p in leftovers if p.is_file()], leftovers
    else:
        assert (out / "roster.csv").exists()


@pytest.mark.parametrize("name", ["history_not_csv", "config_not_toml"])
def test_as_a_process_no_traceback_and_exit_2(name, tmp_path):
    """The same through a real process: what the supervisor's terminal shows."""
    spec, args, out = prepare(name, tmp_path)
    done = subprocess.run([sys.executable, "-m", "scheduler", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert all(f in done.stderr for f in spec["expect"])
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*"))
