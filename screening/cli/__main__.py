import sys

from screening.cli.main import main

sys.exit(main())
