"""Plan KPIs, computed from the roster as exported (assignments), not from solver internals."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time

import numpy as np
import pandas as pd

from .domain import Centre, Requirement, Roster, Staff


def coverage_table(roster: Roster, requirement: Requirement) -> pd.DataFrame:
    """Required vs scheduled agents per interval and queue (scheduled = agents assigned to it)."""
    h = requirement.horizon
    served = defaultdict(int)
    for a in roster.queue_assignments:
        t = h.index(a.start)
        if 0 <= t < h.n_intervals:
            served[a.queue, t] += 1
    rows = []
    for qi, q in enumerate(requirement.queues):
        for t in range(h.n_intervals):
            need = requirement.staff[qi][t]
            have = served.get((q, t), 0)
            if need or have:
                rows.append((h.moment(t), q, need, have, have - need))
    return pd.DataFrame(rows, columns=["timestamp", "queue", "required", "scheduled", "gap"])


def _share_meeting_requirement(cov: pd.DataFrame) -> float:
    """Of the coverage rows with a requirement, the share staffed to it (1 if none)."""
    need = cov["required"] > 0
    return round(float((cov.loc[need, "gap"] >= 0).mean()) if need.any() else 1.0, 4)


def plan_kpis(roster: Roster, requirement: Requirement, centre: Centre, staff: Staff,
              forecast: pd.DataFrame | None = None, previous_given: bool = False) -> dict:
    """``previous_given``: the plan counted last week's shifts (previous_roster.csv) as cover."""
    h = requirement.horizon
    hours_per_interval = h.interval_minutes / 60
    cov = coverage_table(roster, requirement)
    queues = {}
    for q in requirement.queues:
        c = cov[cov["queue"] == q]
        queues[q] = {
            "required_staff_hours": round(float(c["required"].sum() * hours_per_interval), 1),
            "scheduled_staff_hours": round(float(c["scheduled"].sum() * hours_per_interval), 1),
            "under_staffed_hours": round(float((-c["gap"]).clip(lower=0).sum() * hours_per_interval), 1),
            "over_staffed_hours": round(float(c["gap"].clip(lower=0).sum() * hours_per_interval), 1),
            "intervals_meeting_requirement": _share_meeting_requirement(c),
        }
    if forecast is not None and len(forecast):
        for q, sl in expected_service_level(cov, forecast, centre).items():
            queues.setdefault(q, {})["expected_service_level"] = sl
    # People: the same per-employee figures HR gets in employee_summary.csv.
    from .export import employee_summary
    summary = employee_summary(roster, staff, centre)
    weeks = h.days / 7
    people = [{"employee_id": e.id, "name": e.name, "paid_hours": float(r.paid_hours),
               "min_hours": float(r.contract_min_hours), "max_hours": e.max_hours * weeks,
               "days_worked": int(r.days_worked), "nights": int(r.nights), "weekends": int(r.weekends_worked)}
              for e, r in zip(staff.employees, summary.itertuples())]
    paid = {p["employee_id"]: p["paid_hours"] for p in people if p["days_worked"]}
    night_ok = [p for p, e in zip(people, staff.employees) if e.nights]
    short = cov[cov["gap"] < 0].sort_values("gap")
    # Before the first start of any shift on the horizon's first day only last week's shifts running
    # past midnight can serve: a 24/7 queue's Monday small hours, short in every plan made without
    # previous_roster.csv (the supervisor saw '0/4 at 00:00' and no reason).
    first_start = min((t.start_minute for t in centre.shifts), default=0)
    reachable_from = pd.Timestamp(datetime.combine(h.start, time())) + pd.Timedelta(minutes=first_start)
    early = short[pd.to_datetime(short["timestamp"]) < reachable_from]
    shortfall = {
        "agent_hours": round(float(-short["gap"].sum() * hours_per_interval), 1),
        "intervals": int(len(short)),
        "before_first_shift": {"agent_hours": round(float(-early["gap"].sum() * hours_per_interval), 1),
                               "until": reachable_from.isoformat(timespec="minutes"),
                               "previous_roster": bool(previous_given)},
        "worst": [{"timestamp": r.timestamp.isoformat(timespec="minutes"), "queue": r.queue,
                   "required": int(r.required), "scheduled": int(r.scheduled)} for r in short.head(10).itertuples()],
    }
    prefs = _preference_satisfaction(roster, staff, centre)
    cost = sum(paid.get(e.id, 0.0) * e.hourly_cost for e in staff.employees)
    return {
        "horizon": {"start": h.start.isoformat(), "days": h.days, "interval_minutes": h.interval_minutes},
        "queues": queues,
        "totals": {
            "required_staff_hours": round(sum(v["required_staff_hours"] for v in queues.values()), 1),
            "scheduled_staff_hours": round(sum(v["scheduled_staff_hours"] for v in queues.values()), 1),
            "under_staffed_hours": round(sum(v["under_staffed_hours"] for v in queues.values()), 1),
            "over_staffed_hours": round(sum(v["over_staffed_hours"] for v in queues.values()), 1),
            # Of every queue-interval with a requirement (the mean of the queues' shares counted a
            # queue of few intervals - or none, as 100 % - like the 24-hour one: 95.4 % shown for
            # 92.1 %).
            "intervals_meeting_requirement": _share_meeting_requirement(cov),
            "paid_hours": round(sum(paid.values()), 1),
            "cost": round(cost, 2),
            "shifts": len(roster.shifts),
            "employees_working": len(paid),
        },
        "shortfall": shortfall,
        # Times are wall-clock: a shift across a clock change is an hour longer or shorter than
        # roster.csv's paid hours say (a trial's fall-back night: 9 h worked, paid 8.0).
        "clock_changes": [{"day": d.isoformat(), "before": a, "after": b}
                          for d, a, b in centre.clock_changes(h.start, h.days)],
        "preferences": prefs,
        "fairness": {
            "nights_max_minus_min": (max(p["nights"] for p in night_ok) - min(p["nights"] for p in night_ok)) if night_ok else 0,
            "weekends_max_minus_min": (max(p["weekends"] for p in people) - min(p["weekends"] for p in people)) if people else 0,
            "below_contract_minimum": sum(1 for p in people if p["paid_hours"] + 1e-6 < p["min_hours"] and p["days_worked"] > 0),
        },
        "employees": people,
    }


