"""`summarizer batch` slowed down so that a test can kill it half way: every chunk takes a second
(`SLOW_BATCH_SECONDS` in the environment: that many).

    [sys.executable, "-c", slow_batch.COMMAND, *batch_arguments]   (cwd: the repository, PYTHONPATH: tests/)
"""
import os
import time

COMMAND = ("import sys; import slow_batch; from summarizer.commands.batch import main; "
           "sys.exit(main(sys.argv[1:], after_chunk=slow_batch.after_chunk))")


def after_chunk() -> None:
    time.sleep(float(os.environ.get("SLOW_BATCH_SECONDS", "1.0")))
