"""The command line contract: JSON on stdout, errors on stderr with a non-zero exit."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import REPO_ROOT, reference_dir

CONDITIONS = "DEMOC,ETHFRACT,GEOCON,POLDIS,NATPRIDE"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qca.engine", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120, check=False)


def test_minimize_json_matches_the_reference():
    data = str(reference_dir() / "data" / "CVF.csv")
    done = run("minimize", data, "--outcome", "PROTEST", "--conditions", CONDITIONS, "--incl-cut", "0.8",
               "--n-cut", "1", "--solution", "parsimonious", "--json")
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert [m["name"] for m in output["models"]] == ["M1", "M2", "M3", "M4"]
    assert set(output["essential"]) == {"~NATPRIDE", "DEMOC*GEOCON*POLDIS"}
    assert abs(output["terms"]["~NATPRIDE"]["covU"] - 0.121) < 5e-4  # R's overall table
    assert set(output["terms"]["~NATPRIDE"]) == {"inclS", "PRI", "covS", "covU"}


def test_intermediate_models_are_named_like_r():
    data = str(reference_dir() / "data" / "LF.csv")
    done = run("minimize", data, "--outcome", "~SURV", "--conditions", "DEV,URB,LIT,IND,STB", "--incl-cut",
               "0.9", "--solution", "intermediate", "--dir-exp", "~DEV,~URB,~LIT,~IND,~STB", "--json")
    assert done.returncode == 0, done.stderr
    assert [m["name"] for m in json.loads(done.stdout)["models"]] == ["C1P1", "C1P2"]


def test_truthtable_and_necessity_json():
    data = str(reference_dir() / "data" / "LF.csv")
    tt = run("truthtable", data, "--outcome", "SURV", "--conditions", "DEV,URB,LIT,IND,STB",
             "--incl-cut", "0.8,0.6", "--json")
    assert tt.returncode == 0, tt.stderr
    assert {r["id"]: r["OUT"] for r in json.loads(tt.stdout)["rows"]}[24] == "C"
    nec = run("necessity", data, "--outcome", "SURV", "--conditions", "DEV,URB,LIT,IND,STB", "--json")
    assert nec.returncode == 0 and len(json.loads(nec.stdout)["rows"]) == 10


def test_errors_go_to_stderr_with_nonzero_exit(tmp_path):
    data = str(reference_dir() / "data" / "LF.csv")
    done = run("truthtable", data, "--outcome", "SURV", "--conditions", "DEV,NOPE", "--json")
    assert done.returncode == 2 and done.stdout == ""
    assert "unknown column 'NOPE'" in done.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("case,A,Y\nx,0.2,0.1\ny,,0.3\n")
    done = run("truthtable", str(bad), "--outcome", "Y", "--conditions", "A")
    assert done.returncode == 2 and "missing values: 'A' in y (row 2)" in done.stderr
