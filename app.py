"""Start the chat page on the bundled corpus: `python app.py [--host H] [--port P]`."""

from __future__ import annotations

import sys

from assistant.serve.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
