"""`python -m dlcore ...`: the `dlcore` command (dlcore.cli)."""

import sys

from .cli import main

sys.exit(main())
