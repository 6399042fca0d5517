"""`python -m summarizer.batch INPUT... --out DIR ...`: `summarizer batch` without the entry point."""
import sys

from summarizer.commands.batch import main

sys.exit(main())
