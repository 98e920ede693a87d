"""``python -m bench [--engine sqlite|postgresql|both] [NAME ...|all|list]`` and ``python -m bench compare [NAME ...]``.

Run benchmarks and print figures beside their targets. ``--engine postgresql`` measures the same code on a
PostgreSQL server (bench/_engine.py); ``--engine both`` and ``compare`` run each benchmark on both engines
and print one table of the figures side by side (also written to bench/.data/compare.md).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

import bench
from bench._engine import ENGINES, ENV

COMPARE_MD = Path(bench.__path__[0], ".data", "compare.md")
RECORD_ENV = "SHOPTUI_BENCH_RECORD"


def available() -> list[str]:
    """Every ``bench/bench_NAME.py`` as NAME."""
    return sorted(m.name.removeprefix("bench_") for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))


def _compile() -> None:
    # measure the app as installed: pip writes bytecode on install, but an editable install under
    # PYTHONDONTWRITEBYTECODE=1 would compile every module from source on every start
    import compileall

    compileall.compile_dir(Path(bench.__path__[0]).parent / "shoptui", quiet=1)


def run_here(names: list[str]) -> int:
    """Run benchmarks in this process on the engine of ``SHOPTUI_BENCH_ENGINE``."""
    from bench import _engine, _report

    _compile()
    failed = 0
    record = os.environ.get(RECORD_ENV)
    try:
        for name in names:
            print(f"== {name} ({_engine.engine()})", flush=True)
            started = time.perf_counter()
            _engine.used = False
            kept = len(_report.RECORDED)
            importlib.import_module(f"bench.bench_{name}").run()
            if not _engine.on_sqlite() and not _engine.used:
                del _report.RECORDED[kept:]
                print("   (this benchmark does not take its store from bench/_engine: what it measured is SQLite, "
                      "so none of it counts for PostgreSQL)", flush=True)
            print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    finally:
        if record:
            Path(record).write_text(json.dumps(_report.RECORDED))
        _engine.stop()
    return failed


def _run_child(name: str, engine: str, out: Path) -> tuple[list[dict[str, object]] | None, float]:
    """One benchmark on one engine in its own process (a failure or crash is that cell's, not the table's)."""
    out.unlink(missing_ok=True)
    env = dict(os.environ, **{ENV: engine, RECORD_ENV: str(out)})
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bench", name], env=env)
    elapsed = time.perf_counter() - started
    figures = json.loads(out.read_text()) if out.exists() else None
    if done.returncode != 0:
        print(f"   !! {name} on {engine} failed (exit {done.returncode}); its figures so far are kept", flush=True)
    return figures, elapsed


def _cell(value: float | None, unit: str) -> str:
    return "-" if value is None else f"{value:,.2f} {unit}".strip()


def table(results: dict[str, dict[str, list[dict[str, object]] | None]]) -> list[str]:
    """Markdown lines: figure, SQLite, PostgreSQL, ratio, target, within 2x."""
    lines = ["| benchmark | figure | SQLite | PostgreSQL | PG/SQLite | target | within 2x |",
             "|---|---|---:|---:|---:|---|---|"]
    for name, by_engine in results.items():
        sqlite = {str(f["name"]): f for f in by_engine.get("sqlite") or []}
        pg = {str(f["name"]): f for f in by_engine.get("postgresql") or []}
        order = list(sqlite) + [n for n in pg if n not in sqlite]
        if not order:
            lines.append(f"| {name} | (no figures: "
                         f"{'failed' if by_engine.get('sqlite') is None or by_engine.get('postgresql') is None else 'none'})"
                         " | | | | | |")
        for figure_name in order:
            a, b = sqlite.get(figure_name), pg.get(figure_name)
            any_ = a or b
            assert any_ is not None
            unit, higher = str(any_["unit"]), bool(any_["higher_is_better"])
            va = float(a["value"]) if a else None  # type: ignore[arg-type]
            vb = float(b["value"]) if b else None  # type: ignore[arg-type]
            sign = ">=" if higher else "<="
            target = f"{sign} {float(any_['target']):g} {unit}"  # type: ignore[arg-type]
            if va is None or vb is None:
                ratio, within = "-", ("SQLite only" if vb is None else "PostgreSQL only")
                if vb is None and by_engine.get("postgresql") is None:
                    within = "PostgreSQL run failed"
            else:
                # how many times worse PostgreSQL is (below 1: better)
                slower = (va / vb if vb else float("inf")) if higher else (vb / va if va else float("inf"))
                ratio = f"x{slower:.2f}"
                within = "yes" if slower <= 2 else "NO"
            lines.append(f"| {name} | {figure_name} | {_cell(va, unit)} | {_cell(vb, unit)} | {ratio} | {target} | {within} |")
    return lines


def compare(names: list[str]) -> int:
    """Every benchmark on SQLite then on PostgreSQL (one server for the whole run), then one table."""
    from bench import _engine

    os.environ[ENV] = "postgresql"
    Path(bench.__path__[0], ".data").mkdir(exist_ok=True)
    _engine.cluster()  # started once here: every child joins it; stopped at the end
    results: dict[str, dict[str, list[dict[str, object]] | None]] = {}
    started = time.perf_counter()
    try:
        for name in names:
            results[name] = {}
            for engine in ENGINES:
                figures, _ = _run_child(name, engine, COMPARE_MD.with_name(f"compare-{name}-{engine}.json"))
                results[name][engine] = figures
                lines = table(results)  # written after every run: a long compare interrupted keeps what it has
                COMPARE_MD.write_text(_header(names, time.perf_counter() - started) + "\n".join(lines) + "\n")
    finally:
        _engine.stop()
    lines = table(results)
    print()
    print("\n".join(lines))
    misses = sum(1 for line in lines if line.endswith("| NO |"))
    print(f"\n{misses} figure(s) where PostgreSQL is not within 2x of SQLite; table written to {COMPARE_MD}")
    return 0


def _header(names: list[str], seconds: float) -> str:
    from bench._engine import SERVER_SETTINGS

    return (f"# python -m bench compare {' '.join(names)}\n\n"
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, load "
            f"{os.getloadavg()[0]:.1f}, {seconds:.0f} s. PostgreSQL server settings: "
            + ", ".join(f"{k}={v}" for k, v in SERVER_SETTINGS.items())
            + ". PG/SQLite: how many times worse PostgreSQL's figure is (below 1: better).\n\n")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=[*ENGINES, "both"], default=None,
                        help="the store's engine (default: sqlite, or SHOPTUI_BENCH_ENGINE)")
    parser.add_argument("names", nargs="*", help="benchmarks, 'all', 'list', or 'compare [NAME ...]'")
    args = parser.parse_args(argv)
    names = args.names or ["list"]
    if names == ["list"]:
        print("benchmarks:", ", ".join(available()))
        print("run: python -m bench [--engine sqlite|postgresql|both] NAME [NAME ...]  or  python -m bench all")
        print("     python -m bench compare [NAME ...]   (every benchmark, or those named, on both engines side by side)")
        return 0
    comparing = names[0] == "compare" or args.engine == "both"
    if names[0] == "compare":
        names = names[1:] or ["all"]
    if names == ["all"]:
        names = available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(f"error: no benchmark {', '.join(unknown)}; known: {', '.join(available())}", file=sys.stderr)
        return 2
    Path(bench.__path__[0], ".data").mkdir(exist_ok=True)
    if comparing:
        return compare(names)
    if args.engine:
        os.environ[ENV] = args.engine
    return run_here(names)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
