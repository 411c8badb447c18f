"""Stage 1: the notice text → typed records (`Notice`, `Section`, `Task`)."""

from .parse import NoticeFormatError, load, parse
from .records import Notice, Section, Task
from .units import alias_table, parse_responsibility

__all__ = [
    "Notice",
    "NoticeFormatError",
    "Section",
    "Task",
    "alias_table",
    "load",
    "parse",
    "parse_responsibility",
]
