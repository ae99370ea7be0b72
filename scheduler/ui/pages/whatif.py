"""What-if: scenarios (demand, absenteeism, hires or leavers by skill, service target, a rule),
run and compared side by side: KPIs, coverage, per-employee changes."""
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from scheduler.domain import Horizon
from scheduler.errors import InfeasibleError, InputError, NoRosterInTimeError
from scheduler.io import load_staff
from scheduler.ui import charts, state
from scheduler.whatif import Hire, Scenario, load_scenarios, run_scenarios


def _row(s) -> dict:
    """One scenario as the table shows it: every change it makes (a scenarios.toml's demand by
    day, band or queue, pools and time off showed as 'demand 100 %' and blanks)."""
    factors = lambda d: ", ".join(f"{k} {v:.0%}" for k, v in d.items())   # noqa: E731
    demand = [f"{s.demand:.0%}"] if s.demand != 1 or not (s.demand_by_queue or s.demand_by_day or s.demand_by_band) else []
    demand += [factors(d) for d in (s.demand_by_queue, s.demand_by_day, s.demand_by_band) if d]
    return {"scenario": s.name, "demand": "; ".join(demand),
            "shrinkage": "" if s.shrinkage is None else f"{s.shrinkage:.0%}",
            "service level": "" if s.service_level is None else f"{s.service_level:.0%}",
            "leavers": ", ".join(s.remove),
            "hires": ", ".join(f"{h.count} x {'+'.join(sorted(h.skills))}" for h in s.hire),
            "time off": ", ".join(f"{t.employee_id} {t.start:%d %b}-{t.end:%d %b}" for t in s.time_off),
            "pools": ", ".join(f"{q} with {h}" if h else f"{q} alone" for q, h in s.staff_with.items()),
            "rules": ", ".join(f"{k}={v}" for k, v in s.rules.items())}

st.header("What-if scenarios")

