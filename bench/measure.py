"""Runs one command and measures it: wall time and the peak RSS of that process alone.

Peak RSS comes from GNU time (`/usr/bin/time -f %M`), which measures its own child. Taking
`ru_maxrss` of a child of this Python process would be wrong: on Linux, exec carries the
spawning process's high-water mark into the child's figure, so a small tool launched from
a large benchmarking process would look as large as that process.
"""
import os
import subprocess
import tempfile
import threading
import time

GNU_TIME = "/usr/bin/time"


def run(cmd, env=None, timeout=None):
    """Returns (stdout bytes, seconds, peak RSS in MiB) of `cmd`, killed after `timeout` s."""
    if not os.path.exists(GNU_TIME):
        raise SystemExit("bench: GNU time is missing (apt-get install time); bench/run.sh installs it")
    with tempfile.NamedTemporaryFile(suffix=".rss") as rss_file:
        t = time.perf_counter()
        p = subprocess.Popen([GNU_TIME, "-f", "%M", "-o", rss_file.name] + list(cmd),
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        timer = threading.Timer(timeout, p.kill) if timeout else None
        if timer:
            timer.start()
        out, _ = p.communicate()
        dt = time.perf_counter() - t
        if timer:
            timer.cancel()
        try:
            kib = int(open(rss_file.name).read().strip().splitlines()[-1])
        except (ValueError, IndexError):
            kib = 0
    return out, dt, kib / 1024.0
