"""Weekly and monthly reports (减负: no re-typing into a Word template).

One `Report` holds what the office reports upward for a period: requests by service and by
station, median response and close times, closed vs still open, top topics, daily check-in
coverage of living-alone residents, and the warnings handled with their outcomes. `to_xlsx` writes
it as an Excel workbook (one sheet per table); the console renders the same Report as a printable
page, and `to_pdf` prints that page to PDF with the Debian Chromium when it is installed.

Periods are the office's local calendar: a week is Monday–Sunday, a month the calendar month. By
default the last complete one.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.db.console_models import CheckinVisit, HubResident
from server.db.models import Station
from server.services import console_stats, request_rollups, topics
from server.services.console_warnings import OUTCOMES
from server.services.spreadsheet import xlsx_bytes


@dataclass
class Report:
    kind: str  # week | month
    start: date  # first day
    end: date  # last day (inclusive)
    generated_at: datetime
    total: int = 0
    closed: int = 0
    by_service: list[tuple[str, int]] = field(default_factory=list)
    by_station: list[tuple[str, int, int]] = field(default_factory=list)  # station, requests, closed
    response: list[tuple[str, int, float | None, float | None]] = field(default_factory=list)
    topics: list[tuple[str, int]] = field(default_factory=list)
    living_alone: int = 0
    checkin_rate: float | None = None  # mean daily share of living-alone residents who checked in
    coverage: list[tuple[str, int, float]] = field(default_factory=list)  # station, residents, rate
    outcomes: list[tuple[str, int]] = field(default_factory=list)

    @property
    def title(self) -> str:
        what = "周报" if self.kind == "week" else "月报"
        return f"便民驿站{what} {self.start.isoformat()} 至 {self.end.isoformat()}"

    @property
    def open(self) -> int:
        return self.total - self.closed


def period(kind: str, tz: ZoneInfo, at: date | None = None) -> tuple[date, date]:
    """(first day, last day) of the week/month containing `at`; default: the last complete one."""
    today = datetime.now(UTC).astimezone(tz).date()
    if kind == "week":
        day = at or today - timedelta(days=7)
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if kind == "month":
        day = at or today.replace(day=1) - timedelta(days=1)
        start = day.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return start, following - timedelta(days=1)
    raise ValueError(f"unknown report period {kind!r}")


def build(session: Session, kind: str, tz: ZoneInfo, at: date | None = None) -> Report:
    start, end = period(kind, tz, at)
    since = datetime.combine(start, datetime.min.time(), tz).astimezone(UTC)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), tz).astimezone(UTC)
    report = Report(kind, start, end, datetime.now(UTC))
    names = dict(session.execute(select(Station.id, Station.name)).all())
    # Summed from the per-day rollups (services/request_rollups.py): a month is ~30 rows per
    # station and service, not every request of the month.
    conn = session.connection()
    services: Counter[str] = Counter()
    for (_i, service), (n, _closed) in request_rollups.counts_by(
        conn, start, end, [start], None, "service"
    ).items():
        services[service] += n
    stations: dict[str, list[int]] = {}
    for (_i, station_id), (n, closed) in request_rollups.counts_by(
        conn, start, end, [start], None, "station_id"
    ).items():
        row = stations.setdefault(names.get(station_id, station_id), [0, 0])
        row[0] += n
        row[1] += closed
    report.total = sum(services.values())
    report.closed = sum(r[1] for r in stations.values())
    report.by_service = sorted(services.items(), key=lambda kv: (-kv[1], kv[0]))
    report.by_station = sorted(((s, r[0], r[1]) for s, r in stations.items()), key=lambda x: (-x[1], x[0]))
    report.response = [
        (service, n, first, close)
        for service, (first, close, n) in sorted(console_stats.response_times(session, start, end).items())
    ]
    report.topics = sorted(
        topics.count_by_topic(session, start, end).items(), key=lambda kv: (-kv[1], kv[0])
    )[:15]
    _coverage(session, report, names)
    report.outcomes = [
        (outcome or "visited", int(n))
        for outcome, n in session.execute(
            select(CheckinVisit.outcome, func.count())
            .where(CheckinVisit.visited_at >= since, CheckinVisit.visited_at < until)
            .group_by(CheckinVisit.outcome)
        )
    ]
    return report


def _coverage(session: Session, report: Report, names: dict[str, str]) -> None:
    days = (report.end - report.start).days + 1
    alone = dict(
        session.execute(
            select(HubResident.station_id, func.count())
            .where(HubResident.living_alone.is_(True))
            .group_by(HubResident.station_id)
        ).all()
    )
    came: Counter[str] = Counter()
    for station_id, _day, n in request_rollups.checkin_counts(
        session.connection(), report.start, report.end, None
    ):
        came[station_id] += n
    report.living_alone = int(sum(alone.values()))
    report.coverage = sorted(
        ((names.get(sid, sid), int(n), int(came.get(sid, 0)) / (n * days)) for sid, n in alone.items() if n),
        key=lambda x: x[0],
    )
    if report.living_alone:
        report.checkin_rate = sum(int(v) for v in came.values()) / (report.living_alone * days)


def _hours(value: float | None) -> float | str:
    return "" if value is None else round(value, 1)


def to_xlsx(report: Report, service_title: dict[str, str] | None = None) -> bytes:
    titles = service_title or {}
    summary = [
        ("报告", report.title),
        ("生成时间", report.generated_at.isoformat(timespec="seconds")),
        ("办件总数", report.total),
        ("已办结/退回", report.closed),
        ("未办结", report.open),
        ("独居老人", report.living_alone),
        ("平均每日签到率", "" if report.checkin_rate is None else f"{report.checkin_rate:.1%}"),
    ]
    return xlsx_bytes(
        [
            ("概况", ["项目", "数值"], summary),
            ("按事项", ["事项", "件数"], [(titles.get(s, s), n) for s, n in report.by_service]),
            ("按驿站", ["驿站", "件数", "已办结"], report.by_station),
            (
                "响应时间",
                ["事项", "件数", "首次响应（小时，中位数）", "办结（小时，中位数）"],
                [
                    ("全部" if s == "*" else titles.get(s, s), n, _hours(a), _hours(b))
                    for s, n, a, b in report.response
                ],
            ),
            ("高频议题", ["议题", "件数"], report.topics),
            (
                "签到覆盖",
                ["驿站", "独居老人", "平均每日签到率"],
                [(s, n, f"{r:.1%}") for s, n, r in report.coverage],
            ),
            ("预警处理", ["处理结果", "次数"], [(OUTCOMES.get(o, o), n) for o, n in report.outcomes]),
        ]
    )


class PdfUnavailable(RuntimeError):
    """No Chromium on this machine to print the report."""


CHROMIUM = ("chromium", "chromium-browser", "google-chrome")


def to_pdf(html: str, timeout: float = 60) -> bytes:
    """Print the report page (self-contained HTML) to PDF with headless Chromium."""
    browser = next((p for p in map(shutil.which, CHROMIUM) if p), None)
    if browser is None:
        raise PdfUnavailable(
            "PDF needs Chromium (Debian package `chromium`); the Excel file has the same content"
        )
    with tempfile.TemporaryDirectory(prefix="yizhan-report-") as tmp:
        src, out = Path(tmp) / "report.html", Path(tmp) / "report.pdf"
        src.write_text(html, encoding="utf-8")
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-extensions",
                "--disable-background-networking",
                f"--user-data-dir={tmp}/profile",
                "--no-pdf-header-footer",
                f"--print-to-pdf={out}",
                src.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
        return out.read_bytes()