with state.friendly_errors("What-if", reset_keys=("scenarios", "whatif")):
    loaded = state.current()
    centre = state.adjusted_centre(loaded.centre, state.staffing_overrides())
    scenarios: list[Scenario] = st.session_state.setdefault("scenarios", [])

    with st.expander("Define a scenario", expanded=not scenarios):
        with st.form("scenario-form", clear_on_submit=True):
            name = st.text_input("Name", placeholder="e.g. demand +15%")
            c = st.columns(3)
            demand = c[0].number_input("Demand change (%)", -50, 200, 0, 5)
            shrink = c[1].number_input("Shrinkage / absenteeism (%) - blank keeps the centre's", 0, 60, value=None)
            sl = c[2].number_input("Service level target (%), every queue - blank keeps each queue's", 50, 99, value=None)
            c = st.columns(3)
            leavers = c[0].multiselect("Leavers / off all week", [e.id for e in loaded.staff.employees])
            hire_skills = c[1].multiselect("Hires: skill set", centre.queue_ids)
            hire_count = c[2].number_input("Hires: how many", 0, 50, 0)
            c = st.columns(3)
            hire_hours = c[0].number_input("Hires: weekly hours (max)", 8, 48, 40)
            max_days = c[1].number_input("Rule: max consecutive working days - blank keeps", 1, 14, value=None)
            if st.form_submit_button("Add scenario"):
                problems = []
                if not name.strip() or "/" in name:
                    problems.append("give the scenario a name (no '/')")
                if name.strip() in [s.name for s in scenarios] or name.strip() == "base":
                    problems.append(f"a scenario named {name.strip()!r} exists already")
                if hire_count and not hire_skills:
                    problems.append("choose the hires' skill set")
                if problems:
                    st.error("; ".join(problems))
                else:
                    scenarios.append(Scenario(
                        name.strip(), demand=1 + demand / 100, shrinkage=None if shrink is None else shrink / 100,
                        service_level=None if sl is None else sl / 100, remove=tuple(leavers),
                        hire=(Hire(frozenset(hire_skills), int(hire_count), min(32.0, float(hire_hours)),
                                   float(hire_hours)),) if hire_count else (),
                        rules={"max_consecutive_days": int(max_days)} if max_days else {}))
                    st.session_state.pop("whatif", None)
                    st.rerun()
        up = st.file_uploader("... or load a scenarios.toml (see docs/contracts.md)", type=["toml"], key="scn-file")
        if up is not None and st.button("Load scenarios from the file"):
            folder = Path(tempfile.mkdtemp(prefix="planner-scn-"))
            (folder / "scenarios.toml").write_bytes(up.getvalue()[: state.MAX_UPLOAD_MB * 1024 * 1024])
            try:
                st.session_state["scenarios"] = scenarios = load_scenarios(folder / "scenarios.toml", centre)
                st.session_state.pop("whatif", None)
                st.rerun()
            except InputError as exc:
                st.error("The scenarios file has problems:")
                st.dataframe(state.problems_table(exc.problems), hide_index=True)
        sample = state.SAMPLE_DIR / "scenarios.toml"
        if loaded.label == "bundled sample centre" and st.button("Use the sample's example scenarios"):
            st.session_state["scenarios"] = load_scenarios(sample, centre)
            st.session_state.pop("whatif", None)
            st.rerun()

    if scenarios:
        st.dataframe(pd.DataFrame([_row(s) for s in scenarios]), hide_index=True, width="stretch")
        c = st.columns([1, 1, 3])
        limit = c[0].number_input("Seconds per scenario", 5, 300, 30, 5,
                                  help="each scenario (and the base) gets this time limit and the same seed")
        run = c[1].button("Run scenarios", type="primary", key="run-whatif")
        if c[2].button("Remove all scenarios"):
            st.session_state["scenarios"] = []
            st.session_state.pop("whatif", None)
            st.rerun()
        if run:
            fc, _ = state.forecast()
            week = state.plan_week()
            horizon = Horizon(week, 7, centre.interval_minutes)
            staff = load_staff(loaded.folder, centre, horizon)
            # The roster built on the Roster page (same week) is where the base's search starts.
            plan = st.session_state.get("plan")
            hint = plan.roster.shifts if plan is not None and plan.requirement.horizon.start == week else None
            bar = st.progress(0.0, text="base ...")
            try:
                table, plans = run_scenarios(
                    scenarios, centre, staff, fc, horizon, loaded.carry_over(week), time_limit=float(limit),
                    workers=2, jobs=1, base_hint=hint,
                    progress=lambda i, n, nm: bar.progress(i / n, text=f"{nm} ({i + 1} of {n}) ..."))
            except InfeasibleError as exc:
                # (A time-out is no proof that none exists: the CLI says 'no roster yet' too.)
                # (Only the base ends the run; a scenario without a roster is a row of the table.)
                st.error(f"No roster{' yet' if isinstance(exc, NoRosterInTimeError) else ''}: {exc}")
                for line in exc.explanation:
                    st.write(f"- {line}")
                st.stop()
            bar.progress(1.0, text="done")
            st.session_state["whatif"] = (table, {n: (p.roster.shifts, p.kpis) for n, p in plans.items()})

    if "whatif" in st.session_state:
        table, results = st.session_state["whatif"]
        st.subheader("Comparison")
        st.dataframe(table, hide_index=True, width="stretch")
        c = st.columns(2)
        c[0].altair_chart(charts.scenario_bars(table, "under_staffed_hours", "under-staffed agent-hours"),
                          width="stretch")
        c[1].altair_chart(charts.scenario_bars(table, "paid_hours", "paid hours"), width="stretch")
        sl_cols = [col for col in table.columns if col.startswith("sl_")]
        if sl_cols:
            st.markdown("**Expected service level per queue**")
            st.dataframe(table[["scenario", *sl_cols]].rename(columns=lambda col: col.removeprefix("sl_")),
                         hide_index=True, width="stretch")
        if (table["notes"] != "").any():
            for r in table[table["notes"] != ""].itertuples():
                st.warning(f"{r.scenario}: {r.notes}")
        st.markdown("**Per-employee changes against the base**")
        other = st.selectbox("Scenario", [n for n in results if n != "base"])
        base = {(s.employee_id, s.day): s.shift_id for s in results["base"][0]}
        mine = {(s.employee_id, s.day): s.shift_id for s in results[other][0]}
        changes = [{"employee_id": e, "date": d.isoformat(), "base": base.get((e, d), "off"),
                    other: mine.get((e, d), "off")} for e, d in sorted(set(base) | set(mine))
                   if base.get((e, d)) != mine.get((e, d))]
        st.write(f"{len(changes)} employee-day(s) differ.")
        st.dataframe(pd.DataFrame(changes), hide_index=True, width="stretch")
