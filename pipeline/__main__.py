"""`python -m pipeline`: the weekly job, as run_weekly.py and the ap-weekly command run it."""
import sys

from .cli import main

sys.exit(main())
