"""The change list a re-plan hands to people: every employee-day whose shift, break or queues moved."""
from datetime import date, datetime

from scheduler.domain import QueueAssignment, ShiftAssignment
from scheduler.replan import changes_between

D = date(2026, 12, 2)


def shift(emp, sid="E8-0800", day=D, brk=12):
    at = lambda h, m=0: datetime(day.year, day.month, day.day, h, m)  # noqa: E731
    return ShiftAssignment(emp, day, sid, at(8), at(16, 30), at(brk), at(brk, 30))


def q(emp, h, queue):
    return QueueAssignment(emp, datetime(2026, 12, 2, h), queue)


def test_shift_added_removed_and_moved_are_listed():
    old = [shift("A"), shift("B")]
    new = [shift("A", "L8-1200"), shift("C")]
    kinds = {(c.employee_id, c.kind) for c in changes_between(old, new)}
    assert kinds == {("A", "moved"), ("B", "removed"), ("C", "added")}


def test_a_moved_break_of_the_same_shift_is_a_change():
    changes = changes_between([shift("A", brk=12)], [shift("A", brk=13)])
    assert [(c.kind, c.break_before, c.break_after) for c in changes] == [("break moved", "12:00", "13:00")]
    assert "12:00 -> 13:00" in str(changes[0])


def test_queues_changed_on_the_same_shift_are_counted_per_day():
    old_q = [q("A", 9, "cards"), q("A", 10, "cards"), q("A", 11, "loans")]
    new_q = [q("A", 9, "cards"), q("A", 10, "savings"), q("A", 11, "cards")]
    changes = changes_between([shift("A")], [shift("A")], old_q, new_q)
    assert [(c.kind, c.queue_changes) for c in changes] == [("queues changed", 2)]


def test_unchanged_days_are_not_listed():
    same_q = [q("A", 9, "cards")]
    assert changes_between([shift("A")], [shift("A")], same_q, same_q) == []


def test_absences_of_successive_replans_are_merged_per_agent():
    """The app re-plans a re-planned roster: the earlier absence is passed on, and one agent's
    overlapping absences become one run (time-off readers refuse overlaps)."""
    from datetime import timedelta
    from scheduler.domain import TimeOff
    from scheduler.replan import _merged
    a = TimeOff("A", D, D + timedelta(days=4), "absence (re-plan)")
    b = TimeOff("A", D + timedelta(days=2), D + timedelta(days=5), "absence (re-plan)")
    c = TimeOff("B", D, D, "absence (re-plan)")
    assert _merged([b, c, a]) == [TimeOff("A", D, D + timedelta(days=5), "absence (re-plan)"), c]


def test_leaving_mid_shift_is_its_own_kind_of_change():
    from scheduler.replan import Change, changes_table
    c = Change("A", D, "E8-0800", "E8-0800", left_at="2026-12-02T12:00")
    assert c.kind == "left mid-shift" and "left at 2026-12-02 12:00" in str(c)
    assert changes_table([c]).iloc[0]["left_at"] == "2026-12-02T12:00"
