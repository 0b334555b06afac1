"""Uploads are classified off a gevent worker's event loop, in a bounded pool (dash_app/offload.py)."""

import subprocess
import sys

from tests.paths import ROOT

# Run in a process of its own: gevent's patching must come first and must not leak into other tests.
SCRIPT = r"""
from gevent import monkey
monkey.patch_all()
import sys, threading, time
import gevent
from flask import Flask, current_app
from dash_app.offload import off_the_event_loop

running, most = [0], [0]
lock = threading.Lock()

def busy(seconds):
    # CPU work without yielding to gevent, as decoding and inference are
    with lock:
        running[0] += 1
        most[0] = max(most[0], running[0])
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        sum(range(1000))
    with lock:
        running[0] -= 1
    return current_app.name

ticks = []
def ticker():
    while True:
        ticks.append(time.perf_counter())
        gevent.sleep(0.01)

app = Flask("offload-check")

def request():  # as a request's greenlet: in the app's context
    with app.app_context():
        return off_the_event_loop(busy, 0.3, threads=2)

tick = gevent.spawn(ticker)
gevent.sleep(0.05)
jobs = [gevent.spawn(request) for _ in range(4)]
gevent.joinall(jobs)
tick.kill()
gaps = [b - a for a, b in zip(ticks, ticks[1:])]
print(max(gaps), most[0], all(job.value == "offload-check" for job in jobs), len(ticks))
"""


def test_offload001_the_loop_keeps_answering_and_the_pool_stays_bounded():
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    longest_gap, most_at_once, in_app_context, ticks = out.stdout.split()
    # four 0.3 s jobs on two threads take about 0.6 s; inline they would stop the ticker for 1.2 s
    assert float(longest_gap) < 0.25, f"the event loop stalled for {float(longest_gap):.2f} s"
    assert int(most_at_once) == 2 and in_app_context == "True" and int(ticks) > 20


def test_offload002_without_gevent_the_call_runs_in_place():
    from dash_app.offload import off_the_event_loop

    assert off_the_event_loop(lambda a, b=0: a + b, 2, b=3, threads=2) == 5
