"""``--threads N`` (default 1) for every library a benchmark times, applied
before NumPy is imported: OpenBLAS and OpenMP read their variables once, at
load. On a loaded 2-core machine OpenBLAS's spinning threads turned a 0.33 s
epoch into 55 s, and torch's own pool suffers alike, hence one thread by
default. Import this module first."""
import os
import sys


def threads_from_argv(argv, default=1):
    for i, a in enumerate(argv):
        if a.startswith("--threads="):
            return int(a.split("=", 1)[1])
        if a == "--threads" and i + 1 < len(argv):
            return int(argv[i + 1])
    return default


THREADS = threads_from_argv(sys.argv[1:])
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(THREADS)
