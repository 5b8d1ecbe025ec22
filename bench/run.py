"""`make bench`: run the benchmarks and write their results into docs/PERFORMANCE.md.

    python -m bench.run                    # every benchmark at the default sizes (1 000 and 10 000 actions)
    python -m bench.run --large            # also 100 000 actions (takes longer)
    python -m bench.run --only chat,memory # some of them; the other sections of the report stay as they were
    python -m bench.run --no-write         # print, do not touch docs/PERFORMANCE.md

PostgreSQL is used when BENCH_DATABASE_URL (or TEST_DATABASE_URL, or the default
postgresql+psycopg://postgres@127.0.0.1:5432/test) answers; each benchmark creates its own
database `oppf_bench_<random>` there and drops it afterwards. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import time

from bench.common import ROOT, log, machine, table

REPORT = ROOT / "docs" / "PERFORMANCE.md"

# name -> (module, section title); the order is the report's.
BENCHMARKS: dict[str, tuple[str, str]] = {
    "chat": ("bench.chat_http", "1. Chat latency through the HTTP stack"),
    "usecases": ("bench.use_cases", "1b. The same commands without HTTP: handler time and SQL statements"),
    "reminders": ("bench.reminders", "2. Reminder sweep and digest"),
    "delivery": ("bench.delivery", "3. Delivery of a digest to 20 channels"),
    "memory": ("bench.memory", "4. Memory"),
    "startup": ("bench.startup", "5. Start-up"),
    "teams": ("bench.teams_http", "6. Microsoft Teams: /api/messages and paced delivery"),
    "overview": ("bench.overview", "7. The overview page (/oversikt)"),
}


def marker(name: str, end: bool = False) -> str:
    return f"<!-- bench:{name}:{'end' if end else 'start'} -->"


def replace_section(report: str, name: str, body: str) -> str:
    block = f"{marker(name)}\n{body.rstrip()}\n{marker(name, end=True)}"
    pattern = re.compile(re.escape(marker(name)) + r".*?" + re.escape(marker(name, end=True)), re.S)
    if pattern.search(report):
        return pattern.sub(lambda _: block, report)
    title = BENCHMARKS[name][1] if name in BENCHMARKS else name
    return report.rstrip() + f"\n\n## {title}\n\n{block}\n"


def machine_section(large: bool, took: dict[str, float]) -> str:
    info = machine()
    rows = [[key, value] for key, value in info.items()]
    sizes = "1 000, 10 000 and 100 000" if large else "1 000 and 10 000 (run with `--large` for 100 000)"
    lines = [
        table(["", ""], rows),
        "",
        f"Sizes in this run: {sizes} actions. Benchmarks run here: "
        + ", ".join(f"{name} ({seconds:.0f} s)" for name, seconds in took.items()) + ".",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--large", action="store_true", help="also 100 000 actions")
    parser.add_argument("--only", help=f"comma-separated: {', '.join(BENCHMARKS)}")
    parser.add_argument("--no-write", action="store_true", help="print the results instead of writing the report")
    args = parser.parse_args(argv)
    names = list(BENCHMARKS) if not args.only else [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")

    results: dict[str, str] = {}
    took: dict[str, float] = {}
    for name in names:
        module_name, title = BENCHMARKS[name]
        log(f"== {title}")
        start = time.monotonic()
        try:
            module = importlib.import_module(module_name)
            results[name] = module.run(large=args.large)
        except Exception as exc:  # one broken benchmark must not lose the others' results
            log(f"{name} failed: {exc!r}")
            results[name] = f"This benchmark failed in the last run: `{exc!r}`."
        took[name] = time.monotonic() - start
    results["machine"] = machine_section(args.large, took)

    if args.no_write:
        for name, body in results.items():
            print(f"## {name}\n\n{body}\n")
        return 0
    report = REPORT.read_text(encoding="utf-8") if REPORT.exists() else "# Performance\n"
    for name, body in results.items():
        report = replace_section(report, name, body)
    REPORT.write_text(report, encoding="utf-8")
    log(f"wrote {REPORT.relative_to(ROOT)} ({', '.join(results)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
