"""The Context each Python benchmark script times its jobs on.

    from contexts import start

`start(system)` returns the context and the seconds it took to start, which
the scripts leave out of their timings and report in their notes.
"""
import time


def start(system, driver_memory='2g'):
    """pysparkling's Context, or a PySpark SparkContext in local[2] mode."""
    t0 = time.perf_counter()
    if system == 'pysparkling':
        import pysparkling

        sc = pysparkling.Context()
    else:
        from pyspark import SparkConf, SparkContext

        conf = (
            SparkConf()
            .setMaster('local[2]')
            .setAppName('sparkling-bench')
            .set('spark.ui.enabled', 'false')
            .set('spark.driver.memory', driver_memory)
        )
        sc = SparkContext(conf=conf)
        sc.setLogLevel('ERROR')
    return sc, time.perf_counter() - t0
