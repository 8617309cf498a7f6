"""The structured SDP: agreement with the unstructured engine, an independent cvxpy SDP,
the sensitivity against finite differences, and structured certificates under verify."""

from __future__ import annotations

import json

import cvxpy as cp
import numpy as np
import pytest

from ripcert.certificate.io import payload_hash
from ripcert.checkers.verification import verify
from ripcert.core.families import completion_template
from ripcert.core.families.template import Template
from ripcert.core.landscape import lift_map, residual
from ripcert.core.structure import ZERO, KernelStructure, svec_weights, template_structure
from ripcert.core.vectorization import sdim, smat
from ripcert.errors import NoCounterexampleError
from ripcert.generator.problem import CounterexampleProblem
from ripcert.generator.sdp import solve
from ripcert.generator.sdp.structured import (
    StructuredKernel,
    StructuredProblem,
    slacks,
    solve_structured,
    span_basis,
    span_embedding,
    structured_program,
)
from ripcert.generator.structured import generate_structured


def _pairs(count: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    out = []
    for k in range(count):
        n, r = (3, 1) if k % 2 == 0 else (3, 2)
        out.append((rng.standard_normal((n, r)), rng.standard_normal((n, 1))))
    return out


def reference_sdp(
    x: np.ndarray,
    z: np.ndarray,
    structure: KernelStructure,
    rip: str = "full",
    psd: bool = True,
) -> float:
    """Independent dense cvxpy model of the structured program (plain criticality): H a
    d×d symmetric variable with the zero pattern and V-equalities written entry by entry.
    Returns δ* (1.0 when η* ≤ 1e-7)."""
    n, r = x.shape
    d = sdim(n)
    h = cp.Variable((d, d), symmetric=True)
    eta = cp.Variable()
    w = svec_weights(n)
    cons = [eta >= -1]
    lab = structure.labels
    first: dict[int, tuple[int, int]] = {}
    for a in range(d):
        for b in range(a, d):
            g = int(lab[a, b])
            if g == ZERO:
                cons.append(h[a, b] == 0)
            elif g in first:
                a0, b0 = first[g]
                cons.append(h[a, b] / (w[a] * w[b]) == h[a0, b0] / (w[a0] * w[b0]))
            else:
                first[g] = (a, b)
    lx = lift_map(x)
    e = residual(x, z)
    he = h @ e
    cons.append(lx.T @ he == 0)
    mats = smat(np.eye(d))
    mat_he = sum(he[k] * mats[k] for k in range(d))
    kron = cp.bmat([[mat_he if i == j else np.zeros((n, n)) for j in range(r)] for i in range(r)])
    bracket = lx.T @ h @ lx + 2 * kron
    cons.append(0.5 * (bracket + bracket.T) >> 0)
    if rip == "span":
        q = span_embedding(span_basis(x, z))
        comp = q.T @ h @ q
        if psd:
            cons.append(h >> 0)
    else:
        q = np.eye(d)
        comp = h
    m = q.shape[1]
    cons += [comp - eta * np.eye(m) >> 0, np.eye(m) - comp >> 0]
    prob = cp.Problem(cp.Maximize(eta), cons)
    prob.solve(solver=cp.CLARABEL)
    assert prob.status == cp.OPTIMAL, prob.status
    et = float(eta.value)
    return 1.0 if et <= 1e-7 else (1 - et) / (1 + et)


def test_empty_structure_full_rip_agrees_with_engine_on_20_pairs() -> None:
    for x, z in _pairs(20, 7):
        n = x.shape[0]
        ours = solve_structured(StructuredProblem(x, z, KernelStructure.unstructured(n)))
        ref = solve(CounterexampleProblem(x, z))
        assert abs(ours.delta - ref.delta) <= 1e-6


def test_structured_kernel_parametrisation_in_the_engine() -> None:
    """The lead engine with StructuredKernel and our assembly give the same value."""
    rng = np.random.default_rng(3)
    st = template_structure(completion_template(_mask(4, 0.8, 5)))
    for _ in range(3):
        x, z = rng.standard_normal((4, 1)), rng.standard_normal((4, 1))
        try:
            ours = solve_structured(StructuredProblem(x, z, st, psd=False)).delta
        except NoCounterexampleError:
            ours = 1.0
        try:
            eng = solve(CounterexampleProblem(x, z), kernel=StructuredKernel(st)).delta
        except NoCounterexampleError:
            eng = 1.0
        assert abs(ours - eng) <= 1e-6


def _mask(n: int, p: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    up = np.triu(rng.random((n, n)) < p)
    m = up | up.T
    np.fill_diagonal(m, True)
    return m


def test_full_completion_mask_is_the_unstructured_problem() -> None:
    st = template_structure(completion_template(np.ones((3, 3), dtype=bool)))
    assert st.is_unstructured
    for x, z in _pairs(4, 11):
        ours = solve_structured(StructuredProblem(x, z, st)).delta
        assert abs(ours - solve(CounterexampleProblem(x, z)).delta) <= 1e-6


def test_diagonal_mask_has_no_counterexample_confirmed_independently() -> None:
    """Kernels reading only the diagonal vanish on E_ij: full-space RIP needs δ ≥ 1."""
    n = 3
    st = template_structure(completion_template(np.eye(n, dtype=bool)))
    x, z = np.array([[0.0], [0.7], [0.2]]), np.array([[1.0], [0.0], [0.3]])
    with pytest.raises(NoCounterexampleError):
        solve_structured(StructuredProblem(x, z, st))
    assert reference_sdp(x, z, st) == 1.0


@pytest.mark.parametrize("rip", ["full", "span"])
def test_partial_mask_agrees_with_independent_cvxpy_sdp(rip: str) -> None:
    rng = np.random.default_rng(5)
    st = template_structure(completion_template(_mask(4, 0.6, 2)))
    assert 0 < st.num_nonzero < st.d * (st.d + 1) // 2
    for _ in range(3):
        x, z = rng.standard_normal((4, 1)), rng.standard_normal((4, 1))
        try:
            ours = solve_structured(StructuredProblem(x, z, st, rip=rip)).delta
        except NoCounterexampleError:
            ours = 1.0
        assert abs(ours - reference_sdp(x, z, st, rip=rip)) <= 1e-5


def test_equality_groups_agree_with_independent_cvxpy_sdp() -> None:
    """A template with repeated values: groups of equal V entries, span RIP."""
    rng = np.random.default_rng(9)
    n = 3
    mats = rng.integers(-1, 2, size=(5, n, n)).astype(float)
    mats = mats + np.swapaxes(mats, 1, 2)
    st = template_structure(Template("ints", mats, derive="kernel"))
    assert st.num_equality_groups >= 1
    x, z = rng.standard_normal((n, 1)), rng.standard_normal((n, 1))
    try:
        ours = solve_structured(StructuredProblem(x, z, st, rip="span")).delta
    except NoCounterexampleError:
        ours = 1.0
    assert abs(ours - reference_sdp(x, z, st, rip="span")) <= 1e-5


@pytest.fixture(scope="module")
def case9() -> KernelStructure:
    pytest.importorskip("pypower.api")
    from ripcert.core.families import family

    return template_structure(family("case9"))


def _point(seed: int, n: int = 9, spread: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.ones((n, 1)) + spread * rng.standard_normal((n, 1))
    z = np.ones((n, 1)) + spread * rng.standard_normal((n, 1))
    return x, z


@pytest.mark.parametrize("critical", ["plain", "sphere"])
def test_slacks_are_the_program_rows(case9: KernelStructure, critical: str) -> None:
    x, z = _point(1)
    prob = StructuredProblem(
        x, z, case9, rip="span", critical=critical, omega=np.ones(9) if critical else None
    )
    prog, layout = structured_program(prob)
    rng = np.random.default_rng(0)
    v = rng.standard_normal(prog.num_vars)
    got = prog.split(prog.b - prog.a @ v)
    want = slacks(prob, layout.frames, layout.kernel(v), layout.nu(v), layout.eta(v))
    assert set(got) == set(want)
    for k in got:
        assert np.allclose(got[k], want[k], atol=1e-10 * max(1.0, np.abs(want[k]).max()))


@pytest.mark.parametrize("critical", ["plain", "sphere"])
def test_sensitivity_matches_finite_differences(case9: KernelStructure, critical: str) -> None:
    """∂δ*/∂(x, z) from the multipliers against central differences of re-solved SDPs."""
    x, z = _point(2)
    om = np.ones(9) if critical == "sphere" else None

    def value(xx: np.ndarray, zz: np.ndarray) -> float:
        p = StructuredProblem(xx, zz, case9, rip="span", critical=critical, omega=om)
        return solve_structured(p).delta

    sol = solve_structured(StructuredProblem(x, z, case9, rip="span", critical=critical, omega=om))
    gx, gz = sol.delta_gradient()
    rng = np.random.default_rng(4)
    for _ in range(2):
        dx, dz = rng.standard_normal(x.shape), rng.standard_normal(z.shape)
        h = 1e-5
        fd = (value(x + h * dx, z + h * dz) - value(x - h * dx, z - h * dz)) / (2 * h)
        pred = float(np.sum(gx * dx) + np.sum(gz * dz))
        assert abs(fd - pred) <= 1e-3 * max(1.0, abs(fd))
        assert abs(pred) > 1e-3  # the test can fail: the derivative is not trivially zero


def test_lagrangian_term_only_relaxes(case9: KernelStructure) -> None:
    """Dropping νI (LMI_P_dB.m) is a stricter condition: its δ is never smaller."""
    x, z = _point(3)
    kw = dict(rip="span", critical="sphere", omega=np.ones(9))
    exact = solve_structured(StructuredProblem(x, z, case9, **kw)).delta  # type: ignore[arg-type]
    strict = solve_structured(
        StructuredProblem(x, z, case9, lagrangian_hessian=False, **kw)  # type: ignore[arg-type]
    ).delta
    assert exact <= strict + 1e-7


def test_degenerate_kkt_point_at_the_origin_is_not_a_minimum(case9: KernelStructure) -> None:
    """On a sphere through 0, X = 0 has ∇f = 0 so ν = 0: the full Hessian −4 mat(He)
    must be PSD, which no operator with δ < 1 allows."""
    omega = np.ones(9)
    x = np.zeros((9, 1))
    z = np.ones((9, 1)) * 1.2
    with pytest.raises(NoCounterexampleError):
        solve_structured(StructuredProblem(x, z, case9, rip="span", critical="sphere", omega=omega))


@pytest.mark.parametrize("mode", ["ball", "sphere"])
def test_case9_structured_certificate_verifies(case9: KernelStructure, mode: str) -> None:
    x, z = _point(3)
    om = np.ones(9) if mode == "sphere" else None
    cert, sol = generate_structured(x, z, "case9", rip="span", omega=om, structure=case9)
    rep = verify(cert)
    assert rep.passed, [c for c in rep.checks if not c.passed]
    names = {c.name for c in rep.checks}
    assert {"structure_family", "structure_zeros", "rip_span"} <= names
    assert ("sphere_second_order" in names) == (sol.problem.critical == "sphere")
    sec = cert.extra["structure"]
    assert sec["rip"] == "span" and sec["nonzeros"] == 48


def test_broken_structure_fails_verification(case9: KernelStructure) -> None:
    x, z = _point(3)
    cert, _ = generate_structured(x, z, "case9", rip="span", structure=case9)
    # a kernel that breaks the declared structure fails
    d = cert.to_dict()
    kern = np.array(d["operator"]["kernel"])
    lab = case9.labels
    a, b = np.argwhere(lab == ZERO)[0]
    kern[a, b] = kern[b, a] = 1e-3 * np.abs(kern).max()
    d["operator"]["kernel"] = kern.tolist()
    d.pop("sha256")
    d["sha256"] = payload_hash(d)  # a consistent file: only the maths is wrong
    bad = verify(d)
    assert not bad.passed and "structure_zeros" in bad.failed
    # a declared structure that is not the family's fails
    d2 = cert.to_dict()
    d2["structure"] = {**d2["structure"], "family": "case14"}
    d2.pop("sha256")
    d2["sha256"] = payload_hash(d2)
    assert "structure_family" in verify(d2).failed


def test_radius_search_descends_and_respects_the_ball(case9: KernelStructure) -> None:
    from ripcert.studies.radius_search import radius_search

    res = radius_search(case9, np.ones(9), 1.0, "ball", starts=1, seed=0, iterations=5)
    start = res.starts[0]
    assert res.delta <= start.history[0] + 1e-9
    assert list(start.history) == sorted(start.history, reverse=True)
    assert np.linalg.norm(res.x - 1) <= 1.0 + 1e-12 and np.linalg.norm(res.z - 1) <= 1.0 + 1e-12
    sph = radius_search(case9, np.ones(9), 1.0, "sphere", starts=1, seed=0, iterations=3)
    assert abs(np.linalg.norm(sph.x - 1) - 1.0) <= 1e-12


def test_radius_search_cli_json(case9: KernelStructure, capsys: pytest.CaptureFixture) -> None:
    from ripcert.cli import main

    code = main(
        "radius-search --structure case9 --center ones --radius 0.5 --mode sphere"
        " --starts 1 --iterations 2 --seed 1 --json --quiet".split()
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert {"delta", "x", "z", "mode", "radius"} <= set(out)
    assert out["mode"] == "sphere" and out["radius"] == 0.5 and 0 <= out["delta"] <= 1


def test_generate_structure_cli_writes_a_verified_certificate(
    case9: KernelStructure,
    tmp_path,
    capsys: pytest.CaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    from ripcert.cli import main

    x = "1.2,0.6,1.4,0.9,1.1,0.3,1.5,0.8,1.0"
    z = "0.7,1.3,0.9,1.6,0.5,1.2,0.8,1.1,1.4"
    radius = float(np.linalg.norm(np.array([float(t) for t in x.split(",")]) - 1.0))
    out = tmp_path / "c.json"
    args = ["generate", "--x", x, "--z", z, "--structure", "case9", "--rip", "span"]
    args += ["--sphere-center", "ones", "--radius", repr(radius), "-o", str(out), "--quiet"]
    assert main(args) == 0
    assert json.loads(out.read_text())["structure"]["critical"] in ("sphere", "plain")
    assert main(["verify", str(out), "--quiet"]) == 0
    bad = tmp_path / "bad.json"
    assert main(args[:-3] + ["--radius", "2", "-o", str(bad)]) == 2  # ‖X − ω‖ ≠ R
    assert not bad.exists()
    capsys.readouterr()


def _lmi_p_cvxpy(x: np.ndarray, z: np.ndarray, template: Template, omega=None) -> float:  # type: ignore[no-untyped-def]
    """LMI_P.m / LMI_P_dB.m transcribed line by line into cvxpy (δ-form, n²×n² H, S and W
    from a float-free pattern: the exact template product)."""
    from ripcert.core.structure import exact_template_product

    n, r = x.shape
    n2 = n * n
    prod = exact_template_product(template)
    smask = np.ones((n2, n2))
    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for (p, q), v in prod.items():
        smask[p, q] = 0.0
        if p <= q:
            groups.setdefault(v, []).append((p, q))
    e = (x @ x.T - z @ z.T).reshape(-1, order="F")
    opx = np.zeros((n2, n * r))  # get_X_operator.m
    for k in range(n2):
        i, j = k % n, k // n
        for s in range(r):
            opx[k, j + n * s] += x[i, s]
            opx[k, i + n * s] += x[j, s]
    pm = span_basis(x, z)
    big = np.kron(pm, pm)
    delta = cp.Variable()
    h = cp.Variable((n2, n2), symmetric=True)
    m = cp.Variable((n * r, n * r), symmetric=True)
    he = h @ e
    mat = cp.reshape(he, (n, n), order="F")
    kron = cp.kron(np.eye(r), mat + mat)
    cons = [
        (kron.T) + opx.T @ h @ opx == m,
        cp.multiply(smask, h) == 0,
        (1 + delta) * (big.T @ big) - big.T @ h @ big >> 0,
        big.T @ h @ big - (1 - delta) * (big.T @ big) >> 0,
    ]
    for members in groups.values():
        p0, q0 = members[0]
        cons += [h[p, q] == h[p0, q0] for p, q in members[1:]]
    if omega is None:
        cons += [opx.T @ he == 0, m >> 0]
    else:
        mu = cp.Variable()
        u = (x - omega).reshape(-1, order="F")
        tang = np.linalg.svd(u[None, :])[2][1:].T  # null(reshape(x - omega, 1, n*r))
        cons += [mu >= 0, opx.T @ he == -mu * u, tang.T @ m @ tang >> 0]
    prob = cp.Problem(cp.Minimize(delta), cons)
    prob.solve(solver=cp.CLARABEL)
    assert prob.status == cp.OPTIMAL, prob.status
    return float(delta.value)


@pytest.mark.parametrize("critical", ["plain", "sphere"])
def test_molybog_program_matches_a_transcription_of_his_code(critical: str) -> None:
    pytest.importorskip("pypower.api")
    from ripcert.core.families import family
    from ripcert.core.structure import VecStructure
    from ripcert.generator.sdp.molybog import MolybogProblem, solve_molybog

    t = family("case9")
    x, z = _point(5)
    om = np.ones((9, 1)) if critical == "sphere" else None
    ours = solve_molybog(
        MolybogProblem(x, z, VecStructure.from_template(t), critical=critical, omega=om),
        policy="certify",
    ).delta
    assert abs(ours - _lmi_p_cvxpy(x, z, t, om)) <= 1e-5


@pytest.mark.parametrize("critical", ["plain", "sphere"])
def test_molybog_sensitivity_and_slacks(case9: KernelStructure, critical: str) -> None:
    from ripcert.core.families import family
    from ripcert.core.structure import VecStructure
    from ripcert.generator.sdp.molybog import (
        MolybogProblem,
        molybog_program,
        molybog_slacks,
        solve_molybog,
    )

    vs = VecStructure.from_template(family("case9"))
    x, z = _point(6)
    om = np.ones(9) if critical == "sphere" else None

    def mk(xx: np.ndarray, zz: np.ndarray) -> MolybogProblem:
        return MolybogProblem(xx, zz, vs, critical=critical, omega=om)

    sol = solve_molybog(mk(x, z))
    prog, pivot = molybog_program(mk(x, z))
    got = prog.split(prog.b - prog.a @ sol.v)
    want = molybog_slacks(mk(x, z), pivot, sol.kernel, sol.nu, sol.eta)
    for k in got:
        assert np.allclose(got[k], want[k], atol=1e-9 * max(1.0, np.abs(want[k]).max()))
    gx, gz = sol.delta_gradient()
    rng = np.random.default_rng(8)
    dx, dz = rng.standard_normal(x.shape), rng.standard_normal(z.shape)
    h = 1e-5
    fd = (
        solve_molybog(mk(x + h * dx, z + h * dz)).delta
        - solve_molybog(mk(x - h * dx, z - h * dz)).delta
    ) / (2 * h)
    assert abs(fd - float(np.sum(gx * dx) + np.sum(gz * dz))) <= 1e-3 * max(1.0, abs(fd))


def test_full_rip_certificate_of_a_seeded_family_verifies() -> None:
    """Full-space RIP: the ordinary RIP checks apply, plus the structure re-derived from the
    family name (a seeded Gaussian template: dense kernel, no equalities).  A completion mask
    missing any entry cannot be used here: the kernel vanishes on E_ij, so δ ≥ 1."""
    name = "gaussian:4,1"
    rng = np.random.default_rng(12)
    for _ in range(5):
        x, z = rng.standard_normal((3, 1)), rng.standard_normal((3, 1))
        try:
            cert, _ = generate_structured(x, z, name, rip="full")
        except NoCounterexampleError:
            continue
        rep = verify(cert)
        assert rep.passed, [c for c in rep.checks if not c.passed]
        names = {c.name for c in rep.checks}
        assert {"rip_spectral", "structure_zeros", "structure_family"} <= names
        assert "rip_span" not in names
        return
    pytest.fail("no counterexample on five random pairs")


#: Molybog–Sojoudi–Lavaei's published δ(R) for case 9 (repository matrix-sense-global,
#: "Section 6/plotting/LMI on R - case 9.csv", Bayesian optimisation): (R, LMI_P, LMI_P_dB)
PUBLISHED_CASE9 = ((1.0, 0.9150862373, 0.9088200282), (3.0, 0.6405650287, 0.511122603))


@pytest.mark.slow
@pytest.mark.parametrize(("radius", "ball", "sphere"), PUBLISHED_CASE9)
def test_gradient_search_matches_or_beats_the_published_curve(
    radius: float, ball: float, sphere: float
) -> None:
    """Same program (LMI_P/LMI_P_dB), better search: never above the published minimum."""
    pytest.importorskip("pypower.api")
    from ripcert.core.families import family
    from ripcert.core.structure import VecStructure
    from ripcert.studies.radius_search import radius_search

    vs = VecStructure.from_template(family("case9"))
    for mode, published in (("ball", ball), ("sphere", sphere)):
        res = radius_search(vs, np.ones(9), radius, mode, starts=2, seed=0, iterations=20)
        assert res.delta <= published + 1e-3


def _resign(d: dict) -> dict:
    d = dict(d)
    d.pop("sha256", None)
    d["sha256"] = payload_hash(d)
    return d


def test_sphere_checks_sign_and_zero_multiplier(case9: KernelStructure) -> None:
    """μ < 0 (ω reflected through X) fails; a critical point declared on a sphere (μ = 0)
    passes only through the full-Hessian branch."""
    x, z = _point(3)
    om = np.ones((9, 1))
    cert, sol = generate_structured(x, z, "case9", rip="span", omega=om, structure=case9)
    if sol.problem.critical != "sphere":
        pytest.skip("the plain branch won at this point")
    d = cert.to_dict()
    sec = dict(d["structure"])
    sec["omega"] = (2 * x - om).tolist()  # same radius, the gradient now points outward
    d["structure"] = sec
    assert "sphere_first_order" in verify(_resign(d)).failed
    plain, _ = generate_structured(x, z, "case9", rip="span", structure=case9)
    d2 = plain.to_dict()
    radius = float(np.linalg.norm(x - om))
    d2["structure"] = {
        **d2["structure"],
        "critical": "sphere",
        "omega": om.tolist(),
        "radius": radius,
    }
    rep = verify(_resign(d2))
    assert rep.passed, rep.failed
    assert "whole space" in rep.check("sphere_second_order").detail


def test_radius_curve_is_monotone_in_the_ball(case9: KernelStructure) -> None:
    """The balls are nested, so δ(R) is non-increasing; continuation keeps it so."""
    from ripcert.studies.radius_search import radius_curve

    res = radius_curve(case9, np.ones(9), [0.5, 1.0], "ball", starts=1, iterations=4)
    assert [r.radius for r in res] == [0.5, 1.0]
    assert all(r.certified for r in res)
    assert res[1].delta <= res[0].delta + 1e-7
