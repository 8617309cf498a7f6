"""The one input grammar of ``--x``/``--z`` and ``--x-file``/``--z-file`` (ripcert.cli.inputs).

Expected matrices are written out by hand from the grammar's rules; every refusal must be a
one-line InvalidInputError that names the argument once and the offending token.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from ripcert.cli import main
from ripcert.cli.inputs import MAX_ABS, matrix_arg, parse_inline, read_file
from ripcert.errors import InvalidInputError


@pytest.mark.parametrize(
    "text,expected",
    [
        ("0,0.7071", [[0.0], [0.7071]]),  # one row: a column vector
        ("0 0.7071", [[0.0], [0.7071]]),
        ("1,0;0,1;0,0", [[1, 0], [0, 1], [0, 0]]),
        ("1 0; 0 1; 0 0", [[1, 0], [0, 1], [0, 0]]),  # issue 11: was read as (10, 1, 0)
        ("0 0; 0 0; 1 0.5", [[0, 0], [0, 0], [1, 0.5]]),
        ("1, 0; 0, 1", [[1, 0], [0, 1]]),  # spaces after commas are fine
        ("1/2, -3/4", [[0.5], [-0.75]]),  # rationals
        ("1.5/2 1e-3 -.25", [[0.75], [0.001], [-0.25]]),
        ("123456789012345678901234567890", [[1.2345678901234568e29]]),
    ],
)
def test_inline_grammar(text, expected):
    np.testing.assert_array_equal(parse_inline(text, "X"), np.array(expected, dtype=float))


@pytest.mark.parametrize(
    "text,token",
    [
        ("1 0, 0 1", "mixes commas and spaces"),  # ambiguous: refused, never guessed
        ("a,b", "'a'"),
        ("1.2.3,0", "'1.2.3'"),
        ("0,nan", "'nan'"),
        ("0,inf", "'inf'"),
        ("0x10,1", "'0x10'"),
        ("1,,0", "empty entry"),
        ("1,0;;0,1", "empty row"),
        ("1,2;3", "different lengths"),
        ("", "is empty"),
        ("1/0", "divides by zero"),
        ("1e300,1", "'1e300' is out of range"),  # issue 11: was "X = 0" after a warning
        ("1e-300,1", "'1e-300' is out of range"),
        ("1e99999,1", "out of range"),
        ("9" * 500, "longer than"),
    ],
)
def test_inline_refusals_name_the_token_once(text, token):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy overflow warning on the way
        with pytest.raises(InvalidInputError) as exc:
            parse_inline(text, "X")
    msg = str(exc.value)
    assert token in msg and msg.count("--x") == 1 and "\n" not in msg
    assert msg.startswith("--x: ")


def test_range_limit_keeps_squares_finite():
    x = parse_inline(f"{MAX_ABS:.0e},1", "X")
    assert np.isfinite(x.T @ x).all()


def _write(path, content):
    path.write_text(content)
    return str(path)


def test_csv_one_line_reads_as_inline(tmp_path):
    """Issue 11: a one-line CSV "1,0" was 1×2 while inline "1,0" was a column."""
    got = read_file(_write(tmp_path / "x.csv", "1,0\n"), "X")
    np.testing.assert_array_equal(got, parse_inline("1,0", "X"))
    assert got.shape == (2, 1)


def test_csv_header_comments_and_blank_lines(tmp_path):
    text = "# X for the test\nx1,x2\n1,0\n\n0,1  # second row\n0,0\n"
    got = read_file(_write(tmp_path / "x.csv", text), "X")
    np.testing.assert_array_equal(got, [[1, 0], [0, 1], [0, 0]])


def test_csv_non_numeric_body_names_the_token(tmp_path):
    with pytest.raises(InvalidInputError, match=r"'abc' is not a number"):
        read_file(_write(tmp_path / "x.csv", "1,0\nabc,1\n"), "X")


def test_txt_with_spaces_and_rationals(tmp_path):
    got = read_file(_write(tmp_path / "x.txt", "1 0\n0 1/2\n"), "X")
    np.testing.assert_array_equal(got, [[1, 0], [0, 0.5]])


def test_savetxt_column_round_trips(tmp_path):
    a = np.array([[0.0], [2**-0.5]])
    np.savetxt(tmp_path / "x.csv", a, delimiter=",")
    np.testing.assert_array_equal(read_file(str(tmp_path / "x.csv"), "X"), a)


@pytest.mark.parametrize(
    "obj,expected",
    [
        ([[1, 0], [0, 1], [0, 0]], [[1, 0], [0, 1], [0, 0]]),
        ([0, 0.5], [[0], [0.5]]),
        ({"x": ["1/2", 0]}, [[0.5], [0]]),  # key convention and rational strings
        ({"X": [[1], [0]], "z": [[0], [1]]}, [[1], [0]]),
    ],
)
def test_json_forms(tmp_path, obj, expected):
    got = read_file(_write(tmp_path / "x.json", json.dumps(obj)), "X")
    np.testing.assert_array_equal(got, np.array(expected, dtype=float))


@pytest.mark.parametrize(
    "obj,message",
    [
        ({"z": [1, 0]}, "no matrix under key 'x'"),
        ([True, 1], "not a number"),
        ([[1, 0], [1]], "different lengths"),
        ([1e300, 1], "out of range"),
        (["nan", 0], "'nan' is not a number"),
    ],
)
def test_json_refusals(tmp_path, obj, message):
    with pytest.raises(InvalidInputError, match=message):
        read_file(_write(tmp_path / "x.json", json.dumps(obj)), "X")


def test_json_nan_literal_and_bomb_refused(tmp_path):
    with pytest.raises(InvalidInputError, match="not a number"):
        read_file(_write(tmp_path / "a.json", "[NaN, 1]"), "X")
    with pytest.raises(InvalidInputError, match="malformed JSON"):
        read_file(_write(tmp_path / "b.json", "[" * 100_000), "X")


def test_npy_real_accepted_complex_refused(tmp_path):
    np.save(tmp_path / "ok.npy", np.array([[1, 0], [0, 1]], dtype=np.int64))
    np.testing.assert_array_equal(read_file(str(tmp_path / "ok.npy"), "X"), np.eye(2))
    np.save(tmp_path / "c.npy", np.array([1 + 2j, 0]))  # issue 11: was silently truncated
    with pytest.raises(InvalidInputError, match="complex array"):
        read_file(str(tmp_path / "c.npy"), "X")
    np.save(tmp_path / "b.npy", np.array([1e300, 1.0]))
    with pytest.raises(InvalidInputError, match="out of range"):
        read_file(str(tmp_path / "b.npy"), "X")


def test_unknown_suffix_and_missing_file(tmp_path):
    with pytest.raises(InvalidInputError, match="unsupported file type '.mat'"):
        read_file(str(tmp_path / "x.mat"), "X")
    with pytest.raises(InvalidInputError, match="cannot read"):
        read_file(str(tmp_path / "nope.csv"), "Z")


def test_exactly_one_source():
    with pytest.raises(InvalidInputError, match="exactly one of --x or --x-file"):
        matrix_arg(None, None, "X")
    with pytest.raises(InvalidInputError, match="exactly one of --z or --z-file"):
        matrix_arg("1", "f.csv", "Z")


@pytest.mark.parametrize(
    "args,message",
    [
        (["--x", "1 0, 0 1", "--z", "1,0;0,1"], "mixes commas and spaces"),
        (["--x", "1e300,1", "--z", "1,0"], "out of range"),
        (["--x", "1" + "0" * 400 + ",1", "--z", "1,0"], "longer than"),
    ],
)
def test_cli_bad_values_one_line_no_warning(capsys, tmp_path, args, message):
    out = tmp_path / "never.json"
    code = main(["generate", *args, "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1
    assert "Warning" not in err and not out.exists()
