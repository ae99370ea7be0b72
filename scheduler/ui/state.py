"""What the app's pages share: the loaded centre, cached heavy steps, the roster job, friendly errors.

The pages (scheduler/ui/pages/*.py) only lay out widgets; everything they compute comes from
scheduler/ and forecasts/ through the functions here. Heavy steps are cached by the content of the
centre's files (not by path or widget state), so an unrelated widget change never recomputes them.
Nothing from an uploaded file is ever executed: CSVs go through the strict readers, the config
through tomllib (data only).
"""
from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import threading
import time
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

from ..domain import Centre, Horizon, Staff
from ..errors import InfeasibleError, InputError, InputProblem, InputWarning
from ..io import load_centre_dir, load_staff, read_history

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = ROOT / "data" / "sample"
MAX_UPLOAD_MB = 50               # also the server's limit (make app passes --server.maxUploadSize)
CENTRE_FILES = {                 # file -> required?
    "centre.toml": True, "history.csv": True, "employees.csv": True,
    "time_off.csv": False, "preferences.csv": False, "previous_roster.csv": False,
}
log = logging.getLogger("scheduler.app")


# ------------------------------------------------------------------------------------------------
# The loaded centre
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Loaded:
    folder: str
    fingerprint: str             # hash of the files' contents: the key of every cache
    label: str                   # "bundled sample centre" or "uploaded files"
    centre: Centre
    staff: Staff
    history: pd.DataFrame
    week: date                   # the first week after the history (the default plan week)
    # previous_roster.csv's shifts, checked against the staff: carry-over for a week is those
    # before its first day (``carry_over``), not only for the default week's.
    previous: tuple = ()
    warnings: tuple[str, ...] = ()   # accepted but suspicious input (e.g. a queue with no contacts)

    def carry_over(self, week: date) -> list:
        """The previous roster's shifts before `week` - the carry-over of a plan starting then (a
        plan moved to Wednesday once lost Tuesday's nights, kept by the CLI, and broke rest)."""
        return [s for s in self.previous if s.day < week]


