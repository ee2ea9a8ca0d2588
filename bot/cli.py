"""The `dampingan` command: run the bot, the terminal demo, migrations and imports."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

from core.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from services.imports import ImportKind

_LOG = logging.getLogger("dampingan")
IMPORT_KINDS = ("regions", "agencies", "assignments", "activities", "boundaries")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dampingan", description="Dampingan: field reporting bot for desa dampingan."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (needs TELEGRAM_BOT_TOKEN)")
    sub.add_parser("demo", help="the bot in a terminal chat, on the built-in Telegram sandbox")
    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=("upgrade", "current"))
    imp = sub.add_parser(
        "import",
        help="import regions, agencies, assignments or the activity catalogue (CSV/XLSX), "
        "or kecamatan boundaries (GeoJSON)",
    )
    imp.add_argument("kind", choices=IMPORT_KINDS)
    imp.add_argument("file", type=Path)
    bak = sub.add_parser("backup", help="write a consistent backup (database, photos) to DIR")
    bak.add_argument("dir", type=Path)
    res = sub.add_parser(
        "restore", help="restore a backup from DIR into an empty data folder and database"
    )
    res.add_argument("dir", type=Path)
    aud = sub.add_parser("audit", help="print the audit log (admin and review actions)")
    aud.add_argument(
        "--since",
        type=date.fromisoformat,
        help="first day to print (YYYY-MM-DD, in the regency's time zone); default: all",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        if args.command == "run":
            return _run(settings)
        if args.command == "demo":
            from bot.demo import run_demo

            return asyncio.run(run_demo(settings))
        if args.command == "db":
            return _db(settings, args.action)
        if args.command == "audit":
            return asyncio.run(_audit(settings, args.since))
        if args.command in ("backup", "restore"):
            return _backup(settings, args.command, args.dir)
        if not args.file.is_file():
            print(f"dampingan: {args.file}: no such file", file=sys.stderr)
            return 1
        return asyncio.run(_import(settings, cast("ImportKind", args.kind), args.file))
    except SettingsError as exc:
        print(f"dampingan: configuration error: {exc}", file=sys.stderr)
        return 2


def prepare_database(settings: Settings) -> None:
    """Creates the data folders and brings the database schema up to date."""
    import migrations

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.photos_dir.mkdir(parents=True, exist_ok=True)
    settings.exports_dir.mkdir(parents=True, exist_ok=True)
    migrations.upgrade(settings.database_url_or_default)


def _run(settings: Settings) -> int:
    from bot.app import build_application, serve

    settings.require_token()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every getUpdates call at INFO; that drowns the log of a long-polling bot.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    prepare_database(settings)
    application = build_application(settings)
    asyncio.run(serve(application))
    return 0


def _db(settings: Settings, action: str) -> int:
    import migrations

    if action == "upgrade":
        prepare_database(settings)
        print(f"database at revision {migrations.current(settings.database_url_or_default)}")
    else:
        print(migrations.current(settings.database_url_or_default) or "empty")
    return 0


async def _import(settings: Settings, kind: ImportKind, path: Path) -> int:
    from models.db import make_engine, make_sessionmaker
    from services.imports import ImportRejected, import_file

    prepare_database(settings)
    engine = make_engine(settings.database_url_or_default)
    try:
        async with make_sessionmaker(engine)() as session:
            try:
                result = await import_file(session, kind, path)
            except ImportRejected as rejected:
                errors = rejected.result.errors
                print(f"{path}: rejected, nothing was written ({len(errors)} problems):")
                for error in errors:
                    print(f"  {error}")
                return 1
            await session.commit()
    finally:
        await engine.dispose()
    print(f"{path}: {result.summary()}")
    return 0


async def _audit(settings: Settings, since: date | None) -> int:
    from models import audit
    from models.db import make_engine, make_sessionmaker

    prepare_database(settings)
    # The start of that day in the regency; without --since, from the first entry.
    start = datetime.combine(since or date(1970, 1, 1), datetime.min.time(), tzinfo=settings.tz)
    engine = make_engine(settings.database_url_or_default)
    try:
        async with make_sessionmaker(engine)() as session:
            entries = await audit.since(session, start)
            actors = {e.actor_telegram_id for e in entries if e.actor_telegram_id is not None}
            names = await audit.actor_names(session, actors)
    finally:
        await engine.dispose()
    for entry in entries:
        actor = entry.actor_telegram_id
        who = "system" if actor is None else f"{names.get(actor, '?')} ({actor})"
        when = entry.at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        details = audit.describe(entry.details, limit=1000) or "-"
        print(f"{when} | {who} | {entry.action} | {entry.target or '-'} | {details}")
    return 0


def _backup(settings: Settings, action: str, folder: Path) -> int:
    from core.clock import now
    from services.backup import BackupError, restore, take_backup

    try:
        if action == "backup":
            manifest = take_backup(settings, folder, now())
            print(f"{folder}: backup written ({len(manifest.files)} files, see manifest.json)")
        else:
            manifest = restore(settings, folder)
            print(f"{folder}: restored ({len(manifest.files)} files checked against the manifest)")
    except (BackupError, OSError) as exc:
        # OSError: a folder that cannot be created or read (permissions, a full disk).
        print(f"dampingan {action}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
