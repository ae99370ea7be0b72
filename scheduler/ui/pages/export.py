"""Export: the HR files of the current roster, validated first; what is downloaded is exactly the
files the independent validator re-read."""
import tempfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from scheduler.export import xlsx_available
from scheduler.io import write_csv
from scheduler.pipeline import write_plan
from scheduler.replan import absences_table, changes_table
from scheduler.ui import state
from scheduler.validate import validate_files

st.header("Export for HR")

with state.friendly_errors("Export", reset_keys=("export",)):
    loaded = state.current()
    plan = st.session_state.get("plan")
    if plan is None:
        st.info("No roster yet: build one on the Roster page first.")
        st.stop()
    export = st.session_state.get("export")
    if export is None or export["plan"] is not plan:
        folder = Path(tempfile.mkdtemp(prefix="planner-export-"))
        with st.spinner("Writing and validating the files ..."):
            written = write_plan(plan, folder, calendars=True, xlsx=xlsx_available())
            # A re-planned roster: its absences (not in time_off.csv) and its changes go with it,
            # and the validator holds the absent agents' contracts to what they could work.
            absences = absences_table(plan)
            extra = None
            if len(absences):
                extra = written["absences.csv"] = folder / "absences.csv"
                write_csv(absences, extra)
            if st.session_state.get("changes") is not None:
                written["changes.csv"] = folder / "changes.csv"
                write_csv(changes_table(st.session_state["changes"]), written["changes.csv"])
            h = plan.requirement.horizon
            since = plan.kpis.get("replanned_from")     # a re-plan: what came before is a record
            was = plan.kpis.get("replanned_roster")       # ... of the roster re-planned
            violations = validate_files(loaded.folder, written["roster.csv"], written["assignments.csv"],
                                        week=h.start, days=h.days, extra_time_off=extra,
                                        worked_before=datetime.fromisoformat(since) if since else None,
                                        published_path=was if was and Path(was).exists() else None)
        export = st.session_state["export"] = {"plan": plan, "files": written, "violations": violations}
    violations = export["violations"]
    if violations:
        st.error(f"The validator found {len(violations)} violation(s); do not publish this roster.")
        for v in violations[:30]:
            st.write(f"- {v}")
    else:
        st.success("Validated: the exported roster keeps every hard rule (re-read from the files below).")
    files = export["files"]
    st.markdown("**Files**")
    c = st.columns(3)
    c[0].download_button("Roster (CSV)", files["roster.csv"].read_bytes(), "roster.csv", "text/csv",
                         type="primary", disabled=bool(violations))
    c[1].download_button("Queue assignments (CSV)", files["assignments.csv"].read_bytes(), "assignments.csv", "text/csv")
    c[2].download_button("Per-employee summary (CSV)", files["employee_summary.csv"].read_bytes(),
                         "employee_summary.csv", "text/csv")
    c = st.columns(3)
    if "roster.xlsx" in files:
        c[0].download_button("Workbook (xlsx)", files["roster.xlsx"].read_bytes(), "roster.xlsx",
                             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        c[0].caption("Workbook: install openpyxl for the .xlsx export.")
    c[1].download_button("KPIs (JSON)", files["kpis.json"].read_bytes(), "kpis.json", "application/json")
    cals = {n: p for n, p in files.items() if n.startswith("calendars/")}
    who = c[2].selectbox("Calendar (.ics) for", sorted(n.split("/")[1][:-4] for n in cals)) if cals else None
    if who:
        c[2].download_button(f"{who}.ics", cals[f"calendars/{who}.ics"].read_bytes(), f"{who}.ics", "text/calendar")
    if "changes.csv" in files or "absences.csv" in files:
        c = st.columns(3)
        if "changes.csv" in files:
            c[0].download_button("Changes of the re-plan (CSV)", files["changes.csv"].read_bytes(), "changes.csv",
                                 "text/csv")
        if "absences.csv" in files:
            c[1].download_button("Absences of the re-plan (CSV)", files["absences.csv"].read_bytes(), "absences.csv",
                                 "text/csv")
    st.markdown("**Per-employee weekly summary**")
    st.dataframe(pd.read_csv(files["employee_summary.csv"]), hide_index=True, width="stretch")
