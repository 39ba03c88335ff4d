"""`yizhan-hub consult create|list|close|results|publish`: community consultations from a terminal.

The same service calls as the console (server/services/consult.py), audited under `cli`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

from server.services import console_audit, consult
from server.services.errors import HubError

CLI_ACTOR = console_audit.Actor(user_id=None, username="cli")


def _closes(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise HubError(
            2, "bad_closes_at", f"--closes needs an ISO time such as 2026-12-31T18:00+08:00, not {value!r}"
        ) from None


def cmd_create(args: argparse.Namespace, with_session: Callable[..., Any]) -> int:
    draft = consult.Draft(
        title=args.title,
        body=args.text,
        options=tuple(args.option),
        allow_suggestions=args.suggestions,
        stations=tuple(args.station),
        closes_at=_closes(args.closes),
    )
    if not draft.options and not args.suggestions:
        raise HubError(2, "bad_options", "give 2–6 --option values, or --suggestions for suggestions only")

    def work(session: Any, keys: Any) -> str:
        row = consult.create(session, keys, draft, CLI_ACTOR.username)
        console_audit.record(session, CLI_ACTOR, "consult_create", f"consultation:{row.id}")
        return row.id

    print(with_session(args, work))
    return 0


def cmd_list(args: argparse.Namespace, with_session: Callable[..., Any]) -> int:
    def work(session: Any, _keys: Any) -> list[dict[str, Any]]:
        return [
            {
                "id": row.id,
                "title": row.title,
                "options": consult.options_of(row),
                "state": consult.state_of(row),
                "closes_at": row.closes_at.isoformat() if row.closes_at else None,
            }
            for row in consult.list_all(session)
        ]

    rows = with_session(args, work)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            print(f"{row['id']}  {row['state']:<9} {row['title']}")
    return 0


def cmd_close(args: argparse.Namespace, with_session: Callable[..., Any]) -> int:
    def work(session: Any, keys: Any) -> None:
        consult.close(session, keys, args.id)
        console_audit.record(session, CLI_ACTOR, "consult_close", f"consultation:{args.id}")

    with_session(args, work)
    print(f"consultation {args.id} closed", file=sys.stderr)
    return 0


def cmd_publish(args: argparse.Namespace, with_session: Callable[..., Any]) -> int:
    def work(session: Any, keys: Any) -> str:
        row = consult.publish_result(session, keys, args.id)
        console_audit.record(session, CLI_ACTOR, "consult_publish", f"consultation:{args.id}")
        return row.result_text or ""

    print(with_session(args, work))
    return 0


def results_json(res: consult.Results) -> dict[str, Any]:
    return {
        "id": res.consultation.id,
        "title": res.consultation.title,
        "state": consult.state_of(res.consultation),
        "options": [
            {"option": name, "votes": count, "share": round(res.share(i), 4)}
            for i, (name, count) in enumerate(zip(res.options, res.counts, strict=True))
        ],
        "votes": res.votes,
        "residents": res.residents,
        "stations": [
            {
                "station": t.station,
                "counts": t.counts,
                "votes": t.votes,
                "residents": t.residents,
                "turnout": round(t.turnout, 4) if t.turnout is not None else None,
                "suggestions": t.suggestions,
            }
            for t in res.stations
        ],
        "suggestions": res.suggestions,
    }


def cmd_results(args: argparse.Namespace, with_session: Callable[..., Any]) -> int:
    def work(session: Any, keys: Any) -> dict[str, Any]:
        return results_json(consult.results(session, keys, consult.get(session, args.id)))

    doc = with_session(args, work)
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    print(f"{doc['title']} ({doc['state']}): {doc['votes']} votes")
    for opt in doc["options"]:
        print(f"  {opt['option']:<20} {opt['votes']:>6}  {opt['share'] * 100:5.1f} %")
    for text in doc["suggestions"]:
        print(f"  - {text}")
    return 0


def register(sub: Any, add: Callable[..., argparse.ArgumentParser], with_session: Callable[..., Any]) -> None:
    """Add the `consult` command group to the hub's parser."""
    group = sub.add_parser("consult", help="community consultations (居民议事)").add_subparsers(
        dest="consult_cmd", metavar="ACTION"
    )

    def handler(
        fn: Callable[[argparse.Namespace, Callable[..., Any]], int],
    ) -> Callable[[argparse.Namespace], int]:
        return lambda args: fn(args, with_session)

    create = add("create", handler(cmd_create), "ask the stations a question", group)
    create.add_argument("--title", required=True)
    create.add_argument("--text", required=True, help="read aloud at the kiosk")
    create.add_argument("--option", action="append", default=[], help="a choice (2–6; repeat)")
    create.add_argument(
        "--suggestions", action="store_true", help="take suggestions (alone: a suggestions-only consultation)"
    )
    create.add_argument(
        "--station",
        action="append",
        default=[],
        metavar="NAME",
        help="only these stations (repeat; default: every station)",
    )
    create.add_argument("--closes", help="closing time, ISO 8601 (e.g. 2026-12-31T18:00+08:00)")
    add("list", handler(cmd_list), "list consultations", group).add_argument("--json", action="store_true")
    add("close", handler(cmd_close), "stop taking votes", group).add_argument("id")
    add(
        "publish", handler(cmd_publish), "close and send the result to the stations as a notice", group
    ).add_argument("id")
    res = add("results", handler(cmd_results), "counts, turnout and suggestions", group)
    res.add_argument("id")
    res.add_argument("--json", action="store_true")
