"""The bot's SQLite engine (statements run on the event loop's thread, models/sqlite_inline.py)
against SQLAlchemy's stock aiosqlite engine (a thread per connection), in the same run.

Two workloads, each on a fresh database file with the bot's pragmas and pool:
- a form step's shape: read a row, update it, commit, one after another; CPU (the process,
  every thread) and wall time per transaction;
- the latency of 20,000 small committed inserts of 2 KB each: the tail shows SQLite's
  automatic checkpoints, which with the bot's engine pause the event loop.

    .venv/bin/python bench/sqlite_driver.py [--steps 3000] [--inserts 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.db import POOL_OVERFLOW, POOL_SIZE, _sqlite_pragmas, make_engine


def _stock_engine(url: str) -> AsyncEngine:
    engine = create_async_engine(
        url.replace("sqlite:", "sqlite+aiosqlite:", 1),
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


async def _steps(engine: AsyncEngine, count: int) -> tuple[float, float]:
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE draft (id INTEGER PRIMARY KEY, v TEXT)"))
        for i in range(100):
            await connection.execute(text("INSERT INTO draft VALUES (:i, 'x')"), {"i": i})

    async def step(i: int) -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT * FROM draft WHERE id = :i"), {"i": i % 100})
            await connection.execute(
                text("UPDATE draft SET v = :v WHERE id = :i"), {"i": i % 100, "v": str(i)}
            )
            await connection.commit()

    for i in range(200):  # warm the pool and the statement cache
        await step(i)
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(count):
        await step(i)
    return (time.process_time() - cpu) / count * 1e3, (time.perf_counter() - wall) / count * 1e3


async def _inserts(engine: AsyncEngine, count: int) -> list[float]:
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE photo (id INTEGER PRIMARY KEY, v TEXT)"))
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        async with engine.connect() as connection:
            await connection.execute(text("INSERT INTO photo (v) VALUES (:v)"), {"v": "x" * 2000})
            await connection.commit()
        latencies.append((time.perf_counter() - started) * 1e3)
    return sorted(latencies)


async def _measure(name: str, steps: int, inserts: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        engine = make_engine(url) if name == "bot" else _stock_engine(url)
        try:
            cpu, wall = await _steps(engine, steps)
            lat = await _inserts(engine, inserts)
        finally:
            await engine.dispose()
    tail = " ".join(
        f"{label} {lat[min(len(lat) - 1, int(len(lat) * q))]:.2f}"
        for label, q in (("p50", 0.5), ("p99", 0.99), ("p99.9", 0.999))
    )
    print(f"  {name:<10} {cpu:6.3f} ms CPU {wall:6.3f} ms wall | insert ms: {tail}", end="")
    print(f" max {lat[-1]:.1f}")
    return cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--inserts", type=int, default=20000)
    args = parser.parse_args()
    print(f"read + update + commit, {args.steps} in a row;", end=" ")
    print(f"then {args.inserts} committed inserts of 2 KB")
    results: dict[str, list[tuple[float, float]]] = {}
    for name in ("aiosqlite", "bot", "aiosqlite", "bot"):  # in turns, against drift
        results.setdefault(name, []).append(asyncio.run(_measure(name, args.steps, args.inserts)))
    stock = min(cpu for cpu, _ in results["aiosqlite"])
    bot = min(cpu for cpu, _ in results["bot"])
    print(f"CPU per step, best of two: bot {bot:.3f} ms, aiosqlite {stock:.3f} ms:", end=" ")
    print(f"{bot / stock:.2f}x")


if __name__ == "__main__":
    main()
