"""Sort, reduceByKey, groupByKey and join in pysparkling or PySpark local[2],
for bench/sort.ts, bench/reduce-by-key.ts and bench/group-join.ts.

    python3 bench/py/shuffles.py JOB pysparkling|pyspark PATH... REPEAT

JOB and its input files, written by bench/generate.ts (little-endian):

    sort   NUMBERS.f64         sortBy(lambda x: x)
    rbk    KEYS.i32            pairs (key, 1); reduceByKey(add)
    group  LEFT.i32            pairs (key, i); groupByKey().mapValues(list)
    join   LEFT.i32 RIGHT.i32  (key, i) join (key, i + 0.5)

where i is the record's index in its file. The input is read into a Python
list first; then REPEAT runs of parallelize -> JOB -> collect() are timed
inside this process (start-up and reading excluded), with Context defaults.
Prints one JSON line: the fastest run, and a summary of the result that
equals the Node benchmark's for the same data.
"""
import json
import os
import sys
import time
from array import array
from operator import add

from contexts import start

INPUTS = {'sort': 1, 'rbk': 1, 'group': 1, 'join': 2}
if (len(sys.argv) < 5 or sys.argv[1] not in INPUTS or sys.argv[2] not in ('pysparkling', 'pyspark')
        or len(sys.argv) != 4 + INPUTS[sys.argv[1]] or not sys.argv[-1].isdigit()):
    sys.exit(__doc__)
job, system = sys.argv[1], sys.argv[2]
paths, repeat = [os.path.abspath(p) for p in sys.argv[3:-1]], int(sys.argv[-1])


def read_column(path, typecode, size):
    """A file of little-endian numbers of `size` bytes each, as a list."""
    column = array(typecode)
    assert column.itemsize == size
    with open(path, 'rb') as f:
        column.frombytes(f.read())
    if sys.byteorder == 'big':
        column.byteswap()
    return column.tolist()


def js_number(x):
    """x as JavaScript's String(x) writes it: 15 rather than 15.0.

    Enough for the sums below: integral, or between 1e-4 and 1e16, where
    JavaScript and Python's repr both write the shortest digits that read
    back to x, without an exponent."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e21:
        return str(int(x))
    return repr(x)


# The checks: the summaries of bench/sort.ts, reduce-by-key.ts and group-join.ts.
# Keys and the left values are ints, so only the sort and join sums are floats.

def sort_check(xs):
    total = 0.0
    for i, x in enumerate(xs):
        if i > 0 and x < xs[i - 1]:
            return 'not sorted at %d' % i
        total += x * (i % 7)
    return '%d sorted, checksum %s' % (len(xs), js_number(total))


def rbk_check(counts):
    total = sum(c for _, c in counts)
    weighted = sum(key * c for key, c in counts)
    return '%d keys, %d records, \u03a3key\u00b7count %d' % (len(counts), total, weighted)


def group_check(groups):
    values = sum(len(vs) for _, vs in groups)
    total = sum((key % 1000) * v for key, vs in groups for v in vs)
    return '%d groups, %d values, checksum %d' % (len(groups), values, total)


def join_check(rows):
    total = sum((key % 1000) * v + w for key, (v, w) in rows)
    return '%d joined records, checksum %s' % (len(rows), js_number(total))


t0 = time.perf_counter()
if job == 'sort':
    numbers = read_column(paths[0], 'd', 8)
elif job == 'rbk':
    pairs = [(key, 1) for key in read_column(paths[0], 'i', 4)]
else:
    left = [(key, i) for i, key in enumerate(read_column(paths[0], 'i', 4))]
    if job == 'join':
        right = [(key, i + 0.5) for i, key in enumerate(read_column(paths[1], 'i', 4))]
reading = time.perf_counter() - t0

# 10 M pairs in the driver need more than wordcount's 2 GB.
sc, startup = start(system, driver_memory='4g')


def run():
    if job == 'sort':
        return sc.parallelize(numbers).sortBy(lambda x: x).collect()
    if job == 'rbk':
        return sc.parallelize(pairs).reduceByKey(add).collect()
    if job == 'group':
        return sc.parallelize(left).groupByKey().mapValues(list).collect()
    return sc.parallelize(left).join(sc.parallelize(right)).collect()


times = []
result = []
for _ in range(repeat):
    t = time.perf_counter()
    result = run()
    times.append(time.perf_counter() - t)

check = {'sort': sort_check, 'rbk': rbk_check, 'group': group_check, 'join': join_check}[job](result)
note = 'start-up %.1f s and reading the input into a list %.1f s excluded' % (startup, reading)
if repeat > 1:
    note += '; first run %.2f s, best of %d shown' % (times[0], repeat)
if system == 'pysparkling' and job == 'join':
    note += ("; pysparkling 0.6.2's join keeps one value per key on each side"
             ' (dict(collect())), so it drops records when keys repeat')
print(json.dumps({'seconds': min(times), 'check': check, 'note': note}))
