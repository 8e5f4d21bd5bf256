"""Next week's returns and e-mails written beside the run from the moment the registers are read (issue 18).

Which providers get a return next week, and which pupils and sessions each lists, follow from school.toml, the
calendar and the registers alone (provider_week.plan_returns), never from a return or a figure. So once the
registers are read (core.compute_facts' `plans_ready`) the run forks a child (pipeline.beside) that writes them,
and their e-mails in outbox/, while the run itself reads the returns and works out the week on its one core; at
L they are 150 returns and e-mails, about 0.3 s of work that used to come after the figures, beside the workbook
and the page, where both cores were already busy.

The run writes them itself, after its reports as before, where no child can be forked (pipeline.beside: Windows,
macOS, a trust run's school), for a school too large to share its memory with a child (run.BESIDE_UP_TO), and
when the run is to send the e-mails (--send): the messages it sends are then those it built, in its own memory. A
child that fails leaves them to be written again in the run (Beside.finish), which says what went wrong; a run
that stops first stops the child and removes what it left half-written. The files are the same bytes either way.
"""
from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from pathlib import Path

from .. import beside
from ..output import week_folder
from ..read.secrets import load_passwords
from .messages import Outgoing
from .prepare import delivery_paths, outgoing, write_deliveries


class Ahead:
    """Next week's deliveries of a run writing into `out_dir` (a trust's school: `school`), from the school folder
    `data_dir` (its passwords). `start` is core.compute_facts' `plans_ready`."""

    def __init__(self, data_dir: Path, out_dir: Path, school: str | None, largest: int):
        self.data_dir, self.out_dir, self.school, self.largest = Path(data_dir), Path(out_dir), school, largest
        self.child: beside.Beside | None = None
        self.items: list[Outgoing] = []

    def start(self, settings, monday: dt.date, as_of: dt.date, plans: list, placements: int) -> None:
        """Begin writing `plans` in a child, when one can be forked and the school is not larger than `largest`
        placements; else leave them to the run (`finish` then says so)."""
        if not plans or placements > self.largest or not beside.forks():
            return
        folder = week_folder(self.out_dir, monday, self.school)
        passwords = load_passwords(settings, self.data_dir)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            returns, messages = delivery_paths(plans, folder)
            child = beside.Beside(write_deliveries, (settings, plans, folder, passwords, as_of), returns + messages)
        except OSError:
            return        # the run writes them after its reports, and says what is wrong
        self.child, self.items = child, outgoing(plans, returns, passwords)   # (a fork that failed: written here)

    def finish(self) -> list[tuple[Outgoing, EmailMessage | None]] | None:
        """Wait for the child and give each provider's e-mail with no message (its outbox file holds it); None
        when there was none, so the run writes them itself. Raises OSError when the child failed and writing
        them in the run fails too."""
        if self.child is None:
            return None
        child, self.child = self.child, None
        child.finish()
        return [(item, None) for item in self.items]

    def stop(self) -> None:
        """The run stops before `finish`: stop the child and remove what it left half-written."""
        if self.child is not None:
            self.child.stop()
            self.child = None
