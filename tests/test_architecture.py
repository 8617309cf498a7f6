"""The architecture as a checked property: role packages, no import cycle, the checker side
independent of the generator (import-linter contracts in pyproject.toml), a CLI that starts
without cvxpy."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "ripcert"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every ripcert module a file imports, at any depth (function-level imports included)."""
    mod = _module_name(path)
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("ripcert")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = mod.split(".")
                base = base[: len(base) - node.level + (1 if is_pkg else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("ripcert"):
                out.add(target)
                out |= {f"{target}.{a.name}" for a in node.names}
    return out


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PKG.rglob("*.py")}
    graph = {}
    for name, path in files.items():
        if name == "ripcert":  # the lazy public API (PEP 562) re-exports; it is the root
            continue
        graph[name] = {m for m in _imports(path) if m in files and m not in ("ripcert", name)}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    colour: dict[str, int] = {}
    stack: list[str] = []

    def visit(u: str) -> list[str] | None:
        colour[u] = 1
        stack.append(u)
        for v in sorted(graph.get(u, ())):
            if colour.get(v) == 1:
                return stack[stack.index(v) :] + [v]
            if v not in colour:
                found = visit(v)
                if found:
                    return found
        stack.pop()
        colour[u] = 2
        return None

    for u in sorted(graph):
        if u not in colour:
            found = visit(u)
            if found:
                return found
    return None


def test_no_import_cycle_in_ripcert():
    assert _cycle(_graph()) is None, " -> ".join(_cycle(_graph()) or [])


def test_cycle_detector_finds_a_planted_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_role_packages_exist():
    for role in (
        "core",
        "certificate",
        "exact",
        "checkers",
        "generator",
        "maker",
        "studies",
        "cli",
    ):
        assert (PKG / role / "__init__.py").is_file(), role


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("lint-imports")
    if exe is None:
        pytest.skip("import-linter is not installed")
    env = {"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "PYTHONPATH": str(cwd)}
    return subprocess.run([exe], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_import_contracts_hold_and_catch_a_bad_import(tmp_path):
    good = _lint_imports(ROOT)
    assert good.returncode == 0, good.stdout[-2000:]
    shutil.copytree(PKG, tmp_path / "ripcert", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    bad = tmp_path / "ripcert" / "checkers" / "verification.py"
    bad.write_text(bad.read_text("utf-8") + "\nimport ripcert.generator.sdp  # noqa\n", "utf-8")
    broken = _lint_imports(tmp_path)
    assert broken.returncode != 0
    assert "ripcert.checkers is not allowed to import ripcert.generator" in broken.stdout


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


HEAVY = {"cvxpy", "clarabel", "scs"}


def test_help_and_version_do_not_import_solvers():
    for argv in (["--help"], ["--version"]):
        code = (
            f"from ripcert.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"
        )
        assert not HEAVY & _modules_after(code), argv


def test_verify_without_exact_does_not_import_cvxpy():
    cert = ROOT / "certificates" / "delta_half_soc.json"
    code = f"from ripcert.cli import main\nassert main(['verify', {str(cert)!r}]) == 0"
    assert "cvxpy" not in _modules_after(code)


def test_import_ripcert_is_lazy():
    assert not HEAVY & _modules_after("import ripcert")
    assert "ripcert.generator.counterexample" not in _modules_after("import ripcert")
    after = _modules_after("import ripcert\nripcert.generate")
    assert "ripcert.generator.counterexample" in after
    assert "cvxpy" not in after  # the SDP engine assembles conic data itself


def test_help_does_not_import_scipy():
    """Start-up stays light: the parser is built from the subcommand modules alone."""
    code = "from ripcert.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    assert not {"scipy", "matplotlib", "flint"} & _modules_after(code)


def test_cli_copies_of_library_constants_match():
    from ripcert.cli import sgd as cli_sgd
    from ripcert.cli import threshold as cli_threshold
    from ripcert.studies import dynamics, threshold

    assert cli_sgd.METHODS == dynamics.METHODS and cli_sgd.INITS == dynamics.INITS
    assert cli_threshold.METHODS == threshold.METHODS
