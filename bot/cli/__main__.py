"""`python -m bot.cli`, as the tests and benchmarks start it: the same as the `oppfolging` script."""

import sys

from bot.cli import console

sys.exit(console())
