"""Export: the HR files of the current roster, validated first; what is downloaded is exactly the
files the independent validator re-read."""
import tempfile
from pathlib import Path

import streamlit as st

from scheduler.export import xlsx_available
from scheduler.pipeline import write_plan
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
            h = plan.requirement.horizon
            violations = validate_files(loaded.folder, written["roster.csv"], written["assignments.csv"],
                                        week=h.start, days=h.days)
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
    st.markdown("**Per-employee weekly summary**")
    import pandas as pd
    st.dataframe(pd.read_csv(files["employee_summary.csv"]), hide_index=True, width="stretch")
