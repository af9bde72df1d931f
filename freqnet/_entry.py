"""How ``python -m freqnet`` reports an error raised while the package imports."""
import sys


def exit_if_command_line(exc):
    """Under ``python -m freqnet`` (or ``python -m freqnet.theory``), print
    ``exc`` as one line and exit with status 2; otherwise return, so an
    importing program gets the exception."""
    argv = getattr(sys, "orig_argv", [])
    if "-m" in argv:
        target = argv[argv.index("-m") + 1] if argv.index("-m") + 1 < len(argv) else ""
        if target == "freqnet" or target.startswith("freqnet."):
            print(f"error: {exc}", file=sys.stderr)
            raise SystemExit(2)
