"""Sweeps of δ*(X, Z) over families of instances (docs/math.md §5–§7), resumable and parallel.

Three families, each a deterministic list of points with stable, sortable ids:

* ``rank1`` — the rank-1 grid over the angle φ and the ratio ρ = ‖x‖/‖z‖:
  ``x = ρ(cos φ, sin φ)``, ``z = (1, 0)``.  The closed form of docs/math.md §5 applies at
  every point, and the minimum over all (x, z) is δ* = 1/2 at φ = 90°, ρ² = 1/2
  (Zhang, Sojoudi & Lavaei, JMLR 2019).
* ``random`` — seeded Gaussian instances ``X ∈ R^{n×r}``, ``Z ∈ R^{n×r*}``.
* ``overparam`` — the family of docs/math.md §7 (R. Y. Zhang 2021–2022):
  ``X = √t·[I_r; 0]``, ``Z = [0; I_r*]`` in ``n = r + r*``, over a grid of ``t``; its
  minimum over t is the threshold ``1/(1+√(r*/r))``, attained at ``t = √r*/(√r+√r*)``.

Each point records its parameters, δ* from the SDP
(:func:`ripcert.generator.counterexample.solve_problem`),
the closed form where it applies, the theoretical lower bound ``1/(1+√(r*/r))``, the
claim, the solver's name and status and the wall time.  A point without a counterexample
records δ* = 1 and status ``no_counterexample``.

The table is a CSV written incrementally (one line appended and flushed per point) next to
a side-car JSON of the sweep parameters; an interrupted sweep restarted with
``resume=True`` skips the ids already in the CSV and refuses to mix a different sweep.
When the sweep finishes the CSV is rewritten sorted by id, so the final table is the same
whatever the order of completion (local processes, Dask, or interrupted and resumed).

Faults: a point whose solve raises (a solver failure, ``LinAlgError``, ``ValueError``,
``MemoryError``, …) is recorded with status ``failed`` (or ``solver_error``) and the sweep
goes on; :func:`failed_rows` lists them.  An exclusive lock (``out/.sweep.lock``, ``flock``:
released by the kernel when the process dies) stops a second sweep from writing to the same
folder.  Local worker processes exit when the sweep process dies.  A Dask scheduler is
contacted before anything is written (``connect_timeout``), and a sweep whose Dask cluster
has had no worker for ``worker_timeout`` seconds stops with :class:`SweepAbortedError`
(the rows finished so far are kept; ``resume=True`` continues).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ripcert.certificate import atomic_write_text
from ripcert.core.closed_form import rank1_delta, theory_threshold
from ripcert.errors import InvalidInputError, NoCounterexampleError, RipcertError, SolverError
from ripcert.generator.counterexample import solve_problem
from ripcert.generator.problem import CounterexampleProblem
from ripcert.version import __version__

KINDS = ("rank1", "random", "overparam")

#: columns of the tidy table; all but TIMING_COLUMNS are deterministic
COLUMNS = (
    "id",
    "kind",
    "phi_deg",
    "rho",
    "t",
    "seed",
    "n",
    "r",
    "r_star",
    "margin",
    "delta_star",
    "delta_closed_form",
    "closed_form_abs_diff",
    "delta_theory",
    "below_theory",
    "claim",
    "status",
    "solver",
    "solver_status",
    "seconds",
)
TIMING_COLUMNS = ("seconds",)
#: a δ* below the theoretical bound by more than this is flagged (it would contradict a theorem)
BELOW_THEORY_TOL = 1e-6

CSV_NAME = "sweep.csv"
SIDECAR_NAME = "sweep.json"
LOCK_NAME = ".sweep.lock"
#: statuses of points whose δ* could not be computed
FAILED_STATUSES = ("failed", "solver_error")
#: seconds to wait for a Dask scheduler, and without any Dask worker, before giving up
CONNECT_TIMEOUT = 5.0
WORKER_TIMEOUT = 60.0


class SweepAbortedError(RipcertError):
    """The sweep could not start or continue (busy folder, unreachable or worker-less Dask
    cluster).  Rows already finished are kept; CLI exit 2."""

    exit_code = 2


@dataclass(frozen=True)
class SweepSpec:
    """The parameters of a sweep; equal specs generate equal point lists.

    ``kind`` is one of :data:`KINDS`; the other fields are used by the kinds noted:

    * rank1: ``phi_steps`` angles evenly in ``[phi_min, phi_max]`` degrees and
      ``rho_steps`` ratios ``ρ = 2^{-1/2+s}``, s evenly in ``[-rho_octaves, +rho_octaves]``
      (odd step counts contain φ = 90° and ρ = 1/√2, the minimiser);
    * random: ``count`` instances of size ``(n, r, r_star)`` from ``seed``;
    * overparam: for every ``(r, r*)`` in ``pairs`` (r ≥ r*), ``t_steps`` values of t
      evenly in ``[t_min, t_max]`` (the theoretical minimiser t is added to the grid).
    """

    kind: str
    phi_steps: int = 0
    rho_steps: int = 0
    phi_min: float = 0.0
    phi_max: float = 180.0
    rho_octaves: float = 1.5
    n: int = 0
    r: int = 1
    r_star: int = 1
    count: int = 0
    seed: int = 0
    pairs: tuple[tuple[int, int], ...] = ()
    t_steps: int = 0
    t_min: float = 0.05
    t_max: float = 0.95
    margin: float = 0.0
    solver: str = "clarabel"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidInputError(f"unknown sweep kind {self.kind!r}; choose from {KINDS}")
        if self.kind == "rank1" and (self.phi_steps < 1 or self.rho_steps < 1):
            raise InvalidInputError("rank1 sweep needs phi_steps ≥ 1 and rho_steps ≥ 1")
        if self.kind == "random":
            if self.count < 1 or self.n < 1 or self.r < 1 or self.r_star < 1:
                raise InvalidInputError("random sweep needs count, n, r, r_star ≥ 1")
        if self.kind == "overparam":
            if not self.pairs or self.t_steps < 1:
                raise InvalidInputError("overparam sweep needs pairs and t_steps ≥ 1")
            if any(r < 1 or rs < 1 or rs > r for r, rs in self.pairs):
                raise InvalidInputError("overparam pairs must satisfy 1 ≤ r* ≤ r")
            if not 0 < self.t_min <= self.t_max:
                raise InvalidInputError("overparam needs 0 < t_min ≤ t_max")
        if self.margin < 0 or not math.isfinite(self.margin):
            raise InvalidInputError("margin must be a finite number ≥ 0")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["pairs"] = [list(p) for p in self.pairs]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SweepSpec:
        d = dict(d)
        d["pairs"] = tuple(tuple(int(v) for v in p) for p in d.get("pairs", ()))
        return cls(**d)


@dataclass(frozen=True)
class Point:
    """One instance of a sweep: a stable id, its parameters and (X, Z)."""

    id: str
    params: dict[str, Any]
    x: np.ndarray
    z: np.ndarray


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep: rows sorted by id (dicts of :data:`COLUMNS`) and the files."""

    spec: SweepSpec
    rows: tuple[dict[str, Any], ...]
    csv_path: Path
    sidecar_path: Path
    computed: int = 0
    skipped: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def column(self, name: str) -> np.ndarray:
        """One column as an array (floats where numeric, NaN for blanks)."""
        vals = [row[name] for row in self.rows]
        try:
            return np.array([np.nan if v is None else float(v) for v in vals])
        except (TypeError, ValueError):
            return np.array(vals, dtype=object)


