"""Keeps every person's Telegram command menu in line with their role and language."""

from __future__ import annotations

import logging

from core.context import AppContext, DampinganApplication
from models.users import people_with_menus
from services.commands import set_guest_menus as _set_guest_menus
from services.commands import sync_user_menu

_LOG = logging.getLogger(__name__)


async def set_guest_menus(application: DampinganApplication) -> None:
    await _set_guest_menus(application.bot, application.translator)


async def refresh_menus(context: AppContext) -> None:
    """Re-sends the menus that changed since they were last sent (new release, new role),
    and takes away the menus deactivated people still have (a removal that failed before)."""
    app = context.app
    async with app.scope() as scope:
        changed = 0
        for user in await people_with_menus(scope.session):
            if await sync_user_menu(app.bot, app.translator, user):
                changed += 1
        await scope.session.commit()
    _LOG.info("refreshed %d personal command menus", changed)
