"""Entry point of ``python -m eventwire.schema``."""

from __future__ import annotations

import sys

from eventwire.schema.cli import main

sys.exit(main())
