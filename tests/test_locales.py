"""Every sentence exists in both languages, and every key the code uses exists."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from core.i18n import Translator, long_date, number
from models.users import Role
from services.commands import COMMANDS

REPO = Path(__file__).resolve().parents[1]
CODE_DIRS = ("bot", "handlers", "jobs", "models")
# t("key"), translator(lang, "key"), _button(context, "key", ...)
_LITERAL_KEY = re.compile(
    r"""(?:\bt|translator|_button\(context)\(?\s*(?:[\w.]+,\s*)?"([a-z][a-z0-9-]+)\""""
)


def test_both_languages_have_the_same_keys() -> None:
    translator = Translator("id")
    missing_en = translator.keys["id"] - translator.keys["en"]
    missing_id = translator.keys["en"] - translator.keys["id"]
    assert not missing_en, f"missing in locales/en: {sorted(missing_en)}"
    assert not missing_id, f"missing in locales/id: {sorted(missing_id)}"
    assert len(translator.keys["id"]) > 40


def test_keys_used_in_code_exist() -> None:
    translator = Translator("id")
    used: set[str] = set()
    for folder in CODE_DIRS:
        for path in (REPO / folder).rglob("*.py"):
            used.update(_LITERAL_KEY.findall(path.read_text(encoding="utf-8")))
    # Keys built from data: roles, commands.
    used.update(f"role-{role.value}" for role in Role)
    used.update(f"help-intro-{role.value}" for role in Role)
    used.update(f"command-{key}" for key in COMMANDS)
    assert "invite-choose-role" in used  # the scan itself works
    unknown = used - translator.keys["id"]
    assert not unknown, f"keys used in code but absent from locales: {sorted(unknown)}"


def test_indonesian_dates_and_numbers() -> None:
    assert long_date(date(2022, 9, 7), "id") == "Rabu, 7 September 2022"
    assert long_date(date(2022, 9, 7), "en") == "Wednesday, 7 September 2022"
    assert number(1250, "id") == "1.250"
    assert number(1250, "en") == "1,250"


def test_user_text_is_escaped_but_translations_are_not() -> None:
    translator = Translator("id")
    text = translator("id", "scope-agency", role=translator("id", "role-staff"), agency="<b>&")
    assert text == "Petugas lapangan — &lt;b&gt;&amp;"
