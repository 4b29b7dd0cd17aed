"""``python -m runway.executor``: one run, driven by ``INIT_TOKEN`` and ``INIT_JOB_URL`` (executor.md §1.2)."""

import sys

from runway.executor.process import main

sys.exit(main())
