"""How ``python -m freqnet`` (or one rank of mpiexec) reports an error raised
while the package imports."""
import sys


def print_error(line):
    """``line`` and its newline to stderr in one write: mpiexec forwards each
    rank's output as it is written, so another rank's line can never land
    inside it (print writes the two separately)."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def exit_if_command_line(exc):
    """Under ``python -m freqnet`` (or ``python -m freqnet.theory``), print
    ``exc`` as one line and exit with status 2. As one rank of ``mpiexec``
    (any program), first tell the other ranks (they stop with it at their
    start-up handshake, :mod:`freqnet.mpi`), then print it with this rank's
    number and exit 2 without waiting for them. Otherwise return, so an
    importing program gets the exception."""
    from .mpi import abandon, launched_by_mpiexec, report_failed_start
    if launched_by_mpiexec():
        rank = report_failed_start(exc)
        print_error(f"error: rank {rank}: {exc}")
        abandon(2)
    argv = getattr(sys, "orig_argv", [])
    if "-m" in argv:
        target = argv[argv.index("-m") + 1] if argv.index("-m") + 1 < len(argv) else ""
        if target == "freqnet" or target.startswith("freqnet."):
            print_error(f"error: {exc}")
            raise SystemExit(2)
