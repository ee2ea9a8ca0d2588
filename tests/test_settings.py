"""Configuration: defaults, parsing, and one clear line for a bad variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import Settings, SettingsError, load_settings

REPO = Path(__file__).resolve().parents[1]


def test_defaults_are_embedded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("DATABASE_URL", "DAMPINGAN_DATA_DIR", "TELEGRAM_API_URL", "DAMPINGAN_ADMIN_IDS"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert (
        settings.database_url_or_default == f"sqlite:///{tmp_path / 'data' / 'dampingan.sqlite3'}"
    )
    assert settings.timezone == "Asia/Jakarta" and settings.language == "id"
    assert settings.admin_ids == frozenset()


def test_admin_ids_and_url_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAMPINGAN_ADMIN_IDS", " 12345, 67890 ")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    settings = load_settings()
    assert settings.admin_ids == frozenset({12345, 67890})
    assert settings.telegram_api_url == "http://127.0.0.1:8081"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DAMPINGAN_ADMIN_IDS", "12,abc"),
        ("DAMPINGAN_TIMEZONE", "Asia/Nowhere"),
        ("DAMPINGAN_LANGUAGE", "fr"),
        ("DATABASE_URL", "mysql://localhost/x"),
        ("TELEGRAM_API_URL", "api.telegram.org"),
    ],
)
def test_bad_variable_is_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{name}: ") and "\n" not in message


def test_missing_token_is_named() -> None:
    settings = Settings(_env_file=None, TELEGRAM_BOT_TOKEN=None)
    with pytest.raises(SettingsError, match=r"^TELEGRAM_BOT_TOKEN: missing"):
        settings.require_token()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DAMPINGAN_TIMEZONE": "Mars/Base"}, "DAMPINGAN_TIMEZONE: unknown time zone"),
        ({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN: missing"),
    ],
)
def test_cli_prints_one_line_not_a_traceback(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DAMPINGAN_", "TELEGRAM_"))
    }
    environment.update(env, DAMPINGAN_DATA_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=environment | {"PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert expected in lines[0]
    assert "Traceback" not in done.stderr
