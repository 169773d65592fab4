"""The command line as a person (or CI) runs it: real subprocesses, real exit codes, no tracebacks."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED

HARD = REPO / "tests" / "vignettes" / "hard.yaml"
DEV = SHARED / "vignettes" / "dev.yaml"
ORDER = ["normal", "doctor", "urgent", "emergency"]


def run(*args: str, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assistant", *args], input=stdin, capture_output=True,
                          text=True, cwd=REPO, timeout=120, env=env)


def check_audit_json(out: str) -> list[dict]:
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    for r in rows:
        assert set(r) == {"id", "expect", "at_least", "level", "reasons", "slots", "questions"}
        assert r["level"] in ORDER and r["reasons"] and isinstance(r["questions"], int)
        want = r["expect"] or r["at_least"]
        assert ORDER.index(r["level"]) >= ORDER.index(want), r  # never under-triaged
        if r["expect"]:
            assert r["level"] == r["expect"], r
    return rows


@pytest.mark.skipif(not DEV.is_file(), reason=f"the shared dev vignettes are not here ({DEV}); "
                                               "they live beside the repo in ../shared")
def test_dev_vignettes_pass_through_audit() -> None:
    res = run("audit", str(DEV), "--json")
    assert res.returncode == 0, res.stdout + res.stderr
    assert len(check_audit_json(res.stdout)) >= 24


def test_own_hard_vignettes_pass() -> None:
    res = run("audit", str(HARD), "--json")
    assert res.returncode == 0, res.stdout + res.stderr
    check_audit_json(res.stdout)


def test_audit_table_and_failing_exit(tmp_path: Path) -> None:
    f = tmp_path / "v.yaml"
    f.write_text('- id: wrong\n  answers: {bladder_bowel: "yes"}\n  expect: normal\n')
    res = run("audit", str(f))
    assert res.returncode == 1
    assert "XX" in res.stdout and "0 passed, 1 failed" in res.stdout


@pytest.mark.parametrize("content,words", [
    ("", "file is empty"),
    ("42\n", "non-empty list"),
    ("- id: a\n  answers: {elbow: 'yes'}\n  expect: normal\n", "unknown slot 'elbow'"),
    ("- id: a\n  answers: {}\n  expect: fine\n", "not one of"),
    ("- [unclosed", "not valid YAML"),
    ("- id: a\n  answers: {}\n", "exactly one of"),
])
def test_bad_audit_files_exit_2_with_a_message(tmp_path: Path, content: str, words: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(content)
    res = run("audit", str(f))
    assert res.returncode == 2
    assert words in res.stderr and "Traceback" not in res.stderr


def test_missing_audit_file() -> None:
    res = run("audit", "no/such/file.yaml")
    assert res.returncode == 2 and "missing" in res.stderr and "Traceback" not in res.stderr
    assert "Reinstall" not in res.stderr  # the person's own file is missing, not BackCheck's data


def test_a_data_dir_that_is_a_file_is_named_and_nothing_else_runs(tmp_path: Path) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("mine\n")
    for args in (("history",), ("--text",)):
        res = run("--data-dir", str(afile), *args)
        assert res.returncode == 2 and f"the data folder {afile} is a file, not a folder" in res.stderr
        assert "File exists" not in res.stderr and "No check-ins" not in res.stdout
    assert afile.read_text() == "mine\n"


def test_control_characters_typed_in_an_answer_never_reach_the_terminal() -> None:
    res = run("--no-history", "--text", stdin="no\x1b[2J\x1b]0;title\x07\x9b\nno\n")
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout and "\x9b" not in res.stdout
    assert "Here's what I learned" in res.stdout or "stopping" in res.stdout.lower()


def test_text_check_in_end_to_end() -> None:
    answers = "\n".join(["no", "no", "last night", "it crept up", "four", "tight", "no, spread out", "no"])
    res = run("--text", "--json", stdin=answers + "\n")
    assert res.returncode == 0, res.stderr
    record = json.loads(res.stdout.strip().splitlines()[-1])
    assert record["level"] == "normal" and record["complete"] is True
    assert "not a diagnosis" in res.stderr


@pytest.mark.parametrize("stdin", ["", "no\nno\n", "\n\n\n", "🙂\n" * 3, "x" * 10000 + "\n", "\xff\xfe\n"])
def test_text_mode_bad_input_never_tracebacks(stdin: str) -> None:
    res = run("--text", stdin=stdin)
    assert res.returncode == 0
    assert "Traceback" not in res.stderr
    assert "not a diagnosis" in res.stdout


def test_history_saved_and_listed() -> None:
    run("--text", stdin="yes, I can't control my bladder\n")
    res = run("history", "--json")
    assert res.returncode == 0
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert rows[-1]["level"] == "emergency"


def test_audit_record_builds_a_history(tmp_path: Path) -> None:
    f = tmp_path / "days.yaml"
    f.write_text(
        "- id: day1\n  at: '2026-11-20T08:00:00+00:00'\n  answers: {hours_since_workout: '14 hours', onset: slowly,"
        " pain_score: '4', quality: tight}\n  expect: normal\n"
        "- id: day2\n  at: '2026-11-21T00:00:00+00:00'\n  answers: {hours_since_workout: '30 hours', onset: slowly,"
        " pain_score: '5', quality: tight}\n  expect: normal\n")
    assert run("audit", str(f), "--record").returncode == 0
    rows = [json.loads(line) for line in run("history", "--json").stdout.splitlines()]
    assert [r["pain_score"] for r in rows] == [4, 5]
    assert rows[0]["workout_id"] == rows[1]["workout_id"]


def test_config_shows_sources() -> None:
    res = run("--engine", "sphinx", "config")
    assert res.returncode == 0 and "command line --engine" in res.stdout


def test_broken_intents_fail_clearly(tmp_path: Path) -> None:
    import os
    import shutil

    root = tmp_path / "intents"
    shutil.copytree(REPO / "intents", root)
    q = root / "en" / "questions.yaml"
    q.write_text(q.read_text().replace("kind: duration", "kind: banana"))
    res = run("--text", stdin="", env={**os.environ, "BACKCHECK_INTENTS": str(root)})
    assert res.returncode == 1
    assert "questions.yaml" in res.stderr and "hours_since_workout" in res.stderr
    assert "Traceback" not in res.stderr
