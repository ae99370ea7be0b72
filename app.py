"""The supervisor's planner (Streamlit): centre data -> forecast -> staffing -> roster -> what-if -> export.

A thin layer: the pages in scheduler/ui/pages only lay out widgets; the work is done by scheduler/
and forecasts/ through scheduler/ui/state.py. Run with `make app`.
"""
from __future__ import annotations

import streamlit as st

from scheduler.ui import state

st.set_page_config(page_title="Shift planner", page_icon=":calendar:", layout="wide")

PAGES = [
    st.Page("scheduler/ui/pages/centre.py", title="Centre data", icon=":material/apartment:", default=True),
    st.Page("scheduler/ui/pages/forecast.py", title="Forecast", icon=":material/trending_up:"),
    st.Page("scheduler/ui/pages/staffing.py", title="Staffing", icon=":material/groups:"),
    st.Page("scheduler/ui/pages/roster.py", title="Roster", icon=":material/calendar_month:"),
    st.Page("scheduler/ui/pages/whatif.py", title="What-if", icon=":material/compare_arrows:"),
    st.Page("scheduler/ui/pages/export.py", title="Export", icon=":material/download:"),
]
page = st.navigation(PAGES)

with st.sidebar:
    try:
        state.collect_finished_job()
        loaded = state.current()
        st.markdown(f"**{loaded.centre.name}**  \n{loaded.label}  \nweek of {state.plan_week():%a %d %b %Y}")
        plan = st.session_state.get("plan")
        st.caption("Roster: " + (st.session_state.get("plan_note", "built") if plan is not None else "not built yet"))
    except Exception as exc:          # the page itself shows the details and a way to recover
        st.warning(f"Centre not loaded: {exc}")

page.run()
