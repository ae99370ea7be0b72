"""Altair charts for the app (Altair ships with Streamlit). Pure functions: frames in, charts out."""
from __future__ import annotations

import altair as alt
import pandas as pd


def forecast_chart(history: pd.DataFrame, forecast: pd.DataFrame, holidays: list) -> alt.Chart:
    """Recent history and the forecast of one queue with its 80% and 95% prediction bands."""
    fc = forecast.assign(timestamp=pd.to_datetime(forecast["timestamp"]))
    hist = history.assign(timestamp=pd.to_datetime(history["timestamp"]), series="history")
    x = alt.X("timestamp:T", title=None)
    band95 = alt.Chart(fc).mark_area(opacity=0.18, color="#4c78a8").encode(
        x=x, y=alt.Y("contacts_lo95:Q", title="contacts per interval"), y2="contacts_hi95:Q")
    band80 = alt.Chart(fc).mark_area(opacity=0.3, color="#4c78a8").encode(x=x, y="contacts_lo80:Q", y2="contacts_hi80:Q")
    line = alt.Chart(fc.assign(series="forecast")).mark_line(color="#1f4e79").encode(
        x=x, y="contacts:Q", tooltip=["timestamp:T", alt.Tooltip("contacts:Q", format=".1f"),
                                      alt.Tooltip("contacts_lo80:Q", format=".1f"), alt.Tooltip("contacts_hi80:Q", format=".1f")])
    past = alt.Chart(hist).mark_line(color="#999999", strokeWidth=1).encode(x=x, y="contacts:Q")
    layers = [band95, band80, past, line]
    if holidays:
        marks = pd.DataFrame({"timestamp": pd.to_datetime([str(d) for d, _ in holidays]), "holiday": [n for _, n in holidays]})
        layers.append(alt.Chart(marks).mark_rule(color="#d62728", strokeDash=[4, 3]).encode(
            x="timestamp:T", tooltip=["holiday:N", "timestamp:T"]))
    return alt.layer(*layers).properties(height=320)


def requirement_heatmap(reqs: pd.DataFrame, value: str = "staff") -> alt.Chart:
    """Day x time-of-day heatmap of one queue's requirement."""
    r = reqs.assign(timestamp=pd.to_datetime(reqs["timestamp"]))
    r = r.assign(day=r["timestamp"].dt.strftime("%a %d %b"), time=r["timestamp"].dt.strftime("%H:%M"))
    order = list(dict.fromkeys(r.sort_values("timestamp")["day"]))
    return alt.Chart(r).mark_rect().encode(
        x=alt.X("time:O", title="time of day", sort=sorted(r["time"].unique())),
        y=alt.Y("day:O", title=None, sort=order),
        color=alt.Color(f"{value}:Q", title="agents" if value in ("staff", "agents") else value, scale=alt.Scale(scheme="blues")),
        tooltip=["day:O", "time:O", alt.Tooltip("contacts:Q", format=".1f"), "agents:Q", "staff:Q",
                 alt.Tooltip("service_level:Q", format=".0%")],
    ).properties(height=260)


def roster_gantt(roster: pd.DataFrame) -> alt.Chart:
    """A bar per shift per employee, coloured by the queue served most; the unpaid break in grey."""
    r = roster.assign(start=pd.to_datetime(roster["start"]), end=pd.to_datetime(roster["end"]),
                      who=roster["employee_id"] + " " + roster["name"].fillna(""))
    height = max(200, 20 * r["who"].nunique())
    y = alt.Y("who:N", title=None, sort=sorted(r["who"].unique()), axis=alt.Axis(labelOverlap=False, labelLimit=220))
    bars = alt.Chart(r).mark_bar(height=12).encode(
        x=alt.X("start:T", title=None), x2="end:T", y=y, color=alt.Color("main_queue:N", title="queue served most"),
        tooltip=["employee_id:N", "name:N", "shift:N", "start:T", "end:T", "paid_hours:Q", "main_queue:N"])
    b = r.dropna(subset=["break_start"])
    b = b[b["break_start"].astype(str).str.len() > 0]
    layers = [bars]
    if len(b):
        b = b.assign(break_start=pd.to_datetime(b["break_start"]), break_end=pd.to_datetime(b["break_end"]))
        layers.append(alt.Chart(b).mark_bar(height=12, color="#dddddd").encode(
            x="break_start:T", x2="break_end:T", y=y, tooltip=["employee_id:N", "break_start:T", "break_end:T"]))
    return alt.layer(*layers).properties(height=height)


def coverage_chart(coverage: pd.DataFrame) -> alt.Chart:
    """Required vs scheduled agents of one queue over the week."""
    c = coverage.assign(timestamp=pd.to_datetime(coverage["timestamp"]))
    long = c.melt(id_vars=["timestamp"], value_vars=["required", "scheduled"], var_name="series", value_name="agents")
    return alt.Chart(long).mark_line(interpolate="step-after").encode(
        x=alt.X("timestamp:T", title=None), y=alt.Y("agents:Q"),
        color=alt.Color("series:N", scale=alt.Scale(domain=["required", "scheduled"], range=["#d62728", "#2ca02c"])),
        tooltip=["timestamp:T", "series:N", "agents:Q"]).properties(height=260)


def progress_chart(trace: list) -> alt.Chart:
    """Objective and bound over time while the solver works."""
    rows = [{"seconds": s, "value": o, "series": "objective"} for s, o, _ in trace] + \
           [{"seconds": s, "value": b, "series": "bound"} for s, _, b in trace]
    return alt.Chart(pd.DataFrame(rows, columns=["seconds", "value", "series"])).mark_line(point=True).encode(
        x=alt.X("seconds:Q"), y=alt.Y("value:Q", title="penalty"), color="series:N").properties(height=200)


def scenario_bars(table: pd.DataFrame, column: str, title: str) -> alt.Chart:
    return alt.Chart(table).mark_bar().encode(
        x=alt.X(f"{column}:Q", title=title), y=alt.Y("scenario:N", sort=list(table["scenario"]), title=None),
        color=alt.condition(alt.datum.scenario == "base", alt.value("#1f4e79"), alt.value("#8fb3d9")),
        tooltip=["scenario:N", f"{column}:Q"]).properties(height=max(120, 28 * len(table)))
