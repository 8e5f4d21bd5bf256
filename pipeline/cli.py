"""Command line (contract §8). Parses arguments, calls the library, maps errors to exit codes."""
from __future__ import annotations

import argparse
import codecs
import datetime as dt
import sys
from pathlib import Path

from .errors import RunError
from .heap import imports_uncollected

EXIT_OK, EXIT_FINDINGS, EXIT_CANNOT_RUN, EXIT_SEND_FAILED = 0, 1, 2, 3
EXIT_CRASH = 4                      # the tool itself failed (a bug): details in a crash log (pipeline.crash)
YEARS = range(2000, 2101)           # dates outside these years are typing mistakes, not school weeks


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one plain line, exit 2, no usage dump
        raise RunError(f"{message}. Run 'python run_weekly.py --help' to see the options.")


def _date(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date written as YYYY-MM-DD") from None
    if day.year not in YEARS:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date between {YEARS[0]} and {YEARS[-1]}: "
                                         "check the year")
    return day


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= 256:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of schools to run at once (a whole number from 1 to 256)")
    return n


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="run_weekly.py", description="Weekly alternative provision report: checks the school's workbooks, "
                "works out attendance against target, lists duties, and writes the reports.")
    p.add_argument("--data", type=Path, metavar="DIR", help="the school folder (school.toml, placements.xlsx, providers.xlsx, returns/)")
    p.add_argument("--week", type=_date, metavar="YYYY-MM-DD", help="any date in the reporting week (default: the last complete school week)")
    p.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", dest="as_of", help="count up to this date (default: that week's Friday)")
    p.add_argument("--out", type=Path, metavar="DIR", help="where reports are written (default: [paths] out in "
                   "school.toml, else reports/)")
    p.add_argument("--init", type=Path, metavar="DIR", help="create a new school folder from the templates")
    p.add_argument("--trust", type=Path, metavar="TRUST_DIR", help="run every school listed in TRUST_DIR/trust.toml "
                   "and write the trust report (docs/trust_mode.md)")
    p.add_argument("--jobs", type=_jobs, metavar="N", help="with --trust: how many schools to run at once "
                   "(default: one per processor core)")
    p.add_argument("--governor-pack", metavar="TERM_NAME", dest="governor_pack",
                   help="write the termly governor pack for this term instead (--as-of defaults to today)")
    p.add_argument("--send", action="store_true", help="e-mail each provider its return through the SMTP server in school.toml")
    p.add_argument("--resend", action="store_true", help="with --send: send again to providers the send log says were sent")
    p.add_argument("--email-sign-in", action="store_true", dest="email_sign_in",
                   help='sign in to Microsoft 365 once for --send with [email] auth = "microsoft" (docs/email_setup.md)')
    return p


UNICODE_ENCODINGS = ("utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be", "utf-8-sig")


def safe_console() -> None:
    """Make printing never fail on a character the console's encoding lacks (an en dash in a file name under
    cp850, a tick under cp1252 when a scheduled task sends the output to a file): such a character is printed
    as '?' instead. Streams already writing Unicode, or that cannot be reconfigured, are left as they are."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name, None)
        encoding = getattr(stream, "encoding", None)
        if stream is None or not hasattr(stream, "reconfigure") or not encoding:
            continue
        try:
            unicode = codecs.lookup(encoding).name in UNICODE_ENCODINGS
            if unicode or getattr(stream, "errors", "strict") not in ("strict", "backslashreplace"):
                continue
            stream.reconfigure(errors="replace")
        except (LookupError, ValueError, OSError):   # an unknown codec, a closed or detached stream: leave it
            continue


def main(argv: list[str] | None = None, today: dt.date | None = None,
         lock_wait: float | None = None) -> int:
    """Run the command line; the exit status (contract §8). `lock_wait`: seconds to wait for another run
    writing to the same --out (default pipeline.out_lock.WAIT_SECONDS)."""
    safe_console()
    args = None
    try:
        args = parser().parse_args(argv)
        return _run(args, today, lock_wait)
    except RunError as exc:
        print(f"Cannot run: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except OSError as exc:   # the system refused a file or folder: the user can fix it, so exit 2, not a crash
        where = f" {exc.filename}" if exc.filename else ""
        print(f"Cannot run: the file or folder{where} could not be used ({exc.strerror or exc}). Check it exists, "
              "that you may write to --out, that the disk is not full and that no report is open in another program.",
              file=sys.stderr)
        return EXIT_CANNOT_RUN
    except Exception as exc:  # a bug: one plain line, the traceback in a crash log, never on the console
        from .crash import crash_line, write_crash_log
        init = args is not None and args.init
        out = None if args is None or init else args.out
        data = None if args is None or init else (args.data or args.trust)
        print(crash_line(exc, write_crash_log(exc, out, data, argv)), file=sys.stderr)
        return EXIT_CRASH


def _run(args, today: dt.date | None, lock_wait: float | None) -> int:
    from .out_lock import WAIT_SECONDS, out_lock
    from .output import check_out_dir, out_folder

    if args.init:
        from .init_folder import init_folder, shell_line
        made = init_folder(args.init, today)
        print(f"Created a new school folder at {made.folder}:")
        for path in made.created:
            print(f"  {path}")
        print("Next: fill in school.toml (the school's name, then check the term dates and closures), providers.xlsx "
              "and placements.xlsx, and save the school's register export in register/ (see register/README.txt).\n"
              f"Then double-click {made.launcher.name} in the school folder to run the weekly job, or run:\n"
              f"  {shell_line(made.command)}")
        return EXIT_OK
    if args.trust:
        return _run_trust(args, today, lock_wait)
    if args.jobs:
        raise RunError("--jobs only works together with --trust.")
    if not args.data:
        raise RunError("Say which school folder to use with --data DIR (or create one with --init DIR, or run a "
                       "trust's schools with --trust TRUST_DIR).")
    if args.email_sign_in or args.send:   # [email] auth = "microsoft": its sign-in, kept outside DIR (contract §14)
        from .delivery.oauth import check_microsoft_cache, sign_in
        if args.email_sign_in:
            return sign_in(args.data)
        check_microsoft_cache(args.data)
    if args.resend and not args.send and not args.governor_pack:
        raise RunError("--resend only works together with --send.")
    args.out, chosen_by = out_folder(args.data, args.out)     # --out, else [paths] out, else reports/
    check_out_dir(args.data, args.out, chosen_by)
    wait = WAIT_SECONDS if lock_wait is None else lock_wait
    with out_lock(args.out, wait, notice=lambda line: print(line, flush=True)):
        if args.governor_pack:
            with imports_uncollected():
                from .governors.run import pack_summary, run_governor_pack
            print(pack_summary(run_governor_pack(args.data, args.governor_pack, args.as_of, args.out, today)))
            return EXIT_OK
        with imports_uncollected():
            from .run import console_summary, run_week
        outcome = run_week(args.data, args.out, args.week, args.as_of, today, send=args.send, resend=args.resend)
        print(console_summary(outcome))
        return outcome.exit_code


def _run_trust(args, today: dt.date | None, lock_wait: float | None) -> int:
    """--trust TRUST_DIR (contract §16): every school, then the trust report; one console line per school."""
    from .out_lock import WAIT_SECONDS, out_lock
    from .trust.settings import load_trust

    with imports_uncollected():
        from .trust.run import (check_trust_out, run_trust, school_line, trust_heading, trust_out_folder,
                                trust_summary_lines)

    clash = [name for name, given in (("--data", args.data), ("--governor-pack", args.governor_pack),
                                      ("--email-sign-in", args.email_sign_in)) if given]
    if clash:
        raise RunError(f"--trust cannot be used together with {clash[0]}: run one school with --data DIR, or every "
                       "school of the trust with --trust TRUST_DIR.")
    if args.resend and not args.send:
        raise RunError("--resend only works together with --send.")
    trust = load_trust(args.trust)
    out = trust_out_folder(trust, args.out)
    check_trust_out(args.trust, out)
    print(trust_heading(trust), flush=True)
    wait = WAIT_SECONDS if lock_wait is None else lock_wait
    with out_lock(out, wait, notice=lambda line: print(line, flush=True)):
        outcome = run_trust(args.trust, out, args.week, args.as_of, today, send=args.send, resend=args.resend,
                            jobs=args.jobs, trust=trust,
                            on_school=lambda result: print(school_line(result, out), flush=True))
    print("\n".join(trust_summary_lines(outcome)))
    return outcome.exit_code

