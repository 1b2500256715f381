"""`python -m vae.intel`: the Intel photo set's rebuild; its code is vae.publish.intel."""

import sys

from vae.publish.intel import main

if __name__ == "__main__":
    sys.exit(main())
