"""`python -m landingzone_sandbox sandbox …` runs what `landingzone sandbox …` runs."""

import sys

from landingzone_sandbox.cli import main

sys.exit(main())
