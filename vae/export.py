"""`python -m vae.export`: a training run to a model folder the app shows; its code is vae.publish.export."""

import sys

from vae.publish.export import main

if __name__ == "__main__":
    sys.exit(main())
