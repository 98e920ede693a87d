"""``python -m bench [NAME ...|all|list]``: run benchmarks, print figures beside their targets."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path

import bench


def available() -> list[str]:
    """Every ``bench/bench_NAME.py`` as NAME."""
    return sorted(m.name.removeprefix("bench_") for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    names = argv or ["list"]
    if names == ["list"]:
        print("benchmarks:", ", ".join(available()))
        print("run: python -m bench NAME [NAME ...]  or  python -m bench all")
        return 0
    if names == ["all"]:
        names = available()
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(f"error: no benchmark {', '.join(unknown)}; known: {', '.join(available())}", file=sys.stderr)
        return 2
    Path(bench.__path__[0], ".data").mkdir(exist_ok=True)
    # measure the app as installed: pip writes bytecode on install, but an editable install under
    # PYTHONDONTWRITEBYTECODE=1 would compile every module from source on every start
    import compileall

    compileall.compile_dir(Path(bench.__path__[0]).parent / "shoptui", quiet=1)
    for name in names:
        print(f"== {name}")
        started = time.perf_counter()
        importlib.import_module(f"bench.bench_{name}").run()
        print(f"   ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
