"""The feedback section: NPS waves, CSAT, themes and quotes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from commbook import charts
from commbook.reports import blocks
from commbook.reports.data import ReportData
from commbook.reports.sections._common import Section, _nan, metrics_in

#: Comments needed before looking for themes (fewer: show quotes only).
MIN_THEME_TEXTS = 20


def nps_waves(responses: pd.DataFrame, tz: dt.tzinfo) -> pd.DataFrame:
    """NPS per survey (wave), oldest first: ``survey``, ``label`` (month of its first
    answer, e.g. ``Aug 2026``), ``n``, ``score``, ``ci_low``, ``ci_high``."""
    from commbook.feedback import nps

    columns = ["survey", "label", "n", "score", "ci_low", "ci_high"]
    rows = responses[(responses["survey_kind"] == "nps") & responses["score"].notna()]
    out = []
    for survey, group in rows.groupby("survey", sort=False):
        first = group["submitted_at"].min().tz_convert(tz)
        r = nps(group["score"])
        out.append([survey, f"{first:%b %Y}", r.n, r.score, r.ci_low, r.ci_high, first])
    frame = pd.DataFrame(out, columns=[*columns, "first"])
    return frame.sort_values("first").drop(columns="first").reset_index(drop=True)


def latest_nps(waves: pd.DataFrame) -> dict[str, Any] | None:
    """The latest wave's score with its change against the wave before (for the summary)."""
    if waves.empty:
        return None
    last = waves.iloc[-1]
    delta = f"{last['label']}, {int(last['n']):,} answers"
    if len(waves) > 1:
        before = waves.iloc[-2]
        delta = f"{last['score'] - before['score']:+.0f} pts vs {before['label']}"
    return {"score": float(last["score"]), "label": last["label"], "delta": delta}


def feedback_section(data: ReportData) -> Section:
    """Feedback: NPS trend with intervals, CSAT of the period, comment themes and quotes."""
    from commbook.feedback import csat, themes

    s = Section("feedback", "Feedback")
    s.add(
        blocks.section_title(
            "Feedback",
            "What members told us in surveys over the last twelve months (NPS surveys run "
            "quarterly). Quotes are members' own words, unedited.",
        )
    )
    waves = nps_waves(data.responses, data.tz)
    s.facts["nps_waves"] = waves
    if data.responses.empty:
        s.add(blocks.notice("No survey answers were recorded in the last twelve months."))
        return s
    if len(waves):
        s.add(charts.nps_trend_chart(waves))
        last = waves.iloc[-1]
        s.add(
            blocks.paragraph(
                f"Latest NPS ({last['label']}): {last['score']:+.0f}, 95% interval "
                f"{last['ci_low']:+.0f} to {last['ci_high']:+.0f}, from {int(last['n']):,} "
                "answers. Promoters answer 9–10, detractors 0–6; NPS is the share of "
                "promoters minus the share of detractors."
            )
        )
    in_period = data.responses[metrics_in(data.responses["submitted_at"], data.start, data.end)]
    csat_rows = in_period[(in_period["survey_kind"] == "csat") & in_period["score"].notna()]
    if len(csat_rows):
        c = csat(csat_rows["score"])
        s.facts["csat"] = c.score
        s.add(
            blocks.paragraph(
                f"Support satisfaction (CSAT) in {data.period.title}: {c.score:.0f}% satisfied "
                f"(95% interval {c.ci_low:.0f}–{c.ci_high:.0f}%, {c.n:,} answers)."
            )
        )
    comments = data.responses["comment"].dropna().astype(str)
    comments = comments[comments.str.strip() != ""]
    s.facts["comments"] = len(comments)
    s.add(blocks.subtitle("Themes in comments"))
    if len(comments) < MIN_THEME_TEXTS:
        s.add(
            blocks.paragraph(
                f"Only {len(comments)} comments: too few to find themes reliably."
                if len(comments)
                else "No survey comments in the last twelve months."
            )
        )
        if len(comments):
            s.add(blocks.quotes((t, "Survey comment") for t in comments.head(3)))
        return s
    model = themes(comments, n_themes=5)
    frame = model.to_frame()
    s.facts["themes"] = frame
    s.add(
        blocks.rich_table(
            ["Theme (top words)", "Comments", "Share", "Tone"],
            [
                [r.label, f"{r.size:,}", f"{r.share:.0%}", tone(r.mean_sentiment)]
                for r in frame.itertuples()
            ],
            numeric=(1, 2),
        )
    )
    picks = [(t.quotes[0], f"Theme: {t.label}") for t in model.themes[:3] if t.quotes]
    s.facts["quotes"] = [q for q, _ in picks]
    s.add(blocks.subtitle("In members' words"), blocks.quotes(picks))
    return s


def tone(compound: float) -> str:
    """Mean VADER compound → ``positive`` (≥ 0.05), ``negative`` (≤ −0.05) or ``mixed``."""
    if _nan(compound):
        return "—"
    return "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "mixed"
