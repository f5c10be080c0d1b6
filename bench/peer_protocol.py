"""The line protocol of the Python peers of the benchmarks (see bench/peer.ts): print a ready
line, then answer each request {"case": name, "iterations": n} with the seconds of n runs."""
import json
import sys
import time


def serve(cases):
    """cases: name → function with no arguments."""
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        fn = cases[request["case"]]
        seconds = []
        for _ in range(request["iterations"]):
            start = time.perf_counter()
            fn()
            seconds.append(time.perf_counter() - start)
        print(json.dumps({"case": request["case"], "seconds": seconds}), flush=True)
