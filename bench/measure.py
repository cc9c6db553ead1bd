"""Runs one command and measures it: wall time and the peak RSS of that process alone."""
import os
import subprocess
import threading
import time


def run(cmd, env=None, timeout=None):
    """Returns (stdout bytes, seconds, peak RSS in MiB) of `cmd`, killed after `timeout` s."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    timer = threading.Timer(timeout, p.kill) if timeout else None
    if timer:
        timer.start()
    out = p.stdout.read()
    # Reap the child ourselves: wait4 reports the resource usage of exactly this process
    # (ru_maxrss in KiB on Linux), which Popen.wait would throw away.
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    p.stdout.close()
    if timer:
        timer.cancel()
    return out, time.perf_counter() - t, usage.ru_maxrss / 1024.0
