"""The `dampingan` command as an operator uses it: imports and migrations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

import migrations
from tests.conftest import REPO

DEMO = REPO / "demo"


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAMPINGAN_", "TELEGRAM_"))}
    env.update(DAMPINGAN_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(REPO))
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_imports_report_counts_and_are_idempotent(tmp_path: Path) -> None:
    first = run(tmp_path, "import", "regions", str(DEMO / "regions.csv"))
    assert first.returncode == 0, first.stderr
    assert "created" in first.stdout
    again = run(tmp_path, "import", "regions", str(DEMO / "regions.csv"))
    assert again.returncode == 0 and "0 created" in again.stdout and "0 updated" in again.stdout
    assert (tmp_path / "data" / "dampingan.sqlite3").is_file()
    head = ScriptDirectory.from_config(migrations.alembic_config("sqlite://")).get_current_head()
    assert run(tmp_path, "db", "current").stdout.strip() == head


def test_a_bad_file_is_rejected_with_its_lines(tmp_path: Path) -> None:
    bad = tmp_path / "agencies.csv"
    bad.write_text("name,short_name,kind\nDinas A,DA,dinas\n,,dinas\nDinas A,DB,dinas\n")
    done = run(tmp_path, "import", "agencies", str(bad))
    assert done.returncode == 1
    assert "rejected, nothing was written" in done.stdout
    assert "line 3" in done.stdout.lower() and "line 4" in done.stdout.lower()
    missing = run(tmp_path, "import", "agencies", str(tmp_path / "nope.csv"))
    assert missing.returncode == 1 and "no such file" in missing.stderr
