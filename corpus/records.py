"""Typed records of the notice: what every later stage consumes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    number: int  # 1..13
    numeral: str  # 一..十三, as written
    title: str


@dataclass(frozen=True)
class Task:
    number: int  # 1..55
    numeral: str  # 七
    title: str  # the first sentence, without its full stop
    body: str  # the task text without the responsibility parenthesis
    section: Section
    responsibility: str  # the raw parenthesis as written, without the brackets
    leads: tuple[str, ...]  # full unit names, in order of appearance; empty for the 19 tasks with no 牽頭
    co: tuple[str, ...]  # units that 按職責分工負責
    open_ended: bool  # the list ends with 等有關單位

    @property
    def label(self) -> str:
        """The item number as written in the notice, e.g. 「(七)」."""
        return f"({self.numeral})"

    @property
    def text(self) -> str:
        """The full task as published."""
        return f"{self.label}{self.body}({self.responsibility})"

    @property
    def units(self) -> tuple[str, ...]:
        return self.leads + self.co


@dataclass(frozen=True)
class Notice:
    title: str
    addressees: str
    cover_note: str
    issuer: str
    date: str
    preamble: str
    sections: tuple[Section, ...]
    tasks: tuple[Task, ...]

    def task(self, number: int) -> Task | None:
        return self.tasks[number - 1] if 1 <= number <= len(self.tasks) else None

    def section(self, number: int) -> Section | None:
        return self.sections[number - 1] if 1 <= number <= len(self.sections) else None

    def tasks_in(self, section: Section) -> tuple[Task, ...]:
        return tuple(t for t in self.tasks if t.section == section)

    @property
    def units(self) -> tuple[str, ...]:
        """Every unit named anywhere, in order of first appearance."""
        seen: dict[str, None] = {}
        for t in self.tasks:
            for u in t.units:
                seen.setdefault(u, None)
        return tuple(seen)
