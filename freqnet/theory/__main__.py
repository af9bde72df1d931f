"""``python -m freqnet.theory [--claim N] [--plots DIR] [--quick]`` (see the package docstring)."""
import argparse
import sys

from . import REGISTRY, run_claim, format_table, format_detail


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m freqnet.theory",
        description="Check every claim of the seed paper with freqnet's own ops (THEORY.md).")
    parser.add_argument("--claim", type=int, action="append", metavar="N",
                        help=f"run claim N in detail (repeatable); claims: {sorted(REGISTRY)}")
    parser.add_argument("--plots", metavar="DIR", help="write figures (PNG) into DIR")
    parser.add_argument("--quick", action="store_true",
                        help="fewer quadrature points and samples (what the test suite runs)")
    args = parser.parse_args(argv)
    if args.plots:                     # before the claims run, not after
        from ..writable import NotWritableError, check_writable_dir
        try:
            check_writable_dir(args.plots, "--plots")
        except NotWritableError as exc:
            parser.error(str(exc))
    numbers = args.claim or sorted(REGISTRY)
    unknown = [n for n in numbers if n not in REGISTRY]
    if unknown:
        parser.error(f"no claim {unknown[0]}; claims are {sorted(REGISTRY)}")
    records = []
    for n in numbers:
        if args.claim:
            print(f"== claim {n} " + "=" * 60)
        records.append(run_claim(n, quick=args.quick, verbose=bool(args.claim)))
        if args.claim:
            print(format_detail(records[-1]))
            print()
    print(format_table(records))
    if args.plots:
        from .plots import write_plots
        for path in write_plots(records, args.plots, quick=args.quick):
            print(f"wrote {path}")
    return 0 if all(r.passed for r in records) else 1


if __name__ == "__main__":
    sys.exit(main())
