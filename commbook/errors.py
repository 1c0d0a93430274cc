"""One error family. The CLI prints these as one line and exits 1; anything else is a bug."""

from __future__ import annotations


class CommbookError(Exception):
    """Root of every error a user can cause and fix."""


class ValidationError(CommbookError):
    """Input that does not meet the expected format.

    Carries where the problem is (file, row, field) so the message can point at it.
    ``row`` is the 1-based data row (the header is row 0) or the line of an XML file.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = message
        self.file = file
        self.row = row
        self.field = field
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason


class ImportRejected(CommbookError):
    """A file had invalid rows and was imported all-or-nothing, so nothing was written."""

    def __init__(self, errors: list[ValidationError], total_rows: int) -> None:
        self.errors = errors
        self.total_rows = total_rows
        shown = "\n  ".join(str(e) for e in errors[:10])
        more = f"\n  … and {len(errors) - 10} more" if len(errors) > 10 else ""
        super().__init__(
            f"{len(errors)} invalid row(s); nothing was imported "
            f"(use --quarantine FILE to import the good rows):\n  {shown}{more}"
        )


class ConflictError(CommbookError):
    """Someone else saved the record since it was loaded (optimistic locking)."""


class NotFound(CommbookError):
    """A record, file or notebook that does not exist."""
