"""``commbook feedback``: analyse survey and poll feedback."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from commbook.errors import NotFound, ValidationError

if TYPE_CHECKING:
    import pandas as pd


@click.group("feedback")
def command() -> None:
    """Analyse feedback: sentiment and themes in free text (see docs/feedback.md)."""


@command.command("score-text")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--text-column", required=True, help="Column holding the free text.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the result (default: PATH with the suffix .scored.csv).",
)
@click.option(
    "--themes",
    "n_themes",
    type=click.IntRange(min=0),
    default=6,
    show_default=True,
    help="How many themes to look for; 0 skips themes.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for theme finding.")
def score_text(path: Path, text_column: str, out: Path | None, n_themes: int, seed: int) -> None:
    """Add sentiment and theme columns to a CSV of free text.

    Adds `sentiment` (VADER compound score, −1..1; empty when the text is empty),
    `sentiment_label` (negative / neutral / positive) and `theme` (the label of the
    text's theme). Other columns are kept as they were. Cells that a spreadsheet would run
    as a formula (starting with = + - @) are written with a leading apostrophe.

    \b
    Example:
      commbook feedback score-text survey.csv --text-column comment --themes 8
      → writes survey.scored.csv
    """
    from commbook.csvsafe import write_safe_csv
    from commbook.feedback import sentiment, themes  # scikit-learn is slow to import

    frame = _read_csv(path)
    if text_column not in frame.columns:
        raise ValidationError(
            f"no column {text_column!r}; available columns: {', '.join(map(str, frame.columns))}",
            file=str(path),
            field=text_column,
        )
    texts = frame[text_column]
    scored = sentiment(texts)
    frame["sentiment"] = scored["compound"]
    frame["sentiment_label"] = scored["label"]
    model = None
    if n_themes:
        model = themes(texts, n_themes=n_themes, seed=seed, compound=scored["compound"])
        frame["theme"] = model.assignments["label"]
    target = write_safe_csv(frame, out or _default_out(path))

    counts = scored["label"].value_counts()
    with_text = int(counts.sum())
    click.echo(
        f"scored {len(frame):,} rows ({with_text:,} with text: "
        f"{counts.get('positive', 0):,} positive, {counts.get('neutral', 0):,} neutral, "
        f"{counts.get('negative', 0):,} negative) → {target}"
    )
    if model is not None:
        for theme in model.themes:
            click.echo(
                f"  theme {theme.label}: {theme.size:,} text{'' if theme.size == 1 else 's'}, "
                f"mean sentiment {theme.mean_sentiment:+.2f}"
            )


def _read_csv(path: Path) -> pd.DataFrame:
    """Read every cell as text, exactly as written (no 'NA' → missing guessing)."""
    import pandas as pd  # here, not at import: the other commands start faster

    where = str(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise NotFound(f"{where}: no such file") from exc
    except IsADirectoryError as exc:
        raise ValidationError("is a folder, not a CSV file", file=where) from exc
    except PermissionError as exc:
        raise ValidationError("cannot read the file: permission denied", file=where) from exc
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"not UTF-8 text (byte {exc.start}); save the file as UTF-8 CSV", file=where
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise ValidationError("the file is empty", file=where) from exc
    except (pd.errors.ParserError, OSError, EOFError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValidationError(f"cannot read as CSV: {reason}", file=where) from exc
    if frame.empty:
        raise ValidationError("the file has a header but no rows", file=where)
    return frame


def _default_out(path: Path) -> Path:
    name = path.name
    for suffix in (".gz", ".csv"):
        name = name.removesuffix(suffix)
    return path.with_name(f"{name}.scored.csv")
