"""What the monitoring feed adds to a call: DecisionFeed.publish timed, with
0, 1 and 8 consoles reading in threads of their own, and with 1,000
hot-number rules (numbers, patterns, inmates) to match.

    python benchmarks/bench_feed.py [--calls 20000] [--rate 5000]

Decisions are published at --rate a second (a busy server's; 0: as fast as
one thread can). Prints a Markdown table: microseconds per publish, p50 and
p99, and how many consoles were cut off (none at a server's rates: they keep
up; flat out, publishing outruns them, and they are cut off rather than
slowing it).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

from screening.domain.alerts import Alert, AlertKind, AlertRules
from screening.domain.model import Decision, Finding, NumberType, Reason, ScreenRequest, Screening
from screening.service.feed import DecisionFeed, FeedClosed, FellBehind

FINDING = Finding(Reason.NUMBER_TYPE, "international numbers flagged", Decision.REVIEW)


def decisions(count: int) -> list[tuple[ScreenRequest, Screening]]:
    made = []
    for n in range(count):
        number = f"+62812{n % 10_000_000:07d}"
        made.append((ScreenRequest(f"c-{n}", f"LP-{n % 20}", f"A-{n % 5000}", number),
                     Screening(f"c-{n}", Decision.REVIEW, (FINDING,), number, NumberType.MOBILE, "ID", True, 600, 1)))
    return made


def rules(count: int) -> AlertRules:
    kinds = (AlertKind.NUMBER, AlertKind.PATTERN, AlertKind.INMATE)
    values = {AlertKind.NUMBER: lambda i: f"+62813{i:07d}", AlertKind.PATTERN: lambda i: f"+62814{i:04d}*",
              AlertKind.INMATE: lambda i: f"B-{i}"}
    return AlertRules(Alert(i, kinds[i % 3], values[kinds[i % 3]](i)) for i in range(1, count + 1))


def run(calls: int, consoles: int, alert_rules: int, rate: float) -> dict:
    feed = DecisionFeed(subscriber_buffer=1000, max_subscribers=max(consoles, 1))
    feed.set_rules(rules(alert_rules))
    cut = []

    def read(subscription):
        try:
            for _ in subscription:
                pass
        except FellBehind:
            cut.append(1)
        except FeedClosed:  # the end of the run
            pass

    threads = [threading.Thread(target=read, args=(feed.subscribe(),), daemon=True) for _ in range(consoles)]
    for thread in threads:
        thread.start()
    timings = []
    next_at = time.perf_counter()
    for request, screening in decisions(calls):
        if rate:
            next_at += 1 / rate
            time.sleep(max(0.0, next_at - time.perf_counter()))
        started = time.perf_counter()
        feed.publish(request, screening)
        timings.append(time.perf_counter() - started)
    feed.close()
    for thread in threads:
        thread.join()
    timings.sort()
    return {"p50": statistics.median(timings) * 1e6, "p99": timings[int(len(timings) * 0.99)] * 1e6,
            "cut": len(cut)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=5000, help="decisions a second; 0: flat out")
    args = parser.parse_args()
    print("| consoles | hot-number rules | publish p50 (µs) | publish p99 (µs) | consoles cut off |")
    print("|---|---|---|---|---|")
    for consoles, alert_rules in ((0, 0), (1, 0), (8, 0), (8, 1000)):
        result = run(args.calls, consoles, alert_rules, args.rate)
        print(f"| {consoles} | {alert_rules} | {result['p50']:.1f} | {result['p99']:.1f} | {result['cut']} |")


if __name__ == "__main__":
    main()
