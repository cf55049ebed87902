"""Word count in pysparkling or PySpark local[2], for bench/wordcount.ts.

    python3 bench/py/wordcount.py pysparkling|pyspark PATH REPEAT

Times REPEAT runs of textFile -> flatMap(split) -> map((w, 1)) ->
reduceByKey(add) -> collect() inside this process (start-up excluded) and
prints one JSON line: the fastest run, and a summary of the result to check
against the Node systems.
"""
import json
import os
import sys
import time
from operator import add

from contexts import start

system, path, repeat = sys.argv[1], os.path.abspath(sys.argv[2]), int(sys.argv[3])

sc, startup = start(system)
uri = path if system == 'pysparkling' else 'file://' + path

times = []
counts = []
for _ in range(repeat):
    t = time.perf_counter()
    counts = (
        sc.textFile(uri)
        .flatMap(lambda line: line.split(' '))
        .map(lambda w: (w, 1))
        .reduceByKey(add)
        .collect()
    )
    times.append(time.perf_counter() - t)

words = sum(n for _, n in counts)
chars = sum(n * len(w) for w, n in counts)
note = 'start-up %.1f s excluded' % startup
if repeat > 1:
    note += '; first run %.2f s, best of %d shown' % (times[0], repeat)
print(json.dumps({
    'seconds': min(times),
    'check': '%d distinct, %d words, %d chars' % (len(counts), words, chars),
    'note': note,
}))
