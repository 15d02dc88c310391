import sys

from bplab.cli import main

sys.exit(main())
