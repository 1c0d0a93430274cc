"""The one settings object. Every module reads configuration from here, never os.environ."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commbook.errors import CommbookError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Where things live. Read from ``COMMBOOK_*`` environment variables with defaults.

    - ``COMMBOOK_HOME``: base folder (default: the current directory)
    - ``COMMBOOK_DATABASE_URL``: SQLAlchemy URL (default ``sqlite:///<home>/data/commbook.db``)
    - ``COMMBOOK_DATA_DIR``, ``COMMBOOK_REPORTS_DIR``: default ``<home>/data``, ``<home>/reports``
    - ``COMMBOOK_TIMEZONE``: IANA name used to show dates (default ``UTC``)
    - ``COMMBOOK_USER``: who is recorded in the audit log (default: the login name)
    - ``COMMBOOK_SMTP_HOST``, ``COMMBOOK_SMTP_PORT`` (25), ``COMMBOOK_SMTP_FROM``: where
      scheduled reports are emailed from (no host: no email)
    """

    home: Path
    database_url: str
    data_dir: Path
    reports_dir: Path
    timezone: str = "UTC"
    user: str = "unknown"
    notebooks_dir: Path = field(default=PROJECT_ROOT / "notebooks")
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "commbook@localhost"

    @property
    def samples_dir(self) -> Path:
        return self.data_dir / "samples"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        home = Path(env.get("COMMBOOK_HOME", ".")).resolve()
        data_dir = Path(env.get("COMMBOOK_DATA_DIR", home / "data")).resolve()
        reports_dir = Path(env.get("COMMBOOK_REPORTS_DIR", home / "reports")).resolve()
        url = env.get("COMMBOOK_DATABASE_URL") or f"sqlite:///{data_dir / 'commbook.db'}"
        timezone = env.get("COMMBOOK_TIMEZONE", "UTC")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CommbookError(
                f"COMMBOOK_TIMEZONE: unknown timezone {timezone!r} (expected an IANA name "
                "such as 'Europe/Paris')"
            ) from exc
        user = env.get("COMMBOOK_USER") or env.get("USER") or env.get("LOGNAME") or "unknown"
        notebooks = Path(env.get("COMMBOOK_NOTEBOOKS_DIR", PROJECT_ROOT / "notebooks"))
        return cls(
            home=home,
            database_url=url,
            data_dir=data_dir,
            reports_dir=reports_dir,
            timezone=timezone,
            user=user,
            notebooks_dir=notebooks.resolve(),
            smtp_host=env.get("COMMBOOK_SMTP_HOST") or None,
            smtp_port=_port(env.get("COMMBOOK_SMTP_PORT") or "25"),
            smtp_from=env.get("COMMBOOK_SMTP_FROM") or "commbook@localhost",
        )


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise CommbookError(f"COMMBOOK_SMTP_PORT: {text!r} is not a port number")
    return int(text)


def get_settings() -> Settings:
    """Settings as the environment says now (cheap; call it where you need it)."""
    return Settings.from_env()
