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
    exp = sub.add_parser(
        "export",
        help="export the submitted reports of a period (latest versions) as XLSX, CSV, "
        "GeoJSON, or the photos as ZIP parts (OUT is then a directory)",
    )
    exp.add_argument("out", type=Path, metavar="OUT")
    exp.add_argument("--format", required=True, choices=("xlsx", "csv", "geojson", "photos"))
    exp.add_argument("--from", dest="start", required=True, type=date.fromisoformat)
    exp.add_argument("--to", dest="end", required=True, type=date.fromisoformat)
    exp.add_argument("--kecamatan", metavar="CODE")
    exp.add_argument("--agency", metavar="NAME", help="full or short name")
    exp.add_argument("--strategy", type=int, choices=(1, 2, 3), help="1-3, in the Inpres's order")
    exp.add_argument("--lang", default=None, help="language of the headers (default: the bot's)")
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
        if args.command == "export":
            if args.end < args.start:
                print("dampingan: --to is before --from", file=sys.stderr)
                return 2
            return asyncio.run(_export(settings, args))
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


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    """`dampingan export`: one file, or the photo ZIP parts into the directory OUT."""
    from sqlalchemy import func, or_, select

    from core import clock
    from core.i18n import Translator
    from models.activities import Strategy
    from models.agencies import Agency
    from models.db import make_engine, make_sessionmaker
    from models.exports import ExportFilter
    from models.regions import Kecamatan
    from services.exports import ExportFormat, load_export, render, write_photo_zips
    from services.photos import PhotoStore

    prepare_database(settings)
    engine = make_engine(settings.database_url_or_default)
    try:
        async with make_sessionmaker(engine)() as session:
            kecamatan_id = agency_id = None
            if args.kecamatan:
                kecamatan_id = await session.scalar(
                    select(Kecamatan.id).where(Kecamatan.code == args.kecamatan)
                )
                if kecamatan_id is None:
                    print(f"dampingan: no kecamatan with code {args.kecamatan}", file=sys.stderr)
                    return 1
            if args.agency:
                name = args.agency.strip().lower()
                agency_id = await session.scalar(
                    select(Agency.id).where(
                        or_(func.lower(Agency.name) == name, func.lower(Agency.short_name) == name)
                    )
                )
                if agency_id is None:
                    print(f"dampingan: no agency named {args.agency}", file=sys.stderr)
                    return 1
            filters = ExportFilter(
                args.start,
                args.end,
                kecamatan_id=kecamatan_id,
                agency_id=agency_id,
                strategy=list(Strategy)[args.strategy - 1] if args.strategy else None,
            )
            translator = Translator(settings.language)
            export = await load_export(
                session, filters, translator, args.lang or settings.language
            )
    finally:
        await engine.dispose()

    fmt = ExportFormat(args.format)
    if fmt is ExportFormat.PHOTOS:
        store = PhotoStore(settings.photos_dir, tz=settings.tz)
        zips = await asyncio.to_thread(
            write_photo_zips,
            export.photos,
            open_photo=store.path,
            directory=args.out,
            stem=f"foto-{args.start.isoformat()}-{args.end.isoformat()}",
        )
        for missing in zips.missing:
            print(f"dampingan: photo file missing, left out: {missing}", file=sys.stderr)
        print(f"{args.out}: {zips.photos} photos in {len(zips.parts)} ZIP parts")
    else:
        content = await asyncio.to_thread(render, export, fmt, made_at=clock.now(), tz=settings.tz)
        args.out.write_bytes(content)
        print(f"{args.out}: {len(export.rows)} rows")
    # As /ekspor's entry, with no one's Telegram id: the data left through the server's shell.
    await _record(
        settings,
        "export.command_line",
        str(args.out),
        format=fmt.value,
        start=args.start.isoformat(),
        end=args.end.isoformat(),
        kecamatan_id=kecamatan_id,
        agency_id=agency_id,
        strategy=filters.strategy.value if filters.strategy else None,
        rows=len(export.rows),
    )
    return 0


async def _record(settings: Settings, action: str, target: str, **details: object) -> None:
    """An audit entry for what was done from the command line (no actor: the shell).

    Written after the work is done: if the database refuses it, the work still stands, so
    the shell is told on stderr instead of the command failing as if nothing was written."""
    from sqlalchemy.exc import SQLAlchemyError

    from models import audit
    from models.db import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url_or_default)
    try:
        async with make_sessionmaker(engine)() as session:
            audit.record(session, action, actor=None, target=target[:200], **details)
            await session.commit()
    except SQLAlchemyError as exc:
        print(f"dampingan: done, but not recorded in the audit log: {exc}", file=sys.stderr)
    finally:
        await engine.dispose()


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
            # After the copy: the entry is in the next backup, not in this one.
            asyncio.run(
                _record(settings, "backup.written", str(folder), files=len(manifest.files))
            )
        else:
            manifest = restore(settings, folder)
            print(f"{folder}: restored ({len(manifest.files)} files checked against the manifest)")
            # In the restored database: when it was restored, and from which copy.
            asyncio.run(
                _record(
                    settings,
                    "backup.restored",
                    str(folder),
                    created_at=manifest.created_at,
                    files=len(manifest.files),
                )
            )
    except (BackupError, OSError) as exc:
        # OSError: a folder that cannot be created or read (permissions, a full disk).
        print(f"dampingan {action}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
