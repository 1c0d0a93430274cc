"""Email a finished report to a schedule's recipients (SMTP settings in ``commbook.config``)."""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from pathlib import Path

from commbook.config import Settings
from commbook.schedules.spec import Schedule

MAX_ATTACHMENT = 15 * 1024 * 1024  # bigger PDFs are linked, not attached


def build_message(
    settings: Settings, schedule: Schedule, period: str, outputs: Mapping[str, str]
) -> EmailMessage:
    """The email: links to every output, and the PDF attached when there is one."""
    msg = EmailMessage()
    msg["Subject"] = f"Report {schedule.name}: {period}"
    msg["From"] = settings.smtp_from
    msg["To"] = ", ".join(schedule.recipients)
    files = {fmt: Path(path) for fmt, path in outputs.items() if fmt in ("html", "pdf", "ipynb")}
    lines = [f"The {schedule.name} report for {period} is ready.", ""]
    if schedule.description:
        lines[1:1] = [schedule.description, ""]
    for fmt in ("html", "pdf"):
        if fmt in files:
            lines.append(f"{fmt.upper()}: {files[fmt].resolve().as_uri()}")
    pdf = files.get("pdf")
    attach = pdf is not None and pdf.is_file() and pdf.stat().st_size <= MAX_ATTACHMENT
    if attach:
        lines += ["", f"The PDF is attached ({pdf.name})."]
    lines += ["", "— commbook (schedules.yml)"]
    msg.set_content("\n".join(lines))
    if attach:
        msg.add_attachment(
            pdf.read_bytes(),
            maintype="application",
            subtype="pdf",
            filename=f"{schedule.name}-{period}.pdf",
        )
    return msg


def send_report(
    settings: Settings, schedule: Schedule, period: str, outputs: Mapping[str, str]
) -> None:
    """Send the report email through ``settings.smtp_host``; errors propagate."""
    if not settings.smtp_host:
        raise ValueError("no SMTP host configured (COMMBOOK_SMTP_HOST)")
    msg = build_message(settings, schedule, period, outputs)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        smtp.send_message(msg)