def rank1_axes(spec: SweepSpec) -> tuple[np.ndarray, np.ndarray]:
    """The φ (degrees) and ρ grids of a rank-1 sweep.

    >>> phi, rho = rank1_axes(SweepSpec("rank1", phi_steps=5, rho_steps=3))
    >>> phi.tolist(), round(float(rho[1]) ** 2, 12)
    ([0.0, 45.0, 90.0, 135.0, 180.0], 0.5)
    """
    phi = np.linspace(spec.phi_min, spec.phi_max, spec.phi_steps)
    s = np.linspace(-spec.rho_octaves, spec.rho_octaves, spec.rho_steps)
    return phi, 2.0 ** (s - 0.5)


def overparam_ts(spec: SweepSpec, r: int, r_star: int) -> np.ndarray:
    """The t grid of one (r, r*) pair, with the theoretical minimiser √r*/(√r+√r*) added."""
    t_opt = math.sqrt(r_star) / (math.sqrt(r) + math.sqrt(r_star))
    ts = np.linspace(spec.t_min, spec.t_max, spec.t_steps)
    return np.unique(np.append(ts, t_opt))


def points(spec: SweepSpec) -> list[Point]:
    """All points of a sweep, in id order."""
    out: list[Point] = []
    if spec.kind == "rank1":
        phis, rhos = rank1_axes(spec)
        for i, phi in enumerate(phis):
            rad = math.radians(phi)
            for j, rho in enumerate(rhos):
                x = rho * np.array([[math.cos(rad)], [math.sin(rad)]])
                z = np.array([[1.0], [0.0]])
                params = {"phi_deg": float(phi), "rho": float(rho), "n": 2, "r": 1, "r_star": 1}
                out.append(Point(f"rank1-{i:05d}-{j:05d}", params, x, z))
    elif spec.kind == "random":
        for i in range(spec.count):
            rng = np.random.default_rng([spec.seed, i])
            x = rng.standard_normal((spec.n, spec.r))
            z = rng.standard_normal((spec.n, spec.r_star))
            params = {"seed": spec.seed, "n": spec.n, "r": spec.r, "r_star": spec.r_star}
            out.append(Point(f"random-{spec.seed}-{i:07d}", params, x, z))
    else:
        for r, rs in spec.pairs:
            n = r + rs
            for j, t in enumerate(overparam_ts(spec, r, rs)):
                x = math.sqrt(t) * np.vstack([np.eye(r), np.zeros((rs, r))])
                z = np.vstack([np.zeros((r, rs)), np.eye(rs)])
                params = {"t": float(t), "n": n, "r": r, "r_star": rs}
                out.append(Point(f"overparam-r{r}-s{rs}-{j:05d}", params, x, z))
    return out


