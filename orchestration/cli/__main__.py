"""`python -m orchestration.cli`: the same as `iku`."""

import sys

from orchestration.cli import main

sys.exit(main())
