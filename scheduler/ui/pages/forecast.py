"""Forecast: history and forecast per queue with 80/95% bands, the backtest table, holidays."""
from datetime import timedelta

import pandas as pd
import streamlit as st

from forecasts.data import LEFT_OUT
from scheduler.pipeline import to_interval
from scheduler.ui import charts, state

st.header("Forecast")

with state.friendly_errors("Forecast"):
    loaded = state.current()
    week = state.plan_week()
    top = st.columns([2, 1, 1])
    queue = top[0].selectbox("Queue", loaded.centre.queue_ids)
    days = top[1].selectbox("Horizon (days)", [7, 14], help="the roster plans the first week")
    backtest = top[2].toggle("Choose models by backtest", value=st.session_state.get("backtest", True),
                             help="rolling-origin backtest per queue; off = the default model, faster")
    st.session_state["backtest"] = backtest
    with st.spinner("Forecasting (backtest per queue) ..."):
        fc, report = state.forecast_for(loaded.fingerprint, loaded, week, days, backtest)
    for message in report.get("warnings", []):
        st.warning(message)
    q_fc = fc[fc["queue"] == queue]
    hist = loaded.history
    recent = hist[(hist["queue"] == queue) & (hist["timestamp"] >= pd.Timestamp(week) - timedelta(days=14))]
    # On the forecast's grid: hourly history drawn per hour beside a 30-minute forecast looked twice
    # as busy on the one 'contacts per interval' axis.
    recent = to_interval(recent[["timestamp", "queue", "contacts"]], loaded.centre.interval_minutes)
    holidays = []
    if loaded.centre.holiday_country:
        from scheduler.domain import observed_holidays
        ctr = loaded.centre
        cal = observed_holidays(ctr.holiday_country, ctr.holiday_subdivision,
                                sorted({week.year - 1, week.year, (week + timedelta(days=days)).year}),
                                ctr.holidays_ignored)
        holidays = [(d, n) for d, n in sorted(cal.items()) if week - timedelta(days=14) <= d < week + timedelta(days=days)]
    holidays += [(d, "closure") for d in loaded.centre.closures if week - timedelta(days=14) <= d < week + timedelta(days=days)]
    st.altair_chart(charts.forecast_chart(recent, q_fc, holidays), width="stretch")
    c = st.columns(3)
    c[0].metric("Forecast contacts (week)" if days == 7 else f"Forecast contacts ({days} days)",
                f"{q_fc['contacts'].sum():,.0f}")
    # The last 7 days the history has (before the week): the 7 days before the planned week were a
    # partial week, or nothing, when the history ends earlier.
    own = hist[(hist["queue"] == queue) & (hist["timestamp"] < pd.Timestamp(week))]
    if len(own):
        end = own["timestamp"].max().normalize() + pd.Timedelta(days=1)
        last_week = own[own["timestamp"] >= end - pd.Timedelta(days=7)]["contacts"].sum()
        c[1].metric(f"Last 7 days of history (to {(end - pd.Timedelta(days=1)):%d %b})", f"{last_week:,.0f}")
    else:
        c[1].metric("Last 7 days of history", "none")
    c[2].metric("Mean handle time", f"{(q_fc['aht_seconds'] * q_fc['contacts']).sum() / max(q_fc['contacts'].sum(), 1e-9):.0f} s")
    st.caption("Shaded: 80% and 95% prediction intervals. Grey: the last two weeks of history. "
               "Dashed red: public holidays and closures." if holidays else
               "Shaded: 80% and 95% prediction intervals. Grey: the last two weeks of history.")

    info = (report.get("queues") or {}).get(queue, {})
    st.subheader("Model choice")
    st.write(f"Chosen model: **{info.get('model', 'default')}** - {info.get('why', '')}")
    scores = (info.get("backtest") or {}).get("scores") or {}
    if scores:
        table = pd.DataFrame(scores).T.rename_axis("model").reset_index()
        table["chosen"] = table["model"] == info.get("model")
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={"wape": st.column_config.NumberColumn("WAPE", format="%.3f"),
                                    "coverage80": st.column_config.NumberColumn("80% interval coverage", format="%.2f")})
        st.caption(f"Rolling-origin backtest, origins {', '.join(info['backtest'].get('origins', []))}, "
                   "week-ahead; the naive baselines are always in the comparison.")
        # (A candidate the history cannot fit - the yearly model on a short history - left the
        # table without a word.)
        skipped = info.get("model_errors") or {}
        if skipped:
            st.caption("Not compared: " + "; ".join(f"{m} ({why})" for m, why in skipped.items()))
    else:
        st.info("No backtest was run (model selection is off); the default model was used.")
    data = info.get("data") or {}
    # (Once read from a key the report never had: the days left out were never listed here.)
    left_out = [f"{word}: {', '.join(map(str, data[key]))}" for key, word in LEFT_OUT if data.get(key)]
    if data.get("gaps_filled_intervals") or left_out:
        st.caption(f"Data checks: {data.get('gaps_filled_intervals', 0)} missing intervals filled; days left out "
                   f"of the forecast - {'; '.join(left_out) or 'none'}")
    own = info.get("holidays_own_rule") or {}
    if own:
        # Which holidays are staffed, where they differ from the queue's usual rule.
        usual = "closed" if info.get("holidays_predicted_closed") else "open"
        st.caption(f"Public holidays: {usual} on most, as in the history; on their own past: "
                   + ", ".join(f"{name} {rule}" for name, rule in own.items()))
