"""What every benchmark script prints the same way: progress lines, the
machine, timer overhead and Markdown tables."""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sqlite3
import statistics
import sys
import time
from collections.abc import Sequence

MIB = 1024 * 1024


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timer_overhead_ns(samples: int = 100_000) -> float:
    """Median of two back-to-back perf_counter_ns() calls: included in every figure."""
    clock = time.perf_counter_ns
    gaps = []
    for _ in range(samples):
        started = clock()
        gaps.append(clock() - started)
    return statistics.median(gaps)


def table(header: Sequence[str], rows: Sequence[Sequence[str]], text_columns: int = 1) -> str:
    """Markdown table; the first `text_columns` left-aligned, the others (numbers) right."""
    align = ["---"] * text_columns + ["--:"] * (len(header) - text_columns)
    lines = [header, align, *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def mib(value: int | None) -> str:
    return "-" if value is None else f"{value / MIB:,.1f}"


def machine_rows() -> list[tuple[str, str]]:
    """The first rows of a report's Machine table: command, CPU, Python, OS, SQLite."""
    return [
        ("Command", f"`{shlex.join(sys.orig_argv)}`"),
        ("CPU", f"{cpu_model()}, {os.cpu_count()} logical CPUs ({len(os.sched_getaffinity(0))} usable)"),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("OS", platform.platform()),
        ("SQLite", sqlite3.sqlite_version),
    ]


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def size_list(text: str) -> list[int]:
    """--sizes: a comma-separated list of sizes of at least 100, as argparse takes it."""
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of sizes") from None
    if not sizes or any(size < 100 for size in sizes):
        raise argparse.ArgumentTypeError("sizes must be at least 100")
    return sorted(sizes)
