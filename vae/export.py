"""`python -m vae.export`, the command as INTERFACE.md writes it; its code is vae.publish.export."""

import sys

from vae.publish.export import main

if __name__ == "__main__":
    sys.exit(main())
