"""Staffing: agents needed per interval and queue (Erlang), with controls that recompute at once."""
import streamlit as st

from scheduler.ui import charts, state

st.header("Staffing requirement")

with state.friendly_errors("Staffing", reset_keys=("staffing",)):
    loaded = state.current()
    base = loaded.centre
    current = state.staffing_overrides()
    adjusted = state.adjusted_centre(base, current)
    # Targets are per queue (cards at 90 % in 15 s is not complaints at 75 % in 60 s): choose the
    # queue whose target to change; shrinkage is the centre's.
    edit = st.selectbox("Service target of queue", base.queue_ids, key="staffing-queue")
    target = adjusted.queue(edit).target
    # A small queue can be staffed with a host queue (one pool for their combined load, its
    # agents answering the host's contacts in between): a queue already hosting others, or
    # pooled itself, cannot be a guest / host in turn.
    alone = "on its own"
    hosts_others = any(q.staff_with == edit for q in adjusted.queues)
    hosts = [alone] + [q.id for q in adjusted.queues if q.id != edit and not q.staff_with]
    with st.form("staffing-controls"):
        c = st.columns(4)
        # The ranges reach whatever centre.toml may hold (a target of 900 s made the page fail
        # with 'value above max_value'; a value outside a slider's range would be clamped, and
        # Recompute would change it without a word).
        level, seconds = float(target.service_level), int(target.target_seconds)
        occupancy, shrinkage = float(target.max_occupancy), float(adjusted.shrinkage)
        sl = c[0].slider("Service level target", min(0.5, level), max(0.99, level), level, 0.01,
                         help=f"share of {edit}'s contacts answered within the target time")
        secs = c[1].number_input("Answered within (s)", 0, max(600, seconds), seconds)
        occ = c[2].slider("Occupancy cap", min(0.5, occupancy), 1.0, occupancy, 0.01)
        shrink = c[3].slider("Shrinkage", 0.0, max(0.6, shrinkage), shrinkage, 0.01,
                             help="absence, training, coaching: share of paid time not available for contacts (all queues)")
        pooled = st.selectbox("Staffed with", hosts, index=hosts.index(adjusted.queue(edit).staff_with or alone),
                              key="staffing-pool", disabled=hosts_others,
                              help=f"staff {edit}'s contacts with a bigger queue's: one pool sized for their combined "
                                   f"load, {edit} keeping the agents its own contacts need" +
                                   (f" ({edit} hosts another queue)" if hosts_others else ""))
        cols = st.columns([1, 1, 4])
        applied = cols[0].form_submit_button("Recompute", type="primary")
        reset = cols[1].form_submit_button("Centre defaults")
    if applied:
        st.session_state["staffing"] = state.with_staffing_change(
            base, current, edit, {"service_level": sl, "target_seconds": float(secs), "max_occupancy": occ,
                                  "staff_with": None if pooled == alone else pooled}, shrink)
        st.rerun()
    if reset:
        st.session_state.pop("staffing", None)
        st.rerun()
    if current:
        changed = [f"{qid}: {adjusted.queue(qid).target.service_level:.0%} in {adjusted.queue(qid).target.target_seconds:g} s, "
                   f"occupancy cap {adjusted.queue(qid).target.max_occupancy:.0%}"
                   + (f", staffed with {adjusted.queue(qid).staff_with}" if adjusted.queue(qid).staff_with else "")
                   for qid in current.get("queues", {})]
        if "shrinkage" in current:
            changed.append(f"shrinkage {current['shrinkage']:.0%}")
        st.caption("Using: " + "; ".join(changed) + " (changed from the centre's settings; the Roster and What-if "
                   "pages use these too).")
    with st.spinner("Forecasting ..."):
        reqs, centre = state.requirements()
    queue = st.selectbox("Queue", centre.queue_ids)
    q = reqs[reqs["queue"] == queue]
    st.altair_chart(charts.requirement_heatmap(q), width="stretch")
    hours = centre.interval_minutes / 60
    cols = st.columns(4)
    cols[0].metric("Staff-hours needed (week)", f"{q['staff'].sum() * hours:,.0f}")
    cols[1].metric("Peak agents on the phones", int(q["agents"].max()) if len(q) else 0)
    cols[2].metric("Peak staff incl. shrinkage", int(q["staff"].max()) if len(q) else 0)
    cols[3].metric("Mean expected service level", f"{(q['service_level'] * q['contacts']).sum() / max(q['contacts'].sum(), 1e-9):.1%}")
    totals = reqs.groupby("queue").agg(contacts=("contacts", "sum"), staff_hours=("staff", lambda s: s.sum() * hours),
                                       peak_staff=("staff", "max")).reset_index()
    if centre.staffed_with:
        totals["staffed_with"] = totals["queue"].map(centre.staffed_with).fillna("")
        st.caption("A queue staffed with another keeps the agents its own contacts need; the pool's other agents and "
                   "its shrinkage allowance are counted on the host queue.")
    st.dataframe(totals, hide_index=True, width="stretch",
                 column_config={"contacts": st.column_config.NumberColumn(format="%.0f"),
                                "staff_hours": st.column_config.NumberColumn("staff-hours", format="%.0f")})
