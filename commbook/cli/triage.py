"""``commbook triage``: check and try the triage rules and SLA targets."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pandas as pd

from commbook.csvsafe import write_safe_csv
from commbook.errors import NotFound

_FILE = click.Path(path_type=Path, dir_okay=False)


@click.group("triage")
def command() -> None:
    """Triage rules and SLAs: evaluate the rules, suggest categories, show targets.

    The rules live in config/triage_rules.yml and the targets in config/sla.yml
    (see docs/triage.md).
    """


@command.command("evaluate")
@click.option(
    "--rules", "rules_path", type=_FILE, help="Rules file (default: config/triage_rules.yml)."
)
@click.option(
    "--labelled",
    "labelled_path",
    type=_FILE,
    help="Labelled posts CSV (default: data/samples/triage_labelled.csv).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option("--mistakes", is_flag=True, help="Also list the posts the rules got wrong.")
def evaluate_command(
    rules_path: Path | None, labelled_path: Path | None, fmt: str, mistakes: bool
) -> None:
    """Score the rules on hand-labelled posts: precision, recall and F1 per category,
    urgency accuracy and confusion matrices.

    \b
    Example:
      commbook triage evaluate
      commbook triage evaluate --rules my_rules.yml --format json
    """
    from commbook.triage.evaluate import evaluate, load_labelled
    from commbook.triage.rules import load_rules

    rules = load_rules(rules_path)
    labelled = load_labelled(labelled_path, categories=rules.categories)
    result = evaluate(rules, labelled)
    wrong = result.suggestions[
        (result.suggestions["label_category"] != result.suggestions["suggested_category"])
        | (result.suggestions["label_urgency"] != result.suggestions["suggested_urgency"])
    ]
    if fmt == "json":
        payload = result.to_dict()
        if mistakes:
            payload["mistakes"] = wrong.to_dict("records")
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(result.to_table())
    if mistakes:
        click.echo("\nmistakes (post, label → suggested, rules):")
        for row in wrong.itertuples():
            click.echo(
                f"  {row.post_id}: {row.label_category}/{row.label_urgency} → "
                f"{row.suggested_category}/{row.suggested_urgency}  [{row.matched_rules}]"
            )


@command.command("suggest")
@click.argument("path", type=_FILE, required=False)
@click.option("--title", default="", help="Title of a single post to try (instead of PATH).")
@click.option("--body", default="", help="Body of a single post to try.")
@click.option("--channel", default="forum", show_default=True, help="Channel of the single post.")
@click.option(
    "--member-role", default="member", show_default=True, help="Author's role (single post)."
)
@click.option("--first-post", is_flag=True, help="The single post is its author's first.")
@click.option(
    "--rules", "rules_path", type=_FILE, help="Rules file (default: config/triage_rules.yml)."
)
@click.option("--out", type=_FILE, help="Where to write (default: PATH with .suggested.csv).")
def suggest_command(
    path: Path | None,
    title: str,
    body: str,
    channel: str,
    member_role: str,
    first_post: bool,
    rules_path: Path | None,
    out: Path | None,
) -> None:
    """Suggest a category and urgency for posts in a CSV (columns title and/or body, plus
    channel, member_role, is_first_post if your rules use them), or for one post.

    Adds the columns suggested_category, suggested_urgency, matched_rules and explanation.

    \b
    Example:
      commbook triage suggest posts.csv            → writes posts.suggested.csv
      commbook triage suggest --title "Refund please" --body "It arrived broken"
    """
    from commbook.triage.rules import load_rules

    rules = load_rules(rules_path)
    if path is None:
        if not (title or body):
            raise click.UsageError("give a CSV PATH, or --title/--body for a single post")
        post = {
            "title": title,
            "body": body,
            "channel": channel,
            "member_role": member_role,
            "is_first_post": first_post,
        }
        result = rules.suggest(post)
        click.echo(f"category: {result.category}\nurgency:  {result.urgency}")
        click.echo(f"why:      {result.explanation}")
        return
    try:
        posts = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise NotFound(f"{path}: no such file") from None
    suggested = rules.suggest_frame(posts)
    posts["suggested_category"] = suggested["category"]
    posts["suggested_urgency"] = suggested["urgency"]
    posts["matched_rules"] = suggested["matched_rules"].map(", ".join)
    posts["explanation"] = suggested["explanation"]
    target = write_safe_csv(posts, out or path.with_suffix(".suggested.csv"))
    counts = suggested["category"].value_counts()
    summary = ", ".join(f"{n:,} {c}" for c, n in counts.items())
    click.echo(f"suggested {len(posts):,} posts ({summary}) → {target}")


@command.command("sla")
@click.option("--sla", "sla_path", type=_FILE, help="SLA file (default: config/sla.yml).")
def sla_command(sla_path: Path | None) -> None:
    """Check the SLA file and print the targets for every category and urgency.

    \b
    Example:
      commbook triage sla
      commbook triage sla --sla my_sla.yml
    """
    from commbook.triage.sla import format_duration, load_sla

    policy = load_sla(sla_path)
    table = policy.table()
    for column in ("first_response", "resolution"):
        table[column] = table[column].map(format_duration)
    click.echo(table.to_string(index=False))
    click.echo(f"\nbreach soon: less than {policy.breach_soon:.0%} of the target left")


def _instant(text: str | None, name: str):
    """An ISO date or timestamp; naive values are read in COMMBOOK_TIMEZONE."""
    if text is None:
        return None
    from commbook.config import get_settings
    from commbook.errors import ValidationError

    try:
        ts = pd.Timestamp(text)
    except ValueError:
        raise ValidationError(
            f"{text!r} is not a date (write e.g. 2026-10-01)", field=name
        ) from None
    if ts.tzinfo is None:
        ts = ts.tz_localize(get_settings().tz)
    return ts.to_pydatetime()


@command.command("create-from-events")
@click.option("--since", help="Only posts from this date or time on (e.g. 2026-10-01).")
@click.option("--until", help="Only posts before this date or time.")
@click.option(
    "--rules", "rules_path", type=_FILE, help="Rules file (default: config/triage_rules.yml)."
)
def create_from_events_command(
    since: str | None, until: str | None, rules_path: Path | None
) -> None:
    """Create a triage item for every imported post that has none yet, with the category
    and urgency the rules suggest. Replies get one only when the rules flag them (abuse,
    or high/critical urgency); posts by staff and moderators are left alone.

    Safe to run again: an event never gets a second item. Runs with the permissions of
    COMMBOOK_ROLE and records COMMBOOK_USER in the audit log.

    \b
    Example:
      commbook triage create-from-events
      commbook triage create-from-events --since 2026-10-01
    """
    from commbook.triage.rules import load_rules
    from commbook.triage.service import TriageService

    rules = load_rules(rules_path) if rules_path else None
    service = TriageService(rules=rules)
    result = service.create_from_events(_instant(since, "since"), _instant(until, "until"))
    click.echo(result.summary())
