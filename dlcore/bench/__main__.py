"""`python -m dlcore.bench NAME [--threads 1 2] [--json FILE] [--quick]`."""

import sys

from dlcore.bench import main

sys.exit(main())
