"""`python -m pipeline`: the weekly job, as run_weekly.py and the ap-weekly command run it."""
import sys

from .cli import main

if __name__ == "__main__":     # a spawned worker of the trust run imports this module again: it must not run
    sys.exit(main())
