"""The week's deliveries: each provider's pre-filled return and the e-mail that carries it."""
from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from pathlib import Path

from ..model import Facts
from ..output import output_path, remove_stale
from ..provider_week import RETURNS_FOLDER, PlannedReturn
from ..heap import writer
from ..render.provider_return import write_provider_return
from .messages import Outgoing, build_message, write_outbox

OUTBOX_FOLDER = "outbox"
STALE_PATTERN = "[!.]*_????-??-??{suffix}"     # <Provider ID>_<YYYY-MM-DD><suffix>, never a hidden file


@writer
def prepare_deliveries(result: Facts, folder: Path, passwords: dict[str, str]) -> list[tuple[Outgoing, EmailMessage]]:
    """Write returns_to_send/ and outbox/ in the week's folder; the messages, ready to send."""
    folder = Path(folder)
    returns_folder, outbox_folder = output_path(folder, RETURNS_FOLDER), output_path(folder, OUTBOX_FOLDER)
    plans = result.returns_to_send
    paths = write_returns(plans, returns_folder, result.settings.school_name, result.as_of)
    messages = {}
    for plan, path in zip(plans, paths):
        item = Outgoing(plan.provider_id, plan.provider_name, plan.contact_email, path, plan.monday,
                        len(plan.pupils), plan.return_by, passwords.get(plan.provider_id))
        messages[plan.provider_id] = (item, build_message(result.settings, item))
    written = write_outbox(messages, outbox_folder)   # each named by output_path too
    # an earlier run of the same week may have written a return or an e-mail for a provider with none now (a pupil
    # moved or ended): left beside the new ones, it could be sent with pupils no longer that provider's.
    remove_stale(returns_folder, STALE_PATTERN.format(suffix=".xlsx"), paths)
    remove_stale(outbox_folder, STALE_PATTERN.format(suffix=".eml"), written)
    return list(messages.values())


def write_returns(plans: list[PlannedReturn], folder: Path, school: str, created: dt.date) -> list[Path]:
    """Write each plan's pre-filled return as folder/<Provider ID>_<Monday>.xlsx (named by output.output_path,
    so no Provider ID can put it anywhere else); the paths written."""
    paths = []
    for plan in plans:
        path = output_path(Path(folder), plan.filename)
        write_provider_return(path, plan.provider_id, plan.provider_name, plan.monday, plan.pupils, school,
                              plan.return_by, created)
        paths.append(path)
    return paths
