"""Centre data: the bundled sample or the supervisor's own files, checked with every problem shown."""
from datetime import timedelta

import pandas as pd
import streamlit as st

from scheduler.errors import InputError
from scheduler.ui import state

st.header("Centre data")

with state.friendly_errors("Centre data"):
    loaded = state.current()
    source = st.radio("Work on", ["Bundled sample centre", "My own files"], horizontal=True,
                      index=0 if loaded.label == "bundled sample centre" else 1)
    if source == "Bundled sample centre":
        if loaded.label != "bundled sample centre":
            state.switch_to(state.load(state.SAMPLE_DIR, "bundled sample centre"))
            st.rerun()
    else:
        st.caption(f"Upload the centre's files (CSV and TOML, at most {state.MAX_UPLOAD_MB} MB each). "
                   "They are only read as data; see docs/contracts.md for the columns.")
        uploads = {}
        cols = st.columns(3)
        for i, (name, required) in enumerate(state.CENTRE_FILES.items()):
            f = cols[i % 3].file_uploader(f"{name}{' (required)' if required else ''}",
                                          type=[name.rsplit('.', 1)[1]], key=f"upload-{name}")
            if f is not None:
                uploads[name] = f.getvalue()
        if st.button("Check and load these files", type="primary"):
            folder, problems = state.save_uploads(uploads)
            if problems:
                st.error(f"{len(problems)} problem(s) - nothing was loaded:")
                st.dataframe(state.problems_table(problems), hide_index=True, width="stretch")
            else:
                try:
                    state.switch_to(state.load(folder, "uploaded files"))
                    st.success("Loaded your files.")
                    st.rerun()
                except InputError as exc:
                    state.discard_upload(folder)
                    st.error(f"{len(exc.problems)} problem(s) in your files - nothing was loaded. "
                             "Fix them and upload again:")
                    st.dataframe(state.problems_table(exc.problems), hide_index=True, width="stretch")

    loaded = state.current()
    centre, staff, history = loaded.centre, loaded.staff, loaded.history
    st.subheader(f"{centre.name} ({loaded.label})")
    for message in loaded.warnings:
        st.warning(message)
    c = st.columns(4)
    c[0].metric("Queues", len(centre.queues))
    c[1].metric("Employees", len(staff.employees))
    c[2].metric("Shift templates", len(centre.shifts))
    c[3].metric("History", f"{history['timestamp'].min():%d %b %Y} - {history['timestamp'].max():%d %b %Y}")

    # Any day after the history may start the plan (the default starts the centre's own week).
    week = st.date_input("Week to plan (first day)", value=state.plan_week(),
                         min_value=history["timestamp"].max().date() + timedelta(days=1),
                         help="The forecast, staffing and roster pages plan this week.")
    if week != state.plan_week():
        st.session_state["week"] = week
        # Everything planned for the other week goes, pins (dated in it) and a running job too.
        state.forget("plan", "job", "whatif", "pins", "plan_note", "job_error", "changes")
        st.rerun()      # the sidebar, drawn before this page, showed the old week until the next click

    left, right = st.columns(2)
    with left:
        st.markdown("**Queues and service targets**")
        days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

        def hours(q):
            spans = {d: ",".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in q.hours[i]) or "closed"
                     for i, d in enumerate(days)}
            return "; ".join(f"{d} {v}" for d, v in spans.items())
        st.dataframe(pd.DataFrame([{"queue": q.id, "name": q.name, "service target":
                                    f"{q.target.service_level:.0%} in {q.target.target_seconds:g} s",
                                    "max occupancy": f"{q.target.max_occupancy:.0%}", "opening hours": hours(q)}
                                   for q in centre.queues]), hide_index=True, width="stretch")
    with right:
        st.markdown("**Employees by skill set** (multi-skilled staff are the buffer)")
        by_skills = pd.Series(["+".join(sorted(e.skills)) for e in staff.employees]).value_counts()
        st.dataframe(by_skills.rename_axis("skill set").reset_index(name="employees"), hide_index=True,
                     width="stretch")
    per_queue = history.groupby("queue")["contacts"].sum().rename("contacts in history").reset_index()
    # The history's own interval (it was the centre's: hourly history read as '30-minute intervals').
    from scheduler.staffing import infer_interval_minutes
    own = infer_interval_minutes(history) if history["timestamp"].nunique() > 1 else centre.interval_minutes
    grid = "" if own == centre.interval_minutes else f" (planned on {centre.interval_minutes}-minute intervals)"
    st.markdown(f"**History**: {len(history):,} rows, {history['timestamp'].dt.normalize().nunique()} days, "
                f"{own}-minute intervals{grid}")
    st.dataframe(per_queue, hide_index=True)
