"""The tutorial scripts (docs/tutorial.md, demos/tutorial_*.py) run with --quick
on the session's backend (FREQNET_BACKEND: numpy, strict or cupy), pass every
numerical verification they print, and write their figures."""
import os
import re
import subprocess
import sys

import pytest

from freqnet import backend

DEMOS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "demos")
SCRIPTS = sorted(f for f in os.listdir(DEMOS) if re.fullmatch(r"tutorial_\d_\w+\.py", f))


def test_six_steps():
    assert [s.split("_")[1] for s in SCRIPTS] == ["1", "2", "3", "4", "5", "6"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_tutorial_step_runs_and_writes_figures(script, tmp_path):
    out = tmp_path / "figures"
    env = {**os.environ, "FREQNET_BACKEND": backend.name, "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, os.path.join(DEMOS, script), "--quick", "--out", str(out)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"on the {backend.name} backend" in proc.stdout
    summary = re.search(r"(\d+)/(\d+) verifications passed", proc.stdout)
    assert summary and summary.group(1) == summary.group(2) and int(summary.group(2)) >= 3
    figures = re.findall(r"figure: (\S+\.png)", proc.stdout)
    assert figures, "the step printed no figure"
    for path in figures:
        assert os.path.dirname(os.path.abspath(path)) == str(out)
        assert os.path.getsize(path) > 1000, path
    assert sorted(os.listdir(out)) == sorted(os.path.basename(p) for p in figures)


def test_a_failed_verification_fails_the_step(tmp_path):
    sys.path.insert(0, DEMOS)
    try:
        from _tutorial import Step
    finally:
        sys.path.remove(DEMOS)
    step = Step("t", ["--out", str(tmp_path)])
    step.check("fine", 1e-16, 1e-12)
    assert step.finish() == 0
    step.check("wrong formula not caught", 0.01, 0.1, "large")
    assert step.finish() == 1
