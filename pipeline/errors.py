"""The one exception that stops a run: something the user must fix first (exit 2)."""


class RunError(Exception):
    """A run cannot be done. The message is one plain-English line for a person."""
