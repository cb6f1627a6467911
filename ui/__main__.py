"""`python -m ui`, and the packaged app's entry point."""

import sys

from ui.app import main

sys.exit(main())
