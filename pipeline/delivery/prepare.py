"""The week's deliveries: each provider's pre-filled return and the e-mail that carries it."""
from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from pathlib import Path

from ..model import Facts
from ..output import output_path, remove_stale, remove_temporaries
from ..provider_week import RETURNS_FOLDER, PlannedReturn
from ..heap import writer
from ..pool import in_order, pool_size, process_pool
from ..render.provider_return import write_provider_return
from .messages import Outgoing, build_message, outbox_name, write_outbox

OUTBOX_FOLDER = "outbox"
STALE_PATTERN = "[!.]*_????-??-??{suffix}"     # <Provider ID>_<YYYY-MM-DD><suffix>, never a hidden file
# Pre-filled returns worth starting workers for. Written directly (render/provider_return_xml) a return costs
# about 1.2 ms of CPU. In a warm run at L, 150 were written in the run in 0.29-0.34 s (0.28-0.31 s of CPU); two
# workers took 0.26-0.27 s for 0.35-0.40 s of CPU, sharing the cores with the children writing the weekly workbook
# and page (and a worker started by 'spawn', as on Windows, first imports the pipeline). They are now written
# beside the run while it reads the returns (delivery/ahead.py), where the run itself has the other core. Alone
# on an idle 2-core machine the workers pay from about 600: 600 in 0.6 s instead of 0.9 s, 3000 in 4.3 s instead
# of 5.1-5.4 s (chunks of 64), for a fifth to a third more CPU.
MIN_POOLED = 600
MAX_WORKERS = 4
CHUNK = 64             # returns a worker writes per task
START_METHOD = None    # how workers start ('spawn' as on Windows, 'fork'); None: the system's own


def prepare_deliveries(result: Facts, folder: Path, passwords: dict[str, str]) -> list[tuple[Outgoing, EmailMessage]]:
    """Write returns_to_send/ and outbox/ in the week's folder; the messages, ready to send."""
    return write_deliveries(result.settings, result.returns_to_send, folder, passwords, result.as_of)


@writer
def write_deliveries(settings, plans: list[PlannedReturn], folder: Path, passwords: dict[str, str],
                     created: dt.date) -> list[tuple[Outgoing, EmailMessage]]:
    """Write returns_to_send/ and outbox/ in `folder` for `plans`, next week's returns (`created`: the date in
    their properties); the messages, ready to send."""
    folder = Path(folder)
    returns_folder, outbox_folder = output_path(folder, RETURNS_FOLDER), output_path(folder, OUTBOX_FOLDER)
    paths = write_returns(plans, returns_folder, settings.school_name, created)
    messages = {item.provider_id: (item, build_message(settings, item)) for item in outgoing(plans, paths, passwords)}
    written = write_outbox(messages, outbox_folder)   # each named by output_path too
    # an earlier run of the same week may have written a return or an e-mail for a provider with none now (a pupil
    # moved or ended): left beside the new ones, it could be sent with pupils no longer that provider's.
    remove_stale(returns_folder, STALE_PATTERN.format(suffix=".xlsx"), paths)
    remove_stale(outbox_folder, STALE_PATTERN.format(suffix=".eml"), written)
    remove_temporaries(paths + written)       # what a run killed outright left half-written of them
    return list(messages.values())


def outgoing(plans: list[PlannedReturn], paths: list[Path], passwords: dict[str, str]) -> list[Outgoing]:
    """Each plan's e-mail, carrying the return written at the path beside it."""
    return [Outgoing(plan.provider_id, plan.provider_name, plan.contact_email, path, plan.monday, len(plan.pupils),
                     plan.return_by, passwords.get(plan.provider_id)) for plan, path in zip(plans, paths)]


def delivery_paths(plans: list[PlannedReturn], folder: Path) -> tuple[list[Path], list[Path]]:
    """Where write_deliveries writes each plan's return, and its e-mail, in `folder`."""
    folder = Path(folder)
    returns_folder, outbox_folder = output_path(folder, RETURNS_FOLDER), output_path(folder, OUTBOX_FOLDER)
    return ([output_path(returns_folder, plan.filename) for plan in plans],
            [output_path(outbox_folder, outbox_name(plan.provider_id, plan.monday)) for plan in plans])


def write_returns(plans: list[PlannedReturn], folder: Path, school: str, created: dt.date) -> list[Path]:
    """Write each plan's pre-filled return as folder/<Provider ID>_<Monday>.xlsx (named by output.output_path,
    so no Provider ID can put it anywhere else); the paths written. A local authority's week (150) is written
    here; very many returns (MIN_POOLED) in worker processes on the machine's other cores (pipeline.pool), the
    same bytes; a chunk whose worker died or failed is written again here, where a real error (a full disk) is
    raised as it always was."""
    jobs = [(output_path(Path(folder), plan.filename), plan.provider_id, plan.provider_name, plan.monday,
             plan.pupils, school, plan.return_by, created) for plan in plans]
    workers = pool_size(MAX_WORKERS)
    if workers < 2 or len(jobs) < MIN_POOLED:
        write_all(jobs)
    else:
        chunks, again = [jobs[i:i + CHUNK] for i in range(0, len(jobs), CHUNK)], []

        def here(chunk):
            again.append(chunk)
            write_all(chunk)
        with process_pool(min(workers, len(chunks)), START_METHOD) as pool:
            for _ in in_order(pool, write_all, chunks, here, errors=(Exception,)):
                pass
        if again:      # a dead worker's pool ends the others mid-file: their temporary files are left behind
            remove_temporaries([job[0] for job in jobs])
    return [job[0] for job in jobs]


def write_all(jobs: list[tuple]) -> None:
    """write_provider_return of each job (its arguments), in this process or a worker."""
    for job in jobs:
        write_provider_return(*job)
