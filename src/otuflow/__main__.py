"""Allow ``python -m otuflow`` (used by workflow rules, which may run outside the venv)."""

import sys

from otuflow.cli import main

sys.exit(main())
