"""Roster: build with visible progress (Stop keeps the best so far), see shifts, coverage, KPIs,
the penalty explained by rule, fairness and fatigue per employee; pin shifts and re-solve; re-plan
the rest of the week after an absence."""
import time
from datetime import date, datetime, time as clock, timedelta

import pandas as pd
import streamlit as st

from scheduler.export import employee_summary
from scheduler.io import roster_frames
from scheduler.kpis import clock_change_text, coverage_table
from scheduler.problem import Pin
from scheduler.replan import changes_table
from scheduler.ui import charts, state

GANTT_PEOPLE = 60          # employees in the shifts chart at once

st.header("Roster")


def show_progress(job) -> None:
    t = job.trace
    if t:
        s, obj, bound = t[-1]
        gap = (obj - bound) / obj if obj > 1e-9 else 0.0
        st.write(f"**{job.elapsed():.0f} s** of {job.time_limit:g} s - best roster so far: penalty **{obj:,.0f}**, "
                 f"bound {bound:,.0f} (gap {gap:.0%}), {len(t)} improvement(s)")
        st.altair_chart(charts.progress_chart(t), width="stretch")
    else:
        st.write(f"**{job.elapsed():.0f} s** of {job.time_limit:g} s - looking for a first roster that keeps every rule ...")
    st.progress(min(1.0, job.elapsed() / max(job.time_limit, 1.0)))