def _blank_row(point: Point, margin: float) -> dict[str, Any]:
    row: dict[str, Any] = {c: None for c in COLUMNS}
    row.update(id=point.id, kind=point.id.split("-", 1)[0], margin=margin, **point.params)
    row["claim"] = "strict_local_min" if margin > 0 else "second_order_critical"
    return row


def failed_row(point: Point, margin: float, exc: BaseException) -> dict[str, Any]:
    """The row of a point whose evaluation did not return (its worker died, …)."""
    row = _blank_row(point, margin)
    row.update(status="failed", solver="", solver_status=_one_line(exc), below_theory=False)
    row.update(delta_star=math.nan, delta_theory=theory_threshold(row["r"], row["r_star"]))
    return row


def evaluate(point: Point, margin: float = 0.0, solver: str = "clarabel") -> dict[str, Any]:
    """One row of the table: δ* from the SDP, closed form, theory bound, claim, status, time."""
    t0 = time.perf_counter()
    p = point.params
    r, rs = int(p["r"]), int(p["r_star"])
    row = _blank_row(point, margin)
    try:
        solved = solve_problem(CounterexampleProblem(point.x, point.z, margin), solver)
        eta = solved.solution.eta
        delta = (1 - eta) / (1 + eta)
        rep = solved.solution.report
        row.update(status="ok", solver=rep.name, solver_status=rep.status)
        if delta >= 1 - 1e-7:
            row.update(status="no_counterexample")
    except NoCounterexampleError:
        delta = 1.0
        row.update(status="no_counterexample", solver="", solver_status="not_solved")
    except SolverError as exc:
        delta = math.nan
        row.update(status="solver_error", solver="", solver_status=_one_line(exc))
    except (ArithmeticError, ValueError, MemoryError, np.linalg.LinAlgError) as exc:
        delta = math.nan  # one bad point is recorded, never aborts the sweep
        row.update(status="failed", solver="", solver_status=_one_line(exc))
    row["delta_star"] = float(delta)
    if r == 1 and rs == 1:
        cf = rank1_delta(point.x, point.z)
        row["delta_closed_form"] = cf
        row["closed_form_abs_diff"] = abs(cf - delta) if math.isfinite(delta) else math.nan
    theory = theory_threshold(r, rs)
    row["delta_theory"] = theory
    row["below_theory"] = bool(math.isfinite(delta) and delta < theory - BELOW_THEORY_TOL)
    row["seconds"] = time.perf_counter() - t0
    return row


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:200]


