#!/usr/bin/env python3
"""Throughput at the I/O limit: wall time over many files against reading their bytes.

Two sets: the folder of small tf.keras `.h5` models made by bench/gen_small_models.py
(918 by default) and the wild corpus (the files of its labels.json). In the same run and
with a warm page cache, each set is timed for `cat FILES > /dev/null` (the cost of reading
the bytes), keras-sentinel with `--jobs 1` and with `--jobs` = cores, and (with --peers)
modelscan and modelaudit. Each of cat and keras-sentinel is timed --rounds times, in
turn, and the median is reported; modelscan (about a second) --peer-rounds times, its
median reported; modelaudit (tens of seconds) once per set. Every timed command writes
its output to /dev/null.

Per file, for keras-sentinel with --jobs 1: system calls (`strace -c -f`, all of them and
the reads alone) and, from the per_file bench (a counting global allocator around the
CLI's own per-file path), heap allocations and reads the scan asked for.

Usage: throughput.py --cli PATH --small DIR --wild DIR [--per-file BIN] [--peers --peer-bin DIR]
                     [--before OLD_CLI] [--rounds 7] [--peer-rounds 5] [--markdown FILE]
"""
import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def small_files(d):
    return sorted(os.path.join(d, n) for n in os.listdir(d) if n.endswith(".h5"))


def wild_files(d):
    labels = json.load(open(os.path.join(d, "labels.json")))
    return sorted(os.path.join(d, p) for p in labels["files"])