with state.friendly_errors("Roster", reset_keys=("job", "pins")):
    loaded = state.current()
    week = state.plan_week()
    state.collect_finished_job()
    job = st.session_state.get("job")

    c = st.columns([1, 1, 1, 2])
    limit = c[0].number_input("Time limit (s)", 5, 600, 45, 5, help="the best roster found by then is returned")
    seed = c[1].number_input("Seed", 0, 10_000, 0, help="same inputs, settings and seed: same roster")
    pins = st.session_state.get("pins", [])

    def build(pins: list) -> object:
        label = f"week of {week:%d %b %Y}, {limit} s" + (f", {len(pins)} pinned" if pins else "")
        # The forecast and requirement come first (7-20 s when the Forecast page was not visited):
        # say so rather than look hung.
        with st.spinner("Forecasting and computing the requirement ..."):
            state.requirements()
        st.session_state["job"] = state.start_roster_job(label, time_limit=float(limit), pins=pins, seed=int(seed))
        return st.session_state["job"]

    if job is None and c[2].button("Build roster", type="primary", key="build"):
        st.session_state.pop("job_error", None)
        job = build(pins)

    if job is not None:
        if c[2].button("Stop", key="stop", help="stop now and keep the best roster found so far"):
            job.stop.set()
        box = st.empty()
        while job.running:          # a click anywhere reruns the page, which finds the job again
            with box.container():
                show_progress(job)
            time.sleep(0.5)
        st.rerun()

    if "job_error" in st.session_state:
        error, explanation = st.session_state["job_error"]
        st.error(f"No roster: {error}")
        for line in explanation:
            st.write(f"- {line}")
        if st.session_state.get("plan") is not None:
            st.info("The previous roster is kept below.")

    plan = st.session_state.get("plan")
    if plan is None:
        st.info("No roster yet: press **Build roster** (the forecast and staffing settings of the other pages are used).")
        st.stop()

    if st.session_state.get("plan_settings", state.settings_key()) != state.settings_key():
        # (The KPIs below are against the requirement of then: a supervisor read them as today's.)
        st.warning("This roster was built before the staffing settings or the backtest switch changed: its "
                   "coverage and KPIs are against the old requirement. Press **Build roster** to plan with the "
                   "new ones.")
    k = plan.kpis
    s = k.get("solver", {})
    st.caption(f"Roster: {st.session_state.get('plan_note', '')} - solver {s.get('status')}, penalty "
               f"{s.get('objective', 0):,.0f}, bound {s.get('bound', 0):,.0f}, gap {100 * (s.get('gap') or 0):.1f}%")
    m = st.columns(5)
    tot = k["totals"]
    m[0].metric("Under-staffed agent-hours", f"{tot['under_staffed_hours']:,.1f}")
    m[1].metric("Over-staffed agent-hours", f"{tot['over_staffed_hours']:,.1f}")
    m[2].metric("Intervals meeting requirement", f"{tot['intervals_meeting_requirement']:.1%}",
                help="of every queue-interval with a requirement, all queues together")
    m[3].metric("Paid hours", f"{tot['paid_hours']:,.0f}")
    prefs = k["preferences"]
    # (No wishes at all is not '100 % granted'.)
    m[4].metric("Wishes granted", f"{prefs['share_granted']:.0%}" if prefs.get("wishes") else "no wishes")
    for change in k.get("clock_changes", []):
        st.warning(f"The {clock_change_text(change)} - check those shifts before payroll.")
    said = (getattr(plan, "forecast_report", None) or {}).get("warnings") or []
    if said:
        # (They were on the Forecast page only: a supervisor who went straight to Build roster
        # never saw that, say, a queue's Sundays are staffed at its minimum for want of history.)
        with st.expander(f"The forecast behind this roster warned of {len(said)} thing(s)", expanded=False):
            for message in said:
                st.warning(message)

    tabs = st.tabs(["Coverage", "Shifts", "Penalty explained", "Fairness and fatigue", "Pin and re-solve",
                    "Absence: re-plan"])
    roster_df, _ = roster_frames(plan.roster, plan.staff)
    with tabs[0]:
        queue = st.selectbox("Queue", plan.centre.queue_ids, key="cov-queue")
        cov = coverage_table(plan.roster, plan.requirement)
        st.altair_chart(charts.coverage_chart(cov[cov["queue"] == queue]), width="stretch")
        st.dataframe(pd.DataFrame([{"queue": q, **v} for q, v in k["queues"].items()]), hide_index=True,
                     width="stretch")
    with tabs[1]:
        skills = sorted({"+".join(sorted(e.skills)) for e in plan.staff.employees})
        f = st.columns(2)
        chosen = f[0].multiselect("Skill sets", skills, default=skills[:3])
        days = sorted(roster_df["date"].unique())
        day = f[1].selectbox("Day", ["whole week", *days])
        ids = {e.id for e in plan.staff.employees if "+".join(sorted(e.skills)) in chosen}
        shown = roster_df[roster_df["employee_id"].isin(ids)]
        if day != "whole week":
            shown = shown[shown["date"] == day]
        # A chart of hundreds of people is a 6,000-px page: the first GANTT_PEOPLE, and say so.
        people = sorted(shown["employee_id"].unique())
        if len(people) > GANTT_PEOPLE:
            st.caption(f"Showing the first {GANTT_PEOPLE} of {len(people)} employees: choose fewer skill sets or a day "
                       "(the whole roster is in Export).")
            shown = shown[shown["employee_id"].isin(people[:GANTT_PEOPLE])]
        if len(shown):
            st.altair_chart(charts.roster_gantt(shown), width="stretch")
        else:
            st.info("No shifts for this selection.")
    with tabs[2]:
        by_rule = pd.DataFrame(sorted(k.get("penalty_by_rule", {}).items(), key=lambda kv: -kv[1]),
                               columns=["rule", "penalty"])
        st.dataframe(by_rule, hide_index=True, width="stretch",
                     column_config={"penalty": st.column_config.ProgressColumn(
                         format="%.0f", min_value=0, max_value=float(by_rule["penalty"].max() or 1))})
        st.markdown("**By queue**")
        st.dataframe(pd.DataFrame(list(k.get("penalty_by_queue", {}).items()), columns=["queue", "penalty"]),
                     hide_index=True)
        st.markdown("**Employees with the largest penalties** (preferences, hours vs contract, fairness)")
        st.dataframe(pd.DataFrame(list(k.get("penalty_by_employee", {}).items()), columns=["employee", "penalty"]),
                     hide_index=True)
    with tabs[3]:
        summary = employee_summary(plan.roster, plan.staff, plan.centre)
        f = k["fairness"]
        st.write(f"Weekends worked, max - min: **{f['weekends_max_minus_min']}**; nights, max - min among night "
                 f"workers: **{f['nights_max_minus_min']}**; below contract minimum: **{f['below_contract_minimum']}**")
        st.dataframe(summary, hide_index=True, width="stretch")
    with tabs[4]:
        st.caption("Tick shifts to lock them, then re-solve: pinned shifts are kept, the rest is re-optimised "
                   "around them (to keep someone's day free, record it as time off).")
        if state.replan_absences(plan):
            st.warning("This roster was re-planned after an absence: a re-solve with pins starts from the centre's "
                       "files and does not keep that absence - use the re-plan tab again instead.")
        table = roster_df[["employee_id", "name", "date", "shift", "start", "end"]].copy()
        pinned = {(p.employee_id, p.day.isoformat()) for p in pins}
        table.insert(0, "pin", [(e, d) in pinned for e, d in zip(table["employee_id"], table["date"])])
        edited = st.data_editor(table, hide_index=True, width="stretch", disabled=list(table.columns[1:]),
                                key="pin-editor", height=320)
        cols = st.columns(3)
        if cols[0].button("Re-solve with these pins", type="primary", disabled=job is not None):
            chosen = edited[edited["pin"]]
            st.session_state["pins"] = [Pin(r.employee_id, date.fromisoformat(r.date), r.shift) for r in chosen.itertuples()]
            build(st.session_state["pins"])
            st.rerun()
        if cols[1].button("Clear pins", disabled=not pins):
            st.session_state.pop("pins", None)
            st.rerun()
        if pins:
            st.write(f"{len(pins)} pinned: " + ", ".join(f"{p.employee_id} {p.day:%a} {p.shift_id}" for p in pins[:12])
                     + (" ..." if len(pins) > 12 else ""))
    with tabs[5]:
        st.caption("Someone calls in sick or leaves mid-week: everything before the moment given is kept as "
                   "published (shifts, breaks, queues); the absent agent is taken off from then on and the rest "
                   "is re-planned with as few changes as the cover allows. The re-planned roster replaces this one "
                   "(and is what the Export page writes, with the absence).")
        h = plan.requirement.horizon
        rostered = sorted({s.employee_id for s in plan.roster.shifts})
        names = {e.id: e.name for e in plan.staff.employees}
        with st.form("replan-form"):
            f = st.columns(4)
            who = f[0].selectbox("Absent agent", rostered, format_func=lambda e: f"{e} {names.get(e, '')}")
            day = f[1].selectbox("From day", [h.day(d) for d in range(h.days)], format_func=lambda d: f"{d:%a %d %b}")
            at = f[2].time_input("From time", clock(0, 0), step=timedelta(minutes=plan.centre.interval_minutes))
            back = f[3].selectbox("Back on", [None] + [h.day(d) for d in range(1, h.days)],
                                  format_func=lambda d: "not this week" if d is None else f"{d:%a %d %b}")
            replan_limit = st.number_input("Time limit (s)", 5, 600, 30, 5, key="replan-limit")
            go = st.form_submit_button("Re-plan after this absence", type="primary", disabled=job is not None)
        if go:
            start = datetime.combine(day, at)
            end = datetime.combine(back, clock(0, 0)) if back is not None else None
            if end is not None and end <= start:
                st.error("'Back on' must be after the start of the absence.")
            else:
                label = f"re-plan: {who} absent from {start:%a %d %b %H:%M}" + (f" to {end:%a %d %b}" if end else "")
                st.session_state.pop("job_error", None)
                st.session_state["job"] = state.start_replan_job(label, plan, absent=[who], start=start, end=end,
                                                                 time_limit=float(replan_limit), seed=int(seed))
                st.rerun()
        changes = st.session_state.get("changes")
        if changes is not None:
            st.markdown(f"**{len(changes)} change(s) against the roster as published before any re-plan** - "
                        "tell these people:")
            st.dataframe(changes_table(changes), hide_index=True, width="stretch", key="changes-table")