def clock_change_text(change: dict) -> str:
    """One of kpis.json's ``clock_changes`` in words (the CLI summary and the Roster page)."""
    return (f"clocks change on {change['day']} ({change['before']} -> {change['after']}): roster times are "
            "wall-clock, so a shift across the change is an hour longer or shorter than its paid hours say")


def _preference_satisfaction(roster: Roster, staff: Staff, centre: Centre) -> dict:
    worked = {(s.employee_id, s.day): s for s in roster.shifts}
    kinds = {s.id: (s.kind, s.family) for s in centre.shifts}
    granted = total = 0
    for p in staff.preferences:
        if not roster.horizon.start <= p.day < roster.horizon.day(roster.horizon.days):
            continue
        total += 1
        s = worked.get((p.employee_id, p.day))
        match = s is not None and p.shift in (s.shift_id, *kinds.get(s.shift_id, ("", "")))
        if p.kind == "day_off":
            granted += s is None
        elif p.kind == "shift_on":
            granted += match
        else:
            granted += not match
    return {"wishes": total, "granted": granted, "share_granted": round(granted / total, 4) if total else 1.0}


def expected_service_level(cov: pd.DataFrame, forecast: pd.DataFrame, centre: Centre) -> dict[str, float]:
    """Contact-weighted expected service level per queue with the agents actually scheduled
    (scheduled staff less shrinkage), from the same Erlang model as the requirement. A queue
    staffed with a host (``Queue.staff_with``) is measured as the requirement was made: in the
    intervals where the host is open too, the pool's agents and combined load, against the
    queue's own target."""
    from .staffing import erlang_a, erlang_c, pool_of
    f = forecast.copy()
    f["timestamp"] = pd.to_datetime(f["timestamp"])
    step = centre.interval_minutes
    f["slot"] = f["timestamp"].dt.floor(f"{step}min")
    merged = f.merge(cov.rename(columns={"timestamp": "slot"}), on=["slot", "queue"], how="left")
    merged["scheduled"] = merged["scheduled"].fillna(0)
    out = {}
    if merged.empty:
        return out
    ts = merged["timestamp"].sort_values().drop_duplicates()
    fine = ts.diff().dropna().min()
    interval_s = fine.total_seconds() if pd.notna(fine) and fine.total_seconds() > 0 else step * 60
    defaults = {q.id: q.default_aht_seconds for q in centre.queues}
    merged["aht_seconds"] = merged["aht_seconds"].fillna(merged["queue"].map(defaults))
    merged["pool"] = pool_of(merged["timestamp"].to_numpy(), merged["queue"].to_numpy(), centre.staffed_with)
    merged["handled"] = merged["contacts"] * merged["aht_seconds"]
    pooled = merged.groupby(["timestamp", "pool"])[["contacts", "handled", "scheduled"]].transform("sum")
    for q, g in merged.groupby("queue"):
        queue = centre.queue(q)
        contacts = g["contacts"].to_numpy(float)
        if contacts.sum() <= 0:
            continue
        p = pooled.loc[g.index]
        load = p["contacts"].to_numpy(float)
        aht = np.divide(p["handled"].to_numpy(float), load, out=np.zeros(len(g)), where=load > 0)
        agents = np.floor(p["scheduled"].to_numpy(float) * (1 - centre.shrinkage) + 1e-9).astype(int)
        if centre.staffing_model == "erlang-a" and queue.target.patience_seconds:
            sl = erlang_a(agents, load, aht, interval_s, queue.target.target_seconds, queue.target.patience_seconds).service_level
        else:
            sl = erlang_c(agents, load, aht, interval_s, queue.target.target_seconds).service_level
        sl = np.nan_to_num(np.asarray(sl, float), nan=0.0)
        # A pooled guest's contacts are answered by the pool only through agents on the guest (its
        # skill): with none there, none are answered in time (a guest nobody was trained for read
        # 71 % - its host's pool - while 0 % of its intervals were met).
        guest = (g["pool"] != q).to_numpy() & (g["scheduled"].to_numpy(float) <= 0)
        sl = np.where(guest, 0.0, sl)
        out[q] = round(float((sl * contacts).sum() / contacts.sum()), 4)
    return out