def failed_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows whose δ* could not be computed (status in :data:`FAILED_STATUSES`), by id."""
    return sorted((r for r in rows if r["status"] in FAILED_STATUSES), key=lambda r: r["id"])


def _evaluate_args(args: tuple[Point, float, str]) -> dict[str, Any]:
    return evaluate(*args)


# -- CSV I/O ----------------------------------------------------------------
_INT_COLS = {"seed", "n", "r", "r_star"}
_STR_COLS = {"id", "kind", "claim", "status", "solver", "solver_status"}


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, float | np.floating):
        return repr(float(v))
    return str(v)


def _parse(col: str, s: str) -> Any:
    if s == "":
        return None
    if col in _STR_COLS:
        return s
    if col in _INT_COLS:
        return int(s)
    if col == "below_theory":
        return s == "true"
    return float(s)


def format_row(row: dict[str, Any]) -> str:
    """One CSV line (with newline), floats in shortest round-trip form."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([_fmt(row.get(c)) for c in COLUMNS])
    return buf.getvalue()


def read_table(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Rows of a sweep CSV; a torn last line (the writer was killed) is dropped."""
    text = Path(path).read_text("utf-8")
    if text and not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
    rows: list[dict[str, Any]] = []
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return rows
    if tuple(header) != COLUMNS:
        raise InvalidInputError(f"{path}: not a ripcert sweep table (unexpected header)")
    for rec in reader:
        if len(rec) != len(COLUMNS):
            continue
        try:
            rows.append({c: _parse(c, s) for c, s in zip(COLUMNS, rec, strict=True)})
        except ValueError:
            continue
    return rows


def write_table(path: str | os.PathLike, rows: Iterable[dict[str, Any]]) -> Path:
    """Write a full table atomically, sorted by id."""
    lines = [",".join(COLUMNS) + "\n"]
    lines += [format_row(r) for r in sorted(rows, key=lambda r: r["id"])]
    return atomic_write_text(path, "".join(lines))


def _sidecar(spec: SweepSpec) -> dict[str, Any]:
    return {
        "ripcert_sweep": 1,
        "ripcert_version": __version__,
        "spec": spec.to_dict(),
        "columns": list(COLUMNS),
    }


def _prepare(out: Path, spec: SweepSpec, resume: bool) -> dict[str, dict[str, Any]]:
    """Open the (locked) output folder; return the rows already done, keyed by id."""
    csv_path, side = out / CSV_NAME, out / SIDECAR_NAME
    if csv_path.exists() or side.exists():
        if not resume:
            raise InvalidInputError(f"{out} already holds a sweep; pass resume=True (--resume)")
        try:
            meta = json.loads(side.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise InvalidInputError(f"{side}: cannot read sweep parameters ({exc})") from None
        if meta.get("spec") != spec.to_dict():
            raise InvalidInputError(
                f"{out} holds a different sweep ({meta.get('spec')}); refusing to mix them"
            )
        rows = read_table(csv_path) if csv_path.exists() else []
        done = {r["id"]: r for r in rows if r["status"] not in FAILED_STATUSES}  # retried
        foreign = sorted(set(done) - {p.id for p in points(spec)})
        if foreign:
            raise InvalidInputError(
                f"{csv_path} holds {len(foreign)} row(s) not in this sweep (e.g. {foreign[0]});"
                " refusing to mix them"
            )
        write_table(csv_path, done.values())  # drop a torn line before appending
        return done
    atomic_write_text(side, json.dumps(_sidecar(spec), indent=1) + "\n")
    atomic_write_text(csv_path, ",".join(COLUMNS) + "\n")
    return {}


def run_sweep(
    spec: SweepSpec,
    out: str | os.PathLike,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = True,
    on_row: Callable[[dict[str, Any]], None] | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    worker_timeout: float = WORKER_TIMEOUT,
) -> SweepResult:
    """Run (or resume) a sweep, writing ``out/sweep.csv`` and ``out/sweep.json``.

    ``jobs > 1`` evaluates points in a local process pool; ``scheduler`` (a Dask
    scheduler address, e.g. ``tcp://host:8786``) evaluates them on a Dask cluster.
    Points go to workers in small batches; every finished point is appended to the CSV
    and flushed before the next is reported, so killing the sweep loses at most the
    batches in flight.
    ``on_row`` is called with each new row after it is written.  ``progress`` shows a tqdm
    bar on stderr when it is a terminal.  The Dask scheduler is contacted first, within
    ``connect_timeout`` seconds, so an unreachable one leaves nothing behind.
    """
    if jobs < 1:
        raise InvalidInputError("jobs must be ≥ 1")
    out = Path(out)
    with contextlib.ExitStack() as stack:
        client = None
        if scheduler is not None:
            client = stack.enter_context(_dask_client(scheduler, connect_timeout))
        created = not out.exists()
        out.mkdir(parents=True, exist_ok=True)
        try:
            stack.enter_context(_locked(out))
            done = _prepare(out, spec, resume)
        except BaseException:
            if created:
                _remove_new_folder(out)
            raise
        todo = [p for p in points(spec) if p.id not in done]
        csv_path = out / CSV_NAME
        computed = 0
        try:
            with open(csv_path, "a", encoding="utf-8") as fh:
                rows = _iter_rows(todo, spec, jobs, client, progress, len(done), worker_timeout)
                for row in rows:
                    fh.write(format_row(row))
                    fh.flush()
                    done[row["id"]] = row
                    computed += 1
                    if on_row is not None:
                        on_row(row)
        except SweepAbortedError:
            if created and not done:
                _remove_new_folder(out)  # nothing computed: leave nothing behind
            raise
        rows = sorted(done.values(), key=lambda r: r["id"])
        write_table(csv_path, rows)
    return SweepResult(
        spec=spec,
        rows=tuple(read_table(csv_path)),
        csv_path=csv_path,
        sidecar_path=out / SIDECAR_NAME,
        computed=computed,
        skipped=len(rows) - computed,
    )


def _remove_new_folder(out: Path) -> None:
    """Undo the creation of an output folder that received no row (nothing left behind)."""
    for name in (CSV_NAME, SIDECAR_NAME, LOCK_NAME):
        (out / name).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        out.rmdir()  # only if empty: never remove anything else


@contextlib.contextmanager
def _locked(out: Path):
    """Hold an exclusive ``flock`` on ``out/.sweep.lock`` (freed by the kernel on exit)."""
    import fcntl

    fd = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SweepAbortedError(
                f"{out} is in use by another running sweep; wait for it or choose another --out"
            ) from None
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def _dask_client(scheduler: str, timeout: float):
    """A Dask client, or :class:`SweepAbortedError` if the scheduler does not answer."""
    import logging

    from dask.distributed import Client

    quiet = [logging.getLogger(n) for n in ("distributed", "tornado", "asyncio")]
    levels = [lg.level for lg in quiet]
    for lg in quiet:
        lg.setLevel(logging.CRITICAL)
    try:
        try:
            client = Client(scheduler, timeout=f"{timeout}s", set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise SweepAbortedError(
                f"cannot reach the Dask scheduler {scheduler!r} within {timeout:g} s"
                f" ({type(exc).__name__})"
            ) from None
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.close(timeout=2)
    finally:
        for lg, lv in zip(quiet, levels, strict=True):
            lg.setLevel(lv)


def _progress(total: int, initial: int, enabled: bool):
    from tqdm import tqdm

    # disable=None: tqdm also stays silent when stderr is not a terminal
    return tqdm(total=total, initial=initial, disable=not enabled or None, desc="sweep", unit="pt")


def _watch_parent(parent: int) -> None:
    """Worker initializer: exit when the sweep process ``parent`` dies (even by SIGKILL).

    On Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)``; everywhere a daemon thread that polls
    the parent's pid once a second."""
    import signal
    import sys

    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG

    def poll() -> None:
        while True:
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass
            if os.getppid() == 1:
                os._exit(1)
            time.sleep(1.0)

    if not _pid_alive(parent):
        os._exit(1)
    threading.Thread(target=poll, daemon=True, name="ripcert-parent-watch").start()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _evaluate_batch(batch: list[tuple[Point, float, str]]) -> list[dict[str, Any]]:
    return [evaluate(*a) for a in batch]


def _batches(args: list, jobs: int, max_batch: int = 32) -> list[list]:
    """Split into batches (≈ 8 per worker, at most ``max_batch`` points) so per-task
    overhead (pickling, IPC, scheduling) stays small against ~10 ms per SDP."""
    size = max(1, min(max_batch, math.ceil(len(args) / (8 * max(jobs, 1)))))
    return [args[i : i + size] for i in range(0, len(args), size)]


def _iter_rows(
    todo: Sequence[Point],
    spec: SweepSpec,
    jobs: int,
    client: Any,
    progress: bool,
    initial: int,
    worker_timeout: float = WORKER_TIMEOUT,
) -> Iterable[dict[str, Any]]:
    args = [(p, spec.margin, spec.solver) for p in todo]
    with _progress(len(todo) + initial, initial, progress) as bar:
        if client is not None:
            yield from _dask_rows(_batches(args, 4), client, bar, worker_timeout)
        elif jobs == 1 or len(args) <= 1:
            for a in args:
                row = _evaluate_args(a)
                bar.update()
                yield row
        else:
            with ProcessPoolExecutor(
                max_workers=jobs, initializer=_watch_parent, initargs=(os.getpid(),)
            ) as pool:
                batches = _batches(args, jobs)
                futs = [pool.submit(_evaluate_batch, b) for b in batches]
                batch_of = dict(zip(futs, batches, strict=True))
                try:
                    for fut in as_completed(futs):
                        rows = _batch_rows(fut, batch_of[fut])
                        bar.update(len(rows))
                        yield from rows
                finally:
                    for fut in futs:
                        fut.cancel()


def _batch_rows(fut: Any, batch: list[tuple[Point, float, str]]) -> list[dict[str, Any]]:
    """A finished batch's rows; if the batch itself failed (its worker died), every point
    of it is recorded as failed (``resume`` retries failed points)."""
    try:
        return fut.result()
    except Exception as exc:
        return [failed_row(p, margin, exc) for p, margin, _ in batch]


def _dask_rows(batches: list, client: Any, bar, worker_timeout: float) -> Iterable[dict[str, Any]]:
    """Rows from Dask, in completion order; stops if no worker is alive for ``worker_timeout``."""
    futs = client.map(_evaluate_batch, batches, pure=False)
    batch_of = {f.key: b for f, b in zip(futs, batches, strict=True)}
    pending = list(futs)
    idle_since: float | None = None
    try:
        while pending:
            finished = [f for f in pending if f.done()]
            pending = [f for f in pending if not f.done() and f not in finished]
            if not finished:
                time.sleep(0.2)
            for fut in finished:
                rows = _batch_rows(fut, batch_of[fut.key])
                bar.update(len(rows))
                yield from rows
            if finished or not pending:
                idle_since = None
                continue
            try:  # a lost scheduler connection counts as no worker
                running = getattr(client, "status", "running") == "running"
                workers = len(client.scheduler_info().get("workers", {})) if running else 0
            except Exception:  # the scheduler itself went away
                workers = 0
            if workers:
                idle_since = None
            elif idle_since is None:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > worker_timeout:
                raise SweepAbortedError(
                    f"no Dask worker for {worker_timeout:g} s; {len(pending)} batch(es) not"
                    " computed (the finished rows are saved: rerun with --resume)"
                )
    finally:
        with contextlib.suppress(Exception):
            client.cancel(futs)


def comparable(rows: Iterable[dict[str, Any]]) -> list[tuple]:
    """Rows without timing columns, sorted by id: equal for equal sweeps however run."""
    keep = [c for c in COLUMNS if c not in TIMING_COLUMNS]
    return sorted(tuple(r[c] for c in keep) for r in rows)


def grid_minimum(result: SweepResult) -> dict[str, Any]:
    """The row with the smallest δ* (ties: smallest id)."""
    ok = [r for r in result.rows if r["delta_star"] is not None and math.isfinite(r["delta_star"])]
    if not ok:
        raise InvalidInputError("sweep has no finite δ*")
    return min(ok, key=lambda r: (r["delta_star"], r["id"]))


def rank1_matrix(result: SweepResult, column: str = "delta_star") -> np.ndarray:
    """A rank-1 sweep column as a (phi_steps, rho_steps) matrix."""
    if result.spec.kind != "rank1":
        raise InvalidInputError("rank1_matrix needs a rank1 sweep")
    m = np.full((result.spec.phi_steps, result.spec.rho_steps), np.nan)
    for row in result.rows:
        _, i, j = row["id"].split("-")
        v = row[column]
        m[int(i), int(j)] = np.nan if v is None else float(v)
    return m


__all__ = [
    "COLUMNS",
    "KINDS",
    "Point",
    "SweepResult",
    "SweepSpec",
    "SweepAbortedError",
    "comparable",
    "evaluate",
    "failed_rows",
    "grid_minimum",
    "overparam_ts",
    "points",
    "rank1_axes",
    "rank1_matrix",
    "read_table",
    "run_sweep",
    "theory_threshold",
    "write_table",
]
