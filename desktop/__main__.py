import gc
import sys

# The start-up creates objects that live as long as the program (modules, classes, Qt's
# enums): collecting them while they are made costs ~8 ms before the window paints. The
# collector is back on once the start is over (desktop.app.start_over) or a command runs.
gc.disable()

from desktop.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