def timed(cmd, env=None, keep=False):
    """(stdout, wall seconds, CPU seconds user + system) of `cmd`, run directly (no timing
    wrapper process in the wall time). The CPU time, from the rusage of the reaped child
    (to the microsecond, not GNU time's hundredths), is the figure to compare when the
    machine is shared: wall time then includes waiting. Output goes to /dev/null unless
    `keep` (then stdout is returned): every timed command writes all it would write, and
    none waits on this script reading a pipe (`cat` would push the set's bytes through it)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE if keep else subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=env)
    dt = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return p.stdout, dt, cpu


def strace_counts(cmd, n_files):
    """(all system calls, read/pread calls) per file of `cmd`, from `strace -c -f`."""
    if not shutil.which("strace"):
        return None
    with tempfile.NamedTemporaryFile(suffix=".strace") as f:
        subprocess.run(["strace", "-c", "-f", "-o", f.name] + cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        text = open(f.name).read()
    total = reads = 0
    for line in text.splitlines():
        m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$", line)
        if not m:
            continue
        calls, name = int(m.group(1)), m.group(2)
        if name == "total":
            continue
        total += calls
        if name in ("read", "pread64", "readv", "preadv", "preadv2"):
            reads += calls
    return total / n_files, reads / n_files


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cli", required=True)
    ap.add_argument("--small", required=True)
    ap.add_argument("--wild", required=True)
    ap.add_argument("--per-file", help="the per_file bench binary (allocations per file)")
    ap.add_argument("--before", help="another keras-sentinel binary (an earlier commit), timed in the same rounds")
    ap.add_argument("--before-label", default="before", help="what to call it (its commit)")
    ap.add_argument("--before-per-file", help="the per_file bench built at that commit")
    ap.add_argument("--peers", action="store_true")
    ap.add_argument("--peer-bin")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--peer-rounds", type=int, default=5, help="runs of modelscan per set (modelaudit: one)")
    ap.add_argument("--markdown")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    env = dict(os.environ, PROMPTFOO_DISABLE_TELEMETRY="1")
    sets = [("small .h5 folder", small_files(args.small)), ("wild corpus", wild_files(args.wild))]
    rows, cost_rows = [], []
    for name, files in sets:
        size = sum(os.path.getsize(f) for f in files)
        def ours(jobs, cli=args.cli):
            return [cli, "scan", "--quiet", "--format", "json", "--jobs", str(jobs)] + files

        out, _, _ = timed(ours(1), keep=True)  # warm the page cache and check the output
        verdicts = [f["verdict"] for f in json.loads(out)["files"]]
        if args.before:
            before = [f["verdict"] for f in json.loads(timed(ours(1, args.before), keep=True)[0])["files"]]
            assert before == verdicts, "the earlier binary gives other verdicts"
        timed(["cat"] + files)
        runs = {"cat": ["cat"] + files, "ks1": ours(1), "ksN": ours(cores)}
        if args.before:
            runs.update({"old1": ours(1, args.before), "oldN": ours(cores, args.before)})
        times = {k: [] for k in runs}
        for _ in range(args.rounds):
            for k, cmd in runs.items():
                times[k].append(timed(cmd)[1:])
        med = {k: (statistics.median(t for t, _ in v), statistics.median(c for _, c in v)) for k, v in times.items()}
        peers = {}
        if args.peers:
            modelscan = [os.path.join(args.peer_bin, "modelscan"), "scan", "-p",
                         os.path.dirname(files[0]) if name.startswith("small") else args.wild,
                         "-r", "json", "-o", os.devnull]
            # About a second a run, and its runs vary by 10 %: the median of a few, as for ours.
            runs_ms = [timed(modelscan)[1:] for _ in range(args.peer_rounds)]
            peers["modelscan"] = (statistics.median(t for t, _ in runs_ms), statistics.median(c for _, c in runs_ms))
            peers["modelaudit"] = timed([os.path.join(args.peer_bin, "modelaudit"), "scan", "--format", "json",
                                         "--no-cache", "-q"] + files, env=env)[1:]
        rows.append((name, len(files), size, med, peers, verdicts))
        sc = strace_counts(ours(1), len(files))
        cost = None
        if args.per_file:
            cost = subprocess.run([args.per_file, "--label", name] + files, capture_output=True, text=True).stdout.strip()
        cost_rows.append((name, sc, cost))
        if args.before:
            sc = strace_counts(ours(1, args.before), len(files))
            cost = None
            if args.before_per_file:
                cost = subprocess.run([args.before_per_file, "--label", name] + files, capture_output=True,
                                      text=True).stdout.strip()
            cost_rows.append((f"{name}, {args.before_label}", sc, cost))
        print(f"[throughput] {name}: {len(files)} files, (wall, cpu) {med}, peers {peers}", file=sys.stderr)

    def cell(wall_cpu):
        return f"{wall_cpu[0]:.3f} s ({wall_cpu[1]:.3f})"

    lines = []
    lines.append(f"Median of {args.rounds} rounds, every command in turn, warm page cache; in the same run "
                 f"modelscan the median of {args.peer_rounds} runs per set, modelaudit (tens of seconds) one. "
                 f"Each cell: wall time (CPU time, user + system, in parentheses: the figure that does not "
                 f"depend on what else the shared machine runs). Every tool writes its whole report and every "
                 f"output goes to /dev/null: keras-sentinel `scan --quiet --format json FILES`, modelscan "
                 f"`scan -p DIR -r json -o /dev/null`, modelaudit `scan --format json FILES`, `cat FILES`. "
                 f"Cores: {cores}.")
    lines.append("")
    head = f"| set | files | bytes | `cat` | keras-sentinel `--jobs 1` | `--jobs {cores}` | ÷ `cat` (jobs {cores})"
    if args.before:
        head += f" | {args.before_label}: `--jobs 1` | {args.before_label}: `--jobs {cores}`"
    if args.peers:
        head += " | modelscan | modelaudit | modelscan ÷ ours"
    lines.append(head + " |")
    lines.append("|" + "---|" * (head.count("|")))
    for name, n, size, med, peers, _ in rows:
        row = (f"| {name} | {n} | {size / 1e6:.1f} MB | {cell(med['cat'])} | {cell(med['ks1'])} | "
               f"{cell(med['ksN'])} | {med['ksN'][0] / med['cat'][0]:.1f}×")
        if args.before:
            row += f" | {cell(med['old1'])} | {cell(med['oldN'])}"
        if args.peers:
            row += (f" | {cell(peers['modelscan'])} | {cell(peers['modelaudit'])} | "
                    f"{peers['modelscan'][0] / med['ksN'][0]:.0f}×")
        lines.append(row + " |")
    lines.append("")
    lines.append("Per file, keras-sentinel `--jobs 1` (`strace -c -f`: every system call of the process, "
                 "startup and output included, over the number of files) and the per-file path alone "
                 "(`cargo bench -p keras-sentinel-cli --bench per_file`: a counting global allocator):")
    lines.append("")
    lines.append("| set | system calls per file | of which reads | per-file path |")
    lines.append("|---|---|---|---|")
    for name, sc, cost in cost_rows:
        sct = f"{sc[0]:.1f} | {sc[1]:.1f}" if sc else "n/a | n/a"
        lines.append(f"| {name} | {sct} | {(cost or 'n/a').split(': ', 1)[-1]} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        open(args.markdown, "w").write(text)


if __name__ == "__main__":
    main()
