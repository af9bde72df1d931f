"""Text output of :mod:`freqnet.theory`: the summary table and one claim in detail."""

HEADER = (f"{'#':>2}  {'claim':<44} {'paper':<20} {'verdict':<10} "
          f"{'freqnet error':>13} {'(tol)':<8} {'wrong formula':>13}  result")


def _row(rec):
    contrast = rec.contrast
    wrong = f"{contrast.value:13.3g}" if contrast is not None else f"{'-':>13}"
    status = "PASS" if rec.passed else "FAIL"
    return (f"{rec.number:>2}  {rec.claim[:44]:<44} {rec.paper[:20]:<20} {rec.verdict:<10} "
            f"{rec.error:13.2g} {'(' + format(rec.tolerance, '.0e') + ')':<8} {wrong}  {status}\n"
            f"{'':4}true ({rec.theory}): {rec.truth}")


def format_table(records):
    """The table printed by ``python -m freqnet.theory``."""
    lines = [HEADER, "-" * len(HEADER)]
    for rec in records:
        lines.append(_row(rec))
    passed = sum(r.passed for r in records)
    lines.append("-" * len(HEADER))
    lines.append(f"{passed}/{len(records)} claims checked and passed. 'freqnet error': the correct "
                 f"formula's worst error relative to its tolerance; 'wrong formula': the error of "
                 f"the paper's (or a tempting) wrong formula, which each check must catch.")
    return "\n".join(lines)


def format_detail(rec):
    """Every measure of one claim, with its bound."""
    lines = [f"claim {rec.number}: {rec.claim}  [{rec.paper}; THEORY.md {rec.theory}]",
             f"verdict: {rec.verdict}",
             f"what is true: {rec.truth}", ""]
    lines += [m.line() for m in rec.measures]
    lines.append("")
    lines.append("PASS" if rec.passed else "FAIL")
    return "\n".join(lines)
