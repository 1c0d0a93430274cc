"""The content calendar: items per channel and date, recurring series, warnings, ICS/CSV.

- ``model``: fields, choice lists, status transitions, validation (``ItemInput``);
- ``recurrence``: RRULE series expanded in the item's timezone;
- ``service``: save/list/move/duplicate/delete in the store (versioned, audited);
- ``warnings``: pure checks (channel clashes, overloaded owners, gaps, overdue items);
- ``ics`` and ``csvio``: exports, and the CSV import.

See docs/calendar.md.
"""

from commbook.calendar.model import (
    CONTENT_TYPES,
    FIELDS,
    STATUSES,
    TRANSITIONS,
    InvalidItem,
    ItemInput,
    Occurrence,
    blank_item,
    validate_item,
)
from commbook.calendar.service import (
    CONFLICT_MESSAGE,
    Filters,
    delete_item,
    duplicate_item,
    get_item,
    item_values,
    move_item,
    occurrences,
    save_item,
)

__all__ = [
    "CONFLICT_MESSAGE",
    "CONTENT_TYPES",
    "FIELDS",
    "STATUSES",
    "TRANSITIONS",
    "Filters",
    "InvalidItem",
    "ItemInput",
    "Occurrence",
    "blank_item",
    "delete_item",
    "duplicate_item",
    "get_item",
    "item_values",
    "move_item",
    "occurrences",
    "save_item",
    "validate_item",
]
