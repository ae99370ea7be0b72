"""Errors a user can act on.

Every problem with a file the user gave us is an :class:`InputProblem` (file, row, column, what was
expected). Readers collect problems and raise one :class:`InputError` carrying all of them, so a
supervisor fixing a spreadsheet sees every problem at once. The CLI turns it into readable lines and
exit code 2 - never a traceback.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class InputProblem:
    file: str
    message: str
    row: int | None = None      # 1-based line in the file; the header is row 1
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            # A TOML file has keys, not columns (a supervisor read "column 'rules.night_start'").
            where += f", {'key' if self.file.lower().endswith('.toml') else 'column'} '{self.column}'"
        return f"{where}: {self.message}"


class InputError(Exception):
    """One or more problems with user input."""

    def __init__(self, problems: Iterable[InputProblem] | InputProblem | str, file: str = "<input>"):
        if isinstance(problems, str):
            problems = [InputProblem(file, problems)]
        elif isinstance(problems, InputProblem):
            problems = [problems]
        self.problems: list[InputProblem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def unlisted(label: str, count: int) -> list[InputProblem]:
    """The line that counts the problems a long list leaves out (none if none are)."""
    return [InputProblem(label, f"... and {count} more problem(s) like those above, not listed")] if count else []


class InputWarning(UserWarning):
    """Input that is accepted but is probably not what the user meant (the CLI prints it as a
    `warning:` line on stderr and carries on)."""


def warn_input(problem: InputProblem) -> None:
    """Say what looks wrong with an input without refusing it (stdlib warnings, so a library caller
    or the app can record or silence them; the CLI formats them)."""
    warnings.warn(str(problem), InputWarning, stacklevel=2)


class InfeasibleError(Exception):
    """The hard rules cannot all hold; `explanation` lists the conflicting rules."""

    # What the CLI and the what-if comparison call it.
    said = "no roster possible"

    def __init__(self, message: str, explanation: list[str] | None = None):
        self.explanation = explanation or []
        super().__init__(message)


class NoRosterInTimeError(InfeasibleError):
    """No roster was found before the time limit or a stop, though one may exist: the CLI must not
    call it impossible (it said 'no roster possible: ... may still be satisfiable')."""
    said = "no roster yet"