def fingerprint(folder: str | Path) -> str:
    h = hashlib.sha256()
    for name in sorted(CENTRE_FILES):
        p = Path(folder) / name
        if p.exists():
            h.update(name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def next_week_start(day: date, centre: Centre) -> date:
    """The first day after `day` that starts the centre's week: the day after its weekend
    (rules.weekend_days) - Monday for Saturday-Sunday, Sunday for an Israeli Friday-Saturday (the
    app once offered only Mondays there)."""
    return day + timedelta(days=(centre.rules.week_first_weekday - day.weekday() - 1) % 7 + 1)


@contextmanager
def _input_warnings():
    """The messages of the InputWarnings said inside the block (the CLI prints them on stderr;
    the app keeps them for the page, in the cached result)."""
    said: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        yield said
    said.extend(str(w.message) for w in caught if issubclass(w.category, InputWarning))


@st.cache_data(show_spinner="Reading the centre's files ...", max_entries=8)
def _load(folder: str, key: str, label: str) -> Loaded:
    from ..pipeline import load_previous
    with _input_warnings() as said:
        centre = load_centre_dir(folder)
        history = read_history(Path(folder) / "history.csv", centre.queue_ids)
        week = next_week_start(history["timestamp"].max().date(), centre)
        staff = load_staff(folder, centre, Horizon(week, 7, centre.interval_minutes))
        # Checked now, not in the middle of a roster job; the warning about shifts not before the
        # default week is said now, and each plan takes the shifts before its own week.
        load_previous(Path(folder), [e.id for e in staff.employees], before=week)
        previous = tuple(load_previous(Path(folder), [e.id for e in staff.employees]))
    return Loaded(folder, key, label, centre, staff, history, week, previous, tuple(said))


def load(folder: str | Path, label: str) -> Loaded:
    """Read and check a centre folder (raises InputError with every problem)."""
    return _load(str(folder), fingerprint(folder), label)


def current() -> Loaded:
    """The centre the supervisor works on; the bundled sample until they load their own."""
    if "loaded" not in st.session_state:
        st.session_state["loaded"] = load(SAMPLE_DIR, "bundled sample centre")
    return st.session_state["loaded"]


def forget(*keys: str) -> None:
    """Drop session state; a roster job still running is stopped first (dropped alone, it went on
    using a core for its whole time limit with no Stop button left to press)."""
    job = st.session_state.get("job")
    if "job" in keys and job is not None:
        job.stop.set()
    for key in keys:
        st.session_state.pop(key, None)


def switch_to(loaded: Loaded) -> None:
    """A different centre: everything derived from the previous one is dropped."""
    forget(*list(st.session_state))
    st.session_state["loaded"] = loaded


def save_uploads(files: dict[str, bytes]) -> tuple[Path | None, list[InputProblem]]:
    """Write uploaded files (bytes only) into this session's own folder; check names and sizes."""
    problems = []
    for name, required in CENTRE_FILES.items():
        if required and name not in files:
            problems.append(InputProblem(name, "missing: upload this file (required)"))
    for name, data in files.items():
        if len(data) > MAX_UPLOAD_MB * 1024 * 1024:
            problems.append(InputProblem(name, f"{len(data) / 1e6:.0f} MB is over the {MAX_UPLOAD_MB} MB limit"))
        elif not data.strip():
            problems.append(InputProblem(name, "the file is empty"))
    if problems:
        return None, problems
    # A new folder for every upload: the centre already loaded keeps its own files until the new
    # ones pass every check (a refused upload once overwrote them, and the roster on screen could
    # no longer be exported or rebuilt). discard_upload() removes a refused one.
    folder = Path(tempfile.mkdtemp(prefix="planner-upload-"))
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder, []


def discard_upload(folder: Path) -> None:
    """Remove a refused upload's folder (never the loaded centre's)."""
    if str(folder) != str(current().folder):
        shutil.rmtree(folder, ignore_errors=True)


def problems_table(problems: list[InputProblem]) -> pd.DataFrame:
    return pd.DataFrame([{"file": p.file, "row": p.row, "column": p.column or "", "problem": p.message}
                         for p in problems], columns=["file", "row", "column", "problem"])


# ------------------------------------------------------------------------------------------------
# Plan settings the pages share
# ------------------------------------------------------------------------------------------------
def plan_week() -> date:
    return st.session_state.get("week") or current().week


def staffing_overrides() -> dict:
    """What the Staffing page changed: {"shrinkage": s, "queues": {queue id: {"service_level",
    "target_seconds", "max_occupancy", "staff_with"}}} - only what differs from centre.toml."""
    return st.session_state.get("staffing", {})


TARGET_KEYS = ("service_level", "target_seconds", "max_occupancy")


def with_staffing_change(centre: Centre, overrides: dict, queue_id: str, target: dict, shrinkage: float) -> dict:
    """The Staffing page's overrides after Recompute on `queue_id`: only values that differ from
    centre.toml are kept (moving shrinkage alone changes no queue's target)."""
    queues = {q: dict(v) for q, v in overrides.get("queues", {}).items()}
    base = centre.queue(queue_id).target
    mine = {k: v for k, v in target.items() if k in TARGET_KEYS and abs(float(getattr(base, k)) - float(v)) > 1e-9}
    if "staff_with" in target and (target["staff_with"] or None) != centre.queue(queue_id).staff_with:
        mine["staff_with"] = target["staff_with"] or None     # None: on its own, though centre.toml pools it
    if mine:
        queues[queue_id] = mine
    else:
        queues.pop(queue_id, None)
    out: dict = {"queues": queues} if queues else {}
    if abs(shrinkage - centre.shrinkage) > 1e-9:
        out["shrinkage"] = shrinkage
    return out


def adjusted_centre(centre: Centre, overrides: dict) -> Centre:
    """The centre with the Staffing page's service targets (each queue its own: one set of
    controls once gave every queue the first queue's target) and shrinkage."""
    per_queue = overrides.get("queues", {})
    if per_queue:
        centre = replace(centre, queues=tuple(
            replace(q, target=replace(q.target, **{k: v for k, v in per_queue.get(q.id, {}).items() if k in TARGET_KEYS}),
                    staff_with=per_queue.get(q.id, {}).get("staff_with", q.staff_with))
            for q in centre.queues))
    if "shrinkage" in overrides:
        centre = replace(centre, shrinkage=overrides["shrinkage"])
    return centre


# ------------------------------------------------------------------------------------------------
# Cached heavy steps (keyed by the files' fingerprint, never by unrelated widgets)
# ------------------------------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=16)
def forecast_for(key: str, _loaded: Loaded, week: date, days: int, backtest: bool) -> tuple[pd.DataFrame, dict]:
    """The forecast and its report; what the forecast warns about (contacts while a queue is
    closed, a holiday the history cannot teach...) is kept in ``report["warnings"]`` for the page
    (it reached only the server's log)."""
    from ..pipeline import make_forecast
    with _input_warnings() as said:
        table, report = make_forecast(_loaded.history, _loaded.centre, week, days, backtest=backtest)
    said = list(dict.fromkeys(said))
    return table, ({**report, "warnings": said} if said else report)


@st.cache_data(show_spinner=False, max_entries=64)
def requirements_for(key: str, _forecast: pd.DataFrame, _centre: Centre, overrides_key: str) -> pd.DataFrame:
    from ..pipeline import make_requirements
    return make_requirements(_forecast, _centre)


def forecast(days: int = 7) -> tuple[pd.DataFrame, dict]:
    loaded = current()
    backtest = st.session_state.get("backtest", True)
    return forecast_for(loaded.fingerprint, loaded, plan_week(), days, backtest)


def requirements() -> tuple[pd.DataFrame, Centre]:
    loaded = current()
    fc, _ = forecast()
    overrides = staffing_overrides()
    centre = adjusted_centre(loaded.centre, overrides)
    key = (plan_week().isoformat(), st.session_state.get("backtest", True))
    return requirements_for(loaded.fingerprint + repr(key), fc, centre, repr(overrides)), centre


# ------------------------------------------------------------------------------------------------
# The roster job: solved in a thread so the page can show progress and offer Stop
# ------------------------------------------------------------------------------------------------
@dataclass
class RosterJob:
    """One roster build. The plan replaces the current one only when the job has finished, so a
    stopped or failed build never loses the previous roster."""

    label: str
    time_limit: float
    started: float = field(default_factory=time.monotonic)
    trace: list = field(default_factory=list)            # (seconds, objective, bound)
    stop: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    plan: object | None = None
    error: str | None = None
    explanation: list = field(default_factory=list)
    thread: threading.Thread | None = None
    changes: list | None = None          # a re-plan's changes against the roster it started from
    reference: object | None = None      # ... and that roster's plan
    settings: str = ""                   # the requirement's settings it was built with (settings_key)

    @property
    def running(self) -> bool:
        return not self.done.is_set()

    def elapsed(self) -> float:
        return time.monotonic() - self.started


def collect_finished_job() -> None:
    """Hand a finished job's plan over (only now does it replace the previous roster); called at
    the top of every run so the sidebar and every page see the new roster at once."""
    job = st.session_state.get("job")
    if job is None or job.running:
        return
    if job.plan is not None:
        st.session_state["plan"] = job.plan
        st.session_state["plan_settings"] = job.settings
        st.session_state["plan_note"] = f"{job.label}, stopped early" if job.stop.is_set() else job.label
        st.session_state.pop("export", None)
        st.session_state.pop("job_error", None)
        if job.changes is not None:
            st.session_state["changes"] = changes_since_published(job)
        else:
            forget("changes", "published")
    else:
        st.session_state["job_error"] = (job.error, job.explanation)
    del st.session_state["job"]


def changes_since_published(job: RosterJob) -> list:
    """A re-plan's changes against the roster as published before the first re-plan - a second
    re-plan once listed only its own, and the first one's were lost from the table and from
    changes.csv. Departures mid-shift of every re-plan are told as such."""
    from ..replan import changes_between, with_departures
    first = st.session_state.setdefault("published", job.reference)
    if first is job.reference:
        return job.changes
    old, new = first.roster, job.plan.roster
    return with_departures(changes_between(old.shifts, new.shifts, old.queue_assignments, new.queue_assignments),
                           old.shifts, new.departures)


def settings_key() -> str:
    """What the requirement a roster is built on depends on besides the files: the week, the
    backtest switch and the Staffing page's overrides."""
    return repr((plan_week().isoformat(), st.session_state.get("backtest", True), staffing_overrides()))


def start_roster_job(label: str, *, time_limit: float, pins=None, seed: int = 0, workers: int = 2) -> RosterJob:
    """Build a roster for the current centre, week and staffing settings in a background thread."""
    from ..pipeline import PlanInputs, requirement_with_values, solve_plan
    from ..problem import RosterProblem
    from ..roster import SolveOptions
    loaded = current()
    fc, report = forecast()
    reqs, centre = requirements()
    horizon = Horizon(plan_week(), 7, centre.interval_minutes)
    staff = load_staff(loaded.folder, centre, horizon)
    problem = RosterProblem(centre, staff, requirement_with_values(reqs, centre, horizon, staff=staff),
                            previous=loaded.carry_over(horizon.start), pins=list(pins or []))
    inputs = PlanInputs(problem, fc, reqs, report)
    job = RosterJob(label, time_limit, settings=settings_key())

    def work() -> None:
        job.plan = solve_plan(inputs, SolveOptions(time_limit=time_limit, workers=workers, seed=seed,
                                                   progress=lambda *p: job.trace.append(p), stop=job.stop))

    return _run_in_background(job, work, "the roster could not be built")


def _run_in_background(job: RosterJob, work, failure: str) -> RosterJob:
    """Run work() in a daemon thread; whatever it raises becomes job.error (and explanation), never
    a traceback on the page (that goes to the server log); job.done is set either way."""
    def run() -> None:
        try:
            work()
        except InfeasibleError as exc:
            job.error, job.explanation = str(exc), list(exc.explanation)
        except InputError as exc:
            job.error = "; ".join(str(p) for p in exc.problems)
        except Exception as exc:     # shown as a friendly message; details go to the server log
            log.error("%s: %s", failure, traceback.format_exc())
            job.error = f"{failure} ({type(exc).__name__}: {exc})"
        finally:
            job.done.set()

    job.thread = threading.Thread(target=run, name="roster-job", daemon=True)
    job.thread.start()
    return job


def replan_absences(plan) -> list:
    """The absences earlier re-plans added to this plan (not in the centre's time_off.csv)."""
    from ..replan import ABSENCE_REASON
    return [t for t in plan.staff.time_off if t.reason == ABSENCE_REASON]


def start_replan_job(label: str, plan, *, absent: list[str], start, end=None, time_limit: float,
                     seed: int = 0, workers: int = 2) -> RosterJob:
    """Re-plan the current roster after an absence (``scheduler.replan``, as `python -m scheduler
    replan` does) in a background thread: the roster and the demand it was made for are written as
    the CLI would publish them, so the re-plan keeps every earlier shift, break and queue."""
    from ..pipeline import write_plan
    from ..replan import replan
    loaded = current()
    folder = Path(tempfile.mkdtemp(prefix="planner-replan-"))
    job = RosterJob(label, time_limit, reference=plan, settings=st.session_state.get("plan_settings", settings_key()))

    def work() -> None:
        written = write_plan(plan, folder)
        job.plan, job.changes = replan(loaded.folder, written["roster.csv"], absent=absent, start=start, end=end,
                                       requirements_path=written["requirements.csv"], time_limit=time_limit,
                                       workers=workers, seed=seed, progress=lambda *p: job.trace.append(p),
                                       stop=job.stop, earlier_absences=replan_absences(plan),
                                       earlier_departures=plan.roster.departures,
                                       horizon=plan.requirement.horizon, centre=plan.centre)

    return _run_in_background(job, work, "the roster could not be re-planned")


# ------------------------------------------------------------------------------------------------
# Friendly errors
# ------------------------------------------------------------------------------------------------
@contextmanager
def friendly_errors(page: str, reset_keys: tuple[str, ...] = ()):
    """An exception inside a page becomes a readable message and a way to recover, never a stack
    trace (which goes to the server log)."""
    try:
        yield
    except InputError as exc:
        st.error(f"{len(exc.problems)} problem(s) with the input files:")
        st.dataframe(problems_table(exc.problems), hide_index=True, use_container_width=True)
    except Exception as exc:
        log.error("page %s failed: %s", page, traceback.format_exc())
        st.error(f"Something went wrong on the {page} page: {type(exc).__name__}: {exc}. "
                 "Your loaded data and earlier results are kept.")
        if st.button("Reset this page", key=f"reset-{page}"):
            forget(*reset_keys)
            st.rerun()
