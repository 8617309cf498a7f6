"""`ripcert generate` and `ripcert demo`: exit codes, messages, files (run in-process and,
once, as a real subprocess to check the console entry point)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from ripcert import Certificate
from ripcert.cli import main
from ripcert.core.closed_form import rank1_delta


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_generate_writes_a_valid_certificate(capsys, tmp_path):
    out = tmp_path / "half.json"
    code, text, _ = run(
        capsys, "generate", "--x", "0,0.7071067811865476", "--z", "1,0", "-o", str(out)
    )
    assert code == 0
    assert "delta      0.5" in text and "second_order_critical" in text
    assert Certificate.load(out).delta == pytest.approx(0.5, abs=1e-6)


def test_generate_matrix_syntax_margin_and_scs(capsys, tmp_path):
    out = tmp_path / "r2.json"
    code, text, _ = run(
        capsys,
        "generate",
        "--x",
        "1,0;0,1;0,0",
        "--z",
        "0,0;0,0;1,0.5",
        "--margin",
        "1e-3",
        "--solver",
        "scs",
        "-o",
        str(out),
    )
    assert code == 0, text
    cert = Certificate.load(out)
    assert cert.x.shape == (3, 2) and cert.z.shape == (3, 2)
    assert cert.claim == "strict_local_min" and cert.solver["name"] == "scs"


@pytest.mark.parametrize("suffix", [".json", ".npy", ".csv"])
def test_generate_from_files(capsys, tmp_path, suffix):
    x, z = np.array([[0.0], [2**-0.5]]), np.array([[1.0], [0.0]])
    paths = []
    for name, a in (("x", x), ("z", z)):
        p = tmp_path / f"{name}{suffix}"
        if suffix == ".json":
            p.write_text(json.dumps(a.tolist()))
        elif suffix == ".npy":
            np.save(p, a)
        else:
            np.savetxt(p, a, delimiter=",")
        paths.append(str(p))
    code, text, _ = run(
        capsys, "generate", "--x-file", paths[0], "--z-file", paths[1], "--no-reduce"
    )
    assert code == 0 and "delta      0.5" in text


@pytest.mark.parametrize(
    "args,message",
    [
        (["--x", "0,nan", "--z", "1,0"], "--x: 'nan' is not a number"),
        (["--x", "0,1,2", "--z", "1,0"], "rows"),
        (["--x", "1;0", "--z", "1,0;0,1"], "r* = 2"),
        (["--x", "", "--z", "1,0"], "empty"),
        (["--x", "a,b", "--z", "1,0"], "--x: 'a' is not a number"),
        (["--x", "1,2;3", "--z", "1,0"], "different lengths"),
        (["--z", "1,0"], "exactly one of --x"),
        (["--x-file", "/nonexistent.npy", "--z", "1,0"], "cannot read"),
        (["--x", "0,1", "--z", "1,0", "--margin", "-1"], "margin"),
    ],
)
def test_invalid_input_exits_2_with_one_line(capsys, tmp_path, args, message):
    out = tmp_path / "never.json"
    code, _, err = run(capsys, "generate", *args, "-o", str(out))
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    "x,z", [("0,0", "1,0"), ("1,2", "2,4"), ("1,0", "-1,0"), ("1,0;0,1", "0,1;1,0")]
)
def test_no_counterexample_exits_3(capsys, tmp_path, x, z):
    out = tmp_path / "never.json"
    # "--z=-1,0": argparse needs the = form for values that start with a minus sign
    code, _, err = run(capsys, "generate", f"--x={x}", f"--z={z}", "-o", str(out))
    assert code == 3 and "ripcert: error:" in err
    assert not out.exists()


def test_space_separated_matrix_is_read_as_written(capsys, tmp_path):
    """Issue 11: this command wrote, with exit 0, a certificate for x = (10, 1, 0),
    z = (0, 0, 10.5) (spaces were deleted inside numbers)."""
    out = tmp_path / "c.json"
    code, _, _ = run(
        capsys, "generate", "--x", "1 0; 0 1; 0 0", "--z", "0 0; 0 0; 1 0.5", "-o", str(out)
    )
    assert code == 0
    cert = Certificate.load(out)
    np.testing.assert_array_equal(cert.x, [[1, 0], [0, 1], [0, 0]])
    np.testing.assert_array_equal(cert.z, [[0, 0], [0, 0], [1, 0.5]])


def test_bad_solver_choice_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["generate", "--x", "0,1", "--z", "1,0", "--solver", "mosek"])
    assert exc.value.code == 2


def test_demo(capsys, tmp_path):
    code, text, _ = run(capsys, "demo", "-o", str(tmp_path / "d.json"))
    assert code == 0 and "closed form" in text and "A3 =" in text
    # the demo verifies independently and certifies δ = 1/2 exactly (the talk's value)
    assert "demo: PASSED" in text and "FAIL" not in text
    assert "exact      δ = 1/2 " in text
    saved = Certificate.load(tmp_path / "d.json")
    assert saved.extra["exact"]["delta"] == "1/2"


def test_generate_exact_float_input_gives_rational_one_half(capsys, tmp_path):
    """Issue 5: the float input x = (0, 0.7071067811865476) certifies a rational δ near 1/2."""
    out = tmp_path / "ex.json"
    code, text, _ = run(
        capsys, "generate", "--x", "0,0.7071067811865476", "--z", "1,0", "--exact", "-o", str(out)
    )
    assert code == 0
    cert = Certificate.load(out)
    num, den = (int(v) for v in (cert.extra["exact"]["delta"] + "/1").split("/")[:2])
    assert abs(num / den - 0.5) <= 1e-9
    du = cert.extra["dual"]
    assert du["lower"] <= 0.5 <= du["upper"] + 1e-12 and du["gap"] <= 1e-6
    assert "dual       δ* ∈ [" in text


def test_generate_exact_large_n_has_a_reduced_dual_that_verifies(capsys, tmp_path):
    """n = 200 on the reduced path: exact section and a dual bound on (PᵀX, PᵀZ), bracketing
    the rank-1 closed form (docs/math.md §5, independent of the SDP)."""
    rng = np.random.default_rng(5)
    x, z = rng.standard_normal((200, 1)), rng.standard_normal((200, 1))
    xf, zf = tmp_path / "x.npy", tmp_path / "z.npy"
    np.save(xf, x)
    np.save(zf, z)
    out = tmp_path / "big.json"
    args = ["generate", "--x-file", str(xf), "--z-file", str(zf), "--exact", "-o", str(out)]
    code, text, _ = run(capsys, *args)
    assert code == 0 and "on the reduced instance" in text
    cert = Certificate.load(out)
    du = cert.extra["dual"]
    cf = rank1_delta(x, z)
    assert du["lower"] <= cf + 1e-12 and cf <= du["upper"] + 1e-12 and du["gap"] <= 1e-6
    code, text, _ = run(capsys, "verify", "--exact", str(out))
    assert code == 0, text


def test_generate_exact_full_space_is_limited(capsys):
    from ripcert.maker.certify import EXACT_FULL_MAX_N

    n = EXACT_FULL_MAX_N + 1
    x = ",".join(["1"] + ["0"] * (n - 1))
    z = ",".join(["0", "1"] + ["0"] * (n - 2))
    code, _, err = run(capsys, "generate", "--x", x, "--z", z, "--exact", "--no-reduce")
    assert code == 2 and "--no-reduce" in err and "Traceback" not in err


def test_console_entry_point_subprocess(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "ripcert", "generate", "--x", "1,2", "--z", "2,4"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 3
    assert "collinear" in res.stderr and "Traceback" not in res.stderr
