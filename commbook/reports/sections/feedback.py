"""The feedback section: NPS waves, CSAT, themes (with what they leave out) and typical
quotes."""

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
    from commbook.feedback.answers import answer_kinds
    from commbook.feedback.vader import survey_sentiment

    s = Section("feedback", "Feedback")
    s.add(
        blocks.section_title(
            "Feedback",
            "What members told us in surveys over the last twelve months (NPS surveys run "
            "quarterly). Quotes are members' own words, unedited.",
        )
    )
    whole = data.wave_responses if data.wave_responses is not None else data.responses
    waves = nps_waves(whole, data.tz)  # each wave read whole, even if it began earlier
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
        s.add(blocks.paragraph(csat_sentence(c, data.period.title)))
    responses = data.responses[data.responses["comment"].notna()]
    responses = responses[responses["comment"].astype(str).str.strip() != ""]
    comments = responses["comment"].astype(str)
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
        answered = comments[answer_kinds(comments).eq("content").fillna(False).to_numpy()]
        if len(answered):
            s.add(blocks.quotes((t, "Survey comment") for t in answered.head(3)))
        return s
    # each comment read with its survey's question ("Nothing." to "What could we do
    # better?" is praise); the survey kind stands in when the question is not loaded
    compound = survey_sentiment(responses)["compound"]
    model = themes(comments, n_themes=5, compound=compound)
    frame = model.to_frame()
    s.facts["themes"] = frame
    s.facts["coverage"] = model.coverage
    s.facts["unthemed"] = model.unthemed
    s.facts["nothing_to_improve"] = model.nothing_to_improve
    s.facts["placeholders"] = model.placeholders
    s.add(
        blocks.rich_table(
            ["Theme (members' words)", "Comments", "Share", "Tone"],
            [
                [
                    r.label[:1].upper() + r.label[1:],
                    f"{r.size:,}",
                    f"{r.share:.0%}",
                    tone(r.mean_sentiment),
                ]
                for r in frame.itertuples()
            ],
            numeric=(1, 2),
        )
    )
    s.add(
        blocks.paragraph(
            "Share: of the comments with content. " + model.coverage_note() + " Each theme is "
            "named with a phrase its comments use; the quotes below are the comments most "
            "typical of their theme, in its tone."
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


#: CSAT answers needed before a percentage is stated (fewer: the counts only).
MIN_CSAT_ANSWERS = 10


def csat_sentence(result: Any, period: str) -> str:
    """The period's CSAT in words: a share with its interval from ``MIN_CSAT_ANSWERS``
    answers on, else the counts ("3 of 5 answers were satisfied: too few for a share")."""
    if result.n < MIN_CSAT_ANSWERS:
        return (
            f"Support satisfaction (CSAT) in {period}: {result.satisfied:,} of {result.n:,} "
            f"answers were satisfied — too few answers (under {MIN_CSAT_ANSWERS}) for a "
            "percentage."
        )
    return (
        f"Support satisfaction (CSAT) in {period}: {result.score:.0f}% satisfied "
        f"(95% interval {result.ci_low:.0f}–{result.ci_high:.0f}%, {result.n:,} answers)."
    )
