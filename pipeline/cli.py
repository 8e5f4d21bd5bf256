"""Command line (contract §8). Parses arguments, calls the library, maps errors to exit codes."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from .errors import RunError

EXIT_OK, EXIT_FINDINGS, EXIT_CANNOT_RUN, EXIT_SEND_FAILED = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one plain line, exit 2, no usage dump
        raise RunError(f"{message}. Run 'python run_weekly.py --help' to see the options.")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date written as YYYY-MM-DD") from None


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="run_weekly.py", description="Weekly alternative provision report: checks the school's workbooks, "
                "works out attendance against target, lists duties, and writes the reports.")
    p.add_argument("--data", type=Path, metavar="DIR", help="the school folder (school.toml, placements.xlsx, providers.xlsx, returns/)")
    p.add_argument("--week", type=_date, metavar="YYYY-MM-DD", help="any date in the reporting week (default: the last complete school week)")
    p.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", dest="as_of", help="count up to this date (default: that week's Friday)")
    p.add_argument("--out", type=Path, default=Path("reports"), metavar="DIR", help="where reports are written (default: reports/)")
    p.add_argument("--init", type=Path, metavar="DIR", help="create a new school folder from the templates")
    p.add_argument("--governor-pack", metavar="TERM_NAME", dest="governor_pack",
                   help="write the termly governor pack for this term instead (--as-of defaults to today)")
    p.add_argument("--send", action="store_true", help="e-mail each provider its return through the SMTP server in school.toml")
    p.add_argument("--resend", action="store_true", help="with --send: send again to providers the send log says were sent")
    return p


def main(argv: list[str] | None = None, today: dt.date | None = None) -> int:
    try:
        args = parser().parse_args(argv)
        if args.init:
            from .init_folder import init_folder
            created = init_folder(args.init)
            print(f"Created a new school folder at {args.init}:")
            for path in created:
                print(f"  {path}")
            print("Fill in school.toml, providers.xlsx and placements.xlsx, then run:\n"
                  f"  python run_weekly.py --data {args.init}")
            return EXIT_OK
        if not args.data:
            raise RunError("Say which school folder to use with --data DIR (or create one with --init DIR).")
        if args.governor_pack:
            from .governors.run import pack_summary, run_governor_pack
            print(pack_summary(run_governor_pack(args.data, args.governor_pack, args.as_of, args.out, today)))
            return EXIT_OK
        from .run import console_summary, run_week
        if args.resend and not args.send:
            raise RunError("--resend only works together with --send.")
        outcome = run_week(args.data, args.out, args.week, args.as_of, today, send=args.send, resend=args.resend)
        print(console_summary(outcome))
        return outcome.exit_code
    except RunError as exc:
        print(f"Cannot run: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return EXIT_CANNOT_RUN
