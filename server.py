"""Run the screening gRPC server: `python server.py [--listen HOST:PORT] [--metrics-listen HOST:PORT]`.

The same as `screening serve`, with the same flags.
"""

import sys

from screening.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
