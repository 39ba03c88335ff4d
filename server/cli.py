"""The `yizhan-hub` command: set up, serve and administer a hub from a terminal.

Every command takes `--home DIR` (key file + config; default $YIZHAN_HUB_HOME or the platform data
folder) and `--db URL` (default: the URL `init` saved). Output meant for scripts goes to stdout;
explanations go to stderr.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from server.core.config import ENV_API_DOCS, ENV_DB, ENV_HOME, HubSettings, load_settings, save_settings
from server.core.db import make_engine, session_factory, transaction
from server.core.keys import KeyFileError, create_key_file, load_key_file
from server.services import topic_queue
from server.services.errors import HubError
from sync.protocol import HubStatus

# Import names that only the `hub` extra installs (pyproject.toml).
HUB_PACKAGES = frozenset({"fastapi", "starlette", "uvicorn", "psycopg", "jinja2", "multipart"})

Handler = Callable[[argparse.Namespace], int]
WORKER_HEALTHCHECK_SECONDS = 60


def _settings(args: argparse.Namespace) -> HubSettings:
    return load_settings(getattr(args, "home", None), getattr(args, "db", None))


def cmd_init(args: argparse.Namespace) -> int:
    from server.db.migrate import upgrade

    settings = _settings(args)
    save_settings(settings)
    keys = create_key_file(settings.key_file)
    upgrade(make_engine(settings.db_url))
    print(f"hub home: {settings.home}", file=sys.stderr)
    print(
        f"hub key id: {keys.key_id} (back up {settings.key_file}; without it no record can be read)",
        file=sys.stderr,
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = _settings(args)
    load_key_file(settings.key_file)  # fail here, clearly, rather than in every worker
    if args.api_docs:
        os.environ[ENV_API_DOCS] = "1"  # read by every worker's create_app
    if args.workers > 1:
        os.environ[ENV_HOME], os.environ[ENV_DB] = str(settings.home), settings.db_url
        uvicorn.run(
            "server.main:create_app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level=args.log_level,
            # uvicorn's supervisor kills a worker that does not answer its ping within this time and
            # starts another. Its default (5 s) is shorter than a worker's start-up on a busy 2-core
            # machine (imports, then jieba's dictionary: seconds inside one call that holds the GIL),
            # so workers were killed and restarted forever and the hub never came up.
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        )
    else:
        from server.main import create_app

        uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level)
    return 0


def _with_session(args: argparse.Namespace, work: Callable[..., Any]) -> Any:
    settings = _settings(args)
    keys = load_key_file(settings.key_file)
    engine = make_engine(settings.db_url)
    topic_queue.use_keys(engine, keys)  # topic figures count requests still queued for their words
    with transaction(session_factory(engine)) as session:
        return work(session, keys)


def cmd_enrol_code(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from server.services.stations import create_enrolment_code

    code = _with_session(
        args, lambda s, _k: create_enrolment_code(s, args.station, timedelta(days=args.days))
    )
    print(code)
    print(f"one-time code for station {args.station}, valid {args.days} days", file=sys.stderr)
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from server.services.stations import revoke

    name = _with_session(args, lambda s, _k: revoke(s, args.station).name)
    print(f"station {name} revoked", file=sys.stderr)
    return 0


def cmd_signing_key(args: argparse.Namespace) -> int:
    from server.core.keys import retire_signing_keys, rotate_signing_key
    from sync.answer_signing import signing_key_id

    path = _settings(args).key_file
    keys = rotate_signing_key(path) if args.action == "rotate" else retire_signing_keys(path)
    for i, public in enumerate(keys.signing_public_keys):
        print(f"{signing_key_id(public)}  {'current' if i == 0 else 'previous (still signing)'}")
    print("restart every hub process to use the new key set", file=sys.stderr)
    return 0


def cmd_staff_add(args: argparse.Namespace) -> int:
    from server.services.staff import add_user, assign_stations

    password = os.environ.get("YIZHAN_HUB_PASSWORD") or _prompt_password()
    _with_session(
        args, lambda s, _k: assign_stations(s, add_user(s, args.user, args.role, password), args.station)
    )
    print(f"staff user {args.user} ({args.role}) added", file=sys.stderr)
    return 0


def cmd_staff_password(args: argparse.Namespace) -> int:
    """An admin's reset from the terminal (YIZHAN_HUB_PASSWORD or a prompt), audited like the console's."""
    from server.services import console_audit
    from server.services.staff import find_user, reset_password

    password = os.environ.get("YIZHAN_HUB_PASSWORD") or _prompt_password()

    def work(session: Any, _keys: Any) -> str:
        user = find_user(session, args.user)
        if user is None:
            raise HubError(404, "unknown_user", f"no staff user {args.user}")
        reset_password(session, user, password)
        console_audit.record(
            session, console_audit.Actor(None, "cli", None), "password_reset", f"user:{user.username}"
        )
        return str(user.username)

    name = _with_session(args, work)
    print(f"password of staff user {name} reset; their sessions were ended", file=sys.stderr)
    return 0


def cmd_staff_unlock(args: argparse.Namespace) -> int:
    from server.services.staff import find_user

    def work(session: Any, _keys: Any) -> None:
        user = find_user(session, args.user)
        if user is None:
            raise HubError(404, "unknown_user", f"no staff user {args.user}")
        user.locked_until, user.failed_logins = None, 0

    _with_session(args, work)
    print(f"staff user {args.user} unlocked", file=sys.stderr)
    return 0


def _prompt_password() -> str:
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise HubError(2, "password_mismatch", "the two passwords differ")
    return first


def cmd_requests_list(args: argparse.Namespace) -> int:
    from server.services.reports import list_requests

    rows = _with_session(args, lambda s, _k: list_requests(s, station=args.station, status=args.status))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        print(
            f"{row['id']}  {row['station']:<16} {row['receipt_code']:<12} "
            f"{row['service']:<22} {row['status']}"
        )
    print(f"{len(rows)} request(s)", file=sys.stderr)
    return 0


def cmd_requests_update(args: argparse.Namespace) -> int:
    from server.services.feed import update_request_status

    status = HubStatus(args.status)
    _with_session(
        args, lambda s, k: update_request_status(s, k, args.id, status, args.reply, actor=args.actor)
    )
    print(f"request {args.id} → {status.value}", file=sys.stderr)
    return 0


def cmd_notices_publish(args: argparse.Namespace) -> int:
    from server.services.feed import publish_notice

    notice_id = _with_session(args, lambda s, k: publish_notice(s, k, args.title, args.body, args.station).id)
    print(notice_id)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from server.services.reports import stats

    result = _with_session(args, lambda s, _k: stats(s))
    print(json.dumps(result, ensure_ascii=False, indent=2 if not args.json else None))
    return 0


def cmd_topics(args: argparse.Namespace) -> int:
    from server.services.stations import find_station
    from server.services.topics import analyse

    def work(session: Any, _keys: Any) -> list[dict[str, Any]]:
        stations = None
        if args.station:
            found = find_station(session, args.station)
            if found is None:
                raise HubError(404, "unknown_station", f"no station {args.station}")
            stations = [found.id]
        # --since DATE: office days from DATE to today; otherwise the last 7 days.
        return [t.as_json() for t in analyse(session, first_day=args.since, stations=stations)]

    rows = _with_session(args, work)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for row in rows:
        flag = " 突增" if row["surge"] else ""
        print(f"{row['topic']:<12} {row['count']:>5}  {row['trend']:<5}{flag}  {' '.join(row['words'])}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from server.console.report_page import render_html, service_titles
    from server.services import period_report
    from server.services.resident_index import office_tz

    kind, out, tz = ("week" if args.week else "month"), Path(args.out), office_tz()
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".pdf", ".html"):
        raise HubError(2, "bad_output", "--out must end in .xlsx, .pdf or .html")
    report = _with_session(args, lambda s, _k: period_report.build(s, kind, tz, args.at))
    if suffix == ".xlsx":
        data = period_report.to_xlsx(report, service_titles())
    elif suffix == ".pdf":
        try:
            data = period_report.to_pdf(render_html(report, tz, embed_css=True))
        except period_report.PdfUnavailable as exc:
            raise HubError(1, "no_pdf", str(exc)) from None
    else:
        data = render_html(report, tz, embed_css=True).encode("utf-8")
    out.write_bytes(data)
    print(f"{report.title} → {out}", file=sys.stderr)
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    from server.services.resident_index import backfill

    n = _with_session(args, lambda s, k: backfill(s, k))
    print(f"indexed {n} request(s)", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", default=argparse.SUPPRESS, help="hub home (config + key file)")
    common.add_argument(
        "--db", default=argparse.SUPPRESS, help="database URL (postgresql://… or sqlite:///…)"
    )
    parser = argparse.ArgumentParser(prog="yizhan-hub", description="Yizhan 便民驿站 hub", parents=[common])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, handler: Handler, help_text: str, where: Any = sub) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = where.add_parser(name, help=help_text, parents=[common])
        p.set_defaults(handler=handler)
        return p

    add("init", cmd_init, "create the key file and the database schema (safe to re-run)")
    serve = add("serve", cmd_serve, "run the sync API and the staff console (/console)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8730)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="warning")
    serve.add_argument(
        "--api-docs",
        action="store_true",
        help="serve /docs and /redoc (they load scripts from a CDN; off by default)",
    )
    add("enrol-code", cmd_enrol_code, "print a one-time enrolment code").add_argument(
        "--station", required=True
    )
    sub.choices["enrol-code"].add_argument("--days", type=int, default=7)
    add("revoke", cmd_revoke, "refuse a station from now on").add_argument("station")
    add(
        "signing-key",
        cmd_signing_key,
        "rotate: add a new answer-signing key (both sign until retire); retire: keep only the current one",
    ).add_argument("action", choices=["rotate", "retire"])

    staff = sub.add_parser("staff", help="staff users").add_subparsers(dest="staff_cmd", metavar="ACTION")
    staff_add = add("add", cmd_staff_add, "add a staff user", staff)
    staff_add.add_argument("user")
    staff_add.add_argument("--role", choices=["staff", "supervisor", "admin"], required=True)
    staff_add.add_argument(
        "--station",
        action="append",
        default=[],
        metavar="NAME",
        help="a station this staff member works for (repeat; staff see only these)",
    )
    add("unlock", cmd_staff_unlock, "lift a console lockout after failed logins", staff).add_argument("user")
    add(
        "password", cmd_staff_password, "reset a staff user's password (YIZHAN_HUB_PASSWORD or prompt)", staff
    ).add_argument("user")

    reqs = sub.add_parser("requests", help="residents' requests").add_subparsers(
        dest="req_cmd", metavar="ACTION"
    )
    lst = add("list", cmd_requests_list, "list requests", reqs)
    lst.add_argument("--json", action="store_true")
    lst.add_argument("--station")
    lst.add_argument("--status")
    upd = add("update", cmd_requests_update, "set a request's status (and reply)", reqs)
    upd.add_argument("id")
    upd.add_argument("--status", required=True, choices=["received", "in_progress", "done", "rejected"])
    upd.add_argument("--reply")
    upd.add_argument("--actor", default="cli")

    notices = sub.add_parser("notices", help="notices to stations").add_subparsers(
        dest="n_cmd", metavar="ACTION"
    )
    pub = add("publish", cmd_notices_publish, "publish a notice", notices)
    pub.add_argument("--title", required=True)
    pub.add_argument("--body", required=True)
    pub.add_argument("--station", help="only this station (default: all)")

    from server.consult_cli import register as register_consult

    register_consult(sub, add, _with_session)
    add("stats", cmd_stats, "counts of records, duplicates, per station and status").add_argument(
        "--json", action="store_true"
    )
    _add_analysis_commands(sub, add)
    return parser


def _add_analysis_commands(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    """topics, report, reindex: the console's analysis from a terminal (scriptable with --json)."""
    from datetime import date

    topics = add("topics", cmd_topics, "frequent topics of residents' requests (高频议题), best first")
    topics.add_argument(
        "--since",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="count from this day (default: the last 7 days); trend vs the 8 periods before",
    )
    topics.add_argument("--station", metavar="NAME")
    topics.add_argument("--json", action="store_true")
    report = add("report", cmd_report, "the weekly or monthly report as Excel (.xlsx), PDF (.pdf) or HTML")
    which = report.add_mutually_exclusive_group(required=True)
    which.add_argument("--week", action="store_true", help="the last complete week (Monday–Sunday)")
    which.add_argument("--month", action="store_true", help="the last complete calendar month")
    report.add_argument(
        "--at",
        type=date.fromisoformat,
        metavar="YYYY-MM-DD",
        help="the week/month containing this day instead",
    )
    report.add_argument("--out", required=True, metavar="FILE")
    add("reindex", cmd_reindex, "rebuild the console's resident and topic index from stored requests")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except HubError as exc:
        print(f"yizhan-hub: {exc.message}", file=sys.stderr)
        return 1
    except KeyFileError as exc:
        print(f"yizhan-hub: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in HUB_PACKAGES:
            raise
        # A kiosk-only install (`yizhan[kiosk]`) has the command but not the hub's packages.
        print(
            f"yizhan-hub: the hub's packages are not installed ({exc.name} is missing): "
            "pip install 'yizhan[hub]'",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
