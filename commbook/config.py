"""The one settings object. Every module reads configuration from here, never os.environ."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commbook.errors import CommbookError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Where things live. Read from ``COMMBOOK_*`` environment variables with defaults.

    - ``COMMBOOK_HOME``: base folder (default: the commbook checkout when installed from
      source — so notebooks, apps and the CLI share one store whatever their working
      directory — else the current directory)
    - ``COMMBOOK_DATABASE_URL``: SQLAlchemy URL (default ``sqlite:///<home>/data/commbook.db``)
    - ``COMMBOOK_DATA_DIR``, ``COMMBOOK_REPORTS_DIR``: default ``<home>/data``, ``<home>/reports``
    - ``COMMBOOK_TIMEZONE``: IANA name used to show dates (default ``UTC``)
    - ``COMMBOOK_TODAY``: a fixed "today" (``YYYY-MM-DD``) for tests and demos; default:
      the real date in the timezone (see ``commbook.clock``)
    - ``COMMBOOK_USER``: who is recorded in the audit log (default: the login name)
    - ``COMMBOOK_ROLE``: what the apps and ``commbook triage`` may do — ``viewer``,
      ``moderator`` or ``manager`` (default). Not authentication: put JupyterHub in front
      of Voilà to know who someone is, and set the role per user there.
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
    role: str = "manager"
    today: dt.date | None = None

    @property
    def samples_dir(self) -> Path:
        return self.data_dir / "samples"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        home = Path(env.get("COMMBOOK_HOME") or default_home()).resolve()
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
        fixed = env.get("COMMBOOK_TODAY") or None
        try:
            today = dt.date.fromisoformat(fixed) if fixed else None
        except ValueError as exc:
            raise CommbookError(
                f"COMMBOOK_TODAY: {fixed!r} is not a date (expected YYYY-MM-DD)"
            ) from exc
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
            role=_role(env.get("COMMBOOK_ROLE") or "manager"),
            today=today,
        )


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise CommbookError(f"COMMBOOK_SMTP_PORT: {text!r} is not a port number")
    return int(text)


#: Same as ``commbook.triage.model.ROLES`` (not imported: config must not import domain code).
ROLES = ("viewer", "moderator", "manager")


def _role(text: str) -> str:
    role = text.strip().lower()
    if role not in ROLES:
        raise CommbookError(
            f"COMMBOOK_ROLE: unknown role {text!r}; expected one of {', '.join(ROLES)}"
        )
    return role


def default_home() -> Path:
    """The source checkout this package runs from, if any; else the current directory."""
    if (PROJECT_ROOT / "pyproject.toml").exists() and (PROJECT_ROOT / "notebooks").is_dir():
        return PROJECT_ROOT
    return Path.cwd()


def export_env(settings: Settings, env: dict[str, str] | None = None) -> dict[str, str]:
    """Pin the resolved store and folders, as absolute paths, in ``env`` (default: os.environ).

    Kernels started by Papermill and Voilà run in another working directory; inheriting
    these variables makes them use exactly the store and folders this process uses.
    """
    target = os.environ if env is None else env
    target["COMMBOOK_HOME"] = str(settings.home)
    target["COMMBOOK_DATABASE_URL"] = settings.database_url
    target["COMMBOOK_DATA_DIR"] = str(settings.data_dir)
    target["COMMBOOK_REPORTS_DIR"] = str(settings.reports_dir)
    target["COMMBOOK_NOTEBOOKS_DIR"] = str(settings.notebooks_dir)
    return target  # type: ignore[return-value]


def get_settings() -> Settings:
    """Settings as the environment says now (cheap; call it where you need it)."""
    return Settings.from_env()
