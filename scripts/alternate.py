#!/usr/bin/env python3
"""Wall time of commands run alternately (A B C A B C ...), so that a load
change on a shared machine hits every command alike; then mean, sd, min, max
of each and its ratio to the first command (mean and min).

    scripts/alternate.py RUNS 'name A' 'cmd A' 'name B' 'cmd B' ...

One warm-up run of each first (not counted). Commands run through
`bash -c` with stdout and stderr discarded; a failing command is reported
and its time still counted (like hyperfine --ignore-failure). Prints a
Markdown table.
"""
import statistics
import subprocess
import sys
import time


def main() -> int:
    runs = int(sys.argv[1])
    pairs = list(zip(sys.argv[2::2], sys.argv[3::2]))
    if runs < 1 or not pairs:
        print(__doc__, file=sys.stderr)
        return 2
    times = {name: [] for name, _ in pairs}
    failures = {name: 0 for name, _ in pairs}
    for round_no in range(runs + 1):
        for name, cmd in pairs:
            start = time.perf_counter()
            code = subprocess.call(["bash", "-c", cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            elapsed = time.perf_counter() - start
            if round_no == 0:
                continue
            times[name].append(elapsed)
            if code != 0:
                failures[name] += 1
    first = pairs[0][0]
    base_mean = statistics.mean(times[first])
    base_min = min(times[first])
    print(f"alternating runs: {runs} rounds of {' / '.join(n for n, _ in pairs)} (after one warm-up round)")
    print()
    print("| command | mean [s] | sd [s] | min [s] | max [s] | mean / first | min / first |")
    print("|:---|---:|---:|---:|---:|---:|---:|")
    for name, _ in pairs:
        t = times[name]
        sd = statistics.stdev(t) if len(t) > 1 else 0.0
        note = f" ({failures[name]} failed)" if failures[name] else ""
        print(
            f"| {name}{note} | {statistics.mean(t):.3f} | {sd:.3f} | {min(t):.3f} | {max(t):.3f} "
            f"| {statistics.mean(t) / base_mean:.2f} | {min(t) / base_min:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
