#!/usr/bin/env python3
"""The weekly alternative provision job. See README.md, or run with --help."""
import sys

from pipeline.cli import main

if __name__ == "__main__":
    sys.exit(main())
