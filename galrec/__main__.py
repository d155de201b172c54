import sys

from galrec.cli import main

sys.exit(main())
