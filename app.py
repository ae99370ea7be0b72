"""The supervisor's planner (Streamlit). A thin layer: all logic lives in scheduler/ and forecasts/.

Run with `make app` (or `.venv/bin/streamlit run app.py`).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import streamlit as st

from scheduler.errors import InputError
from scheduler.io import load_centre_dir, load_staff
from scheduler.domain import Horizon

SAMPLE = Path(__file__).parent / "data" / "sample"

st.set_page_config(page_title="Shift planner", layout="wide")
st.title("Shift planner")
st.caption("Forecast → staffing → roster for the customer-service centre")

data_dir = Path(st.text_input("Centre folder", str(SAMPLE)))
try:
    centre = load_centre_dir(data_dir)
    staff = load_staff(data_dir, centre, Horizon(date(2026, 11, 30), 7, centre.interval_minutes))
except InputError as exc:
    for problem in exc.problems:
        st.error(str(problem))
    st.stop()

st.subheader(centre.name)
c1, c2, c3 = st.columns(3)
c1.metric("Queues", len(centre.queues))
c2.metric("Employees", len(staff.employees))
c3.metric("Shift templates", len(centre.shifts))
st.write("Run `python -m scheduler plan --data DIR --week DATE --out DIR` for the full pipeline; "
         "the interactive pages are being built.")
