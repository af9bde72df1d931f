"""Thread counts for the benchmarks, set before NumPy loads OpenBLAS.

On the loaded 2-core development machine OpenBLAS's spinning threads turned
a 0.33 s MNIST-1D epoch into 55 s, so the benchmarks that train run every
library on ``--threads`` threads (default 1). Import this module, and call
:func:`set_threads_from_argv`, before numpy.
"""
import os


def set_threads_from_argv(argv, default=1):
    """The ``--threads N`` (or ``--threads=N``) of ``argv``, else ``default``,
    exported to OPENBLAS/OMP/MKL_NUM_THREADS; returns it."""
    threads = default
    for i, a in enumerate(argv):
        if a.startswith("--threads="):
            threads = int(a.split("=", 1)[1])
        elif a == "--threads" and i + 1 < len(argv):
            threads = int(argv[i + 1])
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    return threads
