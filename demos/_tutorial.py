"""Plumbing shared by the tutorial scripts (docs/tutorial.md): the --out and
--quick options, printing each numerical verification, the exit code."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from freqnet import backend  # noqa: E402
from freqnet.theory.record import Measure  # noqa: E402


class Step:
    """One tutorial step: ``check`` prints a verification, ``finish`` exits 1 if any failed."""

    def __init__(self, title, argv=None):
        p = argparse.ArgumentParser(description=title)
        p.add_argument("--out", default="figures", help="directory for the PNG figures (default ./figures)")
        p.add_argument("--quick", action="store_true", help="smaller sizes (for the test suite)")
        self.args = p.parse_args(argv)
        self.out, self.quick = self.args.out, self.args.quick
        from freqnet.writable import NotWritableError, check_writable_dir
        try:
            check_writable_dir(self.out, "--out")
        except NotWritableError as exc:
            p.error(str(exc))
        print(f"(freqnet runs on the {backend.name} backend; its results come to the host "
              f"with .numpy() to be compared with NumPy references)")
        self.measures = []
        print(title)
        print("=" * len(title))

    def section(self, text):
        print(f"\n-- {text}")

    def check(self, name, value, bound, expect="small"):
        """Print one measured number against its bound (``expect="large"``: a wrong formula)."""
        m = Measure(name, value, bound, expect)
        self.measures.append(m)
        print("   " + m.line())
        return value

    def figure(self, path):
        print(f"   figure: {path}")

    def finish(self):
        failed = [m for m in self.measures if not m.passed]
        print(f"\n{len(self.measures) - len(failed)}/{len(self.measures)} verifications passed")
        return 1 if failed else 0
