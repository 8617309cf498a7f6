import sys

from ripcert.cli import main

sys.exit(main())
